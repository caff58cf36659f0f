//! The HTTP layer: thin handlers that authenticate the caller (mutual TLS: a terminal, or
//! for the link endpoints the verification platform), parse the body, run a flow of
//! [`crate::insurer::Insurer`] on the blocking pool and answer JSON or a problem document.
//!
//! | endpoint | caller |
//! |---|---|
//! | `POST /v1/eligibility` | terminal |
//! | `POST /v1/eligibility/by-insurance-number` | terminal |
//! | `POST /v1/bulk-prechecks`, `GET /v1/bulk-prechecks/{reception_number}` | terminal |
//! | `POST /v1/links`, `POST /v1/links/release` ([`counter_api::links`]) | platform |

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use backend_kit::http::{method_not_allowed, not_found};
use backend_kit::serve::Peer;
use backend_kit::terminals::{Refusal, admit};
use backend_kit::{ApiError, ApiJson};
use counter_api::ProblemCode;
use counter_api::insurer::{
    BulkPrecheckAccepted, BulkPrecheckRequest, BulkPrecheckResult, EligibilityRequest,
    EligibilityResponse, InsuranceNumberCheckRequest,
};
use counter_api::links::{LinkAnswer, LinkRelease, LinkReleased, LinkRequest};

use crate::in_force::InForce;
use crate::insurer::Insurer;
use crate::store::AuditRow;

/// Largest request body: a bulk submission of 1,000 patients is about 200 KiB.
const BODY_LIMIT: usize = 512 * 1024;

/// The insurer's routes.
pub fn router(insurer: Arc<Insurer>) -> Router {
    Router::new()
        .route("/v1/eligibility", post(eligibility))
        .route(
            "/v1/eligibility/by-insurance-number",
            post(eligibility_by_insurance_number),
        )
        .route("/v1/bulk-prechecks", post(bulk_submit))
        .route("/v1/bulk-prechecks/{reception_number}", get(bulk_fetch))
        .route("/v1/links", post(link))
        .route("/v1/links/release", post(release_link))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(insurer)
}

/// A known terminal: its client certificate chains to the terminal CA (checked by TLS),
/// its CN is listed in the configuration, and it is the certificate the entry registers
/// (`certificate_sha256`), if the entry registers one ([`backend_kit::terminals::admit`]);
/// with the settings in force it was found in, which the request's flow runs on (the one
/// read of [`Insurer::in_force`] a request makes).
#[derive(Clone, Debug)]
pub struct Terminal {
    /// The terminal id (certificate CN).
    pub id: String,
    /// The settings and verifier in force when the request came.
    pub in_force: Arc<InForce>,
}

impl FromRequestParts<Arc<Insurer>> for Terminal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ins: &Arc<Insurer>) -> Result<Self, ApiError> {
        let in_force = ins.in_force();
        let refusal = match admit("insurer", parts, &in_force.settings.terminals) {
            Ok(t) => {
                let id = t.id.clone();
                return Ok(Terminal { id, in_force });
            }
            Err(r) => r,
        };
        let Refusal::Refused {
            terminal_id,
            reason,
            error,
        } = refusal
        else {
            return Err(refusal.into_error());
        };
        let ins = ins.clone();
        let row = AuditRow {
            at: ins.now(),
            terminal_id: Some(terminal_id),
            action: "terminal",
            outcome: error.problem().code.as_str().to_owned(),
            reason: Some(reason),
            ..AuditRow::default()
        };
        let _ = tokio::task::spawn_blocking(move || ins.audit(&row)).await;
        Err(error)
    }
}

/// The connection's client identity, whatever it is: the link flows decide whether it is a
/// trusted platform (and audit the call either way).
#[derive(Clone, Debug, Default)]
pub struct Caller(pub Peer);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Caller(
            parts.extensions.get::<Peer>().cloned().unwrap_or_default(),
        ))
    }
}

/// Runs a flow on the blocking pool (SQLite, signature verification); a panic answers
/// `internal` without its text (logged).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<Json<T>, ApiError> {
    backend_kit::task::run_blocking("insurer request", f)
        .await
        .map(Json)
}

async fn eligibility(
    State(ins): State<Arc<Insurer>>,
    t: Terminal,
    ApiJson(req): ApiJson<EligibilityRequest>,
) -> Result<Json<EligibilityResponse>, ApiError> {
    blocking(move || ins.eligibility(&t.in_force, &t.id, &req)).await
}

async fn eligibility_by_insurance_number(
    State(ins): State<Arc<Insurer>>,
    t: Terminal,
    ApiJson(req): ApiJson<InsuranceNumberCheckRequest>,
) -> Result<Json<EligibilityResponse>, ApiError> {
    blocking(move || ins.eligibility_by_insurance_number(&t.id, &req)).await
}

async fn bulk_submit(
    State(ins): State<Arc<Insurer>>,
    t: Terminal,
    ApiJson(req): ApiJson<BulkPrecheckRequest>,
) -> Result<Json<BulkPrecheckAccepted>, ApiError> {
    blocking(move || ins.bulk_submit(&t.id, &req)).await
}

/// A reception number the path does not carry as text (a percent-encoding that is not
/// UTF-8) is none the insurer issued: `404 reception_unknown`, as the contract says of any
/// other, rather than axum's plain-text `400`.
async fn bulk_fetch(
    State(ins): State<Arc<Insurer>>,
    t: Terminal,
    reception_number: Result<Path<String>, PathRejection>,
) -> Result<Json<BulkPrecheckResult>, ApiError> {
    let Path(reception_number) = reception_number.map_err(|e| {
        ApiError::new(
            ProblemCode::ReceptionUnknown,
            format!(
                "this reception number cannot be read ({}): use the reception number the \
                 bulk submission answered",
                e.body_text()
            ),
        )
    })?;
    blocking(move || ins.bulk_fetch(&t.in_force, &t.id, &reception_number)).await
}

async fn link(
    State(ins): State<Arc<Insurer>>,
    Caller(peer): Caller,
    body: Result<ApiJson<LinkRequest>, ApiError>,
) -> Result<Json<LinkAnswer>, ApiError> {
    let in_force = ins.in_force();
    blocking(move || ins.link(&in_force, &peer, body.map(|ApiJson(r)| r))).await
}

async fn release_link(
    State(ins): State<Arc<Insurer>>,
    Caller(peer): Caller,
    body: Result<ApiJson<LinkRelease>, ApiError>,
) -> Result<Json<LinkReleased>, ApiError> {
    let in_force = ins.in_force();
    blocking(move || ins.release_link(&in_force, &peer, body.map(|ApiJson(r)| r))).await
}
