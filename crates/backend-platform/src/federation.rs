//! Federation (the seed's slide 23): a peer platform's assertion for this platform is
//! exchanged for this platform's own assertions, without reading the card again. The peer
//! is trusted through its published keys in the configuration (`federation_peers`).
//!
//! The holder is found by the peer's pairwise subject for this platform, linked in
//! `federated_subjects` when the holder enrolled here through the peer ([`enroll`]: the
//! peer's fresh `identify` assertion for this platform plus the services to link). The
//! peer verified the card's authentication certificate, and this platform relies on that
//! verification by configuration; the links themselves are confirmed by their services
//! like every link, with the attributes of a signature certificate this platform verifies
//! itself (the request's signed application), which it keeps as the holder's latest so that
//! an exchange tells when it has been revoked since (the holder moved or was renamed), as an
//! identification does for a card enrolled here. The peer's assertion is single use (its
//! `jti`), bound to the terminal that presents it.

use std::sync::Arc;

use backend_kit::ApiError;
use counter_api::assertion::AssertionError;
use counter_api::platform::{
    ChallengeBinding, ChallengePurpose, EnrollmentResponse, FederationEnrollmentRequest,
    FederationExchangeRequest, IdentificationResponse, MenuEntry, ServiceKind, ServiceLink,
};
use counter_api::{Problem, ProblemCode};
use madoguchi_time::UnixTime;

use crate::audit::AuditEvent;
use crate::enrollment::{
    EnrollAudit, LinkAsk, SignedApplication, confirm_all, linked_lines, newly_bound,
    nothing_confirmed, refusal_summary, release_all, split, verify_signed,
};
use crate::identification::{kind_name, menu_for, menu_links, notices};
use crate::links::Confirmation;
use crate::platform::{Platform, random_id};
use crate::registry::{EnrollError, FederatedEnrollment, FederatedSign};
use crate::storage::StoredReplayGuard;

fn assertion_problem(e: &AssertionError) -> ApiError {
    Problem::new(e.problem_code(), e.to_string())
        .with_field("assertion")
        .into()
}

/// Verifies a peer's assertion, its `jti` recorded in the shared replay guard.
fn verify_assertion(
    p: &Platform,
    token: &str,
    now: UnixTime,
) -> Result<counter_api::assertion::AssertionClaims, ApiError> {
    let mut replay = StoredReplayGuard::new(p.store.as_ref());
    let verified = p.federation.verify(token, now, &mut replay);
    if let Some(e) = replay.failed {
        return Err(e.problem().into());
    }
    verified.map_err(|e| assertion_problem(&e))
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
        let claims = verify_assertion(p, &req.assertion, now)?;
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
            .store
            .lookup_federated(&claims.iss, &claims.sub)
            .map_err(|e| ApiError::from(e.problem()))?
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
    p.audited(event, result)
}

/// A federated enrollment checked, waiting for its links to be confirmed.
#[derive(Debug)]
struct Prepared {
    enrollment_id: String,
    /// The peer (`iss`), its subject for this platform (`sub`) and the assertion's `jti`.
    peer: (String, String, String),
    services: Vec<ServiceLink>,
    /// The signed application (its attributes and signature certificate verified), when a
    /// link needs its service's confirmation.
    signed: Option<SignedApplication>,
    subject: (String, bool),
    /// The holder's links when prepared (see [`crate::enrollment::Verified::held`]).
    held: Vec<ServiceLink>,
}

/// `POST /v1/federation/enrollments`.
pub async fn enroll(
    p: Arc<Platform>,
    terminal_id: String,
    req: FederationEnrollmentRequest,
) -> Result<EnrollmentResponse, ApiError> {
    let now = p.now();
    let event = AuditEvent {
        at: now,
        terminal_id: Some(terminal_id.clone()),
        action: "federation_enroll",
        ..AuditEvent::default()
    };
    let mut audit = EnrollAudit::default();
    let (event, result) = run(&p, terminal_id, req, now, event, &mut audit).await;
    if audit.written {
        return result;
    }
    p.audited_all_async(audit.rows, event, result).await
}

async fn run(
    p: &Arc<Platform>,
    terminal_id: String,
    req: FederationEnrollmentRequest,
    now: UnixTime,
    event: AuditEvent,
    audit: &mut EnrollAudit,
) -> (AuditEvent, Result<EnrollmentResponse, ApiError>) {
    let fallback = event.clone();
    let (pp, tid) = (p.clone(), terminal_id.clone());
    let prepared = tokio::task::spawn_blocking(move || {
        let mut event = event;
        let r = prepare(&pp, &tid, &req, now, &mut event);
        (event, r)
    })
    .await;
    let (mut event, prepared) = match prepared {
        Ok((e, Ok(v))) => (e, v),
        Ok((e, Err(err))) => return (e, Err(err)),
        Err(e) => return (fallback, Err(task_failed(&e))),
    };
    event.subject_id = Some(prepared.subject.0.clone());
    let (links, rows) = match &prepared.signed {
        Some(SignedApplication { certified, .. }) => {
            confirm_all(
                p,
                &LinkAsk {
                    terminal_id: &terminal_id,
                    enrollment_id: &prepared.enrollment_id,
                    subject_id: &prepared.subject.0,
                    links: &prepared.services,
                    certified,
                    now,
                },
            )
            .await
        }
        // `prepare` asks for the signed application whenever a link needs confirming.
        None => (
            prepared
                .services
                .iter()
                .map(|l| (l.clone(), Confirmation::Confirmed))
                .collect(),
            Vec::new(),
        ),
    };
    audit.rows = rows;
    let (confirmed, refused) = split(links);
    event.reason = refusal_summary(&refused);
    if confirmed.is_empty() {
        return (event, Err(nothing_confirmed(&refused)));
    }
    let ps = p.clone();
    let rows = audit.with_success(&event);
    let stored = tokio::task::spawn_blocking(move || {
        let r = store(&ps, &terminal_id, &prepared, &confirmed, now, &rows);
        (prepared, confirmed, r)
    })
    .await;
    match stored {
        Ok((prepared, _, Ok((linked, replaced)))) => {
            audit.written = true;
            release_all(p, &prepared.subject.0, &replaced, now).await;
            let enrollment_id = prepared.enrollment_id;
            (
                event,
                Ok(EnrollmentResponse {
                    enrollment_id,
                    linked,
                    refused,
                }),
            )
        }
        Ok((prepared, confirmed, Err(e))) => {
            let bound = newly_bound(&confirmed, &prepared.held);
            release_all(p, &prepared.subject.0, &bound, now).await;
            (event, Err(e))
        }
        Err(e) => (event, Err(task_failed(&e))),
    }
}

/// A task of a federated enrollment that panicked: `internal`, the panic's text logged only.
fn task_failed(e: &tokio::task::JoinError) -> ApiError {
    backend_kit::task::task_failed("federated enrollment", e, "enrol again")
}

fn prepare(
    p: &Platform,
    terminal_id: &str,
    req: &FederationEnrollmentRequest,
    now: UnixTime,
    event: &mut AuditEvent,
) -> Result<Prepared, ApiError> {
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
    let needs_confirmation = req.services.iter().any(ServiceLink::needs_confirmation);
    if needs_confirmation && req.signed_application.is_none() {
        return Err(Problem::new(
            ProblemCode::InvalidField,
            "insurance and payment links are confirmed by their service with the holder's four attributes: send the application the customer signed with the card's signature certificate",
        )
        .with_field("signed_application")
        .into());
    }
    let claims = verify_assertion(p, &req.assertion, now)?;
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
    let signed = match &req.signed_application {
        Some(signed) => {
            let app = &signed.application;
            app.validate()?;
            if app.challenge_id != claims.ctx.challenge_id || app.services != req.services {
                return Err(Problem::new(
                    ProblemCode::InvalidField,
                    "the signed application must answer the peer's identification (its challenge) and name the services requested",
                )
                .with_field("signed_application.application")
                .into());
            }
            Some(verify_signed(
                p,
                app,
                &signed.sign_certificate,
                &signed.application_signature,
                now,
                event,
            )?)
        }
        None => None,
    };
    let known = p
        .store
        .federated_subject(&claims.iss, &claims.sub)
        .map_err(|e| ApiError::from(e.problem()))?;
    let (subject, held) = match known {
        Some(s) => {
            let held = p
                .store
                .links_of(&s)
                .map_err(|e| ApiError::from(e.problem()))?;
            ((s, false), held)
        }
        None => ((random_id("sub_")?, true), Vec::new()),
    };
    Ok(Prepared {
        enrollment_id: random_id("enr_")?,
        peer: (claims.iss, claims.sub, claims.jti),
        services: req.services.clone(),
        signed,
        subject,
        held,
    })
}

/// The confirmed links into the registry; returns the menu lines of every link of the
/// holder, and the links replaced (to release at their service).
fn store(
    p: &Platform,
    terminal_id: &str,
    v: &Prepared,
    confirmed: &[ServiceLink],
    now: UnixTime,
    audit: &[AuditEvent],
) -> Result<(Vec<MenuEntry>, Vec<ServiceLink>), ApiError> {
    let stored = p
        .store
        .enroll_federated(
            &FederatedEnrollment {
            enrollment_id: &v.enrollment_id,
            subject: (&v.subject.0, v.subject.1),
            terminal_id,
            peer: &v.peer.0,
            peer_subject: &v.peer.1,
            jti: &v.peer.2,
            services: confirmed,
            sign: v.signed.as_ref().map(|s| FederatedSign {
                sign: &s.sign,
                root_key: &s.sign_root_key,
                crl_scope: s.sign_crl_scope.as_deref(),
            }),
            now,
            },
            audit,
        )
        .map_err(|e| match e {
            EnrollError::Raced => ApiError::new(
                ProblemCode::Internal,
                "another enrollment of this holder was stored meanwhile; nothing was stored: enrol again",
            ),
            // A federated enrollment reads no certificate's holder.
            EnrollError::Conflict { conflict, .. } => {
                crate::core::refusal::holder_problem(&conflict).into()
            }
            EnrollError::Storage(e) => ApiError::from(e.problem()),
        })?;
    Ok((linked_lines(p, &stored.links), stored.replaced))
}
