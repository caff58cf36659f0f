//! Federation (the seed's slide 23): a peer platform's assertion for this platform is
//! exchanged for this platform's own assertions, without reading the card again. The peer
//! is trusted through its published keys in the configuration (`federation_peers`).
//!
//! The holder is found by the peer's pairwise subject for this platform, linked in
//! `federated_subjects` when the holder enrolled here through the peer ([`enroll`]: the
//! peer's fresh `identify` assertion for this platform plus the services to link). No
//! attribute check happens here: the peer verified the card, and this platform relies on
//! that verification by configuration. The peer's assertion is single use (its `jti`), bound
//! to the terminal that presents it.

use backend_kit::ApiError;
use counter_api::assertion::AssertionError;
use counter_api::platform::{
    ChallengeBinding, ChallengePurpose, EnrollmentResponse, FederationEnrollmentRequest,
    FederationExchangeRequest, IdentificationResponse, MenuEntry, ServiceKind,
};
use counter_api::{Problem, ProblemCode};

use crate::audit::AuditEvent;
use crate::core::menu::label;
use crate::identification::{kind_name, menu_for, menu_links, notices};
use crate::platform::{Platform, lock, random_id};
use crate::registry::FederatedEnrollment;

fn assertion_problem(e: &AssertionError) -> ApiError {
    Problem::new(e.problem_code(), e.to_string())
        .with_field("assertion")
        .into()
}

/// `POST /v1/federation/exchange`.
pub fn exchange(
    p: &Platform,
    terminal_id: &str,
    req: &FederationExchangeRequest,
) -> Result<IdentificationResponse, ApiError> {
    let now = p.now();
    let mut event = AuditEvent {
        at: now,
        terminal_id: Some(terminal_id.to_owned()),
        action: "federation_exchange",
        ..AuditEvent::default()
    };
    let result = (|| {
        let claims = {
            let mut replay = lock(&p.federation_replay);
            p.federation
                .verify(&req.assertion, now, &mut *replay)
                .map_err(|e| assertion_problem(&e))?
        };
        event.challenge_id = Some(claims.ctx.challenge_id.clone());
        if claims.ctx.terminal_id != terminal_id {
            return Err(ApiError::from(
                Problem::new(
                    ProblemCode::AssertionInvalid,
                    "the assertion was issued for an identification at another terminal",
                )
                .with_field("assertion"),
            ));
        }
        let enrolled = p
            .registry
            .lookup_federated(&claims.iss, &claims.sub)
            .map_err(|e| Problem::new(ProblemCode::Internal, format!("registry: {e}")))?
            .ok_or_else(|| {
                ApiError::from(Problem::new(
                    ProblemCode::NotEnrolled,
                    "this holder has linked no service on this platform through that peer",
                ))
            })?;
        event.subject_id = Some(enrolled.subject_id.clone());
        let binding = ChallengeBinding {
            platform_id: claims.iss.clone(),
            challenge_id: claims.ctx.challenge_id.clone(),
            nonce: [0; 32],
            terminal_id: terminal_id.to_owned(),
            purpose: claims.ctx.purpose,
            context: match (&claims.ctx.merchant_id, claims.ctx.amount_jpy) {
                (Some(m), Some(a)) => Some(counter_api::platform::ChallengeContext {
                    merchant_id: m.clone(),
                    amount_jpy: a,
                }),
                _ => None,
            },
            expires_at: claims.exp,
        };
        let links = menu_links(p, &enrolled, binding.purpose);
        let menu = menu_for(
            p,
            &binding,
            &enrolled.subject_id,
            Some(&claims.iss),
            now,
            &links,
        )?;
        Ok(IdentificationResponse {
            identification_id: random_id("idn_")?,
            purpose: binding.purpose,
            menu,
            notices: notices(p, &enrolled, now),
        })
    })();
    p.audit_outcome(event, result.as_ref().map(|_| ()));
    result
}

/// `POST /v1/federation/enrollments`.
pub fn enroll(
    p: &Platform,
    terminal_id: &str,
    req: &FederationEnrollmentRequest,
) -> Result<EnrollmentResponse, ApiError> {
    let now = p.now();
    let mut event = AuditEvent {
        at: now,
        terminal_id: Some(terminal_id.to_owned()),
        action: "federation_enroll",
        ..AuditEvent::default()
    };
    let result = enroll_inner(p, terminal_id, req, now, &mut event);
    p.audit_outcome(event, result.as_ref().map(|_| ()));
    result
}

fn enroll_inner(
    p: &Platform,
    terminal_id: &str,
    req: &FederationEnrollmentRequest,
    now: i64,
    event: &mut AuditEvent,
) -> Result<EnrollmentResponse, ApiError> {
    if req.services.is_empty() || req.services.len() > 16 {
        return Err(
            Problem::new(ProblemCode::InvalidField, "name 1 to 16 services to link")
                .with_field("services")
                .into(),
        );
    }
    for (i, link) in req.services.iter().enumerate() {
        link.validate(i).map_err(|mut e| {
            e.field = e.field.replacen("application.", "", 1);
            ApiError::from(e)
        })?;
        match p.settings.service(link.service_id()) {
            Some(s) if s.kind == link.kind() && s.kind != ServiceKind::Platform => {}
            _ => {
                return Err(Problem::new(
                    ProblemCode::ServiceUnknown,
                    format!(
                        "this platform offers no {} service {:?}",
                        kind_name(link.kind()),
                        link.service_id()
                    ),
                )
                .with_field(format!("services[{i}].service_id"))
                .into());
            }
        }
    }
    let claims = {
        let mut replay = lock(&p.federation_replay);
        p.federation
            .verify(&req.assertion, now, &mut *replay)
            .map_err(|e| assertion_problem(&e))?
    };
    event.challenge_id = Some(claims.ctx.challenge_id.clone());
    if claims.ctx.terminal_id != terminal_id || claims.ctx.purpose != ChallengePurpose::Identify {
        return Err(ApiError::from(
            Problem::new(
                ProblemCode::AssertionInvalid,
                "a federated enrollment needs the peer's identify assertion from an identification at this terminal",
            )
            .with_field("assertion"),
        ));
    }
    let enrollment_id = random_id("enr_")?;
    let new_subject = random_id("sub_")?;
    let (subject_id, links) = p
        .registry
        .enroll_federated(&FederatedEnrollment {
            enrollment_id: &enrollment_id,
            new_subject_id: &new_subject,
            terminal_id,
            peer: &claims.iss,
            peer_subject: &claims.sub,
            jti: &claims.jti,
            services: &req.services,
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
