//! The OpenAPI 3.1 document, generated from the types of this crate with `utoipa`.
//!
//! The committed copy is `crates/counter-api/openapi.json`; the test `openapi_is_current`
//! fails when it drifts from [`document`]. Regenerate it from the workspace root with
//!
//! ```sh
//! cargo run -p counter-api --bin counter-api-openapi > crates/counter-api/openapi.json
//! ```
//!
//! The paths are declared on empty functions here, not on the servers' handlers, so that
//! the contract has one home and every server (ours or another) is held to it.
//!
//! **As strict as the servers.** Every rule a server checks before its logic (lengths,
//! patterns, formats, ranges, enums, required fields, unknown fields refused) is stated in the
//! document, so that a request built from the document alone is refused only for reasons of
//! substance (an unknown challenge, a bad signature), never for its shape. The rules live next
//! to the fields as `#[schema(...)]` attributes (and `#[serde(deny_unknown_fields)]`, which
//! utoipa turns into `additionalProperties: false`); the few that utoipa cannot express
//! (conditions between fields, bounds on array items, internally tagged variants) are added in
//! one place, `rules`. Rules no schema can state (two fields that must be equal, substitute
//! positions below a text's length, byte lengths) are written in the field's description.
//! The backends' `contract` tests send requests generated from this document to the real
//! servers and count how many are refused for their shape.

mod rules;

use utoipa::openapi::security::SecurityScheme;
use utoipa::{Modify, OpenApi};

use crate::acquirer::{
    AuthoriseRequest, BrandTotals, CaptureMode, CaptureRequest, MaskedCard, Payment, PaymentStatus,
    RefundRequest, Reversal, ReversalReason, ReversalRequest, SettlementTotals,
};
use crate::assertion::{AssertionClaims, AssertionContext, Jwk, KeySet};
use crate::attributes::{Attribute, CertifiedAttributes};
use crate::insurer::{
    BulkPrecheckAccepted, BulkPrecheckEntry, BulkPrecheckItem, BulkPrecheckRequest,
    BulkPrecheckResult, BulkStatus, Consent, Consents, ElderlyRecipient, EligibilityRequest,
    EligibilityResponse, InsuranceNumberCheckRequest, LimitCertificate, ProcessingResult,
    QualificationResult, SpecificDisease,
};
use crate::links::{LinkAnswer, LinkOutcome, LinkRelease, LinkReleased, LinkRequest};
use crate::platform::{
    Application, ChallengeContext, ChallengePurpose, ChallengeRequest, ChallengeResponse,
    CrlReloadResponse, EnrollmentRequest, EnrollmentResponse, FederationEnrollmentRequest,
    FederationExchangeRequest, IdentificationRequest, IdentificationResponse, InsuranceLink,
    LinkRefusal, LinkRefusalReason, MenuEntry, Notice, PaymentLink, PlatformLink, ServiceData,
    ServiceKind, ServiceLink, Sex, SignedApplication,
};
use crate::problem::{Problem, ProblemCode};

/// Why the document could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// utoipa's document did not serialise.
    #[error("cannot serialise the document: {0}")]
    Json(#[from] serde_json::Error),
    /// A schema a rule of `rules` edits is missing or has another shape (a type was renamed
    /// or restructured): update the rule.
    #[error("the generated document lacks {0}, which a rule of counter_api::openapi::rules edits")]
    Shape(String),
}

/// The document: utoipa's, with the rules it cannot express added (`rules`).
pub fn document() -> Result<serde_json::Value, DocumentError> {
    let mut doc = serde_json::to_value(ApiDoc::openapi())?;
    rules::apply(&mut doc)?;
    Ok(doc)
}

/// The document as pretty JSON with a final newline: the committed file's exact bytes.
pub fn document_json() -> Result<String, DocumentError> {
    let mut s = serde_json::to_string_pretty(&document()?)?;
    s.push('\n');
    Ok(s)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Madoguchi counter API",
        description = "The wire contract between the Madoguchi counter terminal and its backends: the verification platform, the insurer and the acquirer. Errors are RFC 9457 problem details (application/problem+json) with a stable `code`. Terminals authenticate with mutual TLS.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        post_challenges, post_identifications, post_enrollments, get_keys, post_federation_exchange, post_federation_enrollments,
        post_crl_reload,
        post_eligibility, post_eligibility_by_insurance_number, post_bulk_prechecks, get_bulk_precheck,
        post_payments, post_capture, post_void, post_refund, get_payment_by_key, post_reversals,
        get_settlement,
        post_links, post_links_release,
    ),
    components(schemas(
        Problem, ProblemCode,
        ChallengePurpose, ChallengeContext, ChallengeRequest, ChallengeResponse,
        IdentificationRequest, IdentificationResponse, MenuEntry, Notice, ServiceKind,
        Application, Sex, ServiceLink, InsuranceLink, PaymentLink, ServiceData,
        EnrollmentRequest, EnrollmentResponse, FederationExchangeRequest, FederationEnrollmentRequest,
        PlatformLink, CrlReloadResponse,
        KeySet, Jwk, AssertionClaims, AssertionContext,
        EligibilityRequest, InsuranceNumberCheckRequest, EligibilityResponse, ProcessingResult, QualificationResult,
        ElderlyRecipient, LimitCertificate, SpecificDisease, Consent, Consents,
        BulkPrecheckEntry, BulkPrecheckRequest, BulkPrecheckAccepted, BulkStatus, BulkPrecheckItem,
        BulkPrecheckResult,
        AuthoriseRequest, CaptureMode, CaptureRequest, RefundRequest, PaymentStatus, MaskedCard,
        Payment, ReversalReason, ReversalRequest, Reversal, BrandTotals, SettlementTotals,
        LinkRefusal, LinkRefusalReason, Attribute, CertifiedAttributes, SignedApplication,
        LinkRequest, LinkOutcome, LinkAnswer, LinkRelease, LinkReleased,
    )),
    modifiers(&MutualTls),
    tags(
        (name = "platform", description = "Verification platform: challenges, identification, enrollment, keys, federation"),
        (name = "insurer", description = "Insurer: eligibility by assertion or by insurance number, bulk pre-check"),
        (name = "acquirer", description = "Acquirer: payments by card token, idempotent"),
        (name = "links", description = "Served by every service the platform links (insurer, acquirer), called by the platform only: the service confirms that its record belongs to the holder of the verified signature certificate before a card is linked to it, and binds the record to the platform's pairwise subject"),
    )
)]
struct ApiDoc;

struct MutualTls;

impl Modify for MutualTls {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "terminal_mtls",
            SecurityScheme::MutualTls {
                description: Some(
                    "Terminal client certificate issued by the operator's terminal CA; its subject CN is the terminal id. A server whose configuration registers the terminal's certificate (its SHA-256, `certificate_sha256` of the terminal's entry; the platform: the certificate of its last enrollment) accepts that certificate alone: another of the same CA with the same CN is refused with 403 `terminal_unknown`."
                        .into(),
                ),
                extensions: None,
                deprecated: None,
            },
        );
        components.add_security_scheme(
            "platform_mtls",
            SecurityScheme::MutualTls {
                description: Some(
                    "The verification platform's client certificate; its subject CN is the platform id, which the service trusts (the same platforms whose assertion keys it holds)."
                        .into(),
                ),
                extensions: None,
                deprecated: None,
            },
        );
    }
}

// The paths. Each function is only a carrier for its `#[utoipa::path]` attribute.

#[utoipa::path(post, path = "/v1/challenges", tag = "platform", security(("terminal_mtls" = [])),
    request_body = ChallengeRequest,
    responses(
        (status = 200, description = "A fresh challenge bound to this terminal", body = ChallengeResponse),
        (status = 413, description = "payload_too_large: the body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "challenge_quota_exceeded: this terminal holds its quota of unanswered challenges (they expire within minutes)", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_challenges() {}

#[utoipa::path(post, path = "/v1/identifications", tag = "platform", security(("terminal_mtls" = [])),
    request_body = IdentificationRequest,
    responses(
        (status = 200, description = "The menu of linked services with one assertion each", body = IdentificationResponse),
        (status = 413, description = "payload_too_large: the body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem (not_enrolled, challenge_*, certificate_*, signature_invalid, ...)", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Problem (revocation_unknown, internal)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_identifications() {}

#[utoipa::path(post, path = "/v1/enrollments", tag = "platform", security(("terminal_mtls" = [])),
    request_body = EnrollmentRequest,
    responses(
        (status = 200, description = "The card is linked to the services named", body = EnrollmentResponse),
        (status = 409, description = "challenge_replayed: the enroll challenge was answered already; holder_conflict: the card's two certificates are linked to different holders (reason two_holders), or its new authentication certificate comes with a signature certificate linked to a holder enrolled with another one (reason signature_linked_elsewhere), or its known authentication certificate comes with a new signature certificate naming another birth date or sex than its holder's last one (reason signature_of_another_person); nothing was asked or stored", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "payload_too_large: the body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem (attributes_mismatch, link_refused, service_unknown, certificate_*, ...)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_enrollments() {}

#[utoipa::path(get, path = "/v1/keys", tag = "platform",
    responses((status = 200, description = "The platform's assertion verification keys", body = KeySet)))]
#[allow(dead_code)]
fn get_keys() {}

#[utoipa::path(post, path = "/v1/federation/exchange", tag = "platform", security(("terminal_mtls" = [])),
    request_body = FederationExchangeRequest,
    responses(
        (status = 200, description = "This platform's own menu and assertions for the card a trusted peer verified", body = IdentificationResponse),
        (status = 413, description = "payload_too_large: the body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem (assertion_*, not_enrolled)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_federation_exchange() {}

#[utoipa::path(post, path = "/v1/federation/enrollments", tag = "platform", security(("terminal_mtls" = [])),
    request_body = FederationEnrollmentRequest,
    responses(
        (status = 200, description = "The holder a trusted peer identified is linked to this platform's services", body = EnrollmentResponse),
        (status = 413, description = "payload_too_large: the body is over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem (assertion_*, service_unknown)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_federation_enrollments() {}

#[utoipa::path(post, path = "/v1/admin/crl/reload", tag = "platform", security(("terminal_mtls" = [])),
    responses(
        (status = 200, description = "CRLs reloaded; lookups never stopped", body = CrlReloadResponse),
        (status = "4XX", description = "Problem (forbidden)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_crl_reload() {}

#[utoipa::path(post, path = "/v1/eligibility", tag = "insurer", security(("terminal_mtls" = [])),
    request_body = EligibilityRequest,
    responses(
        (status = 200, description = "Eligibility result", body = EligibilityResponse),
        (status = 413, description = "payload_too_large: the body is over 512 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem (assertion_*, forbidden: the assertion was issued to another terminal or for another purpose, link_not_owned, insured_unknown)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_eligibility() {}

#[utoipa::path(post, path = "/v1/eligibility/by-insurance-number", tag = "insurer", security(("terminal_mtls" = [])),
    request_body = InsuranceNumberCheckRequest,
    responses(
        (status = 200, description = "Eligibility result (QualificationValidity 4 when no record matches the numbers and the birth date)", body = EligibilityResponse),
        (status = 413, description = "payload_too_large: the body is over 512 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem (invalid_field)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_eligibility_by_insurance_number() {}

#[utoipa::path(post, path = "/v1/bulk-prechecks", tag = "insurer", security(("terminal_mtls" = [])),
    request_body = BulkPrecheckRequest,
    responses(
        (status = 200, description = "Accepted; fetch the results with the reception number", body = BulkPrecheckAccepted),
        (status = 413, description = "payload_too_large: the body is over 512 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_bulk_prechecks() {}

#[utoipa::path(get, path = "/v1/bulk-prechecks/{reception_number}", tag = "insurer", security(("terminal_mtls" = [])),
    params(("reception_number" = String, Path, description = "受付番号, as the submission answered it (another is `404 reception_unknown`)", min_length = 1)),
    responses(
        (status = 200, description = "Processing state and, once completed, the results", body = BulkPrecheckResult),
        (status = "4XX", description = "Problem (reception_unknown)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn get_bulk_precheck() {}

#[utoipa::path(post, path = "/v1/payments", tag = "acquirer", security(("terminal_mtls" = [])),
    params(("Idempotency-Key" = String, Header, description = "The client's key (1 to 255 visible ASCII characters; a V4 UUID is a good key), persisted before the first send and reused for retries only. Missing or of another shape: `400 idempotency_key_missing`", pattern = r"^[\x21-\x7E]{1,255}$", min_length = 1, max_length = 255)),
    request_body = AuthoriseRequest,
    responses(
        (status = 200, description = "Authorised (or captured)", body = Payment),
        (status = 413, description = "payload_too_large: the body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 402, description = "Declined (final)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "request_in_progress: query the status, never treat as a decline", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_payments() {}

#[utoipa::path(post, path = "/v1/payments/{payment_id}/capture", tag = "acquirer", security(("terminal_mtls" = [])),
    params(
        ("payment_id" = String, Path, description = "The acquirer's payment id (another shape: `404 not_found`)", pattern = r"^[A-Za-z0-9._:-]{1,64}$", min_length = 1, max_length = 64),
        ("Idempotency-Key" = String, Header, description = "The client's key (1 to 255 visible ASCII characters; a V4 UUID is a good key), persisted before the first send and reused for retries only. Missing or of another shape: `400 idempotency_key_missing`", pattern = r"^[\x21-\x7E]{1,255}$", min_length = 1, max_length = 255),
    ),
    request_body = CaptureRequest,
    responses(
        (status = 200, description = "Captured", body = Payment),
        (status = 413, description = "payload_too_large: the body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_capture() {}

#[utoipa::path(post, path = "/v1/payments/{payment_id}/void", tag = "acquirer", security(("terminal_mtls" = [])),
    params(
        ("payment_id" = String, Path, description = "The acquirer's payment id (another shape: `404 not_found`)", pattern = r"^[A-Za-z0-9._:-]{1,64}$", min_length = 1, max_length = 64),
        ("Idempotency-Key" = String, Header, description = "The client's key (1 to 255 visible ASCII characters; a V4 UUID is a good key), persisted before the first send and reused for retries only. Missing or of another shape: `400 idempotency_key_missing`", pattern = r"^[\x21-\x7E]{1,255}$", min_length = 1, max_length = 255),
    ),
    responses(
        (status = 200, description = "Voided", body = Payment),
        (status = "4XX", description = "Problem", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_void() {}

#[utoipa::path(post, path = "/v1/payments/{payment_id}/refunds", tag = "acquirer", security(("terminal_mtls" = [])),
    params(
        ("payment_id" = String, Path, description = "The acquirer's payment id (another shape: `404 not_found`)", pattern = r"^[A-Za-z0-9._:-]{1,64}$", min_length = 1, max_length = 64),
        ("Idempotency-Key" = String, Header, description = "The client's key (1 to 255 visible ASCII characters; a V4 UUID is a good key), persisted before the first send and reused for retries only. Missing or of another shape: `400 idempotency_key_missing`", pattern = r"^[\x21-\x7E]{1,255}$", min_length = 1, max_length = 255),
    ),
    request_body = RefundRequest,
    responses(
        (status = 200, description = "Refunded", body = Payment),
        (status = 413, description = "payload_too_large: the body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem (amount_exceeded, invalid_payment_state)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_refund() {}

#[utoipa::path(get, path = "/v1/payments/by-idempotency-key/{key}", tag = "acquirer", security(("terminal_mtls" = [])),
    params(("key" = String, Path, description = "The authorisation's idempotency key, percent-encoded in the path (another shape: `404 not_found`)", pattern = r"^[\x21-\x7E]{1,255}$", min_length = 1, max_length = 255)),
    responses(
        (status = 200, description = "The payment", body = Payment),
        (status = 404, description = "not_found: nothing was charged under this key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "request_in_progress", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn get_payment_by_key() {}

#[utoipa::path(post, path = "/v1/reversals", tag = "acquirer", security(("terminal_mtls" = [])),
    params(("Idempotency-Key" = String, Header, description = "The client's key (1 to 255 visible ASCII characters; a V4 UUID is a good key), persisted before the first send and reused for retries only. Missing or of another shape: `400 idempotency_key_missing`", pattern = r"^[\x21-\x7E]{1,255}$", min_length = 1, max_length = 255)),
    request_body = ReversalRequest,
    responses(
        (status = 200, description = "Reversed, or nothing to reverse", body = Reversal),
        (status = 413, description = "payload_too_large: the body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_reversals() {}

#[utoipa::path(get, path = "/v1/settlements/{date}", tag = "acquirer", security(("terminal_mtls" = [])),
    params(("date" = String, Path, description = "Business date YYYY-MM-DD (JST), a real calendar date of 1868–2999 (another: `422 invalid_field` on `date`)", format = Date, pattern = r"^((18(6[89]|[7-9][0-9])|19[0-9]{2}|2[0-9]{3})-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|(18(68|7[26]|8[048]|9[26])|19(0[48]|[2468][048]|[13579][26])|2[0-9](0[48]|[2468][048]|[13579][26])|2000|2400|2800)-02-29)$")),
    responses(
        (status = 200, description = "The day's totals", body = SettlementTotals),
        (status = "4XX", description = "Problem", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn get_settlement() {}

#[utoipa::path(post, path = "/v1/links", tag = "links", security(("platform_mtls" = [])),
    request_body = LinkRequest,
    responses(
        (status = 200, description = "confirmed (the record now belongs to `sub`), mismatch (naming the attribute) or unknown", body = LinkAnswer),
        (status = 413, description = "payload_too_large: the body is over the service's limit (512 KiB at an insurer, 16 KiB at an acquirer)", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem (terminal_unauthenticated, forbidden: not a trusted platform, invalid_field)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_links() {}

#[utoipa::path(post, path = "/v1/links/release", tag = "links", security(("platform_mtls" = [])),
    request_body = LinkRelease,
    responses(
        (status = 200, description = "The binding is gone if `sub` owned it", body = LinkReleased),
        (status = 413, description = "payload_too_large: the body is over the service's limit (512 KiB at an insurer, 16 KiB at an acquirer)", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Problem", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn post_links_release() {}
