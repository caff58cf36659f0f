//! Identification: the answer to a challenge, and the menu of linked services with one
//! assertion per service.

use madoguchi_time::UnixTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::ServiceKind;

/// `POST /v1/identifications`: the card's answer to an `identify` (or `payment`) challenge.
/// Also the `identification` part of an enrollment (with an `enroll` challenge).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentificationRequest {
    /// The challenge answered.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._:-]{1,64}$")]
    pub challenge_id: String,
    /// The user-authentication certificate read from the card, DER in base64.
    #[schema(
        content_encoding = "base64",
        pattern = r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$"
    )]
    pub auth_certificate: String,
    /// The card's PKCS#1 v1.5 signature over DigestInfo(SHA-256(to_be_signed)), base64.
    #[schema(
        content_encoding = "base64",
        pattern = r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$"
    )]
    pub signature: String,
}

/// One service on the menu, with its assertion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MenuEntry {
    /// The platform's service id (also the assertion's `aud`).
    pub service_id: String,
    /// Insurance or payment.
    pub kind: ServiceKind,
    /// What to show the customer (`国民健康保険`, `VISA ****1234`).
    pub label: String,
    /// Compact JWS the service accepts ([`crate::assertion`]); absent in an enrollment's
    /// answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<String>,
    /// When the assertion expires (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub assertion_expires_at: Option<UnixTime>,
}

/// Something staff must know about this card, beside the menu.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Notice {
    /// The signature certificate linked at enrollment has been revoked since (the customer
    /// moved or changed name, docs/domain/eligibility.md §3.2): ask them to enrol again so the linked
    /// data can be checked.
    SignCertificateRevoked {
        /// When J-LIS revoked it (Unix seconds).
        #[schema(value_type = i64)]
        revoked_at: UnixTime,
        /// The CRLReason code (`affiliation_changed`, `superseded`, ...).
        reason: String,
    },
    /// Whether the signature certificate linked at enrollment has been revoked since could
    /// not be checked: no current CRL covers it (stale or missing). Never read as "not
    /// revoked": staff confirm the four attributes with the customer.
    SignCertificateUnchecked {
        /// Why (which CRL is missing or out of date).
        detail: String,
    },
}

/// The answer to an identification (and to a federation exchange).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IdentificationResponse {
    /// Id of this identification in the platform's audit log (quote it to support).
    pub identification_id: String,
    /// The challenge's purpose.
    pub purpose: super::ChallengePurpose,
    /// The services linked to the card, each with its assertion.
    pub menu: Vec<MenuEntry>,
    /// What staff must know.
    #[serde(default)]
    pub notices: Vec<Notice>,
}

/// `POST /v1/federation/exchange`: an assertion another platform issued for this platform
/// (`aud` = this platform's id), to be exchanged for this platform's own assertions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FederationExchangeRequest {
    /// The peer platform's compact JWS.
    #[schema(
        min_length = 5,
        max_length = 8192,
        pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
    )]
    pub assertion: String,
}

/// `POST /v1/federation/enrollments`: a holder a peer platform has just identified (its
/// assertion for this platform, purpose `identify`) links services of this platform. The
/// peer verified the card; this platform trusts that verification through the peer's
/// configured keys and keeps the link under the peer's pairwise subject.
///
/// Insurance and payment links are confirmed by their service against its own record, like
/// every link ([`crate::links`]): for them the customer signs an application at the same
/// counter with the card's signature certificate (`signed_application`), which this
/// platform verifies itself and whose attributes it sends to the service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FederationEnrollmentRequest {
    /// The peer platform's compact JWS for this platform.
    #[schema(
        min_length = 5,
        max_length = 8192,
        pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
    )]
    pub assertion: String,
    /// This platform's services to link (1 to 16), insurance and payment services only (a peer
    /// platform is not linked through another peer).
    #[schema(min_items = 1, max_items = 16)]
    pub services: Vec<super::ServiceLink>,
    /// Required when `services` names an insurance or payment service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_application: Option<SignedApplication>,
}

/// An application signed with the card's signature certificate, outside the enrollment
/// request that usually carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedApplication {
    /// The application: in a federated enrollment its `challenge_id` is the peer
    /// assertion's challenge (`ctx.challenge_id`) and its `services` are the request's.
    pub application: super::Application,
    /// The signature certificate read from the card, DER in base64.
    #[schema(
        content_encoding = "base64",
        pattern = r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$"
    )]
    pub sign_certificate: String,
    /// The signature certificate's PKCS#1 v1.5 signature over
    /// DigestInfo(SHA-256(application canonical bytes)), base64.
    #[schema(
        content_encoding = "base64",
        pattern = r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$"
    )]
    pub application_signature: String,
}

/// The answer to `POST /v1/admin/crl/reload`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CrlReloadResponse {
    /// CRL files read.
    pub files: u64,
    /// Revoked serials in the new index.
    pub entries: u64,
    /// The earliest nextUpdate of the set's CRLs (Unix seconds): from then on the cards of
    /// that CRL's scope are refused as revocation-unknown unless newer CRLs are loaded.
    /// Absent when no CRL of the set has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub earliest_next_update: Option<UnixTime>,
}
