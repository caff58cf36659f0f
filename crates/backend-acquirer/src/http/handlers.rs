//! The routes.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use backend_kit::http::{method_not_allowed, not_found};
use backend_kit::serve::Peer;
use backend_kit::{ApiError, ApiJson};
use counter_api::acquirer::{
    AuthoriseRequest, CaptureRequest, CardTokenRegistration, FaultPlan, IDEMPOTENCY_KEY_HEADER,
    RefundRequest, ReversalRequest, SettlementTotals,
};
use counter_api::links::{LinkAnswer, LinkRelease, LinkReleased, LinkRequest};
use counter_api::{Problem, ProblemCode};

use super::terminal::Terminal;
use crate::acquirer::{Acquirer, Answer};
use crate::core::idempotency::check_key;
use crate::flows;
use crate::operations::Operation;

/// Largest request body: an authorisation with its assertion is under 4 KiB, a link
/// request (two 200-character addresses at most, 3 bytes a character) under 2 KiB.
const BODY_LIMIT: usize = 16 * 1024;

/// The acquirer's routes over `acquirer`.
pub fn router(acquirer: Arc<Acquirer>) -> Router {
    Router::new()
        .route("/v1/payments", post(authorise))
        .route("/v1/payments/{payment_id}/capture", post(capture))
        .route("/v1/payments/{payment_id}/void", post(void))
        .route("/v1/payments/{payment_id}/refunds", post(refund))
        .route("/v1/payments/by-idempotency-key/{key}", get(status))
        .route("/v1/reversals", post(reversal))
        .route("/v1/settlements/{date}", get(settlement))
        .route("/v1/admin/card-tokens", post(register_token))
        .route("/v1/admin/faults", put(faults))
        .route("/v1/links", post(link))
        .route("/v1/links/release", post(release))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(acquirer)
}

fn key(headers: &HeaderMap) -> Result<String, ApiError> {
    let missing = |d: &str| {
        ApiError::from(
            Problem::new(ProblemCode::IdempotencyKeyMissing, d).with_field(IDEMPOTENCY_KEY_HEADER),
        )
    };
    let v = headers
        .get(IDEMPOTENCY_KEY_HEADER)
        .ok_or_else(|| missing("send the Idempotency-Key header, created before the first attempt and reused for retries"))?;
    let s = v
        .to_str()
        .map_err(|_| missing("the idempotency key is visible ASCII"))?;
    check_key(s).map_err(missing)?;
    Ok(s.to_owned())
}

fn path(p: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    p.map(|Path(s)| s)
        .map_err(|e| ApiError::new(ProblemCode::NotFound, e.body_text()))
}

async fn run(a: Arc<Acquirer>, t: Terminal, headers: &HeaderMap, op: Operation) -> Response {
    let k = match key(headers) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = op.validate() {
        return e.into_response();
    }
    flows::mutate(a, t, k, op).await
}

async fn authorise(
    State(a): State<Arc<Acquirer>>,
    t: Terminal,
    headers: HeaderMap,
    ApiJson(r): ApiJson<AuthoriseRequest>,
) -> Response {
    run(a, t, &headers, Operation::Authorise(r)).await
}

async fn capture(
    State(a): State<Arc<Acquirer>>,
    t: Terminal,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    ApiJson(r): ApiJson<CaptureRequest>,
) -> Response {
    match path(id) {
        Ok(id) => run(a, t, &headers, Operation::Capture(id, r)).await,
        Err(e) => e.into_response(),
    }
}

async fn void(
    State(a): State<Arc<Acquirer>>,
    t: Terminal,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    match path(id) {
        Ok(id) => run(a, t, &headers, Operation::Void(id)).await,
        Err(e) => e.into_response(),
    }
}

async fn refund(
    State(a): State<Arc<Acquirer>>,
    t: Terminal,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    ApiJson(r): ApiJson<RefundRequest>,
) -> Response {
    match path(id) {
        Ok(id) => run(a, t, &headers, Operation::Refund(id, r)).await,
        Err(e) => e.into_response(),
    }
}

async fn reversal(
    State(a): State<Arc<Acquirer>>,
    t: Terminal,
    headers: HeaderMap,
    ApiJson(r): ApiJson<ReversalRequest>,
) -> Response {
    run(a, t, &headers, Operation::Reverse(r)).await
}

async fn status(
    State(a): State<Arc<Acquirer>>,
    t: Terminal,
    k: Result<Path<String>, PathRejection>,
) -> Result<Answer, ApiError> {
    let k = path(k)?;
    check_key(&k).map_err(|d| ApiError::new(ProblemCode::NotFound, d))?;
    flows::status(a, t, k).await
}

/// A date the path does not carry as text is refused as any other date that is not one
/// (`422 invalid_field` on `date`, as the contract says), not as an unknown resource.
async fn settlement(
    State(a): State<Arc<Acquirer>>,
    t: Terminal,
    date: Result<Path<String>, PathRejection>,
) -> Result<Json<SettlementTotals>, ApiError> {
    let date = date.map(|Path(d)| d).map_err(|e| {
        ApiError::from(
            Problem::new(
                ProblemCode::InvalidField,
                format!(
                    "the date cannot be read ({}): send the business date as YYYY-MM-DD",
                    e.body_text()
                ),
            )
            .with_field("date"),
        )
    })?;
    Ok(Json(flows::settlement(a, t, date).await?))
}

async fn register_token(
    State(a): State<Arc<Acquirer>>,
    t: Terminal,
    ApiJson(r): ApiJson<CardTokenRegistration>,
) -> Result<Json<crate::admin::TokenRegistered>, ApiError> {
    Ok(Json(crate::admin::register_token(a, t, r).await?))
}

async fn faults(
    State(a): State<Arc<Acquirer>>,
    t: Terminal,
    ApiJson(plan): ApiJson<FaultPlan>,
) -> Result<Json<FaultPlan>, ApiError> {
    Ok(Json(crate::admin::set_faults(a, t, plan).await?))
}

/// The connection's client identity (none without a certificate).
fn peer(p: Option<Extension<Peer>>) -> Peer {
    p.map(|Extension(p)| p).unwrap_or_default()
}

async fn link(
    State(a): State<Arc<Acquirer>>,
    p: Option<Extension<Peer>>,
    body: Result<ApiJson<LinkRequest>, ApiError>,
) -> Result<Json<LinkAnswer>, ApiError> {
    let body = body.map(|ApiJson(r)| r);
    let in_force = a.in_force();
    Ok(Json(crate::links::link(a, &in_force, peer(p), body).await?))
}

async fn release(
    State(a): State<Arc<Acquirer>>,
    p: Option<Extension<Peer>>,
    body: Result<ApiJson<LinkRelease>, ApiError>,
) -> Result<Json<LinkReleased>, ApiError> {
    let body = body.map(|ApiJson(r)| r);
    let in_force = a.in_force();
    Ok(Json(
        crate::links::release(a, &in_force, peer(p), body).await?,
    ))
}
