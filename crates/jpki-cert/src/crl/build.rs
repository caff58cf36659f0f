//! Building a [`CrlIndex`](super::CrlIndex) file from verified CRLs.
//!
//! Memory: one record of `W + 6` bytes per revoked serial (10 bytes for JPKI's 4-byte
//! serials), sorted in place; the CRL itself is streamed. The file is written beside the
//! target and renamed over it, so readers of the old file never see a partial one.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::index::{HEADER, ISSUER, MAGIC, NO_REASON, SCOPE, encode_key, scope_hash};
use super::reader::{CrlInfo, MAX_SERIAL, read_crl};
use super::{CrlError, verify_crl};
use crate::anchors::TrustStore;
use crate::time::UnixTime;

/// Records of one CRL, widened when a longer serial appears.
#[derive(Default)]
struct Records {
    width: usize,
    data: Vec<u8>,
}

impl Records {
    fn push(&mut self, serial: &[u8], at: i64, reason: u8) -> Result<(), CrlError> {
        if serial.len() > self.width {
            self.widen(serial.len());
        }
        let at = u32::try_from(at)
            .map_err(|_| CrlError::malformed("revocationDate outside 1970–2106"))?;
        let w = self.width;
        let start = self.data.len();
        self.data.resize(start + w + 6, 0);
        // The record just added: key (1 + w), date (4), reason (1).
        let rec = self.data.get_mut(start..).unwrap_or_default();
        let Some((key, rest)) = rec.split_at_mut_checked(w + 1) else {
            return Err(CrlError::malformed("record shorter than its width"));
        };
        if !encode_key(serial, w, key) {
            return Err(CrlError::malformed("serial number longer than the record"));
        }
        if let [d0, d1, d2, d3, last] = rest {
            [*d0, *d1, *d2, *d3] = at.to_be_bytes();
            *last = reason;
        }
        Ok(())
    }

    fn widen(&mut self, to: usize) {
        let (from, n) = (self.width, self.count());
        if to <= from {
            return;
        }
        let mut out = Vec::with_capacity(n * (to + 6));
        for r in self.data.chunks_exact(from + 6) {
            if let Some((len, rest)) = r.split_first() {
                out.push(*len);
                out.resize(out.len() + (to - from), 0);
                out.extend_from_slice(rest);
            }
        }
        self.data = out;
        self.width = to;
    }

    fn count(&self) -> usize {
        if self.width == 0 {
            0
        } else {
            self.data.len() / (self.width + 6)
        }
    }
}

struct Pending {
    issuer_key: [u8; 32],
    info: CrlInfo,
    scope_name: String,
    records: Records,
}

/// What [`CrlIndexBuilder::add_crl`] accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedCrl {
    /// Label of the root generation that signed it.
    pub root: String,
    /// The distribution point (RFC 4514), empty for a full CRL.
    pub scope: String,
    /// Entries read.
    pub entries: u64,
    /// False when an equally new or newer CRL of the same scope was already added.
    pub used: bool,
    /// SHA-256 of the signing root's SPKI: with [`Self::scope_hash`], the scope this CRL
    /// is the newest of when [`Self::used`] (the key of the index's scopes).
    pub issuer_key: [u8; 32],
    /// SHA-256 of the issuingDistributionPoint DirName DER; zero for a full CRL.
    pub scope_hash: [u8; 32],
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate (absent: never fresh).
    pub next_update: Option<UnixTime>,
    /// cRLNumber, unsigned big-endian octets (RFC 5280 §5.2.3), if the CRL has one.
    pub crl_number: Option<Vec<u8>>,
}

/// Collects verified CRLs, then writes the index.
#[derive(Default)]
pub struct CrlIndexBuilder {
    pending: Vec<Pending>,
}

impl CrlIndexBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads one DER CRL, verifies its signature against the root generations of `stores`
    /// (an auth and a sign store, say), and keeps its entries. A CRL that fails is not kept.
    pub fn add_crl<R: BufRead>(
        &mut self,
        r: R,
        stores: &[&TrustStore],
    ) -> Result<AddedCrl, CrlError> {
        let mut records = Records::default();
        let info = read_crl(r, |e| {
            let reason = e.reason.map_or(NO_REASON, |r| r.code());
            records.push(e.serial, e.revoked_at.as_secs(), reason)
        })?;
        let mut last = CrlError::UnknownIssuer;
        let mut anchor = None;
        for s in stores {
            match verify_crl(&info, s) {
                Ok(a) => {
                    anchor = Some(a);
                    break;
                }
                Err(CrlError::UnknownIssuer) => {}
                Err(e) => last = e,
            }
        }
        let anchor = anchor.ok_or(last)?;
        let scope_name = match &info.scope {
            Some(der) => <x509_cert::name::Name as der::Decode>::from_der(der)
                .map(|n| n.to_string())
                .unwrap_or_default(),
            None => String::new(),
        };
        let issuer_key = *anchor.key_hash();
        let sh = scope_hash(info.scope.as_deref());
        let mut added = AddedCrl {
            root: anchor.label().to_owned(),
            scope: scope_name.clone(),
            entries: info.entries,
            used: true,
            issuer_key,
            scope_hash: sh,
            this_update: info.this_update,
            next_update: info.next_update,
            crl_number: info.crl_number.clone(),
        };
        let same = self
            .pending
            .iter()
            .position(|p| p.issuer_key == issuer_key && scope_hash(p.info.scope.as_deref()) == sh);
        let new = Pending {
            issuer_key,
            info,
            scope_name,
            records,
        };
        match same {
            Some(i) if self.pending[i].info.this_update >= new.info.this_update => {
                added.used = false
            }
            Some(i) => self.pending[i] = new,
            None => self.pending.push(new),
        }
        Ok(added)
    }

    /// [`Self::add_crl`] for a file.
    pub fn add_crl_file(
        &mut self,
        path: &Path,
        stores: &[&TrustStore],
    ) -> Result<AddedCrl, CrlError> {
        let f = std::fs::File::open(path)?;
        self.add_crl(BufReader::with_capacity(1 << 20, f), stores)
    }

    /// Writes the index to `w`.
    pub fn write_to(self, w: &mut impl Write) -> Result<(), CrlError> {
        let width = self
            .pending
            .iter()
            .map(|p| p.records.width)
            .max()
            .unwrap_or(1)
            .clamp(1, MAX_SERIAL);
        let rec = width + 6;
        let mut keys: Vec<[u8; 32]> = self.pending.iter().map(|p| p.issuer_key).collect();
        keys.sort();
        keys.dedup();
        let mut names = Vec::new();
        let mut scope_table = Vec::with_capacity(self.pending.len() * SCOPE);
        for p in &self.pending {
            scope_table.extend_from_slice(&p.issuer_key);
            scope_table.extend_from_slice(&scope_hash(p.info.scope.as_deref()));
            scope_table.extend_from_slice(&p.info.this_update.as_secs().to_be_bytes());
            let next = p.info.next_update.map_or(i64::MIN, |t| t.as_secs());
            scope_table.extend_from_slice(&next.to_be_bytes());
            scope_table.extend_from_slice(&p.info.entries.to_be_bytes());
            scope_table.extend_from_slice(&u32_of(names.len())?.to_be_bytes());
            scope_table.extend_from_slice(&u32_of(p.scope_name.len())?.to_be_bytes());
            names.extend_from_slice(p.scope_name.as_bytes());
        }
        let n_scopes = self.pending.len();
        // Merge each issuer's CRLs, sort and de-duplicate (keep the earliest date).
        let mut pending = self.pending;
        let mut sections = Vec::with_capacity(keys.len());
        for key in &keys {
            let mut merged = Records {
                width,
                data: Vec::new(),
            };
            for p in pending.iter_mut().filter(|p| &p.issuer_key == key) {
                let mut r = std::mem::take(&mut p.records);
                if r.count() == 0 {
                    continue;
                }
                r.widen(width);
                if merged.data.is_empty() {
                    merged.data = r.data;
                } else {
                    merged.data.extend_from_slice(&r.data);
                }
            }
            sort_records(&mut merged.data, rec);
            let n = dedup_records(&mut merged.data, rec, width + 1);
            merged.data.truncate(n * rec);
            sections.push(merged.data);
        }
        let mut header = Vec::with_capacity(HEADER + keys.len() * ISSUER);
        header.extend_from_slice(MAGIC);
        for v in [width, n_scopes, keys.len(), names.len()] {
            header.extend_from_slice(&u32_of(v)?.to_be_bytes());
        }
        w.write_all(&header)?;
        w.write_all(&scope_table)?;
        let mut first = 0u64;
        for (key, data) in keys.iter().zip(&sections) {
            let count = (data.len() / rec) as u64;
            w.write_all(key)?;
            w.write_all(&first.to_be_bytes())?;
            w.write_all(&count.to_be_bytes())?;
            first += count;
        }
        w.write_all(&names)?;
        for data in sections {
            w.write_all(&data)?;
        }
        w.flush()?;
        Ok(())
    }

    /// Writes the index to a temporary file beside `path`, syncs it, and renames it over
    /// `path` (atomic on POSIX): lookups on the old file never see a partial index.
    pub fn write_atomic(self, path: &Path) -> Result<(), CrlError> {
        let tmp = temp_path(path);
        let result = (|| {
            let f = std::fs::File::create(&tmp)?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            self.write_to(&mut w)?;
            let f = w.into_inner().map_err(|e| CrlError::Io(e.into_error()))?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)?;
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// A count or length of the index header, which has 32 bits for it.
fn u32_of(v: usize) -> Result<u32, CrlError> {
    u32::try_from(v).map_err(|_| CrlError::malformed("too many CRLs or names for one index"))
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    let tag = Sha256::digest(format!("{}", std::process::id()));
    name.push(format!(
        ".tmp-{}",
        hex::encode(tag.get(..4).unwrap_or_default())
    ));
    path.with_file_name(name)
}

/// Sorts fixed-width records in place (each record compared as bytes).
fn sort_records(data: &mut [u8], rec: usize) {
    fn fixed<const R: usize>(data: &mut [u8]) {
        let (chunks, _) = data.as_chunks_mut::<R>();
        chunks.sort_unstable();
    }
    macro_rules! dispatch {
        ($($n:literal)*) => {
            match rec {
                $($n => fixed::<$n>(data),)*
                _ => {}
            }
        };
    }
    dispatch!(7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26);
}

/// Removes records whose key (first `key` bytes) repeats; returns the count kept.
fn dedup_records(data: &mut [u8], rec: usize, key: usize) -> usize {
    let n = data.len() / rec;
    if n == 0 {
        return 0;
    }
    let mut kept = 1;
    // i and kept are below n = data.len() / rec, and key <= rec: every range is in `data`.
    for i in 1..n {
        let this = data.get(i * rec..i * rec + key);
        let last = data.get((kept - 1) * rec..(kept - 1) * rec + key);
        if this != last {
            data.copy_within(i * rec..(i + 1) * rec, kept * rec);
            kept += 1;
        }
    }
    kept
}
