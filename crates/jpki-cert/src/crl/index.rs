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
    let Some((len, key)) = out.split_first_mut() else {
        return false;
    };
    // `key` is `width` bytes: zeros, then the serial right-aligned.
    let Some(pad) = width.checked_sub(n).filter(|_| n > 0 && key.len() == width) else {
        return false;
    };
    let Ok(n) = u8::try_from(n) else {
        return false;
    };
    *len = n;
    let (zeros, digits) = key.split_at_mut(pad);
    zeros.fill(0);
    digits.copy_from_slice(serial);
    true
}

/// `N` bytes of `b` at `at`, or "truncated" (offsets come from the file: checked).
fn field<const N: usize>(b: &[u8], at: usize) -> Result<[u8; N], CrlError> {
    at.checked_add(N)
        .and_then(|end| b.get(at..end))
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| CrlError::malformed("index truncated"))
}

fn be_u32(b: &[u8], at: usize) -> Result<u32, CrlError> {
    field(b, at).map(u32::from_be_bytes)
}

fn be_u64(b: &[u8], at: usize) -> Result<u64, CrlError> {
    field(b, at).map(u64::from_be_bytes)
}

fn hash32(b: &[u8], at: usize) -> Result<[u8; 32], CrlError> {
    field(b, at)
}

fn usize_of(v: impl TryInto<usize>) -> Result<usize, CrlError> {
    v.try_into()
        .map_err(|_| CrlError::malformed("index offset too large"))
}

/// `a * b + c`, or the index is damaged (counts and lengths come from the file).
fn mul_add(a: usize, b: usize, c: usize) -> Result<usize, CrlError> {
    a.checked_mul(b)
        .and_then(|p| p.checked_add(c))
        .ok_or_else(|| CrlError::malformed("index offset too large"))
}

impl CrlIndex {
    /// Reads an index file with one `read` into one buffer.
    pub fn open(path: &Path) -> Result<Self, CrlError> {
        Self::from_bytes(std::fs::read(path)?)
    }

    /// Parses an index held in memory, checking every offset with checked arithmetic (the
    /// file may be damaged or crafted; no count or length in it can overflow or slice out
    /// of bounds).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CrlError> {
        if bytes.get(..8) != Some(MAGIC.as_slice()) {
            return Err(CrlError::malformed("not a jpki-cert CRL index (bad magic)"));
        }
        let width = usize_of(be_u32(&bytes, 8)?)?;
        let n_scopes = usize_of(be_u32(&bytes, 12)?)?;
        let n_issuers = usize_of(be_u32(&bytes, 16)?)?;
        let names_len = usize_of(be_u32(&bytes, 20)?)?;
        if !(1..=super::reader::MAX_SERIAL).contains(&width) {
            return Err(CrlError::malformed("index serial width out of range"));
        }
        let issuers_at = mul_add(n_scopes, SCOPE, HEADER)?;
        let names_at = mul_add(n_issuers, ISSUER, issuers_at)?;
        let records_at = mul_add(1, names_len, names_at)?;
        // The tables and names must be in the file before anything is sized from them.
        let names = bytes
            .get(names_at..records_at)
            .ok_or_else(|| CrlError::malformed("index truncated"))?;
        let mut scopes = Vec::with_capacity(n_scopes);
        for i in 0..n_scopes {
            let at = mul_add(i, SCOPE, HEADER)?;
            let off = usize_of(be_u32(&bytes, mul_add(1, at, 88)?)?)?;
            let len = usize_of(be_u32(&bytes, mul_add(1, at, 92)?)?)?;
            let name = off
                .checked_add(len)
                .and_then(|end| names.get(off..end))
                .and_then(|n| std::str::from_utf8(n).ok())
                .ok_or_else(|| CrlError::malformed("index scope name"))?;
            let next = i64::from_be_bytes(field(&bytes, mul_add(1, at, 72)?)?);
            scopes.push(Scope {
                issuer_key: hash32(&bytes, at)?,
                scope: hash32(&bytes, mul_add(1, at, 32)?)?,
                name: name.to_owned(),
                this_update: UnixTime::from_secs(i64::from_be_bytes(field(
                    &bytes,
                    mul_add(1, at, 64)?,
                )?)),
                next_update: (next != i64::MIN).then_some(UnixTime::from_secs(next)),
                entries: be_u64(&bytes, mul_add(1, at, 80)?)?,
            });
        }
        let rec = width + 6;
        let records_len = bytes
            .len()
            .checked_sub(records_at)
            .filter(|l| l.is_multiple_of(rec))
            .ok_or_else(|| CrlError::malformed("index records truncated"))?;
        let total = records_len / rec;
        let mut sections = Vec::with_capacity(n_issuers);
        for i in 0..n_issuers {
            let at = mul_add(i, ISSUER, issuers_at)?;
            let start = usize_of(be_u64(&bytes, mul_add(1, at, 32)?)?)?;
            let count = usize_of(be_u64(&bytes, mul_add(1, at, 40)?)?)?;
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
        let key = key.get_mut(..=self.width)?;
        if !encode_key(serial, self.width, key) {
            return None;
        }
        let rec = self.width + 6;
        // Checked in `from_bytes`: every section lies within the records; checked again
        // here rather than trusted, so a lookup can never slice out of bounds.
        let base = mul_add(section.start, rec, self.records_at).ok()?;
        let end = mul_add(section.count, rec, base).ok()?;
        let records = self.bytes.get(base..end)?;
        let (mut lo, mut hi) = (0usize, section.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let r = records.get(mid * rec..(mid + 1) * rec)?;
            let (r_key, rest) = r.split_at_checked(self.width + 1)?;
            let [t0, t1, t2, t3, reason] = *rest else {
                return None;
            };
            match r_key.cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let t = u32::from_be_bytes([t0, t1, t2, t3]);
                    let reason = match reason {
                        NO_REASON => CrlReason::Unspecified,
                        c => CrlReason::from_code(c).unwrap_or(CrlReason::Unspecified),
                    };
                    return Some(Revocation {
                        reason,
                        revoked_at: UnixTime::from_secs(i64::from(t)),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A header of width `w` with the given counts, then `tail`.
    fn index(w: u32, scopes: u32, issuers: u32, names: u32, tail: &[u8]) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        for v in [w, scopes, issuers, names] {
            b.extend(v.to_be_bytes());
        }
        b.extend(tail);
        b
    }

    #[test]
    fn counts_and_lengths_from_the_file_cannot_overflow_or_slice_out_of_bounds() {
        let max = u32::MAX;
        for (scopes, issuers, names) in [(max, max, max), (0, 0, max), (max, 0, 0), (0, max, 0)] {
            let e = CrlIndex::from_bytes(index(4, scopes, issuers, names, &[0; 200]));
            assert!(matches!(e, Err(CrlError::Malformed(_))), "{e:?}");
        }
        assert!(CrlIndex::from_bytes(index(0, 0, 0, 0, &[])).is_err());
        assert!(CrlIndex::from_bytes(index(21, 0, 0, 0, &[])).is_err());
        assert!(CrlIndex::from_bytes(b"JPKICRL1\0\0".to_vec()).is_err());
        // An empty index is fine; records of the wrong size are not.
        assert!(
            CrlIndex::from_bytes(index(4, 0, 0, 0, &[]))
                .unwrap()
                .is_empty()
        );
        assert!(CrlIndex::from_bytes(index(4, 0, 0, 0, &[0; 9])).is_err());
    }

    #[test]
    fn a_scope_name_or_section_past_the_end_is_refused() {
        // One scope whose name claims u32::MAX bytes at offset u32::MAX.
        let mut scope = vec![0u8; SCOPE];
        scope[88..92].copy_from_slice(&u32::MAX.to_be_bytes());
        scope[92..96].copy_from_slice(&u32::MAX.to_be_bytes());
        let e = CrlIndex::from_bytes(index(4, 1, 0, 0, &scope));
        assert!(matches!(e, Err(CrlError::Malformed(_))), "{e:?}");
        // One issuer whose section starts at u64::MAX.
        let mut issuer = vec![0u8; ISSUER];
        issuer[32..40].copy_from_slice(&u64::MAX.to_be_bytes());
        issuer[40..48].copy_from_slice(&2u64.to_be_bytes());
        let e = CrlIndex::from_bytes(index(4, 0, 1, 0, &issuer));
        assert!(matches!(e, Err(CrlError::Malformed(_))), "{e:?}");
    }

    #[test]
    fn keys_are_encoded_right_aligned_and_too_long_serials_are_refused() {
        let mut out = [9u8; 5];
        assert!(encode_key(&[0x12, 0x34], 4, &mut out));
        assert_eq!(out, [2, 0, 0, 0x12, 0x34]);
        assert!(!encode_key(&[1; 5], 4, &mut out));
        assert!(!encode_key(&[], 4, &mut out));
        assert!(!encode_key(&[1], 4, &mut [0; 4]));
    }
}
