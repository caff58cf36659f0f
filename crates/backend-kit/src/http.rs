//! HTTP helpers: problem responses, a JSON extractor whose every rejection is a problem
//! document, and the fallbacks for unknown paths and methods.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use counter_api::{PROBLEM_CONTENT_TYPE, Problem, ProblemCode};
use serde::de::DeserializeOwned;

/// An error answer: a [`Problem`] served as `application/problem+json` with its status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError(pub Box<Problem>);

impl ApiError {
    /// A problem of `code`.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self(Box::new(Problem::new(code, detail)))
    }

    /// The problem.
    pub fn problem(&self) -> &Problem {
        &self.0
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        Self(Box::new(p))
    }
}

impl From<counter_api::FieldError> for ApiError {
    fn from(e: counter_api::FieldError) -> Self {
        Self(Box::new(e.into()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(&self.0)
    }
}

/// Serialises `p` with its status and media type.
pub fn problem_response(p: &Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(p).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    r
}

/// `axum::Json`, except that a rejection is a problem document: `415
/// unsupported_media_type`, `413 payload_too_large`, otherwise `400 malformed_request` with
/// serde's message (which names the field and the expected type).
#[derive(Clone, Copy, Debug, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(r) => Err(json_rejection(&r)),
        }
    }
}

fn json_rejection(r: &JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ProblemCode::UnsupportedMediaType,
            "send the body as JSON with Content-Type: application/json",
        ),
        _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            ProblemCode::PayloadTooLarge,
            "the body is larger than this endpoint accepts",
        ),
        JsonRejection::JsonDataError(e) => {
            ApiError::new(ProblemCode::MalformedRequest, e.body_text())
        }
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::new(ProblemCode::MalformedRequest, e.body_text())
        }
        other => ApiError::new(ProblemCode::MalformedRequest, other.body_text()),
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Fallback for unknown paths: `404 not_found`.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::from(
        Problem::new(ProblemCode::NotFound, "no such endpoint").with_instance(uri.path()),
    )
}

/// Fallback for a known path with another method: `405 method_not_allowed`.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ProblemCode::MethodNotAllowed,
        "this endpoint does not take that method",
    )
}
