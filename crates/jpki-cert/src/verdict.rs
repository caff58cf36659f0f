//! The one result type: [`Verdict`], with documented, stable reason codes.
//!
//! Every refusal carries a [`Refusal`] whose serde tag (`code`) is a stable
//! snake_case string: UIs and scripts match on it, never on messages
//! (ARCHITECTURE.md principle 5).

use serde::{Deserialize, Serialize};

use crate::identity::SignIdentity;
use crate::time::UnixTime;

/// Which of the two JPKI certificates (jpki.md §2.2, §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 利用者証明用電子証明書: user authentication (policy `…1.3.30`).
    Auth,
    /// 署名用電子証明書: digital signature (policy `…1.1.20`).
    Sign,
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Purpose::Auth => "auth",
            Purpose::Sign => "sign",
        })
    }
}

/// Production J-LIS roots or `O=JPKI-TEST` test roots (jpki.md §2.1, last warning).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// Real cards: `O=JPKI` roots, production policy OIDs.
    Production,
    /// Test cards: `O=JPKI-TEST` roots, test policy OIDs (`…1.0.*`).
    Test,
}

/// CRLReason (RFC 5280 §5.3.1), with the JPKI meaning from jpki.md §2.5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CrlReason {
    /// 0, or no reasonCode entry extension: 交付前に破棄.
    Unspecified,
    /// 1
    KeyCompromise,
    /// 2
    CaCompromise,
    /// 3: 記載内容に変更 (address, name, sex or birth date changed).
    AffiliationChanged,
    /// 4: 更新 (renewed).
    Superseded,
    /// 5: 必要性がなくなった.
    CessationOfOperation,
    /// 6: 一時保留 (never released in JPKI).
    CertificateHold,
    /// 8
    RemoveFromCrl,
    /// 9
    PrivilegeWithdrawn,
    /// 10
    AaCompromise,
}

impl CrlReason {
    /// Maps the ENUMERATED value; `None` for 7 (unused) and unknown values.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            _ => return None,
        })
    }

    /// The ENUMERATED value.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }
}

/// Where a revocation answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationSource {
    /// A verified, fresh CRL (through the [`crate::crl`] index).
    Crl,
    /// A verified, fresh OCSP response (RFC 6960).
    Ocsp,
}

/// Result of a revocation check (jpki.md §2.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationStatus {
    /// Not on a fresh, verified CRL / OCSP says good.
    Good {
        /// CRL or OCSP.
        source: RevocationSource,
        /// thisUpdate of the CRL or OCSP response used.
        this_update: UnixTime,
    },
    /// Revoked.
    Revoked {
        /// CRLReason.
        reason: CrlReason,
        /// revocationDate / revocationTime.
        revoked_at: UnixTime,
        /// CRL or OCSP.
        source: RevocationSource,
    },
    /// No fresh, verified information covers the certificate. Never "good".
    Unknown {
        /// Human-readable cause (missing CRL for the distribution point, stale, ...).
        detail: String,
    },
    /// The caller explicitly chose not to check (e.g. a terminal pre-check: jpki.md §2.5 says
    /// only authorised verifiers may check revocation). Shown as such in the verdict.
    NotChecked,
}

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
    /// `unsupported_algorithm`: not sha256WithRSAEncryption / rsaEncryption ≥ 2048 bits (jpki.md §2.1).
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
    /// `policy_not_critical`: JPKI marks certificatePolicies critical (jpki.md §2.2/§2.3).
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
    /// MUST); the issuer is chosen by key identifier, not by name (jpki.md §2.1).
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
        /// notBefore.
        not_before: UnixTime,
    },
    /// `expired`: time > notAfter.
    #[error("expired at {not_after}")]
    Expired {
        /// notAfter.
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
        /// Revocation date.
        revoked_at: UnixTime,
        /// CRL or OCSP (JSON field `source`).
        #[serde(rename = "source")]
        via: RevocationSource,
    },
    /// `revocation_unknown`: no fresh, verified revocation information. Never treated as good.
    #[error("revocation status unknown: {detail}")]
    RevocationUnknown {
        /// Why.
        detail: String,
    },
    /// `identity_malformed`: a signature certificate whose jpki.md §2.4 attributes are
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

/// The key a verifier links a customer to: (issuer, serialNumber) (jpki.md §2.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkageKey {
    /// Issuer DN in RFC 4514 form (the same for every root generation of a purpose).
    pub issuer: String,
    /// serialNumber, lower-case hex of the DER INTEGER content.
    pub serial: String,
}

/// What an accepted certificate yields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// Purpose verified.
    pub purpose: Purpose,
    /// Environment of the store.
    pub environment: Environment,
    /// (issuer, serial): the linkage key of an authentication certificate.
    pub linkage: LinkageKey,
    /// Label of the root generation that signed it (e.g. `authca03`).
    pub root: String,
    /// Subject DN (opaque ID, and for sign certificates the romanised locality).
    pub subject: String,
    /// notAfter.
    pub not_after: UnixTime,
    /// The four attributes, for a signature certificate (jpki.md §2.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<SignIdentity>,
    /// Revocation outcome (good or explicitly not checked).
    pub revocation: RevocationStatus,
}

/// Accepted or refused, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Every check passed.
    Accepted(Box<Accepted>),
    /// The first check that failed.
    Refused {
        /// Why.
        reason: Refusal,
    },
}

impl Verdict {
    /// The refusal reason, if refused.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Verdict::Refused { reason } => Some(reason),
            Verdict::Accepted(_) => None,
        }
    }

    /// The accepted content, if accepted.
    pub fn accepted(&self) -> Option<&Accepted> {
        match self {
            Verdict::Accepted(a) => Some(a),
            Verdict::Refused { .. } => None,
        }
    }
}

impl From<Result<Accepted, Refusal>> for Verdict {
    fn from(r: Result<Accepted, Refusal>) -> Self {
        match r {
            Ok(a) => Verdict::Accepted(Box::new(a)),
            Err(reason) => Verdict::Refused { reason },
        }
    }
}

impl From<Refusal> for Verdict {
    fn from(reason: Refusal) -> Self {
        Verdict::Refused { reason }
    }
}
