use counter_api::acquirer::PaymentStatus;
use counter_core::Code;
use counter_core::payment::receipt::{Copy, MerchantInfo, ReceiptKind, masked_card, receipt};
use counter_core::payment::*;

use crate::support::*;

fn captured(n: u32, amount: u64) -> PaymentRecord {
    let mut r = sale(n, amount);
    {
        let p_ = payment(&r, PaymentStatus::Captured, amount, 0);
        on_payment(&mut r, Ok(p_), NOW)
    };
    r
}

#[test]
fn refunds_never_exceed_the_capture() {
    let mut p = captured(1, 3_000);
    let r1 = begin_refund(
        &p,
        &[],
        "R1".into(),
        "ref-1".into(),
        1_000,
        NOW.plus_secs(DAY),
    )
    .unwrap();
    assert_eq!(r1.state, RefundState::Refunding);
    assert_eq!(r1.business_date, "2026-11-25");
    // One at a time.
    assert_eq!(
        begin_refund(
            &p,
            std::slice::from_ref(&r1),
            "R2".into(),
            "ref-2".into(),
            1,
            NOW
        ),
        Err(Code::PaymentBusy)
    );
    let mut r1 = r1;
    assert_eq!(on_refund(&mut r1, &mut p, Err(timeout()), NOW), None);
    assert_eq!(r1.state, RefundState::Refunding);
    let answer = payment(&p, PaymentStatus::PartiallyRefunded, 3_000, 1_000);
    assert_eq!(
        on_refund(&mut r1, &mut p, Ok(answer), NOW),
        Some(Code::RefundDone)
    );
    assert_eq!(p.refunded_jpy, 1_000);
    assert_eq!(p.state, PaymentState::Captured);
    let done = [r1];
    assert_eq!(
        begin_refund(&p, &done, "R2".into(), "ref-2".into(), 2_001, NOW),
        Err(Code::RefundExceedsCaptured)
    );
    assert!(begin_refund(&p, &done, "R2".into(), "ref-2".into(), 2_000, NOW).is_ok());
    assert_eq!(
        begin_refund(&p, &done, "R2".into(), "ref-2".into(), 0, NOW),
        Err(Code::RefundExceedsCaptured)
    );
}

#[test]
fn refunds_need_a_captured_sale() {
    let mut p = sale(2, 500);
    assert_eq!(
        begin_refund(&p, &[], "R".into(), "k".into(), 1, NOW),
        Err(Code::PaymentInDoubt)
    );
    p.state = PaymentState::Voided;
    assert_eq!(
        begin_refund(&p, &[], "R".into(), "k".into(), 1, NOW),
        Err(Code::InvalidPaymentState)
    );
}

#[test]
fn a_refused_refund_is_final_and_says_why() {
    let mut p = captured(3, 500);
    let mut r = begin_refund(&p, &[], "R".into(), "k".into(), 100, NOW).unwrap();
    let code = on_refund(&mut r, &mut p, Err(problem(422, "amount_exceeded")), NOW);
    assert_eq!(code, Some(Code::RefundExceedsCaptured));
    assert_eq!(r.state, RefundState::Refused);
}

#[test]
fn receipts_mask_the_card_and_mark_reprints() {
    let p = captured(4, 12_345);
    let m = MerchantInfo {
        name: "まどぐち薬局".into(),
        merchant_id: "shop-a".into(),
        terminal_id: "till-1".into(),
    };
    let c = receipt(
        &m,
        &p,
        None,
        ReceiptKind::Sale,
        Copy::Customer,
        false,
        "2026-11-24 10:00",
    );
    let text = c.text();
    assert!(text.contains("XXXX-XXXX-XXXX-4242"), "{text}");
    assert!(text.contains("¥12,345"));
    assert!(text.contains("お客様控え"));
    assert!(!text.contains("再発行"));
    let again = receipt(&m, &p, None, ReceiptKind::Void, Copy::Merchant, true, "t");
    let text = again.text();
    assert!(text.contains("加盟店控え") && text.contains("再発行") && text.contains("元伝票番号"));
    assert_eq!(masked_card(Some("12345")), "XXXX-XXXX-XXXX-XXXX");
    assert_eq!(masked_card(None), "XXXX-XXXX-XXXX-XXXX");
}

#[test]
fn cashier_offers_only_linked_payment_methods_and_binds_the_amount() {
    use counter_api::platform::{MenuEntry, ServiceKind};
    use counter_core::payment::cashier::{Checkout, check_amount};
    let entry = |id: &str, kind, a: Option<&str>| MenuEntry {
        service_id: id.into(),
        kind,
        label: id.into(),
        assertion: a.map(str::to_owned),
        assertion_expires_at: Some(NOW.plus_secs(120)),
    };
    let menu = vec![
        entry("kenpo", ServiceKind::Insurance, Some("a1")),
        entry("acq-visa", ServiceKind::Payment, Some("a2")),
        entry("acq-none", ServiceKind::Payment, None),
    ];
    let c = Checkout::new("shop-a", 1_800, menu).unwrap();
    assert_eq!(c.options().len(), 1);
    assert_eq!(c.confirm("acq-visa", 1_801, NOW), Err(Code::AmountInvalid));
    assert_eq!(c.confirm("kenpo", 1_800, NOW), Err(Code::NotNow));
    assert_eq!(
        c.confirm("acq-visa", 1_800, NOW.plus_secs(120)),
        Err(Code::AssertionExpired)
    );
    assert_eq!(c.confirm("acq-visa", 1_800, NOW).unwrap().assertion, "a2");
    assert!(!format!("{c:?}").contains("a2"));
    assert_eq!(
        Checkout::new(
            "shop-a",
            1,
            vec![entry("k", ServiceKind::Insurance, Some("x"))]
        )
        .unwrap_err(),
        Code::NoPaymentMethod
    );
    assert_eq!(check_amount(0), Err(Code::AmountInvalid));
    assert_eq!(check_amount(100_000_000), Err(Code::AmountInvalid));
    assert_eq!(check_amount(1), Ok(1));
}

#[test]
fn a_refund_that_stays_unknown_is_escalated_to_staff() {
    let mut p = captured(5, 2_000);
    let mut r = begin_refund(&p, &[], "R5".into(), "ref-5".into(), 700, NOW).unwrap();
    assert_eq!(r.attempts, 0);
    for round in 1..=MAX_RESOLVE_ATTEMPTS {
        let t = NOW.plus_secs(i64::from(round));
        assert_eq!(on_refund(&mut r, &mut p, Err(timeout()), t), None);
        assert_eq!(r.state, RefundState::Refunding);
        assert_eq!(r.attempts, round);
        assert_eq!(
            refund_unresolved(&r, NOW),
            round == MAX_RESOLVE_ATTEMPTS,
            "round {round}"
        );
    }
    // The status bar lists it with the sales staff must call about; the sale is final and
    // is not listed.
    let mut stuck_sale = sale(6, 100);
    stuck_sale.attempts = MAX_RESOLVE_ATTEMPTS;
    assert_eq!(
        unresolved_ids(&[p.clone(), stuck_sale], std::slice::from_ref(&r), NOW),
        ["T1-6".to_owned(), "R5".to_owned()]
    );
    // The status bar's one notice for both (payment_unresolved) tells staff what not to do
    // for a refund too, not only for a sale: paying it back another way could pay twice.
    let e = Code::PaymentUnresolved.entry();
    assert!(e.en.contains("refund") && e.next_en.contains("refund number"));
    assert!(
        e.next_en.contains("nor pay a refund back another way")
            && e.next_ja.contains("返金し直さないでください"),
        "{}",
        e.next_en
    );
    assert!(
        !e.next_en.ends_with("Do not ask the customer to pay again"),
        "a sale's advice alone: {}",
        e.next_en
    );
    // Its answer comes at last: settled, never escalated.
    let answer = payment(&p, PaymentStatus::PartiallyRefunded, 2_000, 700);
    assert_eq!(
        on_refund(&mut r, &mut p, Ok(answer), NOW.plus_secs(60)),
        Some(Code::RefundDone)
    );
    assert!(!refund_unresolved(&r, NOW));
    assert!(unresolved_ids(&[p], &[r], NOW).is_empty());
}

#[test]
fn a_refund_never_sent_is_retried_with_its_key_and_escalated() {
    // The connection was refused: the refund never left, so nothing was refunded and the
    // same key is safe to send again. Not a final refusal.
    let refused_to_connect = || counter_core::BackendFailure::Unreachable {
        sent: false,
        detail: "connection refused".into(),
    };
    let mut p = captured(7, 2_000);
    let mut r = begin_refund(&p, &[], "R7".into(), "ref-7".into(), 700, NOW).unwrap();
    for round in 1..=MAX_RESOLVE_ATTEMPTS {
        let t = NOW.plus_secs(i64::from(round));
        assert_eq!(
            on_refund(&mut r, &mut p, Err(refused_to_connect()), t),
            None,
            "round {round}: still pending"
        );
        assert_eq!(r.state, RefundState::Refunding);
        assert_eq!(r.idempotency_key, "ref-7");
        assert_eq!(r.attempts, round);
        assert!(
            r.reason
                .as_deref()
                .is_some_and(|why| why.contains("not sent")),
            "{:?}",
            r.reason
        );
        assert_eq!(
            refund_unresolved(&r, NOW),
            round == MAX_RESOLVE_ATTEMPTS,
            "round {round}"
        );
    }
    // Nothing was taken from the sale meanwhile, and a second refund still waits for it.
    assert_eq!(p.refunded_jpy, 0);
    assert_eq!(
        begin_refund(
            &p,
            std::slice::from_ref(&r),
            "R8".into(),
            "ref-8".into(),
            1,
            NOW
        ),
        Err(Code::PaymentBusy)
    );
    // Sent at last, under the same key: done.
    let answer = payment(&p, PaymentStatus::PartiallyRefunded, 2_000, 700);
    assert_eq!(
        on_refund(&mut r, &mut p, Ok(answer), NOW.plus_secs(60)),
        Some(Code::RefundDone)
    );
    assert_eq!((r.state, p.refunded_jpy), (RefundState::Refunded, 700));
    assert!(!refund_unresolved(&r, NOW));
}

#[test]
fn a_refund_told_not_now_is_retried_with_its_key_and_a_refusal_is_final() {
    // 429 and 408 say "not now": sent again unchanged the refund may be made, so it stays
    // pending under its key; a refusal (a 4xx other than those) is final.
    let problem = |status: u16, code: &str| counter_core::BackendFailure::Problem {
        status,
        code: code.into(),
        detail: String::new(),
        field: None,
        reason: None,
    };
    let mut p = captured(9, 2_000);
    let mut r = begin_refund(&p, &[], "R9".into(), "ref-9".into(), 500, NOW).unwrap();
    for (round, (status, code)) in [(429, "rate_limited"), (408, "timeout")]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            on_refund(&mut r, &mut p, Err(problem(status, code)), NOW),
            None,
            "{status}: still pending"
        );
        assert_eq!(r.state, RefundState::Refunding);
        assert_eq!(r.idempotency_key, "ref-9");
        assert_eq!(r.attempts, u32::try_from(round).unwrap() + 1);
        assert!(
            r.reason
                .as_deref()
                .is_some_and(|why| why.contains("not now")),
            "{:?}",
            r.reason
        );
    }
    assert_eq!(p.refunded_jpy, 0);
    assert_eq!(
        on_refund(&mut r, &mut p, Err(problem(422, "amount_exceeded")), NOW),
        Some(Code::RefundExceedsCaptured)
    );
    assert_eq!(r.state, RefundState::Refused);
}

#[test]
fn a_refund_refused_for_the_terminals_fault_says_nothing_was_refunded_never_declined() {
    // The acquirer refused the terminal itself (401, 403) or a request it could not take
    // (a 4xx without a code of its own): nothing was refunded, the card was not declined.
    for f in [
        problem(401, "terminal_unauthenticated"),
        problem(403, "terminal_unknown"),
        problem(403, "forbidden"),
        problem(400, "malformed_request"),
        problem(404, "not_found"),
        problem(422, "invalid_field"),
        problem(402, "payment_declined"),
    ] {
        let mut p = captured(10, 2_000);
        let mut r = begin_refund(&p, &[], "R10".into(), "ref-10".into(), 500, NOW).unwrap();
        let code = on_refund(&mut r, &mut p, Err(f.clone()), NOW);
        assert_eq!(code, Some(Code::RefundNotAccepted), "{f:?}");
        assert_eq!(r.state, RefundState::Refused, "{f:?}");
        assert_eq!((p.state, p.refunded_jpy), (PaymentState::Captured, 0));
    }
    let e = Code::RefundNotAccepted.entry();
    assert!(e.en.contains("nothing was refunded") && e.en.contains("no money moved"));
    assert!(e.next_en.contains("stays charged") && e.next_en.contains("support"));
    assert!(e.next_ja.contains("サポート") && e.ja.contains("返金はされておらず"));

    // The acquirer's refusals about the sale keep their own codes.
    for (f, code) in [
        (
            problem(409, "invalid_payment_state"),
            Code::InvalidPaymentState,
        ),
        (problem(422, "amount_exceeded"), Code::RefundExceedsCaptured),
    ] {
        let mut p = captured(11, 2_000);
        let mut r = begin_refund(&p, &[], "R11".into(), "ref-11".into(), 500, NOW).unwrap();
        assert_eq!(on_refund(&mut r, &mut p, Err(f.clone()), NOW), Some(code));
        assert_eq!(refund_refusal_code(&f), code);
    }
}

#[test]
fn a_refund_left_pending_reads_as_a_refund_never_as_a_sale_in_doubt() {
    let mut p = captured(12, 2_000);
    let mut r = begin_refund(&p, &[], "R12".into(), "ref-12".into(), 500, NOW).unwrap();
    // Not settled yet: the refund's own line, which speaks of paying back, not of paying.
    on_refund(&mut r, &mut p, Err(timeout()), NOW);
    assert_eq!(refund_report_code(&r, NOW), Code::RefundPending);
    let e = Code::RefundPending.entry();
    assert!(
        e.en.contains("refund is not confirmed") && e.next_en.contains("pay the customer back")
    );
    assert!(!e.next_en.contains("pay again"));
    // Unsettled through the last failed round: staff call the acquirer about it (the
    // status bar's list names it).
    for round in 2..=MAX_RESOLVE_ATTEMPTS {
        on_refund(
            &mut r,
            &mut p,
            Err(timeout()),
            NOW.plus_secs(i64::from(round)),
        );
    }
    assert!(refund_unresolved(&r, NOW));
    assert_eq!(refund_report_code(&r, NOW), Code::PaymentUnresolved);
    assert!(
        Code::PaymentUnresolved
            .entry()
            .next_en
            .contains("pay a refund back")
    );
    assert_eq!(
        unresolved_ids(&[], std::slice::from_ref(&r), NOW),
        ["R12".to_owned()]
    );
    // Settled: made, or refused with the refusal's own code.
    let made = payment(&p, PaymentStatus::PartiallyRefunded, 2_000, 500);
    on_refund(&mut r, &mut p, Ok(made), NOW.plus_secs(100));
    assert_eq!(refund_report_code(&r, NOW), Code::RefundDone);
    for (f, code) in [
        (problem(422, "amount_exceeded"), Code::RefundExceedsCaptured),
        (
            problem(409, "invalid_payment_state"),
            Code::InvalidPaymentState,
        ),
        (problem(403, "forbidden"), Code::RefundNotAccepted),
    ] {
        let mut p = captured(13, 2_000);
        let mut r = begin_refund(&p, &[], "R13".into(), "ref-13".into(), 500, NOW).unwrap();
        on_refund(&mut r, &mut p, Err(f), NOW);
        assert_eq!(refund_report_code(&r, NOW), code);
    }
}

#[test]
fn a_recovery_that_leaves_a_refund_pending_says_so_never_nothing_in_doubt() {
    let mut p = captured(13, 2_000);
    let mut r = begin_refund(&p, &[], "R13".into(), "ref-13".into(), 500, NOW).unwrap();
    on_refund(&mut r, &mut p, Err(timeout()), NOW);
    // No sale to drive, one refund still unknown after the recovery: its own line, never
    // "nothing in doubt" (staff were told not to pay it back another way).
    let none: [&PaymentRecord; 0] = [];
    let pending_one = [r.clone()];
    assert_eq!(
        recovery_report_code(none, 1, &pending_one, NOW),
        Code::RefundPending
    );
    // Unresolved after the last round: staff call the acquirer.
    for round in 2..=MAX_RESOLVE_ATTEMPTS {
        on_refund(
            &mut r,
            &mut p,
            Err(timeout()),
            NOW.plus_secs(i64::from(round)),
        );
    }
    let pending = begin_refund(&p, &[], "R14".into(), "ref-14".into(), 100, NOW);
    let mut both = vec![r.clone()];
    both.extend(pending);
    assert_eq!(
        recovery_report_code(none, 2, &both, NOW),
        Code::PaymentUnresolved
    );
    // A sale still in doubt speaks first: its advice is about the customer paying.
    let mut open_sale = sale(15, 700);
    on_payment(&mut open_sale, Err(timeout()), NOW);
    assert!(!open_sale.state.is_final());
    assert_eq!(
        recovery_report_code([&open_sale], 1, &pending_one, NOW),
        recovery_code([&open_sale])
    );
    // The refund made by the recovery: recovered; nothing there at all: nothing in doubt.
    assert_eq!(
        recovery_report_code(none, 1, &[], NOW),
        Code::PaymentsRecovered
    );
    assert_eq!(
        recovery_report_code(none, 0, &[], NOW),
        Code::NothingInDoubt
    );
    assert_eq!(
        recovery_report_code([&p], 0, &[], NOW),
        Code::PaymentsRecovered
    );
}
