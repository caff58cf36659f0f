//! The enrollment flow: the application's rules, the identification of the `enroll`
//! challenge (authentication certificate), the signature certificate and its signature
//! over the application, the four attributes, then the link in the registry.
//!
//! Both certificates answer the same single-use challenge at the same terminal (the
//! application's canonical bytes carry its id), which is what ties the signature
//! certificate to the authentication certificate being linked.

use backend_kit::ApiError;
use counter_api::platform::{ChallengePurpose, EnrollmentRequest, EnrollmentResponse, MenuEntry};
use counter_api::{Problem, ProblemCode};
use jpki_cert::challenge::verify_challenge;
use jpki_cert::{JpkiCertificate, UnixTime};

use crate::audit::AuditEvent;
use crate::core::matching::match_application;
use crate::core::menu::label;
use crate::core::refusal::{certificate_problem, mismatch_problem};
use crate::identification::{kind_name, verify_answer};
use crate::platform::{Platform, random_id};
use crate::registry::NewEnrollment;

/// `POST /v1/enrollments`.
pub fn enroll(
    p: &Platform,
    terminal_id: &str,
    req: &EnrollmentRequest,
) -> Result<EnrollmentResponse, ApiError> {
    let now = p.now();
    let mut event = AuditEvent {
        at: now,
        terminal_id: Some(terminal_id.to_owned()),
        action: "enroll",
        ..AuditEvent::default()
    };
    let result = enroll_inner(p, terminal_id, req, now, &mut event);
    p.audit_outcome(event, result.as_ref().map(|_| ()));
    result
}

fn enroll_inner(
    p: &Platform,
    terminal_id: &str,
    req: &EnrollmentRequest,
    now: i64,
    event: &mut AuditEvent,
) -> Result<EnrollmentResponse, ApiError> {
    let app = &req.application;
    app.validate()?;
    if app.challenge_id != req.identification.challenge_id {
        return Err(Problem::new(
            ProblemCode::InvalidField,
            "the application and the identification must answer the same enroll challenge",
        )
        .with_field("application.challenge_id")
        .into());
    }
    for (i, link) in app.services.iter().enumerate() {
        match p.settings.service(link.service_id()) {
            Some(s) if s.kind == link.kind() => {}
            Some(s) => {
                return Err(Problem::new(
                    ProblemCode::ServiceUnknown,
                    format!(
                        "service {} is a {} service, not {}",
                        s.id,
                        kind_name(s.kind),
                        kind_name(link.kind())
                    ),
                )
                .with_field(format!("application.services[{i}].kind"))
                .into());
            }
            None => {
                return Err(Problem::new(
                    ProblemCode::ServiceUnknown,
                    format!("this platform offers no service {:?}", link.service_id()),
                )
                .with_field(format!("application.services[{i}].service_id"))
                .into());
            }
        }
    }
    let b64 = |f: &'static str, v: &str| {
        counter_api::b64::decode(f, v).map_err(|e| {
            ApiError::from(Problem::new(ProblemCode::InvalidBase64, e.to_string()).with_field(f))
        })
    };
    let sign_der = b64("sign_certificate", &req.sign_certificate)?;
    if sign_der.is_empty() {
        return Err(Problem::new(
            ProblemCode::InvalidField,
            "enrollment needs the card's signature certificate; cards without one (minors', 顔認証 cards) can be linked only at the insurer's or acquirer's own counter",
        )
        .with_field("sign_certificate")
        .into());
    }
    let app_sig = b64("application_signature", &req.application_signature)?;
    let (_binding, auth) = verify_answer(
        p,
        terminal_id,
        &req.identification,
        &[ChallengePurpose::Enroll],
        now,
        event,
    )?;
    let sign_cert = JpkiCertificate::from_der(&sign_der)
        .map_err(|r| certificate_problem("sign_certificate", &r))?;
    let sign = p
        .sign
        .verify_parsed(&sign_cert, UnixTime(now), p.crl.index())
        .map_err(|r| certificate_problem("sign_certificate", &r))?;
    let app_bytes = app.canonical_bytes();
    verify_challenge(&sign_cert, &app_bytes, &app_sig)
        .map_err(|r| certificate_problem("sign_certificate", &r))?;
    let identity = sign.identity.as_ref().ok_or_else(|| {
        Problem::new(
            ProblemCode::CertificateRefused,
            "the signature certificate carries no attributes",
        )
        .with_field("sign_certificate")
    })?;
    match_application(app, identity).map_err(|m| {
        event.reason = Some(m.field().to_owned());
        mismatch_problem(m)
    })?;
    let root_key = p
        .settings
        .sign_store
        .anchors()
        .iter()
        .find(|a| a.label() == sign.root)
        .map(|a| hex::encode(a.key_hash()))
        .ok_or_else(|| {
            Problem::new(
                ProblemCode::Internal,
                "the signing root vanished from the store",
            )
        })?;
    let enrollment_id = random_id("enr_")?;
    let new_subject = random_id("sub_")?;
    let (subject_id, links) = p
        .registry
        .enroll(&NewEnrollment {
            enrollment_id: &enrollment_id,
            new_subject_id: &new_subject,
            terminal_id,
            auth: &auth.linkage,
            sign: &sign.linkage,
            sign_root_key: &root_key,
            sign_der: &sign_der,
            application: app,
            application_signature: &app_sig,
            now,
        })
        .map_err(|e| Problem::new(ProblemCode::Internal, format!("registry: {e}")))?;
    event.subject_id = Some(subject_id);
    let linked = links
        .iter()
        .filter_map(|l| {
            let s = p.settings.service(l.service_id())?;
            Some(MenuEntry {
                service_id: s.id.clone(),
                kind: s.kind,
                label: label(s, l),
                assertion: None,
                assertion_expires_at: None,
            })
        })
        .collect();
    Ok(EnrollmentResponse {
        enrollment_id,
        linked,
        refused: Vec::new(),
    })
}
