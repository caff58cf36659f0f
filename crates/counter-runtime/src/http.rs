//! The HTTPS clients of the three backends (reqwest on the pinned rustls configuration of
//! [`crate::tls`]), turning every answer into the workflows' terms: the expected JSON, or a
//! [`BackendFailure`] that says whether the outcome is definite or unknown.
//!
//! Retries: none here. Whether a call may be repeated is the workflow's decision (payments
//! retry only with the same idempotency key; challenges and identifications never, since
//! a challenge is single-use).

use std::time::Duration;

use counter_api::Problem;
use counter_api::acquirer::{
    AuthoriseRequest, CaptureRequest, IDEMPOTENCY_KEY_HEADER, Payment, RefundRequest, Reversal,
    ReversalRequest, SettlementTotals,
};
use counter_api::insurer::{
    BulkPrecheckAccepted, BulkPrecheckRequest, BulkPrecheckResult, EligibilityRequest,
    EligibilityResponse,
};
use counter_api::platform::{
    ChallengeRequest, ChallengeResponse, EnrollmentRequest, EnrollmentResponse,
    IdentificationRequest, IdentificationResponse,
};
use counter_core::BackendFailure;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::RuntimeError;

/// Where the backends are and how long to wait for them.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// Verification platform base URL (`https://…`).
    pub platform: String,
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
}

type Answer<T> = Result<T, BackendFailure>;

impl Backends {
    /// A client over `tls` (see [`crate::tls::client_config`]).
    pub fn new(tls: rustls::ClientConfig, ep: Endpoints) -> Result<Self, RuntimeError> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(ep.timeout)
            .connect_timeout(ep.timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| RuntimeError::Config {
                key: "tls".into(),
                reason: e.to_string(),
            })?;
        Ok(Self { client, ep })
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        &self.ep
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
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Err(BackendFailure::Unreachable {
                    sent: true,
                    detail: format!("the answer was cut off: {e}"),
                });
            }
        };
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| BackendFailure::Malformed {
                detail: format!("HTTP {status}: {e}"),
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

    /// `POST /v1/challenges`.
    pub async fn challenge(&self, r: &ChallengeRequest) -> Answer<ChallengeResponse> {
        let url = format!("{}/v1/challenges", self.ep.platform);
        self.call(self.post(url, r), None).await
    }

    /// `POST /v1/identifications`.
    pub async fn identify(&self, r: &IdentificationRequest) -> Answer<IdentificationResponse> {
        let url = format!("{}/v1/identifications", self.ep.platform);
        self.call(self.post(url, r), None).await
    }

    /// `POST /v1/enrollments`.
    pub async fn enroll(&self, r: &EnrollmentRequest) -> Answer<EnrollmentResponse> {
        let url = format!("{}/v1/enrollments", self.ep.platform);
        self.call(self.post(url, r), None).await
    }

    /// `POST /v1/eligibility` at the insurer.
    pub async fn eligibility(&self, r: &EligibilityRequest) -> Answer<EligibilityResponse> {
        let url = format!("{}/v1/eligibility", self.ep.insurer);
        self.call(self.post(url, r), None).await
    }

    /// `POST /v1/bulk-prechecks` at the insurer.
    pub async fn bulk_submit(&self, r: &BulkPrecheckRequest) -> Answer<BulkPrecheckAccepted> {
        let url = format!("{}/v1/bulk-prechecks", self.ep.insurer);
        self.call(self.post(url, r), None).await
    }

    /// `GET /v1/bulk-prechecks/{reception_number}` at the insurer.
    pub async fn bulk_fetch(&self, reception: &str) -> Answer<BulkPrecheckResult> {
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
        let url = format!("{}/v1/payments/{id}/capture", self.ep.acquirer);
        let req = self.post(url, r).header(IDEMPOTENCY_KEY_HEADER, key);
        self.call(req, Some("capture_response_arrived")).await
    }

    /// `POST /v1/payments/{id}/void` with `key`.
    pub async fn void(&self, id: &str, key: &str) -> Answer<Payment> {
        let url = format!("{}/v1/payments/{id}/void", self.ep.acquirer);
        let req = self
            .post(url, &serde_json::json!({}))
            .header(IDEMPOTENCY_KEY_HEADER, key);
        self.call(req, Some("void_response_arrived")).await
    }

    /// `POST /v1/payments/{id}/refunds` with `key`.
    pub async fn refund(&self, id: &str, key: &str, r: &RefundRequest) -> Answer<Payment> {
        let url = format!("{}/v1/payments/{id}/refunds", self.ep.acquirer);
        let req = self.post(url, r).header(IDEMPOTENCY_KEY_HEADER, key);
        self.call(req, Some("refund_response_arrived")).await
    }

    /// `GET /v1/payments/by-idempotency-key/{key}`: `Ok(None)` on 404 `not_found`.
    pub async fn status(&self, key: &str) -> Answer<Option<Payment>> {
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
        let url = format!("{}/v1/settlements/{date}", self.ep.acquirer);
        self.call(self.client.get(url), None).await
    }
}
