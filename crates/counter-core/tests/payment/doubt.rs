//! What staff read while a sale is not final, which failures may end a void or a
//! reversal, and when staff are asked to call the acquirer.

use counter_api::acquirer::{PaymentStatus, Reversal};
use counter_core::payment::*;
use counter_core::{BackendFailure, Code};

use crate::support::*;

fn refused_to_connect() -> BackendFailure {
    BackendFailure::Unreachable {
        sent: false,
        detail: "connection refused".into(),
    }
}

/// The definite failures that say nothing of the payment: not sent, the caller refused,
/// a 4xx without a problem document (the client names those `malformed_request`).
fn failures_that_say_nothing() -> Vec<BackendFailure> {
    vec![
        refused_to_connect(),
        problem(401, "terminal_unauthenticated"),
        problem(403, "terminal_unknown"),
        problem(403, "forbidden"),
        problem(429, "malformed_request"),
        problem(413, "malformed_request"),
        problem(413, "payload_too_large"),
    ]
}

/// A sale approved live, whose capture was journaled and then recovered (the counter
/// never showed it): the reversal step, under key `rev-<n>`.
fn recovered_approval_reversing(n: u32) -> PaymentRecord {
    let mut r = sale(n, 900);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_payment(&mut r, Ok(p), NOW);
    begin_capture(&mut r, format!("cap-{n}"), NOW);
    r.recovered = true;
    let why = reversal_reason(&r);
    begin_reversal(&mut r, format!("rev-{n}"), why, NOW.plus_secs(1));
    r
}

fn captured_voiding(n: u32) -> PaymentRecord {
    let mut r = sale(n, 700);
    let p = payment(&r, PaymentStatus::Captured, 700, 0);
    on_payment(&mut r, Ok(p), NOW);
    begin_void(&mut r, format!("void-{n}"), NOW.plus_secs(5)).unwrap();
    r
}

#[test]
fn a_sale_that_is_not_final_is_reported_in_doubt_whatever_its_last_round_met() {
    // A live capture whose first answer was lost, then the acquirer refused the
    // connection: the capture may have gone through.
    let mut r = sale(40, 1_000);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_payment(&mut r, Ok(p), NOW);
    begin_capture(&mut r, "cap-40".into(), NOW);
    on_payment(&mut r, Err(timeout()), NOW.plus_secs(1));
    let last = on_payment(&mut r, Err(refused_to_connect()), NOW.plus_secs(2));
    assert_eq!(
        last,
        Resolution::Refused {
            code: Code::AcquirerUnavailable
        }
    );
    assert_eq!(r.state, PaymentState::Capturing);
    // The refusal stays for staff who look, but the sale is reported in doubt, not as
    // "offer another way to pay".
    assert_eq!(r.last_error.as_deref(), Some("unreachable"));
    assert_eq!(report_code(&r), Code::PaymentInDoubt);

    // Every state: the outcome once final, in doubt before (a void staff asked for: not
    // made yet).
    for state in PaymentState::ALL {
        let mut r = sale(41, 10);
        r.state = state;
        if state == PaymentState::Voiding {
            r.void_key = Some("void-41".into());
        }
        let want = if state.is_final() {
            outcome_code(&r)
        } else if state == PaymentState::Voiding {
            Code::VoidPending
        } else {
            Code::PaymentInDoubt
        };
        assert_eq!(report_code(&r), want, "{state:?}");
        assert_ne!(
            matches!(report_code(&r), Code::PaymentInDoubt | Code::VoidPending),
            state.is_final(),
            "{state:?}"
        );
    }
}

#[test]
fn a_recovery_is_in_doubt_while_any_sale_it_drove_is_not_final() {
    assert_eq!(recovery_code([]), Code::NothingInDoubt);
    let mut done = sale(42, 10);
    done.state = PaymentState::Reversed;
    assert_eq!(recovery_code([&done]), Code::PaymentsRecovered);
    // Approved and not captured is not final either, nor in doubt by its state's name.
    for state in [PaymentState::Authorised, PaymentState::Capturing] {
        let mut open = sale(43, 10);
        open.state = state;
        assert_eq!(
            recovery_code([&done, &open]),
            Code::PaymentInDoubt,
            "{state:?}"
        );
    }
}

#[test]
fn only_invalid_payment_state_says_a_void_or_reversal_cannot_be_made() {
    assert!(cannot_cancel(&problem(409, "invalid_payment_state")));
    for f in failures_that_say_nothing() {
        assert!(!cannot_cancel(&f), "{f:?}");
    }
    assert!(!cannot_cancel(&timeout()));
    assert!(!cannot_cancel(&problem(503, "unavailable")));
}

#[test]
fn a_reversal_refused_for_another_reason_is_sent_again_and_keeps_the_reason() {
    for f in failures_that_say_nothing() {
        let mut r = recovered_approval_reversing(44);
        let res = on_reversal(&mut r, Err(f.clone()), NOW.plus_secs(2));
        assert_eq!(res, Resolution::Pending, "{f:?}");
        assert_eq!(r.state, PaymentState::Reversing, "{f:?}");
        assert_eq!(
            r.decline_reason.as_deref(),
            Some(APPROVAL_FOUND_ON_RECOVERY),
            "{f:?}"
        );
        assert_eq!(r.attempts, 1, "{f:?}");
        assert!(r.last_error.is_some(), "{f:?}");
        // The same reversal (same key) again.
        assert_eq!(next_action(&r, false), Some(Action::Reverse));
        let why = reversal_reason(&r);
        begin_reversal(&mut r, "rev-new".into(), why, NOW.plus_secs(3));
        assert_eq!(r.reversal_key.as_deref(), Some("rev-44"));
        // It goes through later: staff read why, not "already settled".
        let reversed = payment(&r, PaymentStatus::Reversed, 900, 0);
        let res = on_reversal(
            &mut r,
            Ok(Reversal {
                original_idempotency_key: "auth-44".into(),
                found: true,
                payment: Some(reversed),
            }),
            NOW.plus_secs(4),
        );
        assert_eq!(
            res,
            Resolution::Settled {
                state: PaymentState::Reversed,
                code: Code::ApprovalReversedOnRecovery
            },
            "{f:?}"
        );
    }
}

#[test]
fn a_reversal_refused_as_invalid_payment_state_asks_the_status_and_keeps_the_settled_sale() {
    let mut r = recovered_approval_reversing(45);
    let res = on_reversal(
        &mut r,
        Err(problem(409, "invalid_payment_state")),
        NOW.plus_secs(2),
    );
    assert_eq!(
        res,
        Resolution::Refused {
            code: Code::InvalidPaymentState
        }
    );
    assert_eq!(
        r.decline_reason.as_deref(),
        Some(APPROVAL_SETTLED_ON_RECOVERY)
    );
}

#[test]
fn a_void_refused_for_another_reason_is_sent_again_with_its_key() {
    for f in failures_that_say_nothing() {
        let mut r = captured_voiding(46);
        let res = on_payment(&mut r, Err(f.clone()), NOW.plus_secs(6));
        assert_eq!(res, Resolution::Pending, "{f:?}");
        assert_eq!(r.state, PaymentState::Voiding, "{f:?}");
        assert_eq!(r.decline_reason, None, "{f:?}");
        assert_eq!(r.attempts, 1, "{f:?}");
        assert_eq!(next_action(&r, false), Some(Action::Void), "{f:?}");
        assert_eq!(r.void_key.as_deref(), Some("void-46"));
        assert_eq!(report_code(&r), Code::VoidPending);
    }
    // Only the acquirer's "not in a state to void" sends the shell to the status.
    let mut r = captured_voiding(47);
    let res = on_payment(
        &mut r,
        Err(problem(409, "invalid_payment_state")),
        NOW.plus_secs(6),
    );
    assert_eq!(
        res,
        Resolution::Refused {
            code: Code::InvalidPaymentState
        }
    );
}

#[test]
fn staff_are_asked_to_call_the_acquirer_after_the_last_failed_round_and_not_before() {
    let mut r = sale(48, 1_000);
    // The live authorisation's answer was lost; every status query fails.
    for round in 1..MAX_RESOLVE_ATTEMPTS {
        on_status(&mut r, Err(timeout()), NOW.plus_secs(i64::from(round)));
        assert_eq!(r.attempts, round);
        assert!(!unresolved(&r), "round {round}");
    }
    on_status(&mut r, Err(timeout()), NOW.plus_secs(60));
    assert_eq!(r.attempts, MAX_RESOLVE_ATTEMPTS);
    assert!(unresolved(&r));
    // Still resolved in the background: the next step is the same query.
    assert_eq!(next_action(&r, false), Some(Action::QueryStatus));
    assert_eq!(report_code(&r), Code::PaymentInDoubt);
    let e = Code::PaymentUnresolved.entry();
    assert!(e.next_en.contains("acquirer") && e.next_ja.contains("決済代行会社"));

    // A refused reversal counts as a failed round too.
    let mut r = recovered_approval_reversing(49);
    for _ in 0..MAX_RESOLVE_ATTEMPTS {
        on_reversal(&mut r, Err(refused_to_connect()), NOW.plus_secs(2));
    }
    assert!(unresolved(&r));

    // A step that moves on starts counting again; a final sale is never escalated.
    let p = payment(&r, PaymentStatus::Reversed, 0, 0);
    on_status(&mut r, Ok(Some(p)), NOW.plus_secs(70));
    assert_eq!(r.state, PaymentState::Reversed);
    assert!(!unresolved(&r));
    let mut r = sale(50, 10);
    r.state = PaymentState::Captured;
    r.attempts = MAX_RESOLVE_ATTEMPTS + 3;
    assert!(!unresolved(&r));
}

#[test]
fn a_sale_the_acquirer_keeps_between_reversal_and_approval_is_escalated() {
    // Recovery reverses an approval; the acquirer answers that it cannot be reversed, and
    // its status says the sale is still approved: the same reversal again, round after
    // round. Each round is one failed round, never progress.
    let mut r = recovered_approval_reversing(51);
    for round in 1..=MAX_RESOLVE_ATTEMPTS {
        let t = NOW.plus_secs(i64::from(round) * 10);
        assert_eq!(
            next_action(&r, false),
            Some(Action::Reverse),
            "round {round}"
        );
        let why = reversal_reason(&r);
        begin_reversal(&mut r, format!("rev-other-{round}"), why, t);
        assert_eq!(r.reversal_key.as_deref(), Some("rev-51"));
        let refused = on_reversal(
            &mut r,
            Err(problem(409, "invalid_payment_state")),
            t.plus_secs(1),
        );
        assert_eq!(
            refused,
            Resolution::Refused {
                code: Code::InvalidPaymentState
            }
        );
        let p = payment(&r, PaymentStatus::Authorised, 0, 0);
        assert_eq!(
            on_status(&mut r, Ok(Some(p)), t.plus_secs(2)),
            Resolution::Pending
        );
        assert_eq!(r.state, PaymentState::Authorised, "round {round}");
        assert_eq!(r.attempts, round, "one failed round each");
        assert_eq!(
            unresolved(&r),
            round == MAX_RESOLVE_ATTEMPTS,
            "round {round}"
        );
    }
    assert_eq!(report_code(&r), Code::PaymentInDoubt);
    // Staff who look read what the acquirer said.
    assert!(
        r.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("invalid_payment_state")),
        "{:?}",
        r.last_error
    );
    // The acquirer reverses it at last: final, never escalated.
    let why = reversal_reason(&r);
    begin_reversal(&mut r, "rev-last".into(), why, NOW.plus_secs(100));
    let p = payment(&r, PaymentStatus::Reversed, 0, 0);
    on_status(&mut r, Ok(Some(p)), NOW.plus_secs(101));
    assert_eq!(r.state, PaymentState::Reversed);
    assert!(!unresolved(&r));
}

#[test]
fn a_void_staff_asked_for_is_sent_again_never_followed_by_a_capture() {
    // Approved, not captured; staff press void. The acquirer refuses the void and its
    // status says the sale is still approved, round after round.
    let mut r = sale(53, 600);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_payment(&mut r, Ok(p), NOW);
    begin_void(&mut r, "void-53".into(), NOW.plus_secs(1)).unwrap();
    assert_eq!(r.attempts, 0);
    for round in 1..=MAX_RESOLVE_ATTEMPTS {
        let t = NOW.plus_secs(i64::from(round) * 10);
        assert_eq!(next_action(&r, false), Some(Action::Void), "round {round}");
        assert_eq!(next_action(&r, true), Some(Action::Void), "round {round}");
        let refused = on_payment(&mut r, Err(problem(409, "invalid_payment_state")), t);
        assert_eq!(
            refused,
            Resolution::Refused {
                code: Code::InvalidPaymentState
            }
        );
        let p = payment(&r, PaymentStatus::Authorised, 0, 0);
        assert_eq!(
            on_status(&mut r, Ok(Some(p)), t.plus_secs(1)),
            Resolution::Pending
        );
        // Still the void, under the key staff's void was journaled with: never a capture.
        assert_eq!(r.state, PaymentState::Voiding, "round {round}");
        assert_eq!(r.void_key.as_deref(), Some("void-53"));
        assert_eq!(r.capture_key, None);
        assert_eq!(r.attempts, round, "one failed round each");
        assert_eq!(
            unresolved(&r),
            round == MAX_RESOLVE_ATTEMPTS,
            "round {round}"
        );
        // Staff read that their void is not made yet, not only "in doubt".
        assert_eq!(report_code(&r), Code::VoidPending);
    }
    assert!(
        r.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("invalid_payment_state")),
        "{:?}",
        r.last_error
    );
    let e = Code::VoidPending.entry();
    // Most voids are of captured sales: staff must not tell the customer they are not
    // charged while the void is not made.
    assert!(e.en.contains("not made yet") && e.next_en.contains("stays charged"));
    // A row an older build left approved with the void's key is voided, not captured.
    let mut old = r.clone();
    old.state = PaymentState::Authorised;
    assert_eq!(next_action(&old, false), Some(Action::Void));
    let res = on_payment(&mut old, Err(problem(401, "terminal_unauthenticated")), NOW);
    assert_eq!(
        res,
        Resolution::Pending,
        "a refusal that says nothing: again"
    );
    assert_eq!(next_action(&old, false), Some(Action::Void));
    // The acquirer voids it at last: final, never escalated.
    let p = payment(&r, PaymentStatus::Voided, 0, 0);
    assert_eq!(
        on_payment(&mut r, Ok(p), NOW.plus_secs(200)),
        Resolution::Settled {
            state: PaymentState::Voided,
            code: Code::PaymentVoided
        }
    );
    assert!(!unresolved(&r));
    assert_eq!(r.capture_key, None);
}

#[test]
fn a_failed_round_counts_and_a_step_that_moves_on_starts_again() {
    // A live sale: lost answers count, the approval found moves on and starts again.
    let mut r = sale(54, 600);
    on_payment(&mut r, Err(timeout()), NOW);
    on_status(&mut r, Err(timeout()), NOW.plus_secs(1));
    assert_eq!(r.attempts, 2);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_status(&mut r, Ok(Some(p)), NOW.plus_secs(2));
    assert_eq!((r.state, r.attempts), (PaymentState::Authorised, 0));
}

#[test]
fn a_void_the_acquirer_cannot_make_tells_staff_to_refund_not_that_the_payment_went_through() {
    // Staff press void; the acquirer has settled the sale already; its status says captured.
    let mut r = captured_voiding(55);
    let refused = on_payment(
        &mut r,
        Err(problem(409, "invalid_payment_state")),
        NOW.plus_secs(6),
    );
    assert_eq!(
        refused,
        Resolution::Refused {
            code: Code::InvalidPaymentState
        }
    );
    let p = payment(&r, PaymentStatus::Captured, 700, 0);
    on_status(&mut r, Ok(Some(p)), NOW.plus_secs(7));
    assert_eq!(r.state, PaymentState::Captured);
    // The drive ends here: what the staff member who asked for the void reads.
    assert_eq!(report_code(&r), Code::VoidNotMade);
    assert_ne!(report_code(&r), Code::PaymentApproved);
    let e = Code::VoidNotMade.entry();
    assert!(e.en.contains("could not be made") && e.en.contains("stays charged"));
    assert!(e.next_en.contains("Refund") && e.next_ja.contains("返金"));
    // The register reads the same: the sale stands, the void was not made.
    assert_eq!(outcome_code(&r), Code::VoidNotMade);

    // A sale nobody asked to void still reads as approved.
    let mut plain = sale(56, 700);
    let p = payment(&plain, PaymentStatus::Captured, 700, 0);
    on_payment(&mut plain, Ok(p), NOW);
    assert_eq!(report_code(&plain), Code::PaymentApproved);
}

#[test]
fn a_void_refused_while_approved_is_shown_pending_at_once_and_left_to_the_recovery() {
    // Approved, not captured; staff press void. The acquirer refuses the void as one it
    // cannot make, and its status still says approved.
    let mut r = sale(56, 600);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_payment(&mut r, Ok(p), NOW);
    begin_void(&mut r, "void-56".into(), NOW.plus_secs(1)).unwrap();
    assert!(!void_held(&r), "not sent yet");
    let refused = on_payment(
        &mut r,
        Err(problem(409, "invalid_payment_state")),
        NOW.plus_secs(2),
    );
    assert_eq!(
        refused,
        Resolution::Refused {
            code: Code::InvalidPaymentState
        }
    );
    assert!(!void_held(&r), "the status is asked first");
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_status(&mut r, Ok(Some(p)), NOW.plus_secs(3));
    // From this first round on the drive stops: staff read that the void is not made yet,
    // and the recovery sends the same void again.
    assert!(void_held(&r));
    assert_eq!(report_code(&r), Code::VoidPending);
    assert_eq!(recovery_code([&r]), Code::VoidPending);
    assert_eq!(next_action(&r, false), Some(Action::Void));
    assert_eq!(r.void_key.as_deref(), Some("void-56"));
    assert!(
        !unresolved(&r),
        "one failed round, not yet the acquirer's call"
    );
    // Beside another sale in doubt, the recovery reports the doubt.
    let other = sale(57, 100);
    assert_eq!(recovery_code([&r, &other]), Code::PaymentInDoubt);
    assert_eq!(recovery_code([&other, &r]), Code::PaymentInDoubt);

    // A void whose outcome is unknown, or refused for a reason that says nothing of the
    // payment, is not held back: the drive sends it again at once, as before.
    for f in [timeout(), problem(401, "terminal_unauthenticated")] {
        let mut v = sale(58, 600);
        let p = payment(&v, PaymentStatus::Authorised, 0, 0);
        on_payment(&mut v, Ok(p), NOW);
        begin_void(&mut v, "void-58".into(), NOW.plus_secs(1)).unwrap();
        on_payment(&mut v, Err(f.clone()), NOW.plus_secs(2));
        assert_eq!(v.state, PaymentState::Voiding, "{f:?}");
        assert!(!void_held(&v), "{f:?}");
    }

    // The recovery's void is made at last: final, nothing held.
    let p = payment(&r, PaymentStatus::Voided, 0, 0);
    on_payment(&mut r, Ok(p), NOW.plus_secs(40));
    assert!(!void_held(&r));
    assert_eq!(report_code(&r), Code::PaymentVoided);
    assert_eq!(recovery_code([&r]), Code::PaymentsRecovered);
}
