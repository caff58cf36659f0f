//! Revocation status in a verdict: the CRL reason, where the status came from, and the
//! status itself (docs/domain/jpki.md §2.5).

use serde::{Deserialize, Serialize};

use crate::time::UnixTime;

/// CRLReason (RFC 5280 §5.3.1), with the JPKI meaning from docs/domain/jpki.md §2.5.
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

/// Result of a revocation check (docs/domain/jpki.md §2.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationStatus {
    /// Not on a fresh, verified CRL / OCSP says good.
    Good {
        /// CRL or OCSP.
        source: RevocationSource,
        /// thisUpdate of the CRL or OCSP response used (RFC 3339 in JSON).
        #[serde(with = "madoguchi_time::rfc3339")]
        this_update: UnixTime,
    },
    /// Revoked.
    Revoked {
        /// CRLReason.
        reason: CrlReason,
        /// revocationDate / revocationTime (RFC 3339 in JSON).
        #[serde(with = "madoguchi_time::rfc3339")]
        revoked_at: UnixTime,
        /// CRL or OCSP.
        source: RevocationSource,
    },
    /// No fresh, verified information covers the certificate. Never "good".
    Unknown {
        /// Human-readable cause (missing CRL for the distribution point, stale, ...).
        detail: String,
    },
    /// The caller explicitly chose not to check (e.g. a terminal pre-check: docs/domain/jpki.md §2.5 says
    /// only authorised verifiers may check revocation). Shown as such in the verdict.
    NotChecked,
}
