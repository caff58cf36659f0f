//! The on-disk revocation index: answers "is (issuer, serial) revoked, since when, why"
//! with a binary search over sorted fixed-width records, loaded with one read.
//!
//! Layout (integers big-endian):
//!
//! ```text
//! header   "JPKICRL1" | W u32 | scopes u32 | issuers u32 | names_len u32          (24 bytes)
//! scope    issuer_key u8[32] | scope u8[32] | thisUpdate i64 | nextUpdate i64
//!          | entries u64 | name_off u32 | name_len u32                            (96 bytes each)
//! issuer   issuer_key u8[32] | first_record u64 | records u64                     (48 bytes each)
//! names    UTF-8 RFC 4514 names of the scopes, concatenated
//! records  len u8 | serial u8[W] right-aligned | revocationDate u32 | reason u8     (W+6 bytes each)
//! ```
//!
//! `issuer_key` is SHA-256 of the signing root's subjectPublicKeyInfo, so generations with
//! the same DN stay apart; `scope` is SHA-256 of the IDP DirName (all zero: a full CRL).
//! `nextUpdate` is `i64::MIN` when the CRL had none (never fresh). Reason `0xff` = absent.
//! Records are sorted per issuer by (len, serial): the length byte keeps `00 80` and `80`
//! apart. Dates are u32 Unix seconds (1970–2106).

use std::path::Path;

use sha2::{Digest, Sha256};

use super::CrlError;
use crate::anchors::TrustAnchor;
use crate::cert::JpkiCertificate;
use crate::time::UnixTime;
use crate::verdict::{CrlReason, RevocationSource, RevocationStatus};
use crate::verify::RevocationCheck;

pub(crate) const MAGIC: &[u8; 8] = b"JPKICRL1";
pub(crate) const HEADER: usize = 24;
pub(crate) const SCOPE: usize = 96;
pub(crate) const ISSUER: usize = 48;
/// Reason byte for "no reasonCode".
pub(crate) const NO_REASON: u8 = 0xff;

/// One CRL (one distribution point of one root generation) in the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// SHA-256 of the signing root's SPKI ([`TrustAnchor::key_hash`]).
    pub issuer_key: [u8; 32],
    /// SHA-256 of the issuingDistributionPoint DirName DER; zero for a full CRL.
    pub scope: [u8; 32],
    /// The distribution point in RFC 4514 form (empty for a full CRL).
    pub name: String,
    /// thisUpdate of the CRL.
    pub this_update: UnixTime,
    /// nextUpdate of the CRL, if any.
    pub next_update: Option<UnixTime>,
    /// Entries the CRL listed.
    pub entries: u64,
}

/// A revocation found in the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// reasonCode (unspecified when the entry had none).
    pub reason: CrlReason,
    /// revocationDate.
    pub revoked_at: UnixTime,
}

#[derive(Clone, Debug)]
struct Section {
    key: [u8; 32],
    start: usize,
    count: usize,
}

/// A loaded index. Immutable; swap a new one in with [`super::SharedCrlIndex`].
#[derive(Clone, Debug)]
pub struct CrlIndex {
    bytes: Vec<u8>,
    width: usize,
    records_at: usize,
    scopes: Vec<Scope>,
    sections: Vec<Section>,
}

/// Scope hash of a DirName DER, or zero for a full CRL.
pub fn scope_hash(dir_name_der: Option<&[u8]>) -> [u8; 32] {
    dir_name_der
        .map(|d| Sha256::digest(d).into())
        .unwrap_or([0; 32])
}

/// Writes the record key of `serial` into `out` (`1 + width` bytes); false if too long.
pub(crate) fn encode_key(serial: &[u8], width: usize, out: &mut [u8]) -> bool {
    let n = serial.len();
    if n == 0 || n > width || out.len() != width + 1 {
        return false;
    }
    out[0] = n as u8;
    out[1..=width - n].fill(0);
    out[width + 1 - n..].copy_from_slice(serial);
    true
}

fn be_u32(b: &[u8], at: usize) -> Result<u32, CrlError> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| CrlError::malformed("index truncated"))
}

fn be_u64(b: &[u8], at: usize) -> Result<u64, CrlError> {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| CrlError::malformed("index truncated"))
}

fn hash32(b: &[u8], at: usize) -> Result<[u8; 32], CrlError> {
    b.get(at..at + 32)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| CrlError::malformed("index truncated"))
}

fn usize_of(v: u64) -> Result<usize, CrlError> {
    usize::try_from(v).map_err(|_| CrlError::malformed("index offset too large"))
}

impl CrlIndex {
    /// Reads an index file with one `read` into one buffer.
    pub fn open(path: &Path) -> Result<Self, CrlError> {
        Self::from_bytes(std::fs::read(path)?)
    }

    /// Parses an index held in memory, checking every offset.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CrlError> {
        if bytes.get(..8) != Some(MAGIC.as_slice()) {
            return Err(CrlError::malformed("not a jpki-cert CRL index (bad magic)"));
        }
        let width = be_u32(&bytes, 8)? as usize;
        let (n_scopes, n_issuers) = (be_u32(&bytes, 12)? as usize, be_u32(&bytes, 16)? as usize);
        let names_len = be_u32(&bytes, 20)? as usize;
        if !(1..=super::reader::MAX_SERIAL).contains(&width) {
            return Err(CrlError::malformed("index serial width out of range"));
        }
        let names_at = HEADER + n_scopes * SCOPE + n_issuers * ISSUER;
        let records_at = names_at + names_len;
        let names = bytes
            .get(names_at..records_at)
            .ok_or_else(|| CrlError::malformed("index truncated"))?;
        let mut scopes = Vec::with_capacity(n_scopes);
        for i in 0..n_scopes {
            let at = HEADER + i * SCOPE;
            let (off, len) = (
                be_u32(&bytes, at + 88)? as usize,
                be_u32(&bytes, at + 92)? as usize,
            );
            let name = names
                .get(off..off + len)
                .and_then(|n| std::str::from_utf8(n).ok())
                .ok_or_else(|| CrlError::malformed("index scope name"))?;
            let next = be_u64(&bytes, at + 72)? as i64;
            scopes.push(Scope {
                issuer_key: hash32(&bytes, at)?,
                scope: hash32(&bytes, at + 32)?,
                name: name.to_owned(),
                this_update: UnixTime(be_u64(&bytes, at + 64)? as i64),
                next_update: (next != i64::MIN).then_some(UnixTime(next)),
                entries: be_u64(&bytes, at + 80)?,
            });
        }
        let rec = width + 6;
        let total = (bytes.len() - records_at.min(bytes.len())) / rec;
        if records_at > bytes.len() || !(bytes.len() - records_at).is_multiple_of(rec) {
            return Err(CrlError::malformed("index records truncated"));
        }
        let mut sections = Vec::with_capacity(n_issuers);
        for i in 0..n_issuers {
            let at = HEADER + n_scopes * SCOPE + i * ISSUER;
            let (start, count) = (
                usize_of(be_u64(&bytes, at + 32)?)?,
                usize_of(be_u64(&bytes, at + 40)?)?,
            );
            if start.checked_add(count).is_none_or(|end| end > total) {
                return Err(CrlError::malformed("index section out of range"));
            }
            sections.push(Section {
                key: hash32(&bytes, at)?,
                start,
                count,
            });
        }
        Ok(Self {
            bytes,
            width,
            records_at,
            scopes,
            sections,
        })
    }

    /// The CRLs the index was built from.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// Total number of revoked serials.
    pub fn len(&self) -> usize {
        self.sections.iter().map(|s| s.count).sum()
    }

    /// Whether no serial is revoked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Serial width W of the records.
    pub fn serial_width(&self) -> usize {
        self.width
    }

    /// Looks `serial` (INTEGER content octets) up among the revocations by the root whose
    /// SPKI hash is `issuer_key`. Does not judge freshness: see [`Self::status_at`].
    pub fn lookup(&self, issuer_key: &[u8; 32], serial: &[u8]) -> Option<Revocation> {
        let section = self.sections.iter().find(|s| &s.key == issuer_key)?;
        let mut key = [0u8; 1 + super::reader::MAX_SERIAL];
        let key = &mut key[..=self.width];
        if !encode_key(serial, self.width, key) {
            return None;
        }
        let rec = self.width + 6;
        let base = self.records_at + section.start * rec;
        let records = self.bytes.get(base..base + section.count * rec)?;
        let (mut lo, mut hi) = (0usize, section.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let r = &records[mid * rec..(mid + 1) * rec];
            match r[..=self.width].cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let t = u32::from_be_bytes([r[rec - 5], r[rec - 4], r[rec - 3], r[rec - 2]]);
                    let reason = match r[rec - 1] {
                        NO_REASON => CrlReason::Unspecified,
                        c => CrlReason::from_code(c).unwrap_or(CrlReason::Unspecified),
                    };
                    return Some(Revocation {
                        reason,
                        revoked_at: UnixTime(i64::from(t)),
                    });
                }
            }
        }
        None
    }

    /// The CRL covering `dp` (a DirName DER, or `None`) for root `issuer_key`; falls back to
    /// a full CRL of that root.
    pub fn scope_for(&self, issuer_key: &[u8; 32], dp: Option<&[u8]>) -> Option<&Scope> {
        let h = scope_hash(dp);
        let zero = [0u8; 32];
        (self
            .scopes
            .iter()
            .find(|s| &s.issuer_key == issuer_key && s.scope == h))
        .or_else(|| {
            self.scopes
                .iter()
                .find(|s| &s.issuer_key == issuer_key && s.scope == zero)
        })
    }

    /// Revocation status with freshness (RFC 5280 §6.3.3 (a)): unknown when no CRL covers
    /// the certificate's distribution point or that CRL is not current at `at`.
    pub fn status_at(
        &self,
        cert: &JpkiCertificate,
        issuer: &TrustAnchor,
        at: UnixTime,
    ) -> RevocationStatus {
        self.status_of(
            issuer.key_hash(),
            issuer.label(),
            cert.crl_distribution_points(),
            cert.serial(),
            at,
        )
    }

    /// [`Self::status_at`] from what a registry keeps of a certificate instead of the
    /// certificate itself: its root's SPKI hash and label, its CRL distribution points
    /// (DirName DERs; empty: the root's full CRL) and its serial (INTEGER content octets).
    pub fn status_of(
        &self,
        key: &[u8; 32],
        root_label: &str,
        dps: &[Vec<u8>],
        serial: &[u8],
        at: UnixTime,
    ) -> RevocationStatus {
        let scope = if dps.is_empty() {
            self.scope_for(key, None)
        } else {
            dps.iter().find_map(|dp| self.scope_for(key, Some(dp)))
        };
        let Some(scope) = scope else {
            return RevocationStatus::Unknown {
                detail: format!("no CRL from {root_label} for this distribution point"),
            };
        };
        match scope.next_update {
            Some(next) if scope.this_update <= at && at <= next => {}
            _ => {
                return RevocationStatus::Unknown {
                    detail: format!(
                        "CRL {} not current at {at} (thisUpdate {}, nextUpdate {})",
                        scope.name,
                        scope.this_update,
                        scope.next_update.map_or("absent".into(), |t| t.to_string())
                    ),
                };
            }
        }
        match self.lookup(key, serial) {
            Some(r) if r.revoked_at <= at => RevocationStatus::Revoked {
                reason: r.reason,
                revoked_at: r.revoked_at,
                source: RevocationSource::Crl,
            },
            _ => RevocationStatus::Good {
                source: RevocationSource::Crl,
                this_update: scope.this_update,
            },
        }
    }
}

impl RevocationCheck for CrlIndex {
    fn status(
        &self,
        cert: &JpkiCertificate,
        issuer: &TrustAnchor,
        at: UnixTime,
    ) -> RevocationStatus {
        self.status_at(cert, issuer, at)
    }
}
