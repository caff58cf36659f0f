//! Revocation from CRLs (RFC 5280 §5; docs/domain/jpki.md §2.5).
//!
//! * [`reader`] streams a DER CRL from any `BufRead`: entries are handed to a callback one
//!   by one while the `tbsCertList` is hashed, so memory does not grow with the CRL.
//! * [`verify_crl`] picks the root generation that signed it (AKI + signature, like
//!   certificates) and checks the CRL profile (no delta, no indirect CRLs).
//! * [`build`] turns verified CRLs into an [`index::CrlIndex`] file: sorted fixed-width
//!   records, written beside the old one and renamed into place.
//! * [`shared`] holds the live index behind an `Arc` that is swapped atomically, so a new
//!   day's CRL never stops lookups.
//!
//! Freshness: a certificate whose distribution point (the per-municipality DirName) has no
//! CRL in the index, or whose CRL is outside `thisUpdate ..= nextUpdate` at the caller's
//! time, gets [`RevocationStatus::Unknown`](crate::RevocationStatus::Unknown), never good.

pub mod build;
pub mod index;
pub mod reader;
pub mod shared;

pub use build::{AddedCrl, CrlIndexBuilder};
pub use index::CrlIndex;
pub use reader::{CrlEntry, CrlInfo, read_crl};
pub use shared::SharedCrlIndex;

use crate::anchors::{TrustAnchor, TrustStore};
use crate::challenge::verify_pkcs1_sha256;

/// Why a CRL or an index cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrlError {
    /// Reading or writing failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Not a DER CRL (RFC 5280 §5.1), or an index file that is damaged.
    #[error("malformed: {0}")]
    Malformed(String),
    /// Not sha256WithRSAEncryption.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// A critical CRL or entry extension this crate does not understand (RFC 5280 §5.2, §5.3).
    #[error("unknown critical extension {0}")]
    UnknownCriticalExtension(String),
    /// A CRL kind JPKI does not use: delta CRL, indirect CRL, CA-only or reason-partitioned.
    #[error("unsupported CRL: {0}")]
    Unsupported(String),
    /// No root of the store has the CRL's issuer name (and AKI key identifier).
    #[error("no trusted root issued this CRL")]
    UnknownIssuer,
    /// The signature does not verify with the root(s) named by the CRL.
    #[error("CRL signature does not verify")]
    BadSignature,
}

impl CrlError {
    pub(crate) fn malformed(d: impl std::fmt::Display) -> Self {
        Self::Malformed(d.to_string())
    }
}

/// Finds the root that signed `crl` (issuer DN, AKI if present, and the signature itself).
pub fn verify_crl<'s>(crl: &CrlInfo, store: &'s TrustStore) -> Result<&'s TrustAnchor, CrlError> {
    let mut named = store.anchors().iter().filter(|a| {
        a.certificate().subject() == &crl.issuer
            && crl
                .authority_key_id
                .as_deref()
                .is_none_or(|k| a.certificate().subject_key_id() == Some(k))
    });
    let mut any = false;
    let found = named.find(|a| {
        any = true;
        verify_pkcs1_sha256(a.key(), &crl.tbs_sha256, &crl.signature)
    });
    match found {
        Some(a) => Ok(a),
        None if any => Err(CrlError::BadSignature),
        None => Err(CrlError::UnknownIssuer),
    }
}
