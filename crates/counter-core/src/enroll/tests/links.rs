//! The links' rules: the customer's consent to send the four attributes to the services,
//! and the links their service did not confirm, on both windows.

use counter_api::attributes::Attribute;
use counter_api::platform::{
    LinkRefusal, LinkRefusalReason, PlatformLink, ServiceKind, ServiceLink,
};

use super::*;
use crate::backend::BackendFailure;
use crate::enroll::{RefusedLine, Step};

/// Up to the Enroll effect with `consent` given at the attributes.
fn up_to_enroll(d: &mut Desk) -> Ticket {
    let (t, _) = d.up_to_sign_application();
    let (t, request) = enroll(&d.send(Input::ApplicationSigned {
        ticket: t,
        result: Ok(document_signature()),
    }));
    assert!(
        request.application.disclosure_consent,
        "signed with the consent"
    );
    let bytes = String::from_utf8(request.application.canonical_bytes()).unwrap();
    assert!(bytes.contains("\ndisclosure_consent=yes\n"), "{bytes}");
    t
}

#[test]
fn without_consent_no_link_that_needs_it_is_asked_for() {
    let mut d = Desk::new();
    d.at_attributes(false, 3);
    assert!(d.m.customer_view().disclosure_needed);
    let e = d.send(Input::AttributesConfirmed {
        disclosure_consent: false,
    });
    assert!(!uses_a_try(&e), "no PIN try after a refusal");
    assert_eq!(failed_code(&e), Code::DisclosureDeclined);
    assert_eq!(
        d.m.customer_view().progress.code,
        Some(Code::DisclosureDeclined)
    );
}

#[test]
fn a_peer_platform_alone_needs_no_disclosure() {
    let mut d = Desk {
        m: Enrollment::new(
            vec![ServiceLink::Platform(PlatformLink {
                service_id: "pf-osaka".into(),
            })],
            TERMINAL,
            PLATFORM,
        )
        .unwrap(),
        now: T0,
    };
    d.at_attributes(false, 3);
    assert!(!d.m.customer_view().disclosure_needed);
    let e = d.send(Input::AttributesConfirmed {
        disclosure_consent: false,
    });
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(d.m.step(), Step::PinEntry);
}

#[test]
fn links_refused_by_their_service_are_listed_on_both_windows() {
    let mut d = Desk::new();
    let t = up_to_enroll(&mut d);
    let mut response = enrollment_response();
    response.refused = vec![LinkRefusal {
        index: 1,
        service_id: "acq".into(),
        kind: ServiceKind::Payment,
        reason: LinkRefusalReason::AttributesMismatch,
        attribute: Some(Attribute::BirthDate),
    }];
    let e = d.send(Input::Enrolled {
        ticket: t,
        result: Ok(response),
    });
    assert!(matches!(finished(&e), Outcome::Enrolled { .. }));
    let line = RefusedLine {
        service_id: "acq".into(),
        kind: ServiceKind::Payment,
        code: Code::LinkMismatch,
        attribute: Some(Attribute::BirthDate),
    };
    assert_eq!(d.m.staff_view().refused, vec![line.clone()]);
    assert_eq!(d.m.customer_view().refused, vec![line]);
    assert_eq!(d.m.staff_view().linked.len(), 1);
}

#[test]
fn nothing_confirmed_names_the_link_and_why() {
    let mut d = Desk::new();
    let t = up_to_enroll(&mut d);
    let e = d.send(Input::Enrolled {
        ticket: t,
        result: Err(BackendFailure::Problem {
            status: 422,
            code: "link_refused".into(),
            detail: "no link was confirmed".into(),
            field: Some("application.services[0]".into()),
            reason: Some("mismatch_name".into()),
        }),
    });
    assert_eq!(failed_code(&e), Code::LinkMismatch);
    let v = d.m.staff_view();
    assert_eq!(v.step, Step::Failed);
    assert_eq!(
        v.refused,
        vec![RefusedLine {
            service_id: "kenpo".into(),
            kind: ServiceKind::Insurance,
            code: Code::LinkMismatch,
            attribute: Some(Attribute::Name),
        }]
    );
    assert_eq!(d.m.customer_view().refused.len(), 1);
}

#[test]
fn a_service_that_refused_the_request_is_for_staff_only() {
    let (d, e) = refused_at_enroll("application.services[1]", "service_refused");
    assert_eq!(failed_code(&e), Code::LinkServiceRefused);
    assert_eq!(d.m.staff_view().refused[0].code, Code::LinkServiceRefused);
    assert_eq!(d.m.customer_view().refused[0].code, Code::AskStaff);
    assert_eq!(d.m.customer_view().progress.code, Some(Code::AskStaff));
}

#[test]
fn an_unreadable_refusal_still_ends_the_session_without_a_link() {
    let (d, e) = refused_at_enroll("application.services[9]", "from_the_future");
    assert_eq!(failed_code(&e), Code::LinkServiceRefused);
    assert!(d.m.staff_view().refused.is_empty());
}

/// An enrollment up to the platform's answer, which is a `422 link_refused` naming `field`
/// with `reason`: the desk and the answer's effects.
fn refused_at_enroll(field: &str, reason: &str) -> (Desk, Vec<Effect>) {
    let mut d = Desk::new();
    let t = up_to_enroll(&mut d);
    let e = d.send(Input::Enrolled {
        ticket: t,
        result: Err(BackendFailure::Problem {
            status: 422,
            code: "link_refused".into(),
            detail: String::new(),
            field: Some(field.into()),
            reason: Some(reason.into()),
        }),
    });
    (d, e)
}
