//! Errors on the wire: RFC 9457 problem details (`application/problem+json`) with a stable
//! machine-readable [`ProblemCode`].
//!
//! Every 4xx and 5xx answer of every backend is a [`Problem`]. Clients match on `code`,
//! never on `title` or `detail` (ARCHITECTURE.md principle 5). `type` is
//! `urn:madoguchi:problem:<code>`, so it is a URI (RFC 9457 §3.1.1) that names the code and
//! does not pretend to be a page one can fetch.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of a problem document (RFC 9457 §3).
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The prefix of every problem `type`.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:madoguchi:problem:";

/// A problem document (RFC 9457 §3.1) plus the extension members `code`, `field` and
/// `reason`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `urn:madoguchi:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short summary of the kind of problem (the same for every occurrence of a code).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened this time, in plain words, and what to do next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request that failed (its path), when useful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The stable code clients match on.
    pub code: ProblemCode,
    /// The request field at fault (JSON field name, or the application attribute for
    /// `attributes_mismatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A finer, stable reason: for certificate problems the `jpki-cert` refusal code
    /// (`expired`, `revoked`, `untrusted_root`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Problem {
    /// A problem of `code` with its standard title and status.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            type_uri: format!("{PROBLEM_TYPE_PREFIX}{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status(),
            detail: Some(detail.into()),
            instance: None,
            code,
            field: None,
            reason: None,
        }
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Adds the finer reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sets `instance`.
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.title, self.code.as_str())?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

/// A request field that breaks its rules: the validation error of the request types,
/// answered as `422 invalid_field` naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {detail}")]
pub struct FieldError {
    /// The field (`application.birth_date`, `context.amount_jpy`, ...).
    pub field: String,
    /// What is wrong and what is expected.
    pub detail: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

impl From<FieldError> for Problem {
    fn from(e: FieldError) -> Self {
        Problem::new(ProblemCode::InvalidField, e.detail).with_field(e.field)
    }
}

macro_rules! problem_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $status:literal, $title:literal; )*) => {
        /// Stable problem codes. The serde form (snake_case) is the code; a code this version
        /// does not know deserialises as [`ProblemCode::Other`], so older clients keep
        /// working against newer servers.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum ProblemCode {
            $( $(#[doc = $doc])* $variant, )*
            /// A code this version does not know.
            #[serde(other)]
            Other,
        }

        impl ProblemCode {
            /// Every known code (without [`ProblemCode::Other`]).
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)*];

            /// The code as on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $code,)* ProblemCode::Other => "other" }
            }

            /// The HTTP status that goes with it.
            pub fn status(self) -> u16 {
                match self { $(ProblemCode::$variant => $status,)* ProblemCode::Other => 500 }
            }

            /// The standard title.
            pub fn title(self) -> &'static str {
                match self { $(ProblemCode::$variant => $title,)* ProblemCode::Other => "Unknown problem" }
            }

            /// What the code means (its documentation, lines joined).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => concat!($($doc),*).trim_ascii_start(),)*
                    ProblemCode::Other => "A code this version does not know.",
                }
            }
        }
    };
}

problem_codes! {
    // --- the request itself ---
    /// The body is not JSON, or not the JSON this endpoint takes (missing or mistyped field).
    MalformedRequest = "malformed_request", 400, "Malformed request";
    /// The body is not sent as `application/json`.
    UnsupportedMediaType = "unsupported_media_type", 415, "Unsupported media type";
    /// A field has the right type but a value outside its rules (length, characters, range).
    InvalidField = "invalid_field", 422, "Invalid field";
    /// A field that must be base64 is not.
    InvalidBase64 = "invalid_base64", 422, "Invalid base64";
    /// No such resource.
    NotFound = "not_found", 404, "Not found";
    /// The method is not allowed on this resource.
    MethodNotAllowed = "method_not_allowed", 405, "Method not allowed";
    /// The body is larger than the server accepts.
    PayloadTooLarge = "payload_too_large", 413, "Payload too large";
    /// The server failed; the request may be retried (with the same idempotency key).
    Internal = "internal", 500, "Internal error";
    /// A dependency of the server is unavailable; retry later.
    Unavailable = "unavailable", 503, "Service unavailable";
    // --- who is calling ---
    /// No client certificate: the endpoint is for terminals (mutual TLS).
    TerminalUnauthenticated = "terminal_unauthenticated", 401, "Terminal not authenticated";
    /// The client certificate names a terminal this server does not know or has disabled, or is
    /// not the certificate the terminal was last enrolled with (the platform, once enrolled) or
    /// the one its configuration entry registers (`certificate_sha256`; reason
    /// `certificate_not_registered`, at every server).
    TerminalUnknown = "terminal_unknown", 403, "Unknown terminal";
    /// The terminal may not call this endpoint (e.g. an administration call).
    Forbidden = "forbidden", 403, "Forbidden";
    // --- challenges ---
    /// No challenge of that id (never issued, or forgotten after it expired).
    ChallengeUnknown = "challenge_unknown", 422, "Unknown challenge";
    /// The challenge was already used once: a signature is never accepted twice.
    ChallengeReplayed = "challenge_replayed", 409, "Challenge already used";
    /// The challenge expired before the answer arrived; ask for a new one.
    ChallengeExpired = "challenge_expired", 422, "Challenge expired";
    /// The challenge was issued to another terminal.
    ChallengeWrongTerminal = "challenge_wrong_terminal", 403, "Challenge issued to another terminal";
    /// The challenge was issued for another purpose (identify, enroll, payment).
    ChallengeWrongPurpose = "challenge_wrong_purpose", 422, "Challenge issued for another purpose";
    /// This terminal holds its quota of unanswered challenges (the platform's
    /// `challenges_per_terminal`): answer them, or retry once they expire. Other terminals are
    /// not affected.
    ChallengeQuotaExceeded = "challenge_quota_exceeded", 429, "Too many unanswered challenges";
    // --- certificates and signatures ---
    /// The certificate cannot be parsed (not DER X.509).
    CertificateMalformed = "certificate_malformed", 422, "Malformed certificate";
    /// The certificate expired (`reason`: `expired`).
    CertificateExpired = "certificate_expired", 422, "Certificate expired";
    /// The certificate was revoked (`reason`: `revoked`).
    CertificateRevoked = "certificate_revoked", 422, "Certificate revoked";
    /// The certificate was refused for another reason: chain, policy, profile, not yet valid
    /// (`reason` carries the `jpki-cert` refusal code).
    CertificateRefused = "certificate_refused", 422, "Certificate refused";
    /// No fresh revocation information covers the certificate; never treated as good.
    RevocationUnknown = "revocation_unknown", 503, "Revocation status unknown";
    /// The card's signature over the challenge or the application does not verify.
    SignatureInvalid = "signature_invalid", 422, "Signature invalid";
    // --- enrollment and identification ---
    /// The card's authentication certificate is linked to no service: enrol first.
    NotEnrolled = "not_enrolled", 404, "Card not enrolled";
    /// An attribute of the application differs from the signature certificate (`field` names it).
    AttributesMismatch = "attributes_mismatch", 422, "Application does not match the certificate";
    /// A service named in the request is not offered by this platform.
    ServiceUnknown = "service_unknown", 422, "Unknown service";
    /// No requested link was confirmed by its service, so nothing was stored: `field` names
    /// the first refused link (`application.services[i]`), `reason` why
    /// (`mismatch_<attribute>`, `record_unknown`, `service_unavailable`, `service_refused`).
    LinkRefused = "link_refused", 422, "Link not confirmed by the service";
    /// The card's authentication and signature certificates are linked to different holders
    /// (`reason` `two_holders`), or its authentication certificate is new and its signature
    /// certificate is linked to a holder enrolled with another one (`reason`
    /// `signature_linked_elsewhere`), or its authentication certificate is linked to a
    /// holder and its new signature certificate names another birth date or sex than that
    /// holder's last one (`reason` `signature_of_another_person`): the platform cannot tell
    /// whose card it is, so nothing was asked of the services and nothing was stored. Read
    /// both certificates from the customer's one card and enrol again; otherwise the
    /// platform's operator must look into the registry (an authentication certificate
    /// re-issued alone, `signature_linked_elsewhere`, is attached to its holder by the
    /// operator's `madoguchi-platform holders attach-auth`).
    HolderConflict = "holder_conflict", 409, "Card's certificates do not fit one holder";
    /// The record or card token the assertion names is not linked to this holder (never
    /// confirmed for them, linked to another holder since, or released): enrol again.
    LinkNotOwned = "link_not_owned", 403, "Record not linked to this holder";
    // --- assertions ---
    /// The assertion is not a well-formed ES256 compact JWS of ours, or its signature fails.
    AssertionInvalid = "assertion_invalid", 401, "Assertion invalid";
    /// The assertion expired.
    AssertionExpired = "assertion_expired", 401, "Assertion expired";
    /// The assertion was already used once (`jti` seen before).
    AssertionReplayed = "assertion_replayed", 409, "Assertion already used";
    /// The assertion was issued for another audience.
    AssertionWrongAudience = "assertion_wrong_audience", 403, "Assertion for another audience";
    /// The assertion's issuer (or key id) is not trusted here.
    AssertionUntrustedIssuer = "assertion_untrusted_issuer", 403, "Assertion issuer not trusted";
    // --- payments (acquirer) ---
    /// The idempotency key was used before with other parameters.
    IdempotencyKeyMismatch = "idempotency_key_mismatch", 422, "Idempotency key reused with other parameters";
    /// A request with this idempotency key is still being processed: the outcome is not known
    /// yet; query the status, never treat this as a decline.
    RequestInProgress = "request_in_progress", 409, "Request in progress";
    /// The `Idempotency-Key` header is missing or malformed.
    IdempotencyKeyMissing = "idempotency_key_missing", 400, "Idempotency key missing";
    /// The issuer declined the payment (final; `reason` carries the decline code).
    PaymentDeclined = "payment_declined", 402, "Payment declined";
    /// The payment is not in a state that allows this operation.
    InvalidPaymentState = "invalid_payment_state", 409, "Operation not allowed in this payment state";
    /// The amount exceeds what may be captured or refunded.
    AmountExceeded = "amount_exceeded", 422, "Amount exceeds the allowed total";
    // --- eligibility (insurer) ---
    /// The bulk pre-check reception number is unknown.
    ReceptionUnknown = "reception_unknown", 404, "Unknown reception number";
    /// The insurer holds no record for the insurance linkage the assertion carries (the
    /// enrolled insurer number, symbol, number and branch name nobody it insures).
    InsuredUnknown = "insured_unknown", 404, "Insured person unknown";
}

/// The table of every problem code as Markdown (`crates/counter-api/PROBLEMS.md`, kept
/// current by the same test as the OpenAPI document): code, HTTP status, title, meaning.
pub fn codes_markdown() -> String {
    let mut s = String::from(
        "# Problem codes\n\nGenerated from `counter_api::ProblemCode` by \
         `cargo run -p counter-api --bin counter-api-openapi -- --problems > crates/counter-api/PROBLEMS.md`; \
         do not edit. Every error of every backend is an RFC 9457 problem document \
         (`application/problem+json`) whose `code` is one of these; clients match on `code`, \
         never on `title` or `detail`.\n\n| code | status | title | meaning |\n|---|---:|---|---|\n",
    );
    for c in ProblemCode::ALL {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.as_str(),
            c.status(),
            c.title(),
            c.meaning()
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_other() {
        for c in ProblemCode::ALL {
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<ProblemCode>(&json).unwrap(), *c);
            assert!((400..600).contains(&c.status()), "{c:?}");
        }
        let p: ProblemCode = serde_json::from_str("\"from_the_future\"").unwrap();
        assert_eq!(p, ProblemCode::Other);
    }

    #[test]
    fn problem_document_shape() {
        let p = Problem::new(ProblemCode::ChallengeExpired, "ask for a new challenge")
            .with_field("challenge_id");
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], "urn:madoguchi:problem:challenge_expired");
        assert_eq!(v["status"], 422);
        assert_eq!(v["code"], "challenge_expired");
        assert_eq!(v["field"], "challenge_id");
        assert!(v.get("reason").is_none());
    }
}
