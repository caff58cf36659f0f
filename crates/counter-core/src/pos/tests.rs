//! The register's requests without the counter: idempotency and what the register reads.

#![allow(clippy::unwrap_used, clippy::panic)]

use counter_api::pos::{CreateSale, SaleState};

use super::*;
use crate::UnixTime;
use crate::payment::receipt::MerchantInfo;
use crate::payment::{self, NewSale, PaymentState};

fn create(order_ref: &str, amount_jpy: u64, key: &str) -> PosCreate {
    PosCreate::new(
        CreateSale {
            amount_jpy,
            order_ref: order_ref.into(),
        },
        key,
    )
    .unwrap()
}

/// The register of these tests, and the instant its orders are journaled: 2027-01-15
/// 17:00 JST (08:00 UTC).
const REGISTER: &str = "cert:CN=register-1";
const DAY1: UnixTime = UnixTime::from_secs(1_800_000_000);

fn journal(request: &PosCreate) -> PosJournal {
    PosJournal {
        order: PosOrder::open(request, REGISTER, DAY1),
        payment: None,
        refunds: Vec::new(),
    }
}

fn merchant() -> MerchantInfo {
    MerchantInfo {
        name: "テスト商店".into(),
        merchant_id: "m-shop-1".into(),
        terminal_id: "t-1".into(),
    }
}

#[test]
fn the_same_key_and_body_is_the_same_sale_and_anything_else_is_refused() {
    let first = create("R-1", 1200, "k-1");
    let known = journal(&first);
    let decide = |request: &PosCreate, by_key, by_order_ref| {
        decide_create(request, REGISTER, by_key, by_order_ref, DAY1.plus_secs(60))
    };
    assert_eq!(decide(&first, None, None), Ok(Seen::New));
    assert_eq!(
        decide(&first, Some(&known), Some(&known)),
        Ok(Seen::Again(Box::new(known.clone())))
    );
    // The same key with another amount or order: refused, never a second sale.
    for other in [create("R-1", 1300, "k-1"), create("R-2", 1200, "k-1")] {
        assert_eq!(
            decide(&other, Some(&known), None),
            Err(Code::PosIdempotencyMismatch)
        );
    }
    // The same order under another key: the order reference finds one sale only.
    assert_eq!(
        decide(&create("R-1", 1200, "k-2"), None, Some(&known)),
        Err(Code::PosOrderRefTaken)
    );
    // Refunds: the same key and body is the refund made before.
    let key = refund_key(Some(REGISTER));
    assert_eq!(decide_refund("R-1", 100, REGISTER, None), Ok(false));
    assert_eq!(decide_refund("R-1", 100, REGISTER, Some(&key)), Ok(true));
    assert_eq!(
        decide_refund("R-1", 200, REGISTER, Some(&key)),
        Err(Code::PosIdempotencyMismatch)
    );
    assert_eq!(
        decide_refund("R-2", 100, REGISTER, Some(&key)),
        Err(Code::PosIdempotencyMismatch)
    );
}

/// Register `register`'s refund of ¥100 on `R-1` under key `rk`.
fn refund_key(register: Option<&str>) -> PosRefundKey {
    PosRefundKey {
        register: register.map(str::to_owned),
        idempotency_key: "rk".into(),
        order_ref: "R-1".into(),
        amount_jpy: 100,
        refund_id: "t-1-R000001".into(),
    }
}

#[test]
fn a_refund_key_is_its_registers_own() {
    // Register 1 refunded ¥100 on its R-1 under `rk`; register 2 makes its keys itself and
    // sends `rk` too, for its own R-2 (or even the same amount on an order also called R-1
    // on its side): a new refund, neither refused nor answered with register 1's.
    let theirs = refund_key(Some(REGISTER));
    let other = "cert:CN=register-2";
    for (order_ref, amount_jpy) in [("R-2", 300), ("R-1", 100)] {
        assert_eq!(
            decide_refund(order_ref, amount_jpy, other, Some(&theirs)),
            Ok(false),
            "{order_ref} ¥{amount_jpy}"
        );
    }
    assert!(!refund_key_of(&theirs, other));
    assert!(refund_key_of(&theirs, REGISTER));
    // A request journaled before keys were told apart (its order had no register) stays
    // every register's, as its order does: retried, it is answered, never made twice.
    let before = refund_key(None);
    assert!(refund_key_of(&before, other));
    assert_eq!(decide_refund("R-1", 100, other, Some(&before)), Ok(true));
    assert_eq!(
        decide_refund("R-2", 100, other, Some(&before)),
        Err(Code::PosIdempotencyMismatch)
    );
}

#[test]
fn a_key_answers_its_sale_on_its_jst_day_only() {
    // Journaled 2027-01-15 17:00 JST; its JST day ends 7 hours later.
    let first = create("0001", 500, "0001");
    let known = journal(&first);
    let (_, midnight) = madoguchi_time::jst::CivilDate::of(DAY1).bounds();
    let at = |now: UnixTime| decide_create(&first, REGISTER, Some(&known), Some(&known), now);
    assert_eq!(
        at(midnight.plus_secs(-1)),
        Ok(Seen::Again(Box::new(known.clone()))),
        "a retry before midnight JST is the same sale"
    );
    // The next day the register's per-day numbering sends `0001`/¥500 again: refused, never
    // answered with yesterday's approved sale (the customer would not be charged).
    for now in [midnight, midnight.plus_secs(86_400 * 30)] {
        assert_eq!(at(now), Err(Code::PosKeyFromAnotherDay), "{now:?}");
    }
    // With another body too: the day is what the register must hear about.
    assert_eq!(
        decide_create(
            &create("0002", 700, "0001"),
            REGISTER,
            Some(&known),
            None,
            midnight
        ),
        Err(Code::PosKeyFromAnotherDay)
    );
    // A clock set back before the order's day is not its day either.
    let (day_start, _) = madoguchi_time::jst::CivilDate::of(DAY1).bounds();
    assert_eq!(at(day_start.plus_secs(-1)), Err(Code::PosKeyFromAnotherDay));
    assert_eq!(at(day_start), Ok(Seen::Again(Box::new(known.clone()))));
    // The message says what happened and what to do.
    assert!(
        Code::PosKeyFromAnotherDay
            .entry()
            .en
            .contains("another day")
    );
}

#[test]
fn a_register_reaches_only_its_own_orders() {
    let first = create("0001", 500, "0001");
    let mine = journal(&first);
    let other = "cert:CN=register-2";
    assert!(owned_by(&mine.order, REGISTER));
    assert!(!owned_by(&mine.order, other));
    assert!(!owned_by(&mine.order, "api-key"));
    assert_eq!(own(Some(Box::new(mine.clone())), other), None);
    assert_eq!(
        own(Some(Box::new(mine.clone())), REGISTER),
        Some(Box::new(mine.clone()))
    );
    // An order journaled before registers were told apart stays every register's.
    let mut legacy = mine.clone();
    legacy.order.register = None;
    assert!(owned_by(&legacy.order, other) && owned_by(&legacy.order, REGISTER));

    // Another register with colliding numbering: never answered with this register's sale.
    // Its key is its own (a new sale under its own order reference); the order reference is
    // the terminal's one name of a sale, so taking this register's is refused.
    let now = DAY1.plus_secs(60);
    assert_eq!(
        decide_create(&first, other, Some(&mine), Some(&mine), now),
        Err(Code::PosOrderRefTaken)
    );
    assert_eq!(
        decide_create(
            &create("B-0001", 900, "0001"),
            other,
            Some(&mine),
            None,
            now
        ),
        Ok(Seen::New)
    );
    // The same key from the register itself stays one sale.
    assert_eq!(
        decide_create(
            &create("B-0001", 900, "0001"),
            REGISTER,
            Some(&mine),
            None,
            now
        ),
        Err(Code::PosIdempotencyMismatch)
    );
    assert_eq!(
        decide_create(&create("0001", 900, "b-1"), other, None, Some(&mine), now),
        Err(Code::PosOrderRefTaken)
    );
    assert_eq!(
        decide_create(&create("B-0001", 500, "b-1"), other, None, None, now),
        Ok(Seen::New)
    );
}

#[test]
fn fields_at_fault_are_named() {
    let bad = |amount_jpy, order_ref: &str, key: &str| {
        PosCreate::new(
            CreateSale {
                amount_jpy,
                order_ref: order_ref.into(),
            },
            key,
        )
        .unwrap_err()
        .field
    };
    assert_eq!(bad(0, "R-1", "k"), "amount_jpy");
    assert_eq!(bad(100_000_000, "R-1", "k"), "amount_jpy");
    assert_eq!(bad(1, "R 1", "k"), "order_ref");
    assert_eq!(bad(1, "R-1", ""), "Idempotency-Key");
    assert_eq!(bad(1, "R-1", "with space"), "Idempotency-Key");
}

#[test]
fn what_the_register_reads_never_turns_doubt_into_a_decline() {
    let request = create("R-1", 1200, "k-1");
    let mut j = journal(&request);
    let read = |j: &PosJournal, live| sale(j, live, &merchant());
    // At the till.
    let s = read(&j, Some(Live::Waiting(None)));
    assert_eq!(
        (s.state, s.code.as_str()),
        (SaleState::WaitingForCustomer, "pos_waiting_for_customer")
    );
    let s = read(&j, Some(Live::Waiting(Some(Code::CardRemoved))));
    assert_eq!(
        (s.state, s.code.as_str()),
        (SaleState::WaitingForCustomer, "card_removed")
    );
    // Open but nobody serves it: the terminal stopped before the customer paid.
    let s = read(&j, None);
    assert_eq!(
        (s.state, s.code.as_str()),
        (SaleState::NotCharged, "pos_interrupted")
    );
    // Ended unpaid.
    j.order.state = PosOrderState::Unpaid;
    j.order.reason = Some(Code::Cancelled);
    assert_eq!(read(&j, None).state, SaleState::Cancelled);
    j.order.reason = Some(Code::NoPaymentMethod);
    let s = read(&j, None);
    assert_eq!(
        (s.state, s.code.as_str()),
        (SaleState::NotCharged, "no_payment_method")
    );

    // With a payment: every state of the payment journal.
    j.order.state = PosOrderState::Paying;
    j.order.reason = None;
    let mut p = payment::begin(
        NewSale {
            id: "t-1-000001".into(),
            idempotency_key: "t-1-000001-auth".into(),
            order_ref: "R-1".into(),
            merchant_id: "m-shop-1".into(),
            terminal_id: "t-1".into(),
            amount_jpy: 1200,
            visit_id: None,
        },
        UnixTime::from_secs(1_800_000_010),
    );
    for state in PaymentState::ALL {
        p.state = state;
        j.payment = Some(p.clone());
        let alone = read(&j, None);
        let driven = read(&j, Some(Live::Paying));
        let expected = match state {
            PaymentState::Captured => SaleState::Approved,
            PaymentState::Voided => SaleState::Voided,
            PaymentState::Declined => SaleState::Declined,
            PaymentState::Reversed | PaymentState::NotSent | PaymentState::NotAccepted => {
                SaleState::NotCharged
            }
            _ => SaleState::InDoubt,
        };
        assert_eq!(alone.state, expected, "{state:?}");
        if state != PaymentState::Declined {
            assert_ne!(alone.state, SaleState::Declined, "{state:?}");
        }
        if !state.is_final() {
            assert_eq!(driven.state, SaleState::Paying, "{state:?}");
            assert_eq!(alone.code, "payment_in_doubt", "{state:?}");
        } else {
            assert_eq!(
                driven.state, expected,
                "{state:?}: the journal's outcome wins"
            );
        }
        if matches!(state, PaymentState::Declined) {
            // Only the journal's definite decline reads as declined.
            assert_eq!(alone.code, "payment_declined");
        }
        if state == PaymentState::NotSent {
            // Never sent: not charged, and the register is told so, not "declined".
            assert_eq!(alone.code, "payment_not_sent");
        }
        if state == PaymentState::NotAccepted {
            // Refused for the terminal's fault: not charged, not "declined".
            assert_eq!(alone.code, "payment_not_accepted");
        }
        assert_eq!(alone.sale_id.as_deref(), Some("t-1-000001"));
    }
    // An approval recovery reversed says so.
    p.state = PaymentState::Reversed;
    p.decline_reason = Some(payment::APPROVAL_FOUND_ON_RECOVERY.into());
    j.payment = Some(p.clone());
    assert_eq!(read(&j, None).code, "approval_reversed_on_recovery");
}

#[test]
fn the_receipt_carries_what_the_acquirer_returned() {
    let request = create("R-1", 1200, "k-1");
    let mut j = journal(&request);
    let mut p = payment::begin(
        NewSale {
            id: "t-1-000001".into(),
            idempotency_key: "t-1-000001-auth".into(),
            order_ref: "R-1".into(),
            merchant_id: "m-shop-1".into(),
            terminal_id: "t-1".into(),
            amount_jpy: 1200,
            visit_id: None,
        },
        UnixTime::from_secs(1_800_000_010),
    );
    j.payment = Some(p.clone());
    assert!(
        sale(&j, None, &merchant()).receipt.is_none(),
        "no receipt before the approval"
    );
    p.state = PaymentState::Captured;
    p.brand = Some("VISA".into());
    p.last4 = Some("4242".into());
    p.approval_code = Some("123456".into());
    p.slip_number = Some(42);
    p.captured_jpy = 1200;
    p.refunded_jpy = 200;
    j.payment = Some(p);
    let s = sale(&j, None, &merchant());
    let r = s.receipt.unwrap();
    assert_eq!(
        (
            r.brand.as_str(),
            r.last4.as_str(),
            r.approval_code.as_deref(),
            r.slip_number
        ),
        ("VISA", "4242", Some("123456"), Some(42))
    );
    assert_eq!((r.amount_jpy, r.order_ref.as_str()), (1200, "R-1"));
    assert_eq!(r.merchant_name, "テスト商店");
    assert_eq!(r.authorised_at, UnixTime::from_secs(1_800_000_010));
    assert_eq!(r.authorised_at_jst, "2027-01-15 17:00:10");
    assert_eq!(s.refunded_jpy, 200);
}

#[test]
fn a_void_the_acquirer_refused_reads_as_still_charged_with_the_void_pending() {
    let request = create("R-1", 1200, "k-1");
    let mut j = journal(&request);
    j.order.state = PosOrderState::Paying;
    let mut p = payment::begin(
        NewSale {
            id: "t-1-000001".into(),
            idempotency_key: "t-1-000001-auth".into(),
            order_ref: "R-1".into(),
            merchant_id: "m-shop-1".into(),
            terminal_id: "t-1".into(),
            amount_jpy: 1200,
            visit_id: None,
        },
        DAY1.plus_secs(10),
    );
    p.state = PaymentState::Captured;
    p.payment_id = Some("pay-1".into());
    p.brand = Some("VISA".into());
    p.last4 = Some("4242".into());
    p.captured_jpy = 1200;
    // The void was asked and sent; the acquirer refused it as one it cannot make while its
    // status still says approved: the sale is voiding again after a failed round.
    payment::begin_void(&mut p, "t-1-000001-void".into(), DAY1.plus_secs(60)).unwrap();
    p.attempts = 1;
    p.last_error = Some("invalid_payment_state (409)".into());
    p.mark = Some(payment::PaymentMark::CannotCancel);
    assert!(payment::void_held(&p));
    j.payment = Some(p.clone());
    for live in [None, Some(Live::Paying)] {
        let s = sale(&j, live, &merchant());
        assert_eq!(
            (s.state, s.code.as_str()),
            (SaleState::Approved, "void_pending"),
            "{live:?}: charged, the void not made yet; never in doubt"
        );
        // What staff read about the same sale, and a message that says the customer is still
        // charged.
        assert_eq!(payment::report_code(&p), Code::VoidPending);
        assert!(
            s.message.en.contains("void is not made"),
            "{}",
            s.message.en
        );
        assert!(
            s.message.next_en.contains("stays charged"),
            "{}",
            s.message.next_en
        );
        assert!(s.receipt.is_some(), "the charge stands: its receipt too");
    }
    // Made at last: voided.
    p.state = PaymentState::Voided;
    j.payment = Some(p.clone());
    assert_eq!(sale(&j, None, &merchant()).state, SaleState::Voided);
    // A sale in doubt without a void asked stays in doubt.
    p.state = PaymentState::Capturing;
    p.void_key = None;
    j.payment = Some(p);
    let s = sale(&j, None, &merchant());
    assert_eq!(
        (s.state, s.code.as_str()),
        (SaleState::InDoubt, "payment_in_doubt")
    );
}
