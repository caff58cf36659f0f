//! The password rules, the customer's check, the platform's refusals, cancel and time-out.

use jpki_card::{CardError, StatusWord};

use super::*;
use crate::backend::BackendFailure;
use crate::enroll::Step;
use crate::identify::{Actor, CUSTOMER_STEP_SECS, CardFacts};

#[test]
fn rejected_attributes_end_with_the_municipal_office_as_next_step() {
    let mut d = Desk::new();
    d.at_attributes(false, 3);
    assert!(d.m.holds_password());
    let e = d.send(Input::AttributesRejected);
    assert_eq!(failed_code(&e), Code::AttributesRejected);
    assert!(
        Code::AttributesRejected
            .entry()
            .next_en
            .contains("municipal office")
    );
    assert!(!d.m.holds_password());
    assert_eq!(
        d.m.customer_view().progress.code,
        Some(Code::AttributesRejected)
    );
    d.refuse(Input::PinEntered(pin()));
}

#[test]
fn a_wrong_password_shows_the_tries_and_the_last_one_needs_staff() {
    let mut d = Desk::new();
    d.at_password(false, 3);
    let (t, _) = d.type_password();
    let e = d.send(Input::SignCertificateRead {
        ticket: t,
        result: Err(CardError::PinIncorrect { tries_left: 4 }),
    });
    assert!(e.is_empty(), "never retried on its own");
    assert!(!d.m.holds_password(), "a refused password is dropped");
    assert_eq!(d.m.step(), Step::PasswordEntry);
    let customer = d.m.customer_view();
    assert_eq!(
        (customer.password_tries_left, customer.progress.code),
        (Some(4), Some(Code::PasswordWrong))
    );

    let (t, _) = d.type_password();
    d.send(Input::SignCertificateRead {
        ticket: t,
        result: Err(CardError::PinIncorrect { tries_left: 1 }),
    });
    assert_eq!(d.m.step(), Step::ConfirmPasswordLastTry);
    let staff = d.m.staff_view();
    assert!(staff.needs_staff_confirmation);
    assert_eq!(
        (staff.password_tries_left, staff.progress.code),
        (Some(1), Some(Code::PasswordLastTry))
    );
    // Typed before the confirmation: refused.
    d.refuse(Input::PasswordEntered(password()));
    assert!(!d.m.holds_password());

    assert!(d.send(Input::StaffConfirmedLastTry).is_empty());
    assert_eq!(d.m.step(), Step::PasswordEntry);
    let (t, confirm) = d.type_password();
    assert!(confirm, "the confirmed last try is passed to the card");
    assert!(
        d.send(Input::SignCertificateRead {
            ticket: t,
            result: Ok(attributes()),
        })
        .is_empty()
    );
    assert_eq!(d.m.step(), Step::ConfirmAttributes);
}

#[test]
fn the_card_asking_for_confirmation_of_the_password_goes_to_the_staff() {
    let mut d = Desk::new();
    d.at_password(false, 3);
    let (t, _) = d.type_password();
    d.send(Input::SignCertificateRead {
        ticket: t,
        result: Err(CardError::LastTryNeedsConfirmation),
    });
    assert_eq!(d.m.step(), Step::ConfirmPasswordLastTry);
    assert!(!d.m.holds_password());
}

#[test]
fn blocked_password_missing_certificate_and_malformed_password() {
    for (error, code, tries) in [
        (CardError::PinBlocked, Code::PasswordBlocked, Some(0)),
        (
            CardError::PinIncorrect { tries_left: 0 },
            Code::PasswordBlocked,
            Some(0),
        ),
        (
            CardError::SignatureCertificateAbsent,
            Code::NoSignatureCertificate,
            None,
        ),
        (
            CardError::UnexpectedStatus {
                step: "READ BINARY",
                sw: StatusWord(0x6A86),
            },
            Code::CardUnreadable,
            None,
        ),
    ] {
        let mut d = Desk::new();
        d.at_password(false, 3);
        let (t, _) = d.type_password();
        let e = d.send(Input::SignCertificateRead {
            ticket: t,
            result: Err(error),
        });
        assert_eq!(failed_code(&e), code);
        assert_eq!(d.m.staff_view().password_tries_left, tries);
        assert!(!d.m.holds_password());
    }

    assert!(CustomerPassword::from_customer_window("ab12").is_err());
    assert!(CustomerPassword::from_customer_window("ABC-123").is_err());
    let mut d = Desk::new();
    d.at_password(false, 3);
    assert!(d.send(Input::PasswordMalformed).is_empty());
    assert_eq!(
        d.m.customer_view().progress.code,
        Some(Code::PasswordFormat)
    );
    assert_eq!(d.m.step(), Step::PasswordEntry);
}

#[test]
fn the_auth_card_is_checked_before_the_password_is_asked() {
    let mut d = Desk::new();
    let t = d.place(false);
    let e = d.send(Input::CardRead {
        ticket: t,
        result: Ok(CardFacts {
            tries_left: 3,
            certificate_not_after: Some(T0.minus_secs(1)),
        }),
    });
    assert_eq!(failed_code(&e), Code::CertificateExpired);
    d.refuse(Input::PasswordEntered(password()));

    let mut d = Desk::new();
    let t = d.place(false);
    let e = d.send(Input::CardRead {
        ticket: t,
        result: Ok(facts(0)),
    });
    assert_eq!(failed_code(&e), Code::PinBlocked);
}

#[test]
fn the_pin_leg_keeps_its_rules_last_try_included() {
    let mut d = Desk::new();
    d.at_attributes(false, 1);
    assert!(
        d.send(Input::AttributesConfirmed {
            disclosure_consent: true,
        })
        .is_empty()
    );
    assert_eq!(d.m.step(), Step::ConfirmLastTry);
    assert!(d.m.staff_view().needs_staff_confirmation);
    assert!(d.send(Input::StaffConfirmedLastTry).is_empty());
    assert_eq!(d.m.step(), Step::PinEntry);
    let t = d.type_pin();
    let (t, _, confirm) = d.issue(t);
    assert!(confirm);
    // A wrong PIN now blocks: the session ends and the password goes.
    let e = d.send(Input::Signed {
        ticket: t,
        result: Err(CardError::PinIncorrect { tries_left: 0 }),
    });
    assert_eq!(failed_code(&e), Code::PinBlocked);
    assert!(!d.m.holds_password());
    assert_eq!(d.m.staff_view().progress.tries_left, Some(0));
}

#[test]
fn a_mismatch_names_the_field_for_staff_only() {
    let mut d = Desk::new();
    let (t, _) = d.up_to_sign_application();
    let (t, _) = enroll(&d.send(Input::ApplicationSigned {
        ticket: t,
        result: Ok(document_signature()),
    }));
    let e = d.send(Input::Enrolled {
        ticket: t,
        result: Err(crate::backend::BackendFailure::Problem {
            status: 422,
            code: "attributes_mismatch".into(),
            detail: "address differs".into(),
            field: Some("application.address".into()),
            reason: None,
        }),
    });
    assert_eq!(
        finished(&e),
        Outcome::Failed {
            code: Code::AttributesMismatch,
            tries_left: None,
            can_retry: false,
            field: Some("application.address".into()),
            refused: vec![],
        }
    );
    assert_eq!(
        d.m.staff_view().field.as_deref(),
        Some("application.address")
    );
    let customer = serde_json::to_string(&d.m.customer_view()).unwrap();
    assert!(!customer.contains("application.address"));
    assert_eq!(d.m.customer_view().progress.code, Some(Code::AskStaff));
}

#[test]
fn platform_refusals_and_a_late_signature() {
    for (failure, code) in [
        (
            problem(422, "certificate_revoked"),
            Code::CertificateRevoked,
        ),
        (problem(422, "signature_invalid"), Code::CertificateRefused),
        // Never sent: nothing was linked, the platform is down (not a check's fallback).
        (
            BackendFailure::Unreachable {
                sent: false,
                detail: "connection refused".into(),
            },
            Code::EnrollmentNotSent,
        ),
        // Sent, and no answer (or one that says nothing): the card may be linked.
        (unreachable_platform(), Code::EnrollmentOutcomeUnknown),
        (problem(503, "unavailable"), Code::EnrollmentOutcomeUnknown),
        (
            BackendFailure::Malformed {
                detail: "not JSON".into(),
            },
            Code::EnrollmentOutcomeUnknown,
        ),
        (
            BackendFailure::AnswerLost {
                detail: "node a, then node b".into(),
            },
            Code::EnrollmentOutcomeUnknown,
        ),
    ] {
        let mut d = Desk::new();
        let (t, _) = d.up_to_sign_application();
        let (t, _) = enroll(&d.send(Input::ApplicationSigned {
            ticket: t,
            result: Ok(document_signature()),
        }));
        let e = d.send(Input::Enrolled {
            ticket: t,
            result: Err(failure),
        });
        assert_eq!(failed_code(&e), code);
    }
    // The password step outlived the challenge: nothing is sent.
    let mut d = Desk::new();
    let (t, _) = d.up_to_sign_application();
    d.now = d.now.plus_secs(300);
    let e = d.send(Input::ApplicationSigned {
        ticket: t,
        result: Ok(document_signature()),
    });
    assert_eq!(failed_code(&e), Code::ChallengeExpired);
    read_ticket_of(&d.send(Input::StartAgain));
}

fn read_ticket_of(effects: &[Effect]) {
    assert!(matches!(effects, [Effect::ReadCard { .. }]), "{effects:?}");
}

#[test]
fn cancel_and_time_out_drop_the_password() {
    let mut d = Desk::new();
    d.at_attributes(false, 3);
    let e = d.send(Input::Cancel(Actor::Customer));
    assert_eq!(
        finished(&e),
        Outcome::Cancelled {
            by: Actor::Customer
        }
    );
    assert!(!d.m.holds_password());

    // Cancel while the card reads the certificate: the card step is abandoned.
    let mut d = Desk::new();
    d.at_password(false, 3);
    let (t, _) = d.type_password();
    let e = d.send(Input::Cancel(Actor::Staff));
    assert!(matches!(e.first(), Some(Effect::AbortCardOperation)));
    assert!(!d.m.holds_password());
    let late = d.refuse(Input::SignCertificateRead {
        ticket: t,
        result: Ok(attributes()),
    });
    assert!(late.is_stale());
    assert_eq!(d.m.customer_view().attributes, None);

    // The customer walks away while checking the attributes.
    let mut d = Desk::new();
    d.at_attributes(false, 3);
    d.now = d.now.plus_secs(CUSTOMER_STEP_SECS - 1);
    let e = d.send(Input::Tick);
    assert_eq!(failed_code(&e), Code::TimedOut);
    assert!(!d.m.holds_password());
    assert_eq!(d.m.customer_view().attributes, None);
}

#[test]
fn a_platform_out_of_reach_before_the_application_leaves_says_nothing_was_linked() {
    for failure in [
        BackendFailure::Unreachable {
            sent: false,
            detail: "connection refused".into(),
        },
        unreachable_platform(),
        problem(503, "unavailable"),
    ] {
        let mut d = Desk::new();
        d.at_attributes(false, 3);
        d.send(Input::AttributesConfirmed {
            disclosure_consent: true,
        });
        let t = d.type_pin();
        // The `enroll` challenge never came: no application was signed or sent.
        let e = d.send(Input::ChallengeIssued {
            ticket: t,
            result: Err(failure),
        });
        assert_eq!(failed_code(&e), Code::EnrollmentNotSent);
        let staff = d.m.staff_view();
        assert_eq!(staff.progress.code, Some(Code::EnrollmentNotSent));
        assert!(staff.progress.can_retry);
        assert!(!d.m.holds_password() && !d.m.holds_pin());
    }
    // The enrollment's own advice, not a check's: nothing linked, enrol again later.
    let line = Code::EnrollmentNotSent.entry();
    assert!(line.en.contains("nothing was linked"), "{}", line.en);
    assert!(
        line.next_en.contains("platform is back")
            && line.next_en.contains("start the enrollment again")
            && !line.next_en.contains("fallback"),
        "{}",
        line.next_en
    );
}

#[test]
fn cancel_is_refused_while_the_platform_links_and_its_answer_is_shown() {
    for (by, card_pulled) in [
        (Actor::Staff, false),
        (Actor::Customer, false),
        (Actor::Staff, true),
    ] {
        let mut d = Desk::new();
        let (t, _) = d.up_to_sign_application();
        let (t, _) = enroll(&d.send(Input::ApplicationSigned {
            ticket: t,
            result: Ok(document_signature()),
        }));
        if card_pulled {
            assert!(d.send(Input::CardRemoved).is_empty());
        }
        assert!(d.m.awaits_answer());
        // The application has left: Cancel cannot call it back, so it is not taken and
        // the enrollment waits on for the answer.
        let refused = d.refuse(Input::Cancel(by));
        assert!(!refused.is_stale(), "{by:?}: {refused:?}");
        assert_eq!(d.m.step(), Step::Enrolling, "{by:?}");
        assert!(!d.m.is_ended() && d.m.awaits_answer());
        let e = d.send(Input::Enrolled {
            ticket: t,
            result: Ok(enrollment_response()),
        });
        assert!(matches!(finished(&e), Outcome::Enrolled { .. }), "{e:?}");
        assert_eq!(d.m.staff_view().enrollment_id.as_deref(), Some("enr-7"));
        assert!(!d.m.awaits_answer());
    }
    // One step earlier (the card signs the application), Cancel still ends it and
    // abandons the card step: nothing has left yet.
    let mut d = Desk::new();
    let (t, _) = d.up_to_sign_application();
    assert!(!d.m.awaits_answer());
    let e = d.send(Input::Cancel(Actor::Staff));
    assert!(
        matches!(e.first(), Some(Effect::AbortCardOperation)),
        "{e:?}"
    );
    assert_eq!(finished(&e), Outcome::Cancelled { by: Actor::Staff });
    let late = d.refuse(Input::ApplicationSigned {
        ticket: t,
        result: Ok(document_signature()),
    });
    assert!(late.is_stale());
}
