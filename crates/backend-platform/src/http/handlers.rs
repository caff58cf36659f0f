//! The routes.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use backend_kit::http::{method_not_allowed, not_found};
use backend_kit::{ApiError, ApiJson};
use counter_api::assertion::KeySet;
use counter_api::platform::{
    ChallengeRequest, ChallengeResponse, CrlReloadResponse, EnrollmentRequest, EnrollmentResponse,
    FederationEnrollmentRequest, FederationExchangeRequest, IdentificationRequest,
    IdentificationResponse,
};
use counter_api::{Problem, ProblemCode};

use super::terminal::Terminal;
use crate::audit::AuditEvent;
use crate::platform::{Platform, outcome_of, random_id, random_nonce};
use crate::storage::ChallengeToIssue;

/// Largest request body: an enrollment with two certificates is under 10 KiB.
const BODY_LIMIT: usize = 64 * 1024;

/// The platform's routes over `platform`.
pub fn router(platform: Arc<Platform>) -> Router {
    Router::new()
        .route("/v1/challenges", post(challenges))
        .route("/v1/identifications", post(identifications))
        .route("/v1/enrollments", post(enrollments))
        .route("/v1/keys", get(keys))
        .route("/v1/federation/exchange", post(exchange))
        .route("/v1/federation/enrollments", post(federated_enrollments))
        .route("/v1/admin/crl/reload", post(crl_reload))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(platform)
}

/// Runs a flow on the blocking pool (RSA verification, the storage); a panic answers `internal`
/// without its text (logged).
async fn blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<Json<T>, ApiError> {
    backend_kit::task::run_blocking(what, f).await.map(Json)
}

async fn challenges(
    State(p): State<Arc<Platform>>,
    t: Terminal,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> Result<Json<ChallengeResponse>, ApiError> {
    blocking("challenge", move || {
        let now = p.now();
        let mut event = AuditEvent {
            at: now,
            terminal_id: Some(t.id.clone()),
            action: "challenge",
            ..AuditEvent::default()
        };
        let result = (|| {
            req.validate()?;
            let id = random_id("chl_")?;
            event.challenge_id = Some(id.clone());
            let nonce = random_nonce()?;
            // Its audit row goes in the transaction that stores it.
            let audit = outcome_of(event.clone(), Ok(()));
            let new = ChallengeToIssue {
                terminal_id: &t.id,
                request: &req,
                now,
                id,
                nonce,
                audit: &audit,
            };
            let binding = p
                .store
                .issue_challenge(&p.challenges, &new)
                .map_err(|e| e.problem())?;
            p.issued.insert(&binding, now);
            Ok::<_, ApiError>(binding.to_response())
        })();
        match result {
            Ok(issued) => Ok(issued),
            Err(refused) => p.audited(event, Err(refused)),
        }
    })
    .await
}

async fn identifications(
    State(p): State<Arc<Platform>>,
    t: Terminal,
    ApiJson(req): ApiJson<IdentificationRequest>,
) -> Result<Json<IdentificationResponse>, ApiError> {
    blocking("identification", move || {
        crate::identification::identify(&p, &t.id, &req)
    })
    .await
}

async fn enrollments(
    State(p): State<Arc<Platform>>,
    t: Terminal,
    ApiJson(req): ApiJson<EnrollmentRequest>,
) -> Result<Json<EnrollmentResponse>, ApiError> {
    crate::enrollment::enroll(p, t.id, req).await.map(Json)
}

async fn exchange(
    State(p): State<Arc<Platform>>,
    t: Terminal,
    ApiJson(req): ApiJson<FederationExchangeRequest>,
) -> Result<Json<IdentificationResponse>, ApiError> {
    blocking("federation exchange", move || {
        crate::federation::exchange(&p, &t.id, &req)
    })
    .await
}

async fn federated_enrollments(
    State(p): State<Arc<Platform>>,
    t: Terminal,
    ApiJson(req): ApiJson<FederationEnrollmentRequest>,
) -> Result<Json<EnrollmentResponse>, ApiError> {
    crate::federation::enroll(p, t.id, req).await.map(Json)
}

async fn keys(State(p): State<Arc<Platform>>) -> Json<KeySet> {
    Json(p.key_set())
}

async fn crl_reload(
    State(p): State<Arc<Platform>>,
    t: Terminal,
) -> Result<Json<CrlReloadResponse>, ApiError> {
    if !t.admin {
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "only administration terminals may reload the CRLs",
        ));
    }
    blocking("crl reload", move || {
        let mut event = AuditEvent {
            at: p.now(),
            terminal_id: Some(t.id.clone()),
            action: "crl_reload",
            ..AuditEvent::default()
        };
        let result = p
            .reload_crls()
            .map(|s| CrlReloadResponse {
                files: s.files,
                entries: s.entries,
                earliest_next_update: s.earliest_next_update,
            })
            .map_err(|e| {
                ApiError::from(Problem::new(
                    ProblemCode::Unavailable,
                    format!("{e}; the previous CRLs stay in use"),
                ))
            });
        if let Ok(r) = &result {
            event.reason = Some(format!("{} files, {} entries", r.files, r.entries));
        }
        p.audited_crl_reload(event, result)
    })
    .await
}
