//! The card leaving at every step of an enrollment (docs/domain/eligibility.md R8): the password and
//! the PIN go, nothing that uses a try follows, stale results are dropped, and the views
//! never show a secret. Once the application is sent, the platform's answer is still
//! taken.

use jpki_card::{CardError, TransportError};

use super::*;
use crate::backend::BackendFailure;
use crate::enroll::Step;

/// Drives a fresh machine to `step` (host route unless it is a PIN pad step) and returns
/// it with every ticket handed out.
fn drive(step: Step) -> (Desk, Vec<Ticket>) {
    let mut d = Desk::new();
    let pad = step == Step::PinPad;
    let pin_tries = if step == Step::ConfirmLastTry { 1 } else { 3 };
    let mut tickets = vec![d.place(pad)];
    if step == Step::ReadingCard {
        return (d, tickets);
    }
    d.send(Input::CardRead {
        ticket: tickets[0],
        result: Ok(facts(pin_tries)),
    });
    if step == Step::PasswordEntry {
        return (d, tickets);
    }
    let (t, _) = d.type_password();
    tickets.push(t);
    match step {
        Step::ReadingSignCertificate => return (d, tickets),
        Step::ConfirmPasswordLastTry => {
            d.send(Input::SignCertificateRead {
                ticket: t,
                result: Err(CardError::PinIncorrect { tries_left: 1 }),
            });
            return (d, tickets);
        }
        _ => {}
    }
    d.send(Input::SignCertificateRead {
        ticket: t,
        result: Ok(attributes()),
    });
    if step == Step::ConfirmAttributes {
        return (d, tickets);
    }
    let e = d.send(Input::AttributesConfirmed {
        disclosure_consent: true,
    });
    if matches!(step, Step::PinEntry | Step::ConfirmLastTry) {
        return (d, tickets);
    }
    let t = if pad {
        challenge_ticket(&e)
    } else {
        d.type_pin()
    };
    tickets.push(t);
    if step == Step::RequestingChallenge {
        return (d, tickets);
    }
    let (t, _, _) = d.issue(t);
    tickets.push(t);
    if matches!(step, Step::Signing | Step::PinPad) {
        return (d, tickets);
    }
    let (t, _) = sign_application(&d.send(Input::Signed {
        ticket: t,
        result: Ok(authentication()),
    }));
    tickets.push(t);
    if step == Step::SigningApplication {
        return (d, tickets);
    }
    let (t, _) = enroll(&d.send(Input::ApplicationSigned {
        ticket: t,
        result: Ok(document_signature()),
    }));
    tickets.push(t);
    assert_eq!(step, Step::Enrolling);
    (d, tickets)
}

/// Every step before the application is sent: the card leaving ends the enrollment.
const STEPS: [Step; 11] = [
    Step::ReadingCard,
    Step::PasswordEntry,
    Step::ConfirmPasswordLastTry,
    Step::ReadingSignCertificate,
    Step::ConfirmAttributes,
    Step::ConfirmLastTry,
    Step::PinEntry,
    Step::RequestingChallenge,
    Step::Signing,
    Step::PinPad,
    Step::SigningApplication,
];

/// Every kind of result with each old ticket: each refused as stale.
fn assert_stale(d: &mut Desk, tickets: &[Ticket]) {
    d.assert_stale(tickets, &enroll_request());
}

fn assert_clean_card_removed(d: &Desk, effects: &[Effect], step: Step) {
    assert_eq!(effects.len(), 1, "{step:?}: {effects:?}");
    assert_eq!(
        finished(effects),
        crate::session::testing::card_removed(),
        "{step:?}"
    );
    assert!(!d.m.holds_password(), "{step:?}: the password is dropped");
    assert!(!d.m.holds_pin(), "{step:?}: the PIN is dropped");
    assert_eq!(d.m.step(), Step::Failed);
    let (staff, customer) = (d.m.staff_view(), d.m.customer_view());
    assert_eq!(staff.progress.code, Some(Code::CardRemoved));
    assert_eq!(customer.progress.code, Some(Code::CardRemoved));
    assert_eq!(customer.attributes, None);
    assert_eq!(
        (staff.progress.tries_left, staff.password_tries_left),
        (None, None)
    );
    assert!(staff.linked.is_empty() && staff.enrollment_id.is_none());
    assert!(!d.json().contains("佐藤"));
}

#[test]
fn a_card_pulled_out_at_any_step_ends_the_enrollment_cleanly() {
    for step in STEPS {
        let (mut d, tickets) = drive(step);
        assert_eq!(d.m.step(), step);
        let e = d.send(Input::CardRemoved);
        assert_clean_card_removed(&d, &e, step);

        for input in [
            Input::StaffConfirmedLastTry,
            Input::PasswordEntered(password()),
            Input::AttributesConfirmed {
                disclosure_consent: true,
            },
            Input::PinEntered(pin()),
            Input::RetryPin,
            Input::StartAgain,
        ] {
            assert!(!d.refuse(input).is_stale(), "{step:?}");
        }
        // The clock and a second removal are taken, and change nothing.
        assert!(d.send(Input::Tick).is_empty(), "{step:?}");
        assert!(d.send(Input::CardRemoved).is_empty(), "{step:?}");
        assert_stale(&mut d, &tickets);
        assert!(!d.m.holds_password() && !d.m.holds_pin());

        // Put back: from scratch, the password typed again before any card step uses it.
        let t = d.place(false);
        assert!(!tickets.contains(&t));
        let e = d.send(Input::CardRead {
            ticket: t,
            result: Ok(facts(3)),
        });
        assert!(!uses_a_try(&e), "{step:?}");
        assert_stale(&mut d, &tickets);
        assert_eq!(d.m.step(), Step::PasswordEntry, "{step:?}");
        let (_, confirm) = d.type_password();
        assert!(!confirm);
    }
}

#[test]
fn a_card_step_reporting_the_removal_is_the_same() {
    for step in [
        Step::ReadingSignCertificate,
        Step::Signing,
        Step::SigningApplication,
    ] {
        let (mut d, tickets) = drive(step);
        let ticket = *tickets.last().unwrap();
        let removed = || CardError::Transport(TransportError::CardRemoved);
        let e = match step {
            Step::ReadingSignCertificate => d.send(Input::SignCertificateRead {
                ticket,
                result: Err(removed()),
            }),
            Step::Signing => d.send(Input::Signed {
                ticket,
                result: Err(removed()),
            }),
            _ => d.send(Input::ApplicationSigned {
                ticket,
                result: Err(removed()),
            }),
        };
        assert_clean_card_removed(&d, &e, step);
        assert!(d.send(Input::CardRemoved).is_empty());
        assert_eq!(d.m.staff_view().progress.code, Some(Code::CardRemoved));
    }
}

#[test]
fn a_card_pulled_while_the_platform_links_leaves_its_answer_to_come() {
    let refused = BackendFailure::Problem {
        status: 422,
        code: "link_refused".into(),
        detail: String::new(),
        field: Some("application.services[0]".into()),
        reason: Some("mismatch_name".into()),
    };
    let timed_out = BackendFailure::Unreachable {
        sent: true,
        detail: "operation timed out".into(),
    };
    for answer in [Ok(enrollment_response()), Err(refused), Err(timed_out)] {
        let linked = answer.is_ok();
        let unknown = answer.as_ref().is_err_and(BackendFailure::outcome_unknown);
        let (mut d, tickets) = drive(Step::Enrolling);
        let ticket = *tickets.last().unwrap();
        assert!(!d.m.card_left());
        // The application is signed and sent: the card is not needed any more, and its
        // leaving ends nothing (the platform may link it all the same).
        let e = d.send(Input::CardRemoved);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(d.m.step(), Step::Enrolling);
        assert!(!d.m.card_on_reader() && d.m.card_left() && !d.m.is_ended());
        assert!(!d.m.holds_password() && !d.m.holds_pin());
        assert!(d.send(Input::CardRemoved).is_empty(), "a second report");
        assert!(d.send(Input::Tick).is_empty());
        // A card placed meanwhile (maybe the next person's) neither resumes nor restarts
        // it: the answer's ticket stays the one awaited.
        assert!(!d.refuse(Input::CardPlaced { pin_pad: false }).is_stale());
        assert_eq!(d.m.step(), Step::Enrolling);
        assert!(!d.m.card_on_reader());

        // The platform's answer is taken, and staff read it.
        let e = d.send(Input::Enrolled {
            ticket,
            result: answer,
        });
        let staff = d.m.staff_view();
        if linked {
            assert!(matches!(finished(&e), Outcome::Enrolled { .. }), "{e:?}");
            assert_eq!(staff.step, Step::Enrolled);
            assert_eq!(staff.enrollment_id.as_deref(), Some("enr-7"));
            assert_eq!(staff.linked.len(), 1);
        } else if unknown {
            // No answer: staff read that the card may be linked, and how to find out.
            assert_eq!(failed_code(&e), Code::EnrollmentOutcomeUnknown);
            assert_eq!(staff.step, Step::Failed);
            assert_eq!(staff.progress.code, Some(Code::EnrollmentOutcomeUnknown));
            let line = Code::EnrollmentOutcomeUnknown.entry();
            assert!(line.en.contains("may be linked"), "{}", line.en);
            assert!(
                line.next_en.contains("identify the card")
                    && line.next_en.contains("platform's operator"),
                "{}",
                line.next_en
            );
        } else {
            assert_eq!(failed_code(&e), Code::LinkMismatch);
            assert_eq!(staff.step, Step::Failed);
            assert_eq!(staff.progress.code, Some(Code::LinkMismatch));
            assert_eq!(staff.refused[0].service_id, "kenpo");
        }
        assert!(d.m.card_left(), "ended without its card");
        assert!(!staff.progress.can_retry, "Start again needs its own card");
        assert!(!d.refuse(Input::StartAgain).is_stale());
    }
}

#[test]
fn no_secret_and_no_length_reaches_a_view_or_a_debug_line() {
    for step in STEPS.into_iter().chain([Step::Enrolling]) {
        let (d, _) = drive(step);
        let json = d.json();
        for secret in [PIN, PASSWORD, &PASSWORD.to_lowercase()] {
            assert!(!json.contains(secret), "{step:?}: {json}");
        }
        assert!(!json.contains("length"), "{json}");
        let debug = format!("{:?}", d.m);
        assert!(!debug.contains(PASSWORD) && !debug.contains(PIN) && !debug.contains("佐藤"));
    }
    let mut d = Desk::new();
    d.at_password(false, 3);
    let e = d.send(Input::PasswordEntered(password()));
    assert!(!format!("{e:?}").contains(PASSWORD));
    assert!(!format!("{:?}", attributes()).contains("佐藤"));
}
