//! The two routes from card to menu, and what the views show on the way.

use counter_api::b64;
use counter_api::platform::ServiceKind;
use jpki_card::{PinEntry, sha256};

use super::data::*;
use super::*;
use crate::identify::{MenuLine, PIN_PAD_TIMEOUT_SECS};

#[test]
fn host_route_identifies_with_the_pin_typed_on_the_customer_window() {
    let request = identify_request();
    let mut c = Counter::new(request.clone());
    let t_read = c.place(false);
    assert_eq!(c.m.step(), Step::ReadingCard);

    // Facts read while the customer chooses: PIN entry, tries shown, no effect yet.
    let e = c.send(Input::CardRead {
        ticket: t_read,
        result: Ok(facts(3)),
    });
    assert!(e.is_empty());
    assert_eq!(c.m.step(), Step::PinEntry);
    let customer = c.m.customer_view();
    assert_eq!(
        (customer.progress.tries_left, customer.progress.pin_pad),
        (Some(3), false)
    );
    assert_eq!(
        customer.progress.seconds_left,
        Some(crate::identify::CUSTOMER_STEP_SECS)
    );

    // The PIN first, then the challenge (the PIN is held only while it comes).
    let e = c.send(Input::PinEntered(pin()));
    match e.as_slice() {
        [Effect::RequestChallenge { request: r, .. }] => assert_eq!(r, &request),
        other => panic!("{other:?}"),
    }
    let t_challenge = challenge_ticket(&e);
    assert!(c.m.holds_pin());
    assert_eq!(c.m.step(), Step::RequestingChallenge);
    assert_eq!(c.m.customer_view().progress.seconds_left, None);

    let expires_at = c.now.plus_secs(300);
    let a = authenticate(c.send(Input::ChallengeIssued {
        ticket: t_challenge,
        result: Ok(challenge(&request, expires_at)),
    }));
    assert!(matches!(a.pin, PinEntry::Host(_)));
    assert_eq!(
        a.digest,
        sha256(&binding(&request, expires_at).to_be_signed())
    );
    assert!(!a.confirm_last_try);
    assert!(!c.m.holds_pin(), "the PIN moved into the effect");
    assert_eq!(c.m.step(), Step::Signing);

    let (t_identify, body) = identify(&c.send(Input::Signed {
        ticket: a.ticket,
        result: Ok(authentication()),
    }));
    assert_eq!(body.challenge_id, "ch-1");
    assert_eq!(
        body.auth_certificate,
        b64::encode(&authentication().certificate)
    );
    assert_eq!(body.signature, b64::encode(&authentication().signature));
    assert_eq!(c.m.step(), Step::Verifying);

    let e = c.send(Input::Identified {
        ticket: t_identify,
        result: Ok(identification(&request)),
    });
    assert_eq!(
        finished(&e),
        Outcome::Identified {
            identification_id: "idn-42".into(),
            menu: menu(),
            notices: vec![],
        }
    );
    assert_eq!(c.m.step(), Step::Identified);
    let staff = c.m.staff_view();
    assert_eq!(staff.identification_id.as_deref(), Some("idn-42"));
    assert_eq!(
        staff.menu,
        vec![
            MenuLine {
                service_id: "kenpo".into(),
                kind: ServiceKind::Insurance,
                label: "全国健康保険協会".into(),
            },
            MenuLine {
                service_id: "acq".into(),
                kind: ServiceKind::Payment,
                label: "VISA ****4242".into(),
            },
        ]
    );
    assert_eq!(c.m.customer_view().menu, staff.menu);
    // The assertions (bearer tokens) reach neither window.
    assert!(!c.staff_json().contains(ASSERTION));
    assert!(!c.customer_json().contains(ASSERTION));
    assert_eq!(c.m.customer_view().progress.seconds_left, None);
}

#[test]
fn pin_pad_route_fetches_the_challenge_first_and_lets_the_reader_take_the_pin() {
    let request = identify_request();
    let mut c = Counter::new(request.clone());
    let e = c.placed_and_read(true, 3);
    let t_challenge = challenge_ticket(&e);
    assert_eq!(c.m.step(), Step::RequestingChallenge);
    assert!(c.m.customer_view().progress.pin_pad);

    // A PIN typed on the window is not taken when the reader has a pad.
    c.refuse(Input::PinEntered(pin()));
    assert!(!c.m.holds_pin());

    let a = c.issue(t_challenge);
    match a.pin {
        PinEntry::PinPad { timeout_secs } => assert_eq!(timeout_secs, PIN_PAD_TIMEOUT_SECS),
        other => panic!("{other:?}"),
    }
    assert!(!a.confirm_last_try);
    assert_eq!(c.m.step(), Step::PinPad);

    let outcome = signed_then_identified(&mut c, a.ticket, &request);
    assert!(matches!(outcome, Outcome::Identified { .. }));
}

#[test]
fn a_payment_shows_merchant_and_amount_before_the_pin_and_binds_them() {
    let request = payment_request(1_280);
    let mut c = Counter::new(request.clone());
    assert!(c.placed_and_read(false, 3).is_empty());
    let customer = c.m.customer_view();
    assert_eq!(customer.payment, request.context);
    assert_eq!(c.m.staff_view().payment, request.context);

    // A challenge for another amount is never signed.
    let t = c.type_pin();
    let other = payment_request(12_800);
    let e = c.send(Input::ChallengeIssued {
        ticket: t,
        result: Ok(challenge(&other, c.now.plus_secs(300))),
    });
    assert!(!has_authenticate(&e));
    assert_eq!(failed_code(&e), crate::codes::Code::PlatformUnavailable);
    assert!(!c.m.holds_pin());

    // Started again with the card still there: the right challenge is signed.
    let t_read = read_ticket(&c.send(Input::StartAgain));
    c.send(Input::CardRead {
        ticket: t_read,
        result: Ok(facts(3)),
    });
    let t = c.type_pin();
    let a = c.issue(t);
    assert_eq!(
        a.digest,
        sha256(&binding(&request, c.now.plus_secs(299)).to_be_signed())
    );
}

#[test]
fn a_request_the_platform_would_refuse_is_refused_here() {
    assert!(Identification::new(payment_request(0), TERMINAL, PLATFORM).is_err());
    let mut no_context = payment_request(100);
    no_context.context = None;
    assert!(Identification::new(no_context, TERMINAL, PLATFORM).is_err());
}

#[test]
fn an_answer_for_another_purpose_is_not_taken() {
    let mut c = Counter::new(identify_request());
    let a = c.up_to_signing(3);
    let (t, _) = identify(&c.send(Input::Signed {
        ticket: a.ticket,
        result: Ok(authentication()),
    }));
    let e = c.send(Input::Identified {
        ticket: t,
        result: Ok(identification(&payment_request(5))),
    });
    assert_eq!(failed_code(&e), crate::codes::Code::PlatformUnavailable);
}
