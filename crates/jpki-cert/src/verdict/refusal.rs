//! [`Refusal`]: why a certificate or an identification was refused, one variant per
//! stable reason code.

use serde::{Deserialize, Serialize};

use super::{CrlReason, Environment, Purpose, RevocationSource};
use crate::time::UnixTime;

/// Why a certificate (or identification) was refused. The serde tag `code` is the stable code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Refusal {
    /// `malformed`: not DER, not X.509 v3, or a JPKI-required field is missing/undecodable.
    #[error("malformed certificate: {detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// `unsupported_algorithm`: not sha256WithRSAEncryption / rsaEncryption ≥ 2048 bits (docs/domain/jpki.md §2.1).
    #[error("unsupported algorithm: {detail}")]
    UnsupportedAlgorithm {
        /// Algorithm OID or key size.
        detail: String,
    },
    /// `unknown_critical_extension`: a critical extension this profile does not understand
    /// (RFC 5280 §4.2: "MUST reject").
    #[error("unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// Dotted OID.
        oid: String,
    },
    /// `wrong_purpose`: a signature certificate presented as an authentication certificate,
    /// or the reverse (recognised by policy OID or issuer OU).
    #[error("a {found} certificate was presented as a {expected} certificate")]
    WrongPurpose {
        /// Purpose the caller asked for.
        expected: Purpose,
        /// Purpose of the certificate.
        found: Purpose,
    },
    /// `wrong_environment`: a test-card certificate (test policy OID) against a production
    /// store, or a production certificate against a test store.
    #[error("a {certificate:?} certificate against a {store:?} trust store")]
    WrongEnvironment {
        /// The store's environment.
        store: Environment,
        /// The certificate's environment (from its policy OID).
        certificate: Environment,
    },
    /// `policy_missing`: certificatePolicies absent, or without the purpose's OID.
    #[error("certificate policy {expected} missing")]
    PolicyMissing {
        /// The OID required.
        expected: String,
    },
    /// `policy_not_critical`: JPKI marks certificatePolicies critical (docs/domain/jpki.md §2.2/§2.3).
    #[error("certificatePolicies is not marked critical")]
    PolicyNotCritical,
    /// `key_usage_wrong`: keyUsage absent, not critical, or not exactly the purpose's bits
    /// (auth: digitalSignature; sign: digitalSignature + nonRepudiation).
    #[error("key usage wrong: {detail}")]
    KeyUsageWrong {
        /// What was found.
        detail: String,
    },
    /// `not_end_entity`: basicConstraints says CA:TRUE on a user certificate (RFC 5280 §4.2.1.9).
    #[error("basicConstraints CA:TRUE on an end-entity certificate")]
    NotEndEntity,
    /// `authority_key_id_missing`: no authorityKeyIdentifier keyIdentifier (RFC 5280 §4.2.1.1
    /// MUST); the issuer is chosen by key identifier, not by name (docs/domain/jpki.md §2.1).
    #[error("authorityKeyIdentifier missing")]
    AuthorityKeyIdMissing,
    /// `untrusted_root`: no pinned root of this purpose has that name and key identifier.
    #[error("no trusted root for this issuer and key identifier")]
    UntrustedRoot,
    /// `bad_signature`: the certificate's signature does not verify with the chosen root.
    #[error("certificate signature does not verify")]
    BadSignature,
    /// `not_yet_valid`: time < notBefore.
    #[error("not valid before {not_before}")]
    NotYetValid {
        /// notBefore (RFC 3339 in JSON).
        #[serde(with = "madoguchi_time::rfc3339")]
        not_before: UnixTime,
    },
    /// `expired`: time > notAfter.
    #[error("expired at {not_after}")]
    Expired {
        /// notAfter (RFC 3339 in JSON).
        #[serde(with = "madoguchi_time::rfc3339")]
        not_after: UnixTime,
    },
    /// `root_not_valid`: the issuing root is outside its own validity at that time.
    #[error("root {root} not valid at that time")]
    RootNotValid {
        /// Label of the root.
        root: String,
    },
    /// `revoked`: on a verified, fresh CRL or OCSP response.
    #[error("revoked at {revoked_at} ({reason:?})")]
    Revoked {
        /// CRLReason.
        reason: CrlReason,
        /// Revocation date (RFC 3339 in JSON).
        #[serde(with = "madoguchi_time::rfc3339")]
        revoked_at: UnixTime,
        /// CRL or OCSP (JSON field `source`).
        #[serde(rename = "source")]
        via: RevocationSource,
    },
    /// `revocation_unknown`: no fresh, verified revocation information. Never treated as good.
    #[error("revocation status unknown: {detail}")]
    RevocationUnknown {
        /// Why no verdict could be had, as the revocation source said it.
        detail: String,
    },
    /// `identity_malformed`: a signature certificate whose docs/domain/jpki.md §2.4 attributes are
    /// missing or cannot be decoded.
    #[error("identity attributes malformed: {detail}")]
    IdentityMalformed {
        /// What is wrong.
        detail: String,
    },
    /// `challenge_signature_invalid`: the card's signature over the challenge does not verify.
    #[error("challenge signature does not verify")]
    ChallengeSignatureInvalid,
}

impl Refusal {
    /// The stable code (`"expired"`, `"revoked"`, ...), the same string as the serde tag.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed",
            Self::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Self::UnknownCriticalExtension { .. } => "unknown_critical_extension",
            Self::WrongPurpose { .. } => "wrong_purpose",
            Self::WrongEnvironment { .. } => "wrong_environment",
            Self::PolicyMissing { .. } => "policy_missing",
            Self::PolicyNotCritical => "policy_not_critical",
            Self::KeyUsageWrong { .. } => "key_usage_wrong",
            Self::NotEndEntity => "not_end_entity",
            Self::AuthorityKeyIdMissing => "authority_key_id_missing",
            Self::UntrustedRoot => "untrusted_root",
            Self::BadSignature => "bad_signature",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::Expired { .. } => "expired",
            Self::RootNotValid { .. } => "root_not_valid",
            Self::Revoked { .. } => "revoked",
            Self::RevocationUnknown { .. } => "revocation_unknown",
            Self::IdentityMalformed { .. } => "identity_malformed",
            Self::ChallengeSignatureInvalid => "challenge_signature_invalid",
        }
    }

    pub(crate) fn malformed(detail: impl std::fmt::Display) -> Self {
        Self::Malformed {
            detail: detail.to_string(),
        }
    }
}
