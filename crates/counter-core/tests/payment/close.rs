use counter_api::acquirer::{BrandTotals, PaymentStatus, SettlementTotals};
use counter_core::Code;
use counter_core::payment::close::{check_closable, journal_totals, reconcile};
use counter_core::payment::*;

use crate::support::*;

fn day_journal() -> (Vec<PaymentRecord>, Vec<RefundRecord>) {
    let mut a = sale(1, 1_000);
    {
        let p_ = payment(&a, PaymentStatus::Captured, 1_000, 0);
        on_payment(&mut a, Ok(p_), NOW)
    };
    let mut b = sale(2, 2_000);
    {
        let p_ = payment(&b, PaymentStatus::Captured, 2_000, 0);
        on_payment(&mut b, Ok(p_), NOW)
    };
    begin_void(&mut b, "v".into(), NOW).unwrap();
    {
        let p_ = payment(&b, PaymentStatus::Voided, 2_000, 0);
        on_payment(&mut b, Ok(p_), NOW)
    };
    let mut c = sale(3, 300);
    on_payment(&mut c, Err(problem(402, "payment_declined")), NOW);
    let mut d = sale(4, 400); // never reached the acquirer: reversed, counts nowhere
    on_status(&mut d, Ok(None), NOW);
    on_reversal(
        &mut d,
        Ok(counter_api::acquirer::Reversal {
            original_idempotency_key: "auth-4".into(),
            found: false,
            payment: None,
        }),
        NOW,
    );
    let mut r = begin_refund(&a, &[], "R1".into(), "rk".into(), 250, NOW).unwrap();
    {
        let p_ = payment(&a, PaymentStatus::PartiallyRefunded, 1_000, 250);
        on_refund(&mut r, &mut a, Ok(p_), NOW)
    };
    (vec![a, b, c, d], vec![r])
}

fn theirs(brands: Vec<BrandTotals>) -> SettlementTotals {
    SettlementTotals {
        date: "2026-11-24".into(),
        merchant_id: "shop-a".into(),
        brands,
        pending_authorisations: 0,
    }
}

#[test]
fn a_matching_day_closes() {
    let (p, r) = day_journal();
    check_closable(&p, &r, NOW).unwrap();
    let ours = journal_totals("2026-11-24", &p, &r);
    let visa = BrandTotals {
        brand: "VISA".into(),
        debit_count: 1,
        debit_jpy: 1_000,
        credit_count: 1,
        credit_jpy: 250,
        cancelled_count: 1,
        declined_count: 0,
    };
    assert_eq!(ours, vec![visa.clone()]);
    let report = reconcile("2026-11-24", ours, &theirs(vec![visa.clone()]));
    assert_eq!(report.code, Code::CloseMatched);
    // The acquirer counted one more sale: a mismatch, line by line.
    let mut more = visa;
    more.debit_count += 1;
    more.debit_jpy += 99;
    let report = reconcile(
        "2026-11-24",
        journal_totals("2026-11-24", &p, &r),
        &theirs(vec![more]),
    );
    assert_eq!(report.code, Code::CloseMismatch);
    assert!(!report.lines[0].matches);
    // Another day has nothing of ours.
    assert!(journal_totals("2026-11-25", &p, &r).is_empty());
}

#[test]
fn in_doubt_blocks_the_close() {
    let (mut p, mut r) = day_journal();
    p.push(sale(9, 10));
    let refused = check_closable(&p, &r, NOW).unwrap_err();
    assert_eq!(refused.code, Code::CloseRefusedInDoubt);
    assert_eq!(refused.in_doubt, vec!["T1-9".to_string()]);
    p.pop();
    r[0].state = RefundState::Refunding;
    assert_eq!(
        check_closable(&p, &r, NOW).unwrap_err().in_doubt,
        vec!["R1".to_string()]
    );
}

#[test]
fn a_held_refund_refuses_the_close_naming_the_staff_action() {
    let (p, mut r) = day_journal();
    r[0].state = RefundState::Refunding;
    let past = NOW.plus_secs(RECOVERY_HORIZON_SECS);
    // Still sent by the counter: in doubt, wait for it.
    let refused = check_closable(&p, &r, NOW.plus_secs(RECOVERY_HORIZON_SECS - 1)).unwrap_err();
    assert_eq!(refused.code, Code::CloseRefusedInDoubt);
    // Held: the counter will never resolve it, so the refusal names it and the action.
    let refused = check_closable(&p, &r, past).unwrap_err();
    assert_eq!(refused.code, Code::CloseRefusedRefundHeld);
    assert_eq!(refused.in_doubt, vec!["R1".to_string()]);
    let e = Code::CloseRefusedRefundHeld.entry();
    assert!(
        e.next_en.contains("Held refunds") && e.next_ja.contains("保留中の返金"),
        "{}",
        e.next_en
    );
    // A sale in doubt is named first (it resolves by itself).
    let mut with_sale = p.clone();
    with_sale.push(sale(9, 10));
    let refused = check_closable(&with_sale, &r, past).unwrap_err();
    assert_eq!(
        (refused.code, refused.in_doubt),
        (Code::CloseRefusedInDoubt, vec!["T1-9".to_string()])
    );
    // Settled by staff: the day closes.
    let mut sale_of_r = p.iter().find(|s| s.id == r[0].payment).unwrap().clone();
    settle_held_refund(
        &mut r[0],
        &mut sale_of_r,
        AcquirerSaid::NotRefunded,
        None,
        past,
    )
    .unwrap();
    check_closable(&p, &r, past).unwrap();
}
