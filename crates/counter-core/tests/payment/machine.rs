use counter_api::acquirer::{PaymentStatus, Reversal, ReversalReason};
use counter_core::Code;
use counter_core::payment::*;
use proptest::prelude::*;

use crate::support::*;

#[test]
fn approved_then_captured() {
    let mut r = sale(1, 1_800);
    assert_eq!(r.state, PaymentState::Authorising);
    assert_eq!(next_action(&r, true), Some(Action::Authorise));
    let req = authorise_request(&r, "jws".into());
    assert_eq!(
        (req.amount_jpy, req.merchant_id.as_str()),
        (1_800, "shop-a")
    );
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    assert_eq!(on_payment(&mut r, Ok(p), NOW), Resolution::Pending);
    assert_eq!(r.state, PaymentState::Authorised);
    assert_eq!(r.approval_code.as_deref(), Some("123456"));
    assert_eq!(next_action(&r, true), Some(Action::Capture));
    let c = begin_capture(&mut r, "cap-1".into(), NOW);
    assert_eq!(c.amount_jpy, Some(1_800));
    assert_eq!(r.state, PaymentState::Capturing);
    let p = payment(&r, PaymentStatus::Captured, 1_800, 0);
    assert_eq!(
        on_payment(&mut r, Ok(p), NOW),
        Resolution::Settled {
            state: PaymentState::Captured,
            code: Code::PaymentApproved
        }
    );
    assert_eq!(r.captured_date.as_deref(), Some("2026-11-24"));
    assert_eq!(next_action(&r, true), None);
}

#[test]
fn issuer_decline_is_final_and_keeps_the_reason_for_staff() {
    let mut r = sale(2, 500);
    let mut f = problem(402, "payment_declined");
    if let counter_core::BackendFailure::Problem { reason, .. } = &mut f {
        *reason = Some("insufficient_funds".into());
    }
    let res = on_payment(&mut r, Err(f), NOW);
    assert_eq!(
        res,
        Resolution::Settled {
            state: PaymentState::Declined,
            code: Code::PaymentDeclined
        }
    );
    assert_eq!(
        r.decline_reason.as_deref(),
        Some("payment_declined: insufficient_funds")
    );
    assert_eq!(Code::PaymentDeclined.for_customer(), Code::AskStaff);
}

#[test]
fn an_authorisation_never_sent_is_final_not_charged_and_not_a_decline() {
    // The connection was refused (or TLS failed): nothing reached the acquirer.
    let mut r = sale(20, 500);
    let not_sent = counter_core::BackendFailure::Unreachable {
        sent: false,
        detail: "connection refused".into(),
    };
    let res = on_payment(&mut r, Err(not_sent), NOW);
    assert_eq!(
        res,
        Resolution::Settled {
            state: PaymentState::NotSent,
            code: Code::PaymentNotSent
        }
    );
    assert!(r.state.is_final() && !r.state.in_doubt());
    assert_ne!(r.state, PaymentState::Declined);
    assert_eq!(r.state.as_str(), "not_sent");
    assert_eq!(next_action(&r, true), None);
    assert_eq!(report_code(&r), Code::PaymentNotSent);
    let e = Code::PaymentNotSent.entry();
    assert!(e.en.contains("nothing was charged") && !e.en.contains("declined"));
    assert!(e.next_en.contains("Try again") && e.next_en.contains("another way"));
    // The close counts it nowhere: no decline, no brand (the acquirer never saw it).
    assert!(close::journal_totals("2026-11-24", std::slice::from_ref(&r), &[]).is_empty());

    // Once sent, a lost connection is not "not sent": the sale stays in doubt.
    let mut r = sale(21, 500);
    assert_eq!(on_payment(&mut r, Err(timeout()), NOW), Resolution::Pending);
    assert_eq!(r.state, PaymentState::Authorising);
}

#[test]
fn an_authorisation_refused_for_the_terminals_fault_is_not_charged_and_not_a_decline() {
    // The acquirer refused the terminal itself (its client certificate, a terminal it does
    // not know or has disabled), or a request it could not take (a 4xx without a problem
    // document is named `malformed_request` by the client): nothing was charged, and the
    // card was not declined.
    for f in [
        problem(401, "terminal_unauthenticated"),
        problem(403, "terminal_unknown"),
        problem(403, "forbidden"),
        problem(403, "assertion_wrong_audience"),
        problem(400, "malformed_request"),
        problem(413, "malformed_request"),
    ] {
        let mut r = sale(22, 500);
        let res = on_payment(&mut r, Err(f.clone()), NOW);
        assert_eq!(
            res,
            Resolution::Settled {
                state: PaymentState::NotAccepted,
                code: Code::PaymentNotAccepted
            },
            "{f:?}"
        );
        assert!(r.state.is_final() && !r.state.in_doubt(), "{f:?}");
        assert_eq!(r.state.as_str(), "not_accepted");
        assert_eq!(next_action(&r, true), None);
        assert_eq!(report_code(&r), Code::PaymentNotAccepted);
        // What the acquirer said stays for staff and support.
        let (status, code) = match &f {
            counter_core::BackendFailure::Problem { status, code, .. } => (*status, code.clone()),
            _ => unreachable!(),
        };
        assert_eq!(
            r.decline_reason.as_deref(),
            Some(format!("{code} ({status})").as_str())
        );
        assert!(close::journal_totals("2026-11-24", std::slice::from_ref(&r), &[]).is_empty());
    }
    let e = Code::PaymentNotAccepted.entry();
    assert!(e.en.contains("nothing was charged") && e.en.contains("not declined"));
    assert!(e.next_en.contains("support") && e.next_en.contains("credentials"));
    assert!(e.next_ja.contains("サポート"));

    // The card's (or its holder's) own refusals are still what they were.
    for (f, code) in [
        (problem(402, "payment_declined"), Code::PaymentDeclined),
        (problem(401, "assertion_expired"), Code::AssertionExpired),
        (problem(403, "link_not_owned"), Code::LinkNotOwned),
    ] {
        let mut r = sale(23, 500);
        assert_eq!(
            on_payment(&mut r, Err(f.clone()), NOW),
            Resolution::Settled {
                state: PaymentState::Declined,
                code
            },
            "{f:?}"
        );
    }
}

#[test]
fn an_authorisation_told_not_now_is_sent_again_and_ends_not_sent_never_not_accepted() {
    // 408 and 429 say the acquirer did not take the request now: nothing was processed,
    // and the same key is safe to send again while the customer is at the counter.
    for f in [
        problem(429, "rate_limited"),
        problem(408, "timeout"),
        problem(429, "malformed_request"),
    ] {
        assert!(not_taken(&f), "{f:?}");
        let mut r = sale(24, 500);
        for round in 1..=3 {
            let res = on_payment(&mut r, Err(f.clone()), NOW.plus_secs(round));
            assert_eq!(res, Resolution::Pending, "{f:?}");
            assert_eq!((r.state, r.attempts), (PaymentState::Authorising, 0));
            // The live drive sends the authorisation again, under the same key; nothing
            // is in doubt, so staff are not asked to call anyone.
            assert_eq!(next_action(&r, true), Some(Action::Authorise), "{f:?}");
            assert_eq!(r.idempotency_key, "auth-24");
            assert!(!unresolved(&r));
        }
        // Still not taken when the drive's rounds run out: nothing was charged.
        assert!(end_live_drive(&mut r, NOW.plus_secs(10)), "{f:?}");
        assert_eq!(r.state, PaymentState::NotSent, "{f:?}");
        assert_eq!(report_code(&r), Code::PaymentNotSent);
        assert!(
            r.decline_reason
                .as_deref()
                .is_some_and(|why| why.contains("not taken")),
            "{:?}",
            r.decline_reason
        );
        assert!(!end_live_drive(&mut r, NOW.plus_secs(11)), "once");
    }
    let e = Code::PaymentNotSent.entry();
    assert!(e.en.contains("nothing was charged") && e.next_en.contains("Try again"));

    // Taken at last: the sale goes on as any other.
    let mut r = sale(25, 500);
    on_payment(&mut r, Err(problem(429, "rate_limited")), NOW);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_payment(&mut r, Ok(p), NOW.plus_secs(1));
    assert_eq!(r.state, PaymentState::Authorised);
    assert!(!end_live_drive(&mut r, NOW.plus_secs(2)));
    assert_eq!(r.state, PaymentState::Authorised);

    // An outcome unknown after a "not now": queried, and never ended as not sent.
    let mut r = sale(26, 500);
    on_payment(&mut r, Err(problem(429, "rate_limited")), NOW);
    on_payment(&mut r, Err(timeout()), NOW.plus_secs(1));
    assert_eq!(next_action(&r, true), Some(Action::QueryStatus));
    assert!(!end_live_drive(&mut r, NOW.plus_secs(2)));
    assert_eq!(report_code(&r), Code::PaymentInDoubt);

    // A recovered one is only queried (the assertion is gone).
    let mut r = sale(27, 500);
    on_payment(&mut r, Err(problem(429, "rate_limited")), NOW);
    assert_eq!(next_action(&r, false), Some(Action::QueryStatus));
}

#[test]
fn expired_assertion_is_a_definite_refusal_asking_to_identify_again() {
    let mut r = sale(3, 500);
    let res = on_payment(&mut r, Err(problem(401, "assertion_expired")), NOW);
    assert_eq!(
        res,
        Resolution::Settled {
            state: PaymentState::Declined,
            code: Code::AssertionExpired
        }
    );
}

#[test]
fn unknown_outcomes_stay_in_doubt_and_are_queried_with_the_same_key() {
    for f in [
        timeout(),
        problem(503, "unavailable"),
        problem(500, "internal"),
        problem(409, "request_in_progress"),
        counter_core::BackendFailure::Malformed {
            detail: "html".into(),
        },
    ] {
        let mut r = sale(4, 900);
        assert_eq!(on_payment(&mut r, Err(f.clone()), NOW), Resolution::Pending);
        assert_eq!(r.state, PaymentState::Authorising, "{f:?}");
        assert!(r.state.in_doubt());
        assert_eq!(r.attempts, 1);
        // Never re-authorised, even while the assertion is still held.
        assert_eq!(next_action(&r, true), Some(Action::QueryStatus));
        let found = payment(&r, PaymentStatus::Authorised, 0, 0);
        assert_eq!(
            on_status(&mut r, Ok(Some(found)), NOW.plus_secs(5)),
            Resolution::Pending
        );
        assert_eq!(r.state, PaymentState::Authorised);
        assert_eq!(r.idempotency_key, "auth-4");
    }
}

#[test]
fn not_found_is_reversed_never_resent() {
    let mut r = sale(5, 700);
    on_payment(&mut r, Err(timeout()), NOW);
    assert_eq!(
        on_status(&mut r, Ok(None), NOW.plus_secs(1)),
        Resolution::Pending
    );
    assert_eq!(r.state, PaymentState::Reversing);
    assert_eq!(next_action(&r, true), Some(Action::Reverse));
    let req = begin_reversal(
        &mut r,
        "rev-5".into(),
        ReversalReason::Timeout,
        NOW.plus_secs(1),
    );
    assert_eq!(req.original_idempotency_key, "auth-5");
    // A retry keeps the first reversal key.
    begin_reversal(
        &mut r,
        "rev-5b".into(),
        ReversalReason::Timeout,
        NOW.plus_secs(2),
    );
    assert_eq!(r.reversal_key.as_deref(), Some("rev-5"));
    assert_eq!(
        on_reversal(&mut r, Err(timeout()), NOW.plus_secs(2)),
        Resolution::Pending
    );
    assert_eq!(r.state, PaymentState::Reversing);
    let res = on_reversal(
        &mut r,
        Ok(Reversal {
            original_idempotency_key: "auth-5".into(),
            found: false,
            payment: None,
        }),
        NOW.plus_secs(3),
    );
    assert_eq!(
        res,
        Resolution::Settled {
            state: PaymentState::Reversed,
            code: Code::PaymentReversed
        }
    );
    assert_eq!(next_action(&r, false), None);
}

#[test]
fn a_found_reversal_adopts_the_acquirers_state() {
    let mut r = sale(6, 700);
    begin_reversal(&mut r, "rev-6".into(), ReversalReason::Timeout, NOW);
    let p = payment(&r, PaymentStatus::Reversed, 0, 0);
    let res = on_reversal(
        &mut r,
        Ok(Reversal {
            original_idempotency_key: "auth-6".into(),
            found: true,
            payment: Some(p),
        }),
        NOW,
    );
    assert_eq!(
        res,
        Resolution::Settled {
            state: PaymentState::Reversed,
            code: Code::PaymentReversed
        }
    );
    assert_eq!(r.cancelled_date.as_deref(), Some("2026-11-24"));
    assert_eq!(r.brand.as_deref(), Some("VISA"));
}

#[test]
fn recovery_never_reauthorises() {
    let r = sale(7, 100);
    assert_eq!(next_action(&r, false), Some(Action::QueryStatus));
}

#[test]
fn capture_in_doubt_retries_with_the_same_key() {
    let mut r = sale(8, 1_000);
    {
        let p_ = payment(&r, PaymentStatus::Authorised, 0, 0);
        on_payment(&mut r, Ok(p_), NOW)
    };
    begin_capture(&mut r, "cap-8".into(), NOW);
    assert_eq!(on_payment(&mut r, Err(timeout()), NOW), Resolution::Pending);
    assert_eq!(r.state, PaymentState::Capturing);
    assert_eq!(next_action(&r, false), Some(Action::Capture));
    begin_capture(&mut r, "cap-8-new".into(), NOW.plus_secs(1));
    assert_eq!(r.capture_key.as_deref(), Some("cap-8"));
    // A status answer that still says authorised keeps the capture step.
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    assert_eq!(
        on_status(&mut r, Ok(Some(p)), NOW.plus_secs(2)),
        Resolution::Pending
    );
    assert_eq!(r.state, PaymentState::Capturing);
}

#[test]
fn a_refused_capture_is_resolved_by_status() {
    let mut r = sale(9, 1_000);
    {
        let p_ = payment(&r, PaymentStatus::Authorised, 0, 0);
        on_payment(&mut r, Ok(p_), NOW)
    };
    begin_capture(&mut r, "cap-9".into(), NOW);
    let res = on_payment(&mut r, Err(problem(409, "invalid_payment_state")), NOW);
    assert_eq!(
        res,
        Resolution::Refused {
            code: Code::InvalidPaymentState
        }
    );
    let p = payment(&r, PaymentStatus::Voided, 0, 0);
    on_status(&mut r, Ok(Some(p)), NOW);
    assert_eq!(r.state, PaymentState::Voided);
}

#[test]
fn void_only_on_the_business_day() {
    let mut r = sale(10, 1_000);
    assert_eq!(can_void(&r, NOW), Err(Code::PaymentInDoubt));
    {
        let p_ = payment(&r, PaymentStatus::Captured, 1_000, 0);
        on_payment(&mut r, Ok(p_), NOW)
    };
    assert_eq!(
        can_void(&r, NOW.plus_secs(DAY)),
        Err(Code::InvalidPaymentState)
    );
    assert_eq!(
        begin_void(&mut r, "void-10".into(), NOW.plus_secs(DAY)),
        Err(Code::InvalidPaymentState)
    );
    begin_void(&mut r, "void-10".into(), NOW.plus_secs(60)).unwrap();
    assert_eq!(r.state, PaymentState::Voiding);
    assert_eq!(next_action(&r, false), Some(Action::Void));
    let res = {
        let p_ = payment(&r, PaymentStatus::Voided, 1_000, 0);
        on_payment(&mut r, Ok(p_), NOW.plus_secs(61))
    };
    assert_eq!(
        res,
        Resolution::Settled {
            state: PaymentState::Voided,
            code: Code::PaymentVoided
        }
    );
    assert_eq!(
        can_void(&r, NOW.plus_secs(62)),
        Err(Code::InvalidPaymentState)
    );
}

#[test]
fn every_state_has_a_defined_next_step() {
    for s in PaymentState::ALL {
        let mut r = sale(11, 10);
        r.state = s;
        let a = next_action(&r, false);
        assert_eq!(a.is_none(), s.is_final(), "{s:?}");
        assert_ne!(
            a,
            Some(Action::Authorise),
            "recovery re-authorised in {s:?}"
        );
    }
}

fn failure() -> impl Strategy<Value = counter_core::BackendFailure> {
    prop_oneof![
        Just(timeout()),
        Just(problem(503, "unavailable")),
        Just(problem(500, "internal")),
        Just(problem(409, "request_in_progress")),
        Just(counter_core::BackendFailure::Malformed { detail: "x".into() }),
    ]
}

proptest! {
    /// However many unknown outcomes in a row, at any step, nothing becomes declined and
    /// the keys never change.
    #[test]
    fn unknown_outcomes_never_decline(fails in proptest::collection::vec(failure(), 1..20), step in 0usize..3) {
        let mut r = sale(12, 1_234);
        if step >= 1 {
            { let p_ = payment(&r, PaymentStatus::Authorised, 0, 0); on_payment(&mut r, Ok(p_), NOW) };
            begin_capture(&mut r, "cap".into(), NOW);
        }
        if step == 2 {
            r.state = PaymentState::Reversing;
            r.reversal_key = Some("rev".into());
        }
        let before = r.state;
        for f in fails {
            let res = match before {
                PaymentState::Reversing => on_reversal(&mut r, Err(f), NOW),
                _ => on_payment(&mut r, Err(f), NOW),
            };
            prop_assert_eq!(res, Resolution::Pending);
            prop_assert_eq!(r.state, before);
            prop_assert!(r.state.in_doubt());
        }
        prop_assert_eq!(r.idempotency_key.as_str(), "auth-12");
    }
}
