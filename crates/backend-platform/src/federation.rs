//! Federation (the seed's slide 23): a peer platform's assertion for this platform is
//! exchanged for this platform's own assertions, without reading the card again. The peer
//! is trusted through its published keys in the configuration (`federation_peers`).
//!
//! The holder is found by the peer's pairwise subject for this platform, linked in
//! `federated_subjects` when the holder enrolled here through the peer
//! ([`crate::registry::Registry::lookup_federated`]).

use backend_kit::ApiError;
use counter_api::assertion::AssertionError;
use counter_api::platform::{ChallengeBinding, FederationExchangeRequest, IdentificationResponse};
use counter_api::{Problem, ProblemCode};

use crate::audit::AuditEvent;
use crate::identification::{menu_for, menu_links, notices};
use crate::platform::{Platform, lock, random_id};

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
