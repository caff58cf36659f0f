//! The PIN rules, the platform's refusals, the card's errors, cancel and the time limit.

use counter_api::platform::ChallengeBinding;
use jpki_card::{CardError, PinEntry, StatusWord, TransportError};

use super::data::*;
use super::*;
use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;
use crate::identify::{Actor, CUSTOMER_STEP_SECS, CardFacts, WARN_BEFORE_SECS};

#[test]
fn an_expired_certificate_stops_before_the_pin_is_asked() {
    let mut c = Counter::new(identify_request());
    let t = c.place(false);
    let e = c.send(Input::CardRead {
        ticket: t,
        result: Ok(CardFacts {
            tries_left: 3,
            certificate_not_after: Some(T0.minus_secs(1)),
        }),
    });
    assert_eq!(
        finished(&e),
        Outcome::Failed {
            code: Code::CertificateExpired,
            tries_left: None,
            can_retry: false,
            field: None,
            refused: Vec::new(),
        }
    );
    assert_eq!(c.m.step(), Step::Failed);
    // No PIN is taken afterwards.
    c.refuse(Input::PinEntered(pin()));
    assert!(!c.m.holds_pin());
    assert!(!c.m.staff_view().progress.can_retry);
}

#[test]
fn a_blocked_pin_asks_for_nothing_and_says_where_to_go() {
    let mut c = Counter::new(identify_request());
    let e = c.placed_and_read(false, 0);
    assert_eq!(finished(&e), pin_blocked());
    assert!(
        Code::PinBlocked
            .entry()
            .next_en
            .contains("municipal office")
    );
    assert_eq!(c.m.customer_view().progress.code, Some(Code::PinBlocked));
    c.refuse(Input::PinEntered(pin()));
    c.refuse(Input::StartAgain);
}

#[test]
fn tries_three_two_one_with_the_last_try_confirmed_by_staff() {
    let request = identify_request();
    let mut c = Counter::new(request.clone());
    let a = c.up_to_signing(3);
    assert!(!a.confirm_last_try);

    // Wrong: back to PIN entry with 2 tries shown, nothing sent on its own.
    let e = c.send(Input::Signed {
        ticket: a.ticket,
        result: Err(CardError::PinIncorrect { tries_left: 2 }),
    });
    assert!(e.is_empty());
    assert_eq!(c.m.step(), Step::PinEntry);
    let customer = c.m.customer_view();
    assert_eq!(
        (customer.progress.tries_left, customer.progress.code),
        (Some(2), Some(Code::PinWrong))
    );

    // Wrong again: one try left, the staff must confirm before anything else.
    let t = c.type_pin();
    let a = c.issue(t);
    let e = c.send(Input::Signed {
        ticket: a.ticket,
        result: Err(CardError::PinIncorrect { tries_left: 1 }),
    });
    assert!(e.is_empty());
    assert_eq!(c.m.step(), Step::ConfirmLastTry);
    let staff = c.m.staff_view();
    assert!(staff.needs_staff_confirmation);
    assert_eq!(
        (staff.progress.tries_left, staff.progress.code),
        (Some(1), Some(Code::PinLastTry))
    );
    assert_eq!(c.m.customer_view().progress.code, Some(Code::PinLastTry));

    // A PIN typed before the confirmation is refused, not kept for later.
    c.refuse(Input::PinEntered(pin()));
    assert!(!c.m.holds_pin());
    assert_eq!(c.m.step(), Step::ConfirmLastTry);

    assert!(c.send(Input::StaffConfirmedLastTry).is_empty());
    assert_eq!(c.m.step(), Step::PinEntry);
    assert!(!c.m.staff_view().needs_staff_confirmation);
    let t = c.type_pin();
    let a = c.issue(t);
    assert!(
        a.confirm_last_try,
        "the confirmed last try is passed to the card"
    );

    let outcome = signed_then_identified(&mut c, a.ticket, &request);
    assert!(matches!(outcome, Outcome::Identified { .. }));
}

#[test]
fn a_card_read_with_one_try_asks_staff_first_and_a_wrong_last_pin_blocks() {
    let mut c = Counter::new(identify_request());
    assert!(c.placed_and_read(false, 1).is_empty());
    assert_eq!(c.m.step(), Step::ConfirmLastTry);
    assert!(c.send(Input::StaffConfirmedLastTry).is_empty());
    let t = c.type_pin();
    let a = c.issue(t);
    assert!(a.confirm_last_try);
    let e = c.send(Input::Signed {
        ticket: a.ticket,
        result: Err(CardError::PinIncorrect { tries_left: 0 }),
    });
    assert_eq!(finished(&e), pin_blocked());
}

#[test]
fn on_the_pin_pad_the_last_try_is_confirmed_before_the_pad_is_armed() {
    let mut c = Counter::new(identify_request());
    assert!(
        c.placed_and_read(true, 1).is_empty(),
        "no challenge, no pad yet"
    );
    assert_eq!(c.m.step(), Step::ConfirmLastTry);
    let t = challenge_ticket(&c.send(Input::StaffConfirmedLastTry));
    let a = c.issue(t);
    assert!(matches!(a.pin, PinEntry::PinPad { .. }));
    assert!(a.confirm_last_try);
}

#[test]
fn the_card_asking_for_confirmation_goes_back_to_the_staff() {
    let mut c = Counter::new(identify_request());
    let a = c.up_to_signing(2);
    let e = c.send(Input::Signed {
        ticket: a.ticket,
        result: Err(CardError::LastTryNeedsConfirmation),
    });
    assert!(e.is_empty());
    assert_eq!(c.m.step(), Step::ConfirmLastTry);
    assert_eq!(c.m.staff_view().progress.tries_left, Some(1));
}

#[test]
fn pin_pad_timeout_and_cancel_return_to_pin_entry_without_a_try_used() {
    for (error, code) in [
        (CardError::PinEntryTimeout, Code::PinPadTimeout),
        (CardError::PinEntryCancelled, Code::PinCancelled),
    ] {
        let mut c = Counter::new(identify_request());
        let t = challenge_ticket(&c.placed_and_read(true, 3));
        let a = c.issue(t);
        let e = c.send(Input::Signed {
            ticket: a.ticket,
            result: Err(error),
        });
        assert!(e.is_empty(), "never re-armed on its own");
        assert_eq!(c.m.step(), Step::PinEntry);
        let customer = c.m.customer_view();
        assert_eq!(
            (customer.progress.code, customer.progress.tries_left),
            (Some(code), Some(3))
        );
        // The customer presses "enter the PIN": a new challenge, then the pad again.
        let t = challenge_ticket(&c.send(Input::RetryPin));
        assert!(matches!(c.issue(t).pin, PinEntry::PinPad { .. }));
    }
}

#[test]
fn a_pin_of_the_wrong_shape_is_reported_and_asked_again() {
    assert!(crate::identify::CustomerPin::from_customer_window("739").is_err());
    let mut c = Counter::new(identify_request());
    c.placed_and_read(false, 3);
    assert!(c.send(Input::PinMalformed).is_empty());
    assert_eq!(c.m.step(), Step::PinEntry);
    assert_eq!(c.m.customer_view().progress.code, Some(Code::PinFormat));
    c.type_pin();
    assert_eq!(c.m.customer_view().progress.code, None);
}

#[test]
fn an_expired_challenge_offers_to_start_again() {
    let request = identify_request();
    // Expired on arrival (check_for): never signed.
    let mut c = Counter::new(request.clone());
    c.placed_and_read(false, 3);
    let t = c.type_pin();
    let e = c.send(Input::ChallengeIssued {
        ticket: t,
        result: Ok(challenge(&request, T0)),
    });
    assert!(!has_authenticate(&e));
    assert_eq!(failed_code(&e), Code::ChallengeExpired);
    assert!(c.m.staff_view().progress.can_retry);
    assert!(!c.m.holds_pin());

    // Expired at the platform: start again reads the card anew.
    let mut c = Counter::new(request);
    let a = c.up_to_signing(3);
    let (t, _) = identify(&c.send(Input::Signed {
        ticket: a.ticket,
        result: Ok(authentication()),
    }));
    let e = c.send(Input::Identified {
        ticket: t,
        result: Err(problem(422, "challenge_expired")),
    });
    assert_eq!(failed_code(&e), Code::ChallengeExpired);
    read_ticket(&c.send(Input::StartAgain));
    assert_eq!(c.m.step(), Step::ReadingCard);
}

#[test]
fn a_challenge_for_another_terminal_or_platform_is_never_signed() {
    let request = identify_request();
    let tweaks: [fn(&mut ChallengeBinding); 2] = [
        |b| b.terminal_id = "t-other".into(),
        |b| b.platform_id = "pf-evil".into(),
    ];
    for tweak in tweaks {
        let mut c = Counter::new(request.clone());
        c.placed_and_read(false, 3);
        let t = c.type_pin();
        let mut b = binding(&request, c.now.plus_secs(300));
        tweak(&mut b);
        let e = c.send(Input::ChallengeIssued {
            ticket: t,
            result: Ok(b.to_response()),
        });
        assert!(!has_authenticate(&e));
        assert_eq!(failed_code(&e), Code::PlatformUnavailable);
    }
}

#[test]
fn platform_refusals_end_with_their_codes() {
    let request = identify_request();
    for (failure, code, can_retry) in [
        (
            problem(422, "certificate_expired"),
            Code::CertificateExpired,
            false,
        ),
        (
            problem(422, "certificate_revoked"),
            Code::CertificateRevoked,
            false,
        ),
        (
            problem(422, "certificate_refused"),
            Code::CertificateRefused,
            false,
        ),
        (
            problem(503, "revocation_unknown"),
            Code::RevocationUnknown,
            true,
        ),
        (problem(404, "not_enrolled"), Code::NotEnrolled, false),
        (
            problem(422, "signature_invalid"),
            Code::CertificateRefused,
            false,
        ),
        (unreachable_platform(), Code::PlatformUnavailable, true),
        // A node took the answer and failed before it answered: identify again, and
        // never a wrong PIN (the card signed).
        (
            BackendFailure::AnswerLost {
                detail: "node 1 failed".into(),
            },
            Code::PlatformAnswerLost,
            true,
        ),
    ] {
        let mut c = Counter::new(request.clone());
        let a = c.up_to_signing(3);
        let (t, _) = identify(&c.send(Input::Signed {
            ticket: a.ticket,
            result: Ok(authentication()),
        }));
        let e = c.send(Input::Identified {
            ticket: t,
            result: Err(failure),
        });
        assert_eq!(
            finished(&e),
            Outcome::Failed {
                code,
                tries_left: None,
                can_retry,
                field: None,
                refused: Vec::new(),
            }
        );
        // Staff-only lines reach the customer as "ask staff".
        assert_eq!(c.m.customer_view().progress.code, Some(code.for_customer()));
    }
    // The challenge itself cannot be had.
    let mut c = Counter::new(request);
    c.placed_and_read(false, 3);
    let t = c.type_pin();
    let e = c.send(Input::ChallengeIssued {
        ticket: t,
        result: Err(unreachable_platform()),
    });
    assert_eq!(failed_code(&e), Code::PlatformUnavailable);
    assert!(!c.m.holds_pin());
    assert_eq!(c.m.customer_view().progress.code, Some(Code::AskStaff));
}

#[test]
fn card_errors_end_with_their_codes() {
    let mut c = Counter::new(identify_request());
    let t = c.place(false);
    let e = c.send(Input::CardRead {
        ticket: t,
        result: Err(CardError::NotAMyNumberCard {
            sw: StatusWord(0x6A82),
        }),
    });
    assert_eq!(failed_code(&e), Code::NotAMyNumberCard);

    for (error, code) in [
        (CardError::SignatureInvalid, Code::CertificateRefused),
        (CardError::SecurityStatusNotSatisfied, Code::CardUnreadable),
        (
            CardError::Transport(TransportError::SharingViolation),
            Code::CardBusy,
        ),
        (
            CardError::Transport(TransportError::ReaderUnavailable("unplugged".into())),
            Code::ReaderUnavailable,
        ),
    ] {
        let mut c = Counter::new(identify_request());
        let a = c.up_to_signing(3);
        let e = c.send(Input::Signed {
            ticket: a.ticket,
            result: Err(error),
        });
        assert_eq!(failed_code(&e), code);
    }
}

#[test]
fn cancel_by_either_side_ends_the_session_and_abandons_a_waiting_pin_pad() {
    let mut c = Counter::new(identify_request());
    c.placed_and_read(false, 3);
    let e = c.send(Input::Cancel(Actor::Customer));
    assert_eq!(
        finished(&e),
        Outcome::Cancelled {
            by: Actor::Customer
        }
    );
    assert_eq!(e.len(), 1);
    assert_eq!(c.m.step(), Step::Cancelled);

    let mut c = Counter::new(identify_request());
    let t = challenge_ticket(&c.placed_and_read(true, 3));
    let a = c.issue(t);
    let e = c.send(Input::Cancel(Actor::Staff));
    assert!(matches!(e.first(), Some(Effect::AbortCardOperation)));
    assert_eq!(finished(&e), Outcome::Cancelled { by: Actor::Staff });
    // The pad's late answer is refused as stale.
    let e = c.refuse(Input::Signed {
        ticket: a.ticket,
        result: Ok(authentication()),
    });
    assert!(e.is_stale());
    assert_eq!(c.m.step(), Step::Cancelled);
    // Cancel when nothing runs is refused and changes nothing.
    c.refuse(Input::Cancel(Actor::Staff));
    // Start again with the card still there.
    read_ticket(&c.send(Input::StartAgain));
}

#[test]
fn the_customer_is_warned_can_extend_and_times_out() {
    let mut c = Counter::new(identify_request());
    c.placed_and_read(false, 3);
    let started = c.now;
    let at = |c: &mut Counter, t: UnixTime| {
        c.now = t.minus_secs(1);
        c.send(Input::Tick)
    };
    assert!(
        at(
            &mut c,
            started.plus_secs(CUSTOMER_STEP_SECS - WARN_BEFORE_SECS - 1)
        )
        .is_empty()
    );
    assert!(!c.m.customer_view().progress.time_warning);
    assert!(
        at(
            &mut c,
            started.plus_secs(CUSTOMER_STEP_SECS - WARN_BEFORE_SECS)
        )
        .is_empty()
    );
    let customer = c.m.customer_view();
    assert!(customer.progress.time_warning);
    assert_eq!(customer.progress.seconds_left, Some(WARN_BEFORE_SECS));
    assert!(c.m.staff_view().progress.time_warning);

    // "I need more time": a full limit again, as often as needed.
    for _ in 0..12 {
        c.send(Input::ExtendTime);
        assert_eq!(
            c.m.customer_view().progress.seconds_left,
            Some(CUSTOMER_STEP_SECS)
        );
    }
    let extended = c.now;
    assert!(at(&mut c, extended.plus_secs(CUSTOMER_STEP_SECS - 1)).is_empty());
    let e = at(&mut c, extended.plus_secs(CUSTOMER_STEP_SECS));
    assert_eq!(
        finished(&e),
        Outcome::Failed {
            code: Code::TimedOut,
            tries_left: None,
            can_retry: true,
            field: None,
            refused: Vec::new(),
        }
    );
    assert_eq!(c.m.customer_view().progress.code, Some(Code::TimedOut));
    assert_eq!(c.m.customer_view().progress.seconds_left, None);
}

#[test]
fn no_limit_runs_while_the_machine_waits_on_the_card_or_the_platform() {
    let mut c = Counter::new(identify_request());
    let a = c.up_to_signing(3);
    c.now = c.now.plus_secs(CUSTOMER_STEP_SECS + 1);
    assert!(c.send(Input::Tick).is_empty());
    assert_eq!(c.m.step(), Step::Signing);
    c.refuse(Input::ExtendTime);
    identify(&c.send(Input::Signed {
        ticket: a.ticket,
        result: Ok(authentication()),
    }));

    // The card step outlived the challenge (300 s): the platform would refuse it, so
    // the machine says so at once and offers to start again.
    let mut c = Counter::new(identify_request());
    let a = c.up_to_signing(3);
    c.now = c.now.plus_secs(300);
    let e = c.send(Input::Signed {
        ticket: a.ticket,
        result: Ok(authentication()),
    });
    assert_eq!(failed_code(&e), Code::ChallengeExpired);
}
