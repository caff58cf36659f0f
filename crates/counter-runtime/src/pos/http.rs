//! The register's API over HTTP: the routes of `crates/counter-api/pos-openapi.json`, each
//! turned into a [`PosCommand`] for the counter, and every refusal a problem document
//! (`application/problem+json`) with the code of the table and the field at fault.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use counter_api::PROBLEM_CONTENT_TYPE;
use counter_api::pos::{
    CreateRefund, CreateSale, POS_PROBLEM_TYPE_PREFIX, PosProblem, is_idempotency_key, is_order_ref,
};
use counter_core::Code;
use counter_core::pos::{PosCreate, message};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::listen::ClientCertificate;
use super::settings::ApiKey;
use super::{PosAnswer, PosCommand};
use crate::counter::Counter;

/// The largest body taken (a sale is under 100 bytes).
const MAX_BODY: usize = 16 * 1024;

struct Api {
    counter: Counter,
    key: Option<ApiKey>,
}

type Shared = State<Arc<Api>>;

/// The register a request comes from, as it authenticated (never the API key itself): each
/// order is journaled with it, and a register reaches only its own orders
/// (`counter_core::pos::owned_by`).
#[derive(Clone, Debug)]
struct Register(String);

/// The register of a request that passed the API key check when one is configured: the
/// client certificate's subject (`cert:<subject>`), else `api-key` (the key is one for all
/// registers), else `anonymous` (loopback without authentication); `None` for a certificate
/// whose subject cannot name a register.
fn register_of(cert: &ClientCertificate, key_configured: bool) -> Option<String> {
    match cert {
        ClientCertificate::Subject(subject) => Some(format!("cert:{subject}")),
        ClientCertificate::Unnamed => None,
        ClientCertificate::Absent if key_configured => Some("api-key".into()),
        ClientCertificate::Absent => Some("anonymous".into()),
    }
}

/// A refusal: the code, the field at fault, and what this occurrence adds.
struct Refusal {
    code: Code,
    status: Option<StatusCode>,
    field: Option<String>,
    detail: Option<String>,
}

impl Refusal {
    fn code(code: Code) -> Self {
        Self {
            code,
            status: None,
            field: None,
            detail: None,
        }
    }

    fn field(field: &str, detail: impl Into<String>) -> Self {
        Self {
            code: Code::PosRequestInvalid,
            status: None,
            field: Some(field.to_owned()),
            detail: Some(detail.into()),
        }
    }
}

impl From<Code> for Refusal {
    fn from(code: Code) -> Self {
        Self::code(code)
    }
}

/// The HTTP status of a refusal with `code`.
fn status_of(code: Code) -> StatusCode {
    match code {
        Code::PosRequestInvalid | Code::AmountInvalid => StatusCode::BAD_REQUEST,
        Code::PosUnauthorised => StatusCode::UNAUTHORIZED,
        Code::PosOrderUnknown => StatusCode::NOT_FOUND,
        Code::PosIdempotencyMismatch | Code::PosKeyFromAnotherDay => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Code::SalesInDoubt
        | Code::StorageFailure
        | Code::AcquirerUnavailable
        | Code::SettingsInvalid
        | Code::Internal => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::CONFLICT,
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or_else(|| status_of(self.code));
        let e = self.code.entry();
        let detail = match &self.detail {
            Some(d) => format!("{d}. {}", e.next_en),
            None => format!("{}. {}", e.en, e.next_en),
        };
        let problem = PosProblem {
            type_uri: format!("{POS_PROBLEM_TYPE_PREFIX}{}", self.code.as_str()),
            title: e.en.to_owned(),
            status: status.as_u16(),
            detail,
            code: self.code.as_str(),
            field: self.field,
            retryable: e.retryable,
            message: message(self.code),
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The routes, behind the API key when one is configured.
pub(super) fn router(counter: Counter, key: Option<ApiKey>) -> Router {
    let api = Arc::new(Api { counter, key });
    Router::new()
        .route("/v1/sales", post(create))
        .route("/v1/sales/{order_ref}", get(status))
        .route("/v1/sales/{order_ref}/cancel", post(cancel))
        .route("/v1/sales/{order_ref}/void", post(void))
        .route("/v1/sales/{order_ref}/refunds", post(refund))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(api.clone(), authorise))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(api)
}

/// The API key, when one is configured, before anything else, then the register's identity
/// ([`Register`]); every request is logged with its method, path, register and status
/// (never its headers).
async fn authorise(State(api): Shared, mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let allowed = match &api.key {
        None => true,
        Some(key) => request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .is_some_and(|presented| key.matches(presented)),
    };
    // Every connection carries its certificate (listen.rs); none is no certificate.
    let register = register_of(
        request
            .extensions()
            .get::<ClientCertificate>()
            .unwrap_or(&ClientCertificate::Absent),
        api.key.is_some(),
    )
    .filter(|_| allowed);
    let response = match &register {
        Some(register) => {
            request.extensions_mut().insert(Register(register.clone()));
            next.run(request).await
        }
        None => Refusal::code(Code::PosUnauthorised).into_response(),
    };
    tracing::info!(
        %method,
        path,
        register = register.as_deref().unwrap_or("-"),
        status = response.status().as_u16(),
        "register"
    );
    response
}

async fn not_found() -> Refusal {
    Refusal {
        status: Some(StatusCode::NOT_FOUND),
        ..Refusal::field(
            "path",
            "no such endpoint: see the POS API's OpenAPI document",
        )
    }
}

async fn method_not_allowed() -> Refusal {
    Refusal {
        status: Some(StatusCode::METHOD_NOT_ALLOWED),
        ..Refusal::field("method", "this endpoint does not take that method")
    }
}

/// The answer: `201` for a new sale, `200` otherwise.
fn answered(result: Result<PosAnswer, Code>) -> Response {
    match result {
        Ok(a) => {
            let status = if a.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, axum::Json(a.sale)).into_response()
        }
        Err(code) => Refusal::code(code).into_response(),
    }
}

/// A JSON field's expected kind.
#[derive(Clone, Copy)]
enum Kind {
    Amount,
    Text,
}

/// The body as `T`: not JSON, not an object, a field missing, unknown or of another kind is
/// refused naming it.
fn body<T: DeserializeOwned>(
    bytes: Result<Bytes, BytesRejection>,
    fields: &[(&str, Kind)],
) -> Result<T, Refusal> {
    let bytes = bytes.map_err(|r| Refusal {
        status: Some(StatusCode::PAYLOAD_TOO_LARGE).filter(|_| r.status() == 413),
        ..Refusal::field(
            "body",
            format!("the body could not be read: {}", r.body_text()),
        )
    })?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Refusal::field("body", format!("the body is not JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| Refusal::field("body", "the body must be a JSON object"))?;
    if let Some(unknown) = object.keys().find(|k| !fields.iter().any(|(f, _)| f == k)) {
        return Err(Refusal::field(
            unknown,
            "this field is not part of the request",
        ));
    }
    for (name, kind) in fields {
        let ok = match (object.get(*name), kind) {
            (None, _) => return Err(Refusal::field(name, "this field is required")),
            (Some(v), Kind::Amount) => v.as_u64().is_some(),
            (Some(v), Kind::Text) => v.is_string(),
        };
        if !ok {
            let expected = match kind {
                Kind::Amount => "a whole number of yen",
                Kind::Text => "a string",
            };
            return Err(Refusal::field(
                name,
                format!("this field must be {expected}"),
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| Refusal::field("body", e.to_string()))
}

fn order_ref(raw: String) -> Result<String, Refusal> {
    if is_order_ref(&raw) {
        Ok(raw)
    } else {
        Err(Refusal::field(
            "order_ref",
            "the order reference must be 1 to 64 letters, digits or . _ : -",
        ))
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, Refusal> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| is_idempotency_key(k))
        .map(str::to_owned)
        .ok_or_else(|| {
            Refusal::field(
                "Idempotency-Key",
                "send an Idempotency-Key header of 1 to 255 visible ASCII characters (a new \
                 one per request, the same one when retrying it)",
            )
        })
}

async fn create(
    State(api): Shared,
    Extension(register): Extension<Register>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Refusal> {
    let sale: CreateSale = body(
        bytes,
        &[("amount_jpy", Kind::Amount), ("order_ref", Kind::Text)],
    )?;
    let key = idempotency_key(&headers)?;
    let order = PosCreate::new(sale, &key).map_err(|e| Refusal::field(&e.field, e.detail))?;
    Ok(answered(
        api.counter
            .pos(&register.0, PosCommand::Create(order))
            .await,
    ))
}

async fn status(
    State(api): Shared,
    Extension(register): Extension<Register>,
    Path(raw): Path<String>,
) -> Result<Response, Refusal> {
    let order_ref = order_ref(raw)?;
    Ok(answered(
        api.counter
            .pos(&register.0, PosCommand::Status { order_ref })
            .await,
    ))
}

async fn cancel(
    State(api): Shared,
    Extension(register): Extension<Register>,
    Path(raw): Path<String>,
) -> Result<Response, Refusal> {
    let order_ref = order_ref(raw)?;
    Ok(answered(
        api.counter
            .pos(&register.0, PosCommand::Cancel { order_ref })
            .await,
    ))
}

async fn void(
    State(api): Shared,
    Extension(register): Extension<Register>,
    Path(raw): Path<String>,
) -> Result<Response, Refusal> {
    let order_ref = order_ref(raw)?;
    Ok(answered(
        api.counter
            .pos(&register.0, PosCommand::Void { order_ref })
            .await,
    ))
}

async fn refund(
    State(api): Shared,
    Extension(register): Extension<Register>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Refusal> {
    let order_ref = order_ref(raw)?;
    let request: CreateRefund = body(bytes, &[("amount_jpy", Kind::Amount)])?;
    request
        .validate()
        .map_err(|e| Refusal::field(&e.field, e.detail))?;
    let idempotency_key = idempotency_key(&headers)?;
    Ok(answered(
        api.counter
            .pos(
                &register.0,
                PosCommand::Refund {
                    order_ref,
                    amount_jpy: request.amount_jpy,
                    idempotency_key,
                },
            )
            .await,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_register_is_named_by_its_certificate_else_by_the_key() {
        let named = ClientCertificate::Subject("CN=register-1,O=Shop".into());
        for key in [false, true] {
            assert_eq!(
                register_of(&named, key).as_deref(),
                Some("cert:CN=register-1,O=Shop")
            );
            assert_eq!(register_of(&ClientCertificate::Unnamed, key), None);
        }
        let absent = ClientCertificate::Absent;
        assert_eq!(register_of(&absent, true).as_deref(), Some("api-key"));
        assert_eq!(register_of(&absent, false).as_deref(), Some("anonymous"));
    }
}
