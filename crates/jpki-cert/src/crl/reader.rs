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

impl<R: BufRead> Stream<R> {
    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), CrlError> {
        self.r.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => CrlError::malformed("truncated"),
            _ => CrlError::Io(e),
        })?;
        self.pos += buf.len() as u64;
        if let Some(h) = &mut self.hash {
            h.update(&*buf);
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<Option<u8>, CrlError> {
        Ok(self.r.fill_buf()?.first().copied())
    }

    /// Reads a tag and a definite DER length; returns `(tag, length, header bytes)`.
    fn header(&mut self) -> Result<(u8, u64, [u8; 10], usize), CrlError> {
        let mut h = [0u8; 10];
        self.read_exact(&mut h[..2])?;
        if h[0] & 0x1f == 0x1f {
            return Err(CrlError::malformed("high tag numbers are not used in CRLs"));
        }
        let (len, n) = match h[1] {
            l @ 0..=0x7f => (u64::from(l), 2),
            0x80 => return Err(CrlError::malformed("indefinite length (BER, not DER)")),
            l => {
                let k = usize::from(l & 0x7f);
                if k > 8 {
                    return Err(CrlError::malformed("length too long"));
                }
                self.read_exact(&mut h[2..2 + k])?;
                let len = h[2..2 + k]
                    .iter()
                    .fold(0u64, |a, b| (a << 8) | u64::from(*b));
                if h[2] == 0 || len < 0x80 {
                    return Err(CrlError::malformed("non-minimal length (not DER)"));
                }
                (len, 2 + k)
            }
        };
        Ok((h[0], len, h, n))
    }

    /// Reads one whole TLV into `buf` (header included), at most [`MAX_ELEMENT`] bytes.
    fn tlv_into(&mut self, buf: &mut Vec<u8>) -> Result<u8, CrlError> {
        let (tag, len, h, n) = self.header()?;
        let len = usize::try_from(len).ok().filter(|l| *l <= MAX_ELEMENT);
        let len = len.ok_or_else(|| CrlError::malformed("element too large"))?;
        buf.clear();
        buf.extend_from_slice(&h[..n]);
        buf.resize(n + len, 0);
        self.read_exact(&mut buf[n..])?;
        Ok(tag)
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
    let (tag, outer_len, ..) = s.header()?;
    if tag != 0x30 {
        return Err(CrlError::malformed("not a SEQUENCE"));
    }
    let outer_end = s.pos + outer_len;
    s.hash = Some(Sha256::new());
    let (tag, tbs_len, ..) = s.header()?;
    if tag != 0x30 {
        return Err(CrlError::malformed("tbsCertList is not a SEQUENCE"));
    }
    let tbs_end = s.pos + tbs_len;
    let mut v2 = false;
    if s.peek()? == Some(0x02) {
        s.tlv_into(&mut buf)?;
        if buf != [0x02, 0x01, 0x01] {
            return Err(CrlError::malformed("version is not v2"));
        }
        v2 = true;
    }
    s.tlv_into(&mut buf)?;
    let inner_alg = AlgorithmIdentifierOwned::from_der(&buf).map_err(CrlError::malformed)?;
    check_sha256_rsa(&inner_alg).map_err(|e| CrlError::UnsupportedAlgorithm(e.to_string()))?;
    s.tlv_into(&mut buf)?;
    let issuer = Name::from_der(&buf).map_err(CrlError::malformed)?;
    s.tlv_into(&mut buf)?;
    let this_update = UnixTime::from_x509(&Time::from_der(&buf).map_err(CrlError::malformed)?);
    let mut next_update = None;
    if matches!(s.peek()?, Some(0x17 | 0x18)) && s.pos < tbs_end {
        s.tlv_into(&mut buf)?;
        next_update = Some(UnixTime::from_x509(
            &Time::from_der(&buf).map_err(CrlError::malformed)?,
        ));
    }
    let mut entries = 0u64;
    if s.pos < tbs_end && s.peek()? == Some(0x30) {
        let (_, list_len, ..) = s.header()?;
        let list_end = s.pos + list_len;
        while s.pos < list_end {
            let (tag, len, ..) = s.header()?;
            let len = usize::try_from(len).ok().filter(|l| *l <= MAX_ELEMENT);
            let len = len.ok_or_else(|| CrlError::malformed("entry too large"))?;
            if tag != 0x30 {
                return Err(CrlError::malformed("revoked entry is not a SEQUENCE"));
            }
            buf.resize(len, 0);
            s.read_exact(&mut buf)?;
            let entry = parse_entry(&buf, v2)?;
            on_entry(entry)?;
            entries += 1;
        }
        if s.pos != list_end {
            return Err(CrlError::malformed("revokedCertificates length mismatch"));
        }
    }
    let mut crl_ext = CrlExts::default();
    if s.pos < tbs_end {
        if s.tlv_into(&mut buf)? != 0xa0 || !v2 {
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
    s.tlv_into(&mut buf)?;
    let outer_alg = AlgorithmIdentifierOwned::from_der(&buf).map_err(CrlError::malformed)?;
    if outer_alg != inner_alg {
        return Err(CrlError::malformed(
            "signature algorithms differ (RFC 5280 §5.1.1.2)",
        ));
    }
    s.tlv_into(&mut buf)?;
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
