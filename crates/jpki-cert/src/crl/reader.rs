//! Streaming DER CRL reader (RFC 5280 §5.1):
//!
//! ```text
//! CertificateList  ::=  SEQUENCE  {
//!      tbsCertList          TBSCertList,
//!      signatureAlgorithm   AlgorithmIdentifier,
//!      signatureValue       BIT STRING  }
//! TBSCertList  ::=  SEQUENCE  {
//!      version                 Version OPTIONAL,  -- if present, MUST be v2
//!      signature               AlgorithmIdentifier,
//!      issuer                  Name,
//!      thisUpdate              Time,
//!      nextUpdate              Time OPTIONAL,
//!      revokedCertificates     SEQUENCE OF SEQUENCE  {
//!           userCertificate         CertificateSerialNumber,
//!           revocationDate          Time,
//!           crlEntryExtensions      Extensions OPTIONAL }  OPTIONAL,
//!      crlExtensions           [0]  EXPLICIT Extensions OPTIONAL }
//! ```
//!
//! The small fields are decoded with `der`; each revoked entry is decoded by hand from a
//! reused buffer and passed to a callback, and the `tbsCertList` bytes are hashed as they
//! stream past. Memory stays bounded by [`MAX_ELEMENT`] whatever the CRL's size.

use std::io::BufRead;

use der::Decode;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::name::Name;
use x509_cert::time::Time;

mod fields;

use fields::{CrlExts, parse_crl_extensions, parse_entry};

use super::CrlError;
use crate::cert::check_sha256_rsa;
use crate::time::UnixTime;
use crate::verdict::CrlReason;

/// Largest single element (name, extensions, one entry) accepted, in bytes.
pub const MAX_ELEMENT: usize = 1 << 20;
/// Longest serial number accepted: 20 octets (RFC 5280 §4.1.2.2).
pub const MAX_SERIAL: usize = 20;

/// One revoked certificate, borrowed from the reader's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrlEntry<'a> {
    /// userCertificate: INTEGER content octets (minimal DER).
    pub serial: &'a [u8],
    /// revocationDate.
    pub revoked_at: UnixTime,
    /// reasonCode entry extension (§5.3.1); `None` when absent.
    pub reason: Option<CrlReason>,
}

/// Everything about a CRL except its entries.
#[derive(Clone, Debug)]
pub struct CrlInfo {
    /// issuer.
    pub issuer: Name,
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate (absent: the CRL is never considered fresh).
    pub next_update: Option<UnixTime>,
    /// issuingDistributionPoint fullName DirName, DER (the per-municipality scope).
    pub scope: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
    /// cRLNumber content octets.
    pub crl_number: Option<Vec<u8>>,
    /// Number of entries.
    pub entries: u64,
    /// SHA-256 of the tbsCertList DER.
    pub tbs_sha256: [u8; 32],
    /// signatureValue.
    pub signature: Vec<u8>,
}

/// A byte source that counts its position and hashes while `hash` is set.
struct Stream<R> {
    r: R,
    pos: u64,
    hash: Option<Sha256>,
}

/// A TLV header as read: its tag, its content length and its own bytes (at most 10: a tag,
/// `0x88` and eight length octets).
struct Header {
    tag: u8,
    len: u64,
    raw: [u8; 10],
    raw_len: usize,
}

impl Header {
    /// The header's bytes as they were read.
    fn raw(&self) -> &[u8] {
        self.raw.get(..self.raw_len).unwrap_or(&self.raw)
    }
}

impl<R: BufRead> Stream<R> {
    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), CrlError> {
        self.r.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => CrlError::malformed("truncated"),
            _ => CrlError::Io(e),
        })?;
        // A reader cannot hand out 2⁶⁴ bytes; saturating keeps that an arithmetic fact.
        self.pos = self.pos.saturating_add(buf.len() as u64);
        if let Some(h) = &mut self.hash {
            h.update(&*buf);
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<Option<u8>, CrlError> {
        Ok(self.r.fill_buf()?.first().copied())
    }

    /// Reads a tag and a definite DER length (X.690 §8.1.3, §10.1).
    fn header(&mut self) -> Result<Header, CrlError> {
        let mut h = Header {
            tag: 0,
            len: 0,
            raw: [0; 10],
            raw_len: 2,
        };
        let [tag, first, rest @ ..] = &mut h.raw;
        self.read_exact(std::slice::from_mut(tag))?;
        self.read_exact(std::slice::from_mut(first))?;
        h.tag = *tag;
        if h.tag & 0x1f == 0x1f {
            return Err(CrlError::malformed("high tag numbers are not used in CRLs"));
        }
        match *first {
            l @ 0..=0x7f => h.len = u64::from(l),
            0x80 => return Err(CrlError::malformed("indefinite length (BER, not DER)")),
            l => {
                // 0x81..=0x88: one to eight length octets, which a u64 holds.
                let k = usize::from(l & 0x7f);
                let octets = rest
                    .get_mut(..k)
                    .ok_or_else(|| CrlError::malformed("length too long"))?;
                self.read_exact(octets)?;
                h.len = octets.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
                if octets.first() == Some(&0) || h.len < 0x80 {
                    return Err(CrlError::malformed("non-minimal length (not DER)"));
                }
                h.raw_len = 2 + k;
            }
        }
        Ok(h)
    }

    /// Where an element of `len` content bytes starting here ends; it must end within the
    /// element that holds it, which ends at `parent_end`.
    fn end_within(&self, len: u64, parent_end: u64, what: &str) -> Result<u64, CrlError> {
        self.pos
            .checked_add(len)
            .filter(|end| *end <= parent_end)
            .ok_or_else(|| {
                CrlError::malformed(format!(
                    "the length of {what} runs past the element that holds it (or any file)"
                ))
            })
    }

    /// Reads one whole TLV into `buf` (header included), at most [`MAX_ELEMENT`] bytes,
    /// ending within `parent_end`.
    fn tlv_into(&mut self, buf: &mut Vec<u8>, parent_end: u64) -> Result<u8, CrlError> {
        let h = self.header()?;
        self.end_within(h.len, parent_end, "an element")?;
        let len = usize::try_from(h.len).ok().filter(|l| *l <= MAX_ELEMENT);
        let len = len.ok_or_else(|| CrlError::malformed("element too large"))?;
        buf.clear();
        buf.extend_from_slice(h.raw());
        buf.resize(h.raw_len + len, 0);
        let content = buf.get_mut(h.raw_len..).unwrap_or_default();
        self.read_exact(content)?;
        Ok(h.tag)
    }
}

/// Reads a DER CRL, calling `on_entry` for each revoked certificate in order.
///
/// The CRL's signature is **not** verified here (it comes last); pass the returned
/// [`CrlInfo`] to [`super::verify_crl`] and discard the entries if that fails.
pub fn read_crl<R: BufRead>(
    r: R,
    mut on_entry: impl FnMut(CrlEntry<'_>) -> Result<(), CrlError>,
) -> Result<CrlInfo, CrlError> {
    let mut s = Stream {
        r,
        pos: 0,
        hash: None,
    };
    let mut buf = Vec::with_capacity(256);
    // Every length comes from the file: each end is computed with checked arithmetic and
    // must lie within the element that holds it (outer ⊇ tbsCertList ⊇ revokedCertificates
    // ⊇ one entry), so no length can overflow the position or read past its parent.
    let outer = s.header()?;
    if outer.tag != 0x30 {
        return Err(CrlError::malformed("not a SEQUENCE"));
    }
    let outer_end = s.end_within(outer.len, u64::MAX, "the CRL")?;
    s.hash = Some(Sha256::new());
    let tbs = s.header()?;
    if tbs.tag != 0x30 {
        return Err(CrlError::malformed("tbsCertList is not a SEQUENCE"));
    }
    let tbs_end = s.end_within(tbs.len, outer_end, "tbsCertList")?;
    let mut v2 = false;
    if s.peek()? == Some(0x02) {
        s.tlv_into(&mut buf, tbs_end)?;
        if buf != [0x02, 0x01, 0x01] {
            return Err(CrlError::malformed("version is not v2"));
        }
        v2 = true;
    }
    s.tlv_into(&mut buf, tbs_end)?;
    let inner_alg = AlgorithmIdentifierOwned::from_der(&buf).map_err(CrlError::malformed)?;
    check_sha256_rsa(&inner_alg).map_err(|e| CrlError::UnsupportedAlgorithm(e.to_string()))?;
    s.tlv_into(&mut buf, tbs_end)?;
    let issuer = Name::from_der(&buf).map_err(CrlError::malformed)?;
    s.tlv_into(&mut buf, tbs_end)?;
    let this_update = crate::time::from_x509(&Time::from_der(&buf).map_err(CrlError::malformed)?);
    let mut next_update = None;
    if matches!(s.peek()?, Some(0x17 | 0x18)) && s.pos < tbs_end {
        s.tlv_into(&mut buf, tbs_end)?;
        next_update = Some(crate::time::from_x509(
            &Time::from_der(&buf).map_err(CrlError::malformed)?,
        ));
    }
    let mut entries = 0u64;
    if s.pos < tbs_end && s.peek()? == Some(0x30) {
        let list = s.header()?;
        let list_end = s.end_within(list.len, tbs_end, "revokedCertificates")?;
        while s.pos < list_end {
            let entry = s.header()?;
            s.end_within(entry.len, list_end, "a revoked entry")?;
            let len = usize::try_from(entry.len)
                .ok()
                .filter(|l| *l <= MAX_ELEMENT);
            let len = len.ok_or_else(|| CrlError::malformed("entry too large"))?;
            if entry.tag != 0x30 {
                return Err(CrlError::malformed("revoked entry is not a SEQUENCE"));
            }
            buf.resize(len, 0);
            s.read_exact(&mut buf)?;
            let entry = parse_entry(&buf, v2)?;
            on_entry(entry)?;
            entries = entries.saturating_add(1);
        }
        if s.pos != list_end {
            return Err(CrlError::malformed("revokedCertificates length mismatch"));
        }
    }
    let mut crl_ext = CrlExts::default();
    if s.pos < tbs_end {
        if s.tlv_into(&mut buf, tbs_end)? != 0xa0 || !v2 {
            return Err(CrlError::malformed(
                "unexpected field after revokedCertificates",
            ));
        }
        crl_ext = parse_crl_extensions(&buf)?;
    }
    if s.pos != tbs_end {
        return Err(CrlError::malformed("tbsCertList length mismatch"));
    }
    let tbs_sha256 = s
        .hash
        .take()
        .map(|h| h.finalize().into())
        .unwrap_or_default();
    s.tlv_into(&mut buf, outer_end)?;
    let outer_alg = AlgorithmIdentifierOwned::from_der(&buf).map_err(CrlError::malformed)?;
    if outer_alg != inner_alg {
        return Err(CrlError::malformed(
            "signature algorithms differ (RFC 5280 §5.1.1.2)",
        ));
    }
    s.tlv_into(&mut buf, outer_end)?;
    let sig = der::asn1::BitString::from_der(&buf).map_err(CrlError::malformed)?;
    let signature = sig
        .as_bytes()
        .ok_or_else(|| CrlError::malformed("signature has unused bits"))?;
    if s.pos != outer_end || s.peek()?.is_some() {
        return Err(CrlError::malformed("trailing data after the CRL"));
    }
    Ok(CrlInfo {
        issuer,
        this_update,
        next_update,
        scope: crl_ext.scope,
        authority_key_id: crl_ext.aki,
        crl_number: crl_ext.number,
        entries,
        tbs_sha256,
        signature: signature.to_vec(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<CrlInfo, CrlError> {
        read_crl(bytes, |_| Ok(()))
    }

    /// `30 88 FF…FF`: an outer length of 2⁶⁴ − 1. Adding it to the position overflowed
    /// (a panic in a debug build, the platform's admin reload answering 500 with the
    /// panic's text, a platform started with such a file exiting).
    #[test]
    fn an_outer_length_near_u64_max_is_malformed_not_an_overflow() {
        let mut crl = vec![0x30, 0x88];
        crl.extend([0xff; 8]);
        crl.extend([0x30, 0x03, 0x02, 0x01, 0x01]);
        assert!(matches!(read(&crl), Err(CrlError::Malformed(_))));
        assert!(matches!(read(&crl[..10]), Err(CrlError::Malformed(_))));
    }

    /// The input `cargo fuzz run -a crl` found in six seconds before the fix (crash
    /// eee0ba6f…): the same outer length, then garbage.
    #[test]
    fn the_fuzzers_overflow_input_is_malformed() {
        let crash = [
            0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x55, 0xd2, 0x10, 0x00, 0x00, 0x00, 0x03,
        ];
        assert!(matches!(read(&crash), Err(CrlError::Malformed(_))));
    }

    /// The same for the tbsCertList and revokedCertificates lengths.
    #[test]
    fn inner_lengths_near_u64_max_are_malformed_not_an_overflow() {
        let mut tbs = vec![0x30, 0x82, 0x01, 0x00, 0x30, 0x88];
        tbs.extend([0xff; 8]);
        tbs.extend([0x02, 0x01, 0x01]);
        assert!(matches!(read(&tbs), Err(CrlError::Malformed(_))));
        // An element longer than the one that holds it is refused before it is read.
        let nested = [0x30, 0x05, 0x30, 0x81, 0x80, 0x02, 0x01];
        assert!(matches!(read(&nested), Err(CrlError::Malformed(_))));
    }
}
