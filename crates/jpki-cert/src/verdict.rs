//! The one result type: [`Verdict`], with documented, stable reason codes.
//!
//! Every refusal carries a [`Refusal`] whose serde tag (`code`) is a stable
//! snake_case string: UIs and scripts match on it, never on messages
//! (ARCHITECTURE.md principle 5).

mod refusal;
mod revocation;

use serde::{Deserialize, Serialize};

pub use refusal::Refusal;
pub use revocation::{CrlReason, RevocationSource, RevocationStatus};

use crate::identity::SignIdentity;
use crate::time::UnixTime;

/// Which of the two JPKI certificates (docs/domain/jpki.md §2.2, §2.3).
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

/// Production J-LIS roots or `O=JPKI-TEST` test roots (docs/domain/jpki.md §2.1, last warning).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// Real cards: `O=JPKI` roots, production policy OIDs.
    Production,
    /// Test cards: `O=JPKI-TEST` roots, test policy OIDs (`…1.0.*`).
    Test,
}

/// The key a verifier links a customer to: (issuer, serialNumber) (docs/domain/jpki.md §2.2).
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
    /// notAfter (RFC 3339 in JSON).
    #[serde(with = "madoguchi_time::rfc3339")]
    pub not_after: UnixTime,
    /// The four attributes, for a signature certificate (docs/domain/jpki.md §2.4).
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
        /// The refusal of the first failing check, with its UI code.
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
