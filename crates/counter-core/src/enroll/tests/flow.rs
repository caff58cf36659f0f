//! The enrollment from card to linked services, on both PIN routes.

use counter_api::b64;
use counter_api::platform::Application;
use jpki_card::{PinEntry, sha256};

use super::*;
use crate::enroll::Step;

#[test]
fn host_route_links_the_card_after_the_customer_checked_the_attributes() {
    let mut d = Desk::new();
    d.at_password(false, 3);
    assert_eq!(d.m.step(), Step::PasswordEntry);
    assert!(!d.m.holds_password());

    // The password: a copy goes to the card, the machine keeps one for the signature.
    let (t, confirm) = d.type_password();
    assert!(!confirm);
    assert!(d.m.holds_password());
    assert_eq!(d.m.step(), Step::ReadingSignCertificate);

    // The attributes on the customer's screen only.
    assert!(
        d.send(Input::SignCertificateRead {
            ticket: t,
            result: Ok(attributes()),
        })
        .is_empty()
    );
    assert_eq!(d.m.step(), Step::ConfirmAttributes);
    assert_eq!(d.m.customer_view().attributes, Some(attributes()));
    let staff = serde_json::to_string(&d.m.staff_view()).unwrap();
    assert!(
        !staff.contains("佐藤") && !staff.contains("千代田区"),
        "{staff}"
    );
    assert!(d.m.customer_view().progress.seconds_left.is_some());

    // Confirmed: the PIN leg, exactly as in identification.
    assert!(
        d.send(Input::AttributesConfirmed {
            disclosure_consent: true,
        })
        .is_empty()
    );
    assert_eq!(d.m.step(), Step::PinEntry);
    assert_eq!(d.m.customer_view().attributes, None);
    let t = d.type_pin();
    assert!(d.m.holds_pin() && d.m.holds_password());
    let (t, pin, confirm) = d.issue(t);
    assert!(matches!(pin, PinEntry::Host(_)) && !confirm);
    assert!(!d.m.holds_pin());

    // The application the password signs: the confirmed attributes, the prepared services,
    // bound to the enroll challenge.
    let (t, digest) = sign_application(&d.send(Input::Signed {
        ticket: t,
        result: Ok(authentication()),
    }));
    assert!(!d.m.holds_password(), "the password went to the card");
    let a = attributes();
    let application = Application {
        challenge_id: "ch-1".into(),
        name: a.name,
        address: a.address,
        birth_date: a.birth_date,
        sex: a.sex,
        disclosure_consent: true,
        services: services(),
    };
    assert_eq!(digest, sha256(&application.canonical_bytes()));
    assert_eq!(d.m.step(), Step::SigningApplication);

    let (t, request) = enroll(&d.send(Input::ApplicationSigned {
        ticket: t,
        result: Ok(document_signature()),
    }));
    assert_eq!(request.application, application);
    assert_eq!(
        request.sign_certificate,
        b64::encode(&document_signature().sign_certificate)
    );
    assert_eq!(
        request.application_signature,
        b64::encode(&document_signature().signature)
    );
    assert_eq!(request.identification.challenge_id, "ch-1");
    assert_eq!(
        request.identification.signature,
        b64::encode(&authentication().signature)
    );
    assert_eq!(d.m.step(), Step::Enrolling);

    let e = d.send(Input::Enrolled {
        ticket: t,
        result: Ok(enrollment_response()),
    });
    assert_eq!(
        finished(&e),
        Outcome::Enrolled {
            enrollment_id: "enr-7".into(),
            linked: enrollment_response().linked,
            refused: vec![],
        }
    );
    let staff = d.m.staff_view();
    assert_eq!(staff.enrollment_id.as_deref(), Some("enr-7"));
    assert_eq!(staff.linked.len(), 1);
    assert_eq!(d.m.customer_view().linked, staff.linked);
    assert!(!d.m.holds_password() && !d.m.holds_pin());
}

#[test]
fn pin_pad_route_asks_the_challenge_once_the_attributes_are_confirmed() {
    let mut d = Desk::new();
    d.at_attributes(true, 3);
    let t = challenge_ticket(&d.send(Input::AttributesConfirmed {
        disclosure_consent: true,
    }));
    let (t, pin, _) = d.issue(t);
    assert!(matches!(pin, PinEntry::PinPad { .. }));
    assert_eq!(d.m.step(), Step::PinPad);
    // While the pad waits: its time on both windows, "PIN pad in use" for the staff only.
    let pad_secs = i64::from(crate::session::PIN_PAD_TIMEOUT_SECS);
    d.send(Input::Tick);
    let (staff, customer) = (d.m.staff_view().progress, d.m.customer_view().progress);
    assert_eq!(staff.seconds_left, Some(pad_secs - 1));
    assert_eq!(customer.seconds_left, Some(pad_secs - 1));
    assert_eq!(staff.code, Some(crate::codes::Code::PinPadInUse));
    assert_eq!(customer.code, None);
    let (t, _) = sign_application(&d.send(Input::Signed {
        ticket: t,
        result: Ok(authentication()),
    }));
    let (t, _) = enroll(&d.send(Input::ApplicationSigned {
        ticket: t,
        result: Ok(document_signature()),
    }));
    let e = d.send(Input::Enrolled {
        ticket: t,
        result: Ok(enrollment_response()),
    });
    assert!(matches!(finished(&e), Outcome::Enrolled { .. }));
}

#[test]
fn services_the_platform_would_refuse_are_refused_here() {
    assert_eq!(
        Enrollment::new(vec![], TERMINAL, PLATFORM)
            .unwrap_err()
            .field,
        "application.services"
    );
    let mut bad = services();
    if let ServiceLink::Insurance(l) = &mut bad[0] {
        l.insurer_number = "123".into();
    }
    assert_eq!(
        Enrollment::new(bad, TERMINAL, PLATFORM).unwrap_err().field,
        "application.services[0].insurer_number"
    );
    let staff = Desk::new().m.staff_view();
    assert_eq!(staff.services.len(), 2);
    assert_eq!(staff.step, Step::WaitingForCard);
}
