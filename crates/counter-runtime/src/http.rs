//! The HTTPS clients of the three backends (reqwest on the pinned rustls configuration of
//! [`crate::tls`]), turning every answer into the workflows' terms: the expected JSON, or a
//! [`BackendFailure`] that says whether the outcome is definite or unknown.
//!
//! Retries: whether a call may be repeated is the workflow's decision (payments retry only
//! with the same idempotency key), with one exception decided in `counter_core::failover`:
//! the platform may be several nodes ([`Endpoints::platform`]), and a challenge request or
//! the answer to a challenge goes to the next node when one cannot be reached or answers
//! 502/503. The answer is safe to send again because the platform accepts a challenge
//! exactly once; a replay after a node that may have taken it is
//! [`BackendFailure::AnswerLost`], never a second success.
//!
//! What the client refuses, whatever a backend (or someone posing as one) answers:
//! - **No redirect is followed**, and no plain `http://` URL is ever used: a 3xx answer is
//!   [`BackendFailure::Malformed`] (for a payment: an unknown outcome, resolved by status
//!   query), so a payment's body, its assertion and its Idempotency-Key never go anywhere
//!   but the configured backend.
//! - **An answer larger than [`MAX_ANSWER_BYTES`]** is not read on: `Malformed`.
//! - **An answer that is not what the contract says** (HTML, truncated or other JSON):
//!   with a 2xx status [`BackendFailure::Malformed`], otherwise a
//!   [`BackendFailure::Problem`] coded `internal` (5xx) or `malformed_request` (4xx);
//!   either way never a panic, and the workflows map it to a code of the staff's table.
//! - **A value put into a URL path** (a payment id, an idempotency key, a reception number,
//!   a date) must be one path segment of unreserved characters (RFC 3986 §2.3) or `:`,
//!   which terminal ids, and so the idempotency keys made of them, may hold
//!   (`counter_api::ident`); the `:` is sent percent-encoded (§2.1, as the acquirer's
//!   contract has the key). Anything else is refused before any byte is sent
//!   ([`BackendFailure::Unreachable`] with `sent: false`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use counter_api::Problem;
use counter_api::acquirer::{
    AuthoriseRequest, CaptureRequest, IDEMPOTENCY_KEY_HEADER, Payment, RefundRequest, Reversal,
    ReversalRequest, SettlementTotals,
};
use counter_api::insurer::{
    BulkPrecheckAccepted, BulkPrecheckRequest, BulkPrecheckResult, EligibilityRequest,
    EligibilityResponse, InsuranceNumberCheckRequest,
};
use counter_api::platform::{
    ChallengeRequest, ChallengeResponse, EnrollmentRequest, EnrollmentResponse,
    IdentificationRequest, IdentificationResponse,
};
use counter_core::BackendFailure;
use counter_core::failover::{Failover, Next, PlatformCall};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::RuntimeError;

/// The largest answer the terminal reads (the biggest expected, an eligibility answer with
/// several records or a day's settlement, is a few KiB).
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The longest value put into one URL path segment.
const MAX_SEGMENT: usize = 128;

/// `value` as one URL path segment: 1 to 128 characters that are unreserved (RFC 3986
/// §2.3: letters, digits, `-`, `.`, `_`, `~`) or `:` (a terminal id's, `counter_api::ident`),
/// and neither `.` nor `..`; the `:` percent-encoded (§2.1; the server decodes it back).
/// Anything else is refused before a byte is sent.
fn segment(what: &str, value: &str) -> Result<String, BackendFailure> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let ok = (1..=MAX_SEGMENT).contains(&value.len())
        && value.bytes().all(|b| unreserved(b) || b == b':')
        && value != "."
        && value != "..";
    if ok {
        Ok(value.replace(':', "%3A"))
    } else {
        Err(BackendFailure::Unreachable {
            sent: false,
            detail: format!(
                "refused to send: the {what} is not one URL path segment of 1 to \
                 {MAX_SEGMENT} letters, digits, '-', '.', '_', '~' or ':'"
            ),
        })
    }
}

/// Where the backends are and how long to wait for them.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// The verification platform: the base URL (`https://…`) of each node, tried in this
    /// order when one fails; one URL for a single node or a load balancer in front of
    /// several. Never empty (the configuration refuses an empty list).
    pub platform: Vec<String>,
    /// Insurer base URL.
    pub insurer: String,
    /// Acquirer base URL.
    pub acquirer: String,
    /// Per-request timeout (connect + answer).
    pub timeout: Duration,
}

/// The three backends.
#[derive(Clone, Debug)]
pub struct Backends {
    client: reqwest::Client,
    ep: Endpoints,
    /// The platform node the next call starts at (shared by the clones): the one that
    /// answered last.
    platform_node: Arc<AtomicUsize>,
    /// Requests sent again to another platform node (shared by the clones).
    platform_failovers: Arc<AtomicU64>,
}

type Answer<T> = Result<T, BackendFailure>;

impl Backends {
    /// A client over `tls` (see [`crate::tls::client_config`]).
    pub fn new(tls: rustls::ClientConfig, ep: Endpoints) -> Result<Self, RuntimeError> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(ep.timeout)
            .connect_timeout(ep.timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| RuntimeError::Config {
                key: "tls".into(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            client,
            ep,
            platform_node: Arc::new(AtomicUsize::new(0)),
            platform_failovers: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        &self.ep
    }

    /// The index in [`Endpoints::platform`] of the node the next platform call starts at:
    /// the one that answered last.
    pub fn platform_node(&self) -> usize {
        self.platform_node.load(Ordering::Relaxed)
    }

    /// How many times a platform request was sent again to another node (or, with one
    /// URL, again to the balancer) because one failed.
    pub fn platform_failovers(&self) -> u64 {
        self.platform_failovers.load(Ordering::Relaxed)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        crash_after_send: Option<&str>,
    ) -> Answer<T> {
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return Err(BackendFailure::Unreachable {
                    sent: !e.is_connect(),
                    detail: e.to_string(),
                });
            }
        };
        if let Some(step) = crash_after_send {
            crate::crash::point(step);
        }
        let status = resp.status();
        if status.is_redirection() {
            // Followed, it would carry the request (a payment's assertion and key) to
            // another address, maybe in the clear: the outcome here is unknown instead.
            return Err(BackendFailure::Malformed {
                detail: format!(
                    "HTTP {status}: a redirect (to {:?}); the terminal follows none",
                    resp.headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|l| l.to_str().ok())
                        .unwrap_or("nowhere")
                ),
            });
        }
        let bytes = read_capped(resp).await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| BackendFailure::Malformed {
                detail: format!("HTTP {status}: the answer is not the expected JSON ({e})"),
            });
        }
        match serde_json::from_slice::<Problem>(&bytes) {
            Ok(p) => Err(BackendFailure::Problem {
                status: status.as_u16(),
                code: serde_json::to_value(p.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                detail: p.detail.unwrap_or(p.title),
                field: p.field,
                reason: p.reason,
            }),
            // A proxy's HTML page or a bare 5xx: the outcome is unknown.
            Err(_) => Err(BackendFailure::Problem {
                status: status.as_u16(),
                code: if status.is_server_error() {
                    "internal".into()
                } else {
                    "malformed_request".into()
                },
                detail: format!("HTTP {status} without a problem document"),
                field: None,
                reason: None,
            }),
        }
    }

    fn post<B: Serialize>(&self, url: String, body: &B) -> reqwest::RequestBuilder {
        self.client.post(url).json(body)
    }

    /// POSTs `body` to `path` at the platform's nodes as `counter_core::failover` says:
    /// the next node when one fails, the same body each time.
    async fn platform_call<B: Serialize, T: DeserializeOwned>(
        &self,
        call: PlatformCall,
        path: &str,
        body: &B,
    ) -> Answer<T> {
        let nodes = &self.ep.platform;
        let mut failover = Failover::new(call, nodes.len(), self.platform_node());
        let result = loop {
            let Some(base) = nodes.get(failover.node()) else {
                break Err(BackendFailure::Unreachable {
                    sent: false,
                    detail: "no platform URL is configured".into(),
                });
            };
            let answer = self
                .call(self.post(format!("{base}{path}"), body), None)
                .await;
            let failed = answer.as_ref().err().map(failure_kind);
            match failover.next(answer) {
                Next::Send { node } => {
                    self.platform_failovers.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        path,
                        failed_node = base.as_str(),
                        failure = failed.unwrap_or_default(),
                        next_node = nodes.get(node).map(String::as_str).unwrap_or_default(),
                        "platform node failed; sending the same request to the next"
                    );
                }
                Next::Done(result) => break result,
            }
        };
        self.platform_node
            .store(failover.next_start(), Ordering::Relaxed);
        result
    }

    /// `POST /v1/challenges` (at the next node when one fails).
    pub async fn challenge(&self, r: &ChallengeRequest) -> Answer<ChallengeResponse> {
        self.platform_call(PlatformCall::Challenge, "/v1/challenges", r)
            .await
    }

    /// `POST /v1/identifications` (at the next node when one fails; a replay there after a
    /// node that may have taken it is [`BackendFailure::AnswerLost`]).
    pub async fn identify(&self, r: &IdentificationRequest) -> Answer<IdentificationResponse> {
        self.platform_call(PlatformCall::Answer, "/v1/identifications", r)
            .await
    }

    /// `POST /v1/enrollments` (as [`Backends::identify`]).
    pub async fn enroll(&self, r: &EnrollmentRequest) -> Answer<EnrollmentResponse> {
        self.platform_call(PlatformCall::Answer, "/v1/enrollments", r)
            .await
    }

    /// `POST /v1/eligibility` at the insurer.
    pub async fn eligibility(&self, r: &EligibilityRequest) -> Answer<EligibilityResponse> {
        let url = format!("{}/v1/eligibility", self.ep.insurer);
        self.call(self.post(url, r), None).await
    }

    /// `POST /v1/eligibility/by-insurance-number` at the insurer.
    pub async fn eligibility_by_insurance_number(
        &self,
        r: &InsuranceNumberCheckRequest,
    ) -> Answer<EligibilityResponse> {
        let url = format!("{}/v1/eligibility/by-insurance-number", self.ep.insurer);
        self.call(self.post(url, r), None).await
    }

    /// `POST /v1/bulk-prechecks` at the insurer.
    pub async fn bulk_submit(&self, r: &BulkPrecheckRequest) -> Answer<BulkPrecheckAccepted> {
        let url = format!("{}/v1/bulk-prechecks", self.ep.insurer);
        self.call(self.post(url, r), None).await
    }

    /// `GET /v1/bulk-prechecks/{reception_number}` at the insurer.
    pub async fn bulk_fetch(&self, reception: &str) -> Answer<BulkPrecheckResult> {
        let reception = segment("reception number", reception)?;
        let url = format!("{}/v1/bulk-prechecks/{reception}", self.ep.insurer);
        self.call(self.client.get(url), None).await
    }

    /// `POST /v1/payments` with `key`.
    pub async fn authorise(&self, key: &str, r: &AuthoriseRequest) -> Answer<Payment> {
        let url = format!("{}/v1/payments", self.ep.acquirer);
        let req = self.post(url, r).header(IDEMPOTENCY_KEY_HEADER, key);
        self.call(req, Some("authorise_response_arrived")).await
    }

    /// `POST /v1/payments/{id}/capture` with `key`.
    pub async fn capture(&self, id: &str, key: &str, r: &CaptureRequest) -> Answer<Payment> {
        let id = segment("payment id", id)?;
        let url = format!("{}/v1/payments/{id}/capture", self.ep.acquirer);
        let req = self.post(url, r).header(IDEMPOTENCY_KEY_HEADER, key);
        self.call(req, Some("capture_response_arrived")).await
    }

    /// `POST /v1/payments/{id}/void` with `key`.
    pub async fn void(&self, id: &str, key: &str) -> Answer<Payment> {
        let id = segment("payment id", id)?;
        let url = format!("{}/v1/payments/{id}/void", self.ep.acquirer);
        let req = self
            .post(url, &serde_json::json!({}))
            .header(IDEMPOTENCY_KEY_HEADER, key);
        self.call(req, Some("void_response_arrived")).await
    }

    /// `POST /v1/payments/{id}/refunds` with `key`.
    pub async fn refund(&self, id: &str, key: &str, r: &RefundRequest) -> Answer<Payment> {
        let id = segment("payment id", id)?;
        let url = format!("{}/v1/payments/{id}/refunds", self.ep.acquirer);
        let req = self.post(url, r).header(IDEMPOTENCY_KEY_HEADER, key);
        self.call(req, Some("refund_response_arrived")).await
    }

    /// `GET /v1/payments/by-idempotency-key/{key}`: `Ok(None)` on 404 `not_found`.
    pub async fn status(&self, key: &str) -> Answer<Option<Payment>> {
        let key = segment("idempotency key", key)?;
        let url = format!("{}/v1/payments/by-idempotency-key/{key}", self.ep.acquirer);
        match self.call(self.client.get(url), None).await {
            Ok(p) => Ok(Some(p)),
            Err(BackendFailure::Problem {
                status: 404, code, ..
            }) if code == "not_found" => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// `POST /v1/reversals` with `key`.
    pub async fn reverse(&self, key: &str, r: &ReversalRequest) -> Answer<Reversal> {
        let url = format!("{}/v1/reversals", self.ep.acquirer);
        let req = self.post(url, r).header(IDEMPOTENCY_KEY_HEADER, key);
        self.call(req, Some("reversal_response_arrived")).await
    }

    /// `GET /v1/settlements/{date}`.
    pub async fn settlement(&self, date: &str) -> Answer<SettlementTotals> {
        let date = segment("date", date)?;
        let url = format!("{}/v1/settlements/{date}", self.ep.acquirer);
        self.call(self.client.get(url), None).await
    }
}

/// A failure in a few words for the log (never a body).
fn failure_kind(f: &BackendFailure) -> String {
    match f {
        BackendFailure::Unreachable { sent, detail } => {
            format!("unreachable (request sent: {sent}): {detail}")
        }
        BackendFailure::Problem { status, code, .. } => format!("HTTP {status} {code}"),
        BackendFailure::Malformed { .. } => "malformed answer".into(),
        BackendFailure::AnswerLost { .. } => "answer lost".into(),
    }
}

/// The answer's body, read up to [`MAX_ANSWER_BYTES`]: a longer one is refused as soon as
/// it says so (`Content-Length`) or grows past the cap.
async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, BackendFailure> {
    let too_big = || BackendFailure::Malformed {
        detail: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes; not read"),
    };
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(too_big());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => {
                return Err(BackendFailure::Unreachable {
                    sent: true,
                    detail: format!("the answer was cut off: {e}"),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;

    #[test]
    fn a_path_segment_is_unreserved_characters_or_a_colon_encoded() {
        for (value, sent) in [
            ("pay_01HX", "pay_01HX"),
            ("2026-12-06", "2026-12-06"),
            ("counter-1-000001-auth-ab12", "counter-1-000001-auth-ab12"),
            ("~a.b", "~a.b"),
            // A terminal id may hold ':' (counter_api::ident), and so may a key made of it.
            ("clinic:till-1-000001-auth", "clinic%3Atill-1-000001-auth"),
        ] {
            assert_eq!(segment("x", value).ok().as_deref(), Some(sent), "{value:?}");
        }
        let long = "a".repeat(MAX_SEGMENT + 1);
        for bad in [
            "", ".", "..", "../admin", "a/b", "a?b=1", "a#b", "a%2Fb", "a%3Ab", "a b", "日付",
            &long,
        ] {
            match segment("x", bad) {
                Err(BackendFailure::Unreachable { sent: false, .. }) => {}
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
