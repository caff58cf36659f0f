//! Asking the services to confirm links (`counter_api::links`): the platform's HTTPS client
//! (mutual TLS with the platform's own client certificate, trusting only the configured
//! services' CA), and what an enrollment learns from each answer.
//!
//! The client follows no redirect (a service that answers 3xx is refused: the holder's
//! attributes never go anywhere but the configured URL), reads at most
//! [`MAX_ANSWER_BYTES`] of an answer, and gives up after the configured timeout.

use std::time::Duration;

use counter_api::Problem;
use counter_api::links::{LinkAnswer, LinkOutcome, LinkRelease, LinkReleased, LinkRequest};
use counter_api::platform::{LinkRefusal, LinkRefusalReason, ServiceKind};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StartError;
use crate::config::LinkClientSettings;

/// The largest answer read from a service (a link answer is a few dozen bytes).
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Why a service could not be asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkCallError {
    /// No connection, a timeout, a cut-off or oversized answer, a redirect.
    #[error("the service could not be reached: {0}")]
    Unreachable(String),
    /// The service answered with a problem document.
    #[error("the service refused the request: {0}")]
    Refused(String),
    /// The service answered something that is not the contract's JSON.
    #[error("the service's answer is not a link answer: {0}")]
    Malformed(String),
}

/// The platform's client of the services' link endpoints.
#[derive(Clone, Debug)]
pub struct LinkClient {
    client: reqwest::Client,
}

impl LinkClient {
    /// A client with the platform's certificate, trusting only the services' CA.
    pub fn new(s: &LinkClientSettings) -> Result<Self, StartError> {
        let tls = backend_kit::tls::client_config(
            &s.service_ca_pem,
            &s.certificate_pem,
            &s.private_key_pem,
        )?;
        let timeout = Duration::from_millis(s.timeout_ms);
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| StartError::Settings(format!("links: {e}")))?;
        Ok(Self { client })
    }

    /// `POST {base}/v1/links`.
    pub async fn confirm(
        &self,
        base: &str,
        req: &LinkRequest,
    ) -> Result<LinkAnswer, LinkCallError> {
        self.post(base, "/v1/links", req).await
    }

    /// `POST {base}/v1/links/release`.
    pub async fn release(
        &self,
        base: &str,
        req: &LinkRelease,
    ) -> Result<LinkReleased, LinkCallError> {
        self.post(base, "/v1/links/release", req).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        base: &str,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, LinkCallError> {
        let url = format!("{}{path}", base.trim_end_matches('/'));
        let mut resp = self
            .client
            .post(&url)
            .json(body)
            .send()
            .await
            .map_err(|e| LinkCallError::Unreachable(e.to_string()))?;
        let status = resp.status();
        if status.is_redirection() {
            return Err(LinkCallError::Unreachable(format!(
                "HTTP {status}: a service must answer at its configured URL, redirects are not followed"
            )));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| LinkCallError::Unreachable(format!("the answer was cut off: {e}")))?
        {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(LinkCallError::Unreachable(format!(
                    "the answer is larger than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| LinkCallError::Malformed(format!("HTTP {status}: {e}")));
        }
        match serde_json::from_slice::<Problem>(&bytes) {
            Ok(p) if status.is_client_error() => Err(LinkCallError::Refused(p.to_string())),
            Ok(p) => Err(LinkCallError::Unreachable(p.to_string())),
            Err(_) => Err(LinkCallError::Unreachable(format!(
                "HTTP {status} without a problem document"
            ))),
        }
    }
}

/// What one requested link came to, before anything is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// The service confirmed it (or it needs no confirmation: a peer platform).
    Confirmed,
    /// Not confirmed: the refusal to report.
    Refused(LinkRefusal),
}

/// The refusal (if any) an answer or a failed call means for link `index` of `service_id`.
pub fn judge(
    index: usize,
    service_id: &str,
    kind: ServiceKind,
    answer: &Result<LinkAnswer, LinkCallError>,
) -> Confirmation {
    let refusal = |reason, attribute| {
        Confirmation::Refused(LinkRefusal {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            service_id: service_id.to_owned(),
            kind,
            reason,
            attribute,
        })
    };
    match answer {
        Ok(a) => match a.outcome {
            LinkOutcome::Confirmed => Confirmation::Confirmed,
            LinkOutcome::Mismatch => refusal(LinkRefusalReason::AttributesMismatch, a.field),
            LinkOutcome::Unknown => refusal(LinkRefusalReason::RecordUnknown, None),
        },
        Err(LinkCallError::Refused(_)) => refusal(LinkRefusalReason::ServiceRefused, None),
        Err(LinkCallError::Unreachable(_) | LinkCallError::Malformed(_)) => {
            refusal(LinkRefusalReason::ServiceUnavailable, None)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use counter_api::attributes::Attribute;

    use super::*;

    #[test]
    fn answers_and_failures_become_refusals() {
        let judge_one = |a| judge(1, "ins", ServiceKind::Insurance, &a);
        assert_eq!(
            judge_one(Ok(LinkAnswer::confirmed())),
            Confirmation::Confirmed
        );
        let Confirmation::Refused(r) = judge_one(Ok(LinkAnswer::mismatch(Attribute::BirthDate)))
        else {
            panic!("a mismatch is a refusal");
        };
        assert_eq!(
            (r.index, r.reason_code()),
            (1, "mismatch_birth_date".into())
        );
        for (answer, code) in [
            (Ok(LinkAnswer::unknown()), "record_unknown"),
            (
                Err(LinkCallError::Unreachable("down".into())),
                "service_unavailable",
            ),
            (
                Err(LinkCallError::Malformed("html".into())),
                "service_unavailable",
            ),
            (
                Err(LinkCallError::Refused("forbidden".into())),
                "service_refused",
            ),
        ] {
            let Confirmation::Refused(r) = judge_one(answer) else {
                panic!("{code}");
            };
            assert_eq!(r.reason_code(), code);
        }
    }
}
