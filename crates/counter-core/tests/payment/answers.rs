//! An acquirer's answer about another sale (another key, merchant, order, amount or
//! payment) or with amounts that cannot be is never adopted: the sale stays in doubt, the
//! round counts, and after enough of them staff are asked to call the acquirer.

use counter_api::acquirer::{Payment, PaymentStatus};
use counter_core::Code;
use counter_core::payment::*;

use crate::support::*;

/// An approved sale of 1,200 yen whose capture was journaled and sent.
fn capturing(n: u32) -> PaymentRecord {
    let mut r = sale(n, 1_200);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_payment(&mut r, Ok(p), NOW);
    begin_capture(&mut r, format!("cap-{n}"), NOW);
    r
}

/// Answers to the capture of `r` that are not its outcome, each named.
fn foreign_answers(r: &PaymentRecord) -> Vec<(&'static str, Payment)> {
    let good = payment(r, PaymentStatus::Captured, 1_200, 0);
    vec![
        (
            "key",
            Payment {
                idempotency_key: "auth-other".into(),
                ..good.clone()
            },
        ),
        (
            "merchant",
            Payment {
                merchant_id: "shop-b".into(),
                ..good.clone()
            },
        ),
        (
            "order",
            Payment {
                order_ref: "order-other".into(),
                ..good.clone()
            },
        ),
        (
            "amount",
            Payment {
                amount_jpy: 1_000,
                captured_jpy: 1_000,
                ..good.clone()
            },
        ),
        (
            "payment",
            Payment {
                payment_id: "pay-other".into(),
                ..good.clone()
            },
        ),
        (
            "captured less",
            Payment {
                captured_jpy: 1_000,
                ..good.clone()
            },
        ),
        (
            "refunded more than captured",
            Payment {
                status: PaymentStatus::Refunded,
                refunded_jpy: 1_500,
                ..good
            },
        ),
    ]
}

#[test]
fn a_capture_answered_with_another_sales_payment_stays_in_doubt() {
    let base = capturing(60);
    for (what, p) in foreign_answers(&base) {
        let mut r = base.clone();
        let res = on_payment(&mut r, Ok(p), NOW.plus_secs(2));
        assert_eq!(res, Resolution::Pending, "{what}");
        assert_eq!(r.state, PaymentState::Capturing, "{what}");
        assert_eq!(r.attempts, 1, "{what}");
        assert_eq!(r.captured_jpy, 0, "{what}: nothing of it adopted");
        let error = r.last_error.as_deref().unwrap_or_default();
        assert!(
            error.starts_with("malformed_answer: the acquirer's answer"),
            "{what}: {error}"
        );
        assert_eq!(report_code(&r), Code::PaymentInDoubt, "{what}");
    }
    // The sale's own answer is still taken.
    let mut r = base.clone();
    let own = payment(&base, PaymentStatus::Captured, 1_200, 0);
    on_payment(&mut r, Ok(own), NOW.plus_secs(2));
    assert_eq!(
        (r.state, report_code(&r)),
        (PaymentState::Captured, Code::PaymentApproved)
    );
}

#[test]
fn a_status_query_that_keeps_naming_another_merchant_is_escalated_never_approved() {
    let mut r = sale(61, 800);
    on_payment(&mut r, Err(timeout()), NOW);
    let theirs = Payment {
        merchant_id: "shop-b".into(),
        ..payment(&r, PaymentStatus::Captured, 800, 0)
    };
    // The lost answer was the first failed round; each foreign answer is one more.
    assert_eq!(r.attempts, 1);
    for round in 2..=MAX_RESOLVE_ATTEMPTS {
        assert!(!unresolved(&r), "round {round}");
        let res = on_status(
            &mut r,
            Ok(Some(theirs.clone())),
            NOW.plus_secs(i64::from(round)),
        );
        assert_eq!(res, Resolution::Pending);
        assert_eq!((r.state, r.attempts), (PaymentState::Authorising, round));
        assert_eq!(r.payment_id, None);
    }
    assert!(unresolved(&r));
    assert_eq!(report_code(&r), Code::PaymentInDoubt);
}

#[test]
fn a_refund_answered_with_another_sales_payment_stays_unknown_and_counts() {
    let mut sale_record = sale(62, 2_000);
    let p = payment(&sale_record, PaymentStatus::Captured, 2_000, 0);
    on_payment(&mut sale_record, Ok(p), NOW);
    let mut refund =
        begin_refund(&sale_record, &[], "R-62".into(), "rk-62".into(), 500, NOW).unwrap();
    let other = Payment {
        order_ref: "order-other".into(),
        ..payment(&sale_record, PaymentStatus::PartiallyRefunded, 2_000, 500)
    };
    let before = sale_record.clone();
    let code = on_refund(&mut refund, &mut sale_record, Ok(other), NOW.plus_secs(3));
    assert_eq!(code, None);
    assert_eq!(refund.state, RefundState::Refunding);
    assert_eq!(refund.attempts, 1);
    assert_eq!(sale_record.refunded_jpy, before.refunded_jpy);
    // Its own answer settles it.
    let own = payment(&sale_record, PaymentStatus::PartiallyRefunded, 2_000, 500);
    let code = on_refund(&mut refund, &mut sale_record, Ok(own), NOW.plus_secs(4));
    assert_eq!(code, Some(Code::RefundDone));
    assert_eq!(sale_record.refunded_jpy, 500);
}
