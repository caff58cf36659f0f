//! The parts of a CRL decoded by hand from the streamed bytes: TLVs, one revoked entry,
//! and the CRL's own extensions (RFC 5280 §5.2, §5.3).

use der::Decode;
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::time::Time;

use super::{CrlEntry, MAX_SERIAL};
use crate::crl::CrlError;
use crate::oids::ext;
use crate::verdict::CrlReason;

/// Splits one TLV off a slice: `(tag, content, rest)`. Lengths must be DER-minimal.
pub(super) fn split_tlv(b: &[u8]) -> Result<(u8, &[u8], &[u8]), CrlError> {
    let bad = || CrlError::malformed("bad TLV");
    let (&tag, rest) = b.split_first().ok_or_else(bad)?;
    let (&l, rest) = rest.split_first().ok_or_else(bad)?;
    let (len, rest) = match l {
        0..=0x7f => (usize::from(l), rest),
        0x81 => match rest.split_first() {
            Some((&n, r)) if n >= 0x80 => (usize::from(n), r),
            _ => return Err(bad()),
        },
        0x82 => match rest {
            [a, b2, r @ ..] if *a != 0 => ((usize::from(*a) << 8) | usize::from(*b2), r),
            _ => return Err(bad()),
        },
        0x83 => match rest {
            [a, b2, c, r @ ..] if *a != 0 => (
                (usize::from(*a) << 16) | (usize::from(*b2) << 8) | usize::from(*c),
                r,
            ),
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    if rest.len() < len {
        return Err(bad());
    }
    let (content, rest) = rest.split_at(len);
    Ok((tag, content, rest))
}

/// `revocationDate` must be within the range a u32 of Unix seconds can hold (the index).
pub(super) fn parse_entry(b: &[u8], v2: bool) -> Result<CrlEntry<'_>, CrlError> {
    let (tag, serial, rest) = split_tlv(b)?;
    if tag != 0x02 || serial.is_empty() || serial.len() > MAX_SERIAL {
        return Err(CrlError::malformed(
            "userCertificate is not a serial number of 1–20 octets",
        ));
    }
    if let [first, second, ..] = *serial
        && ((first == 0 && second < 0x80) || (first == 0xff && second >= 0x80))
    {
        return Err(CrlError::malformed("serial number not minimally encoded"));
    }
    let (ttag, _, rest2) = split_tlv(rest)?;
    // `rest2` is what follows the time inside `rest`, so the time's TLV is the part before.
    let time_tlv = rest
        .get(..rest.len().saturating_sub(rest2.len()))
        .unwrap_or_default();
    let revoked_at = match ttag {
        0x17 | 0x18 => {
            crate::time::from_x509(&Time::from_der(time_tlv).map_err(CrlError::malformed)?)
        }
        _ => return Err(CrlError::malformed(format!("revocationDate tag {ttag:#x}"))),
    };
    let mut reason = None;
    if !rest2.is_empty() {
        let (etag, mut exts, tail) = split_tlv(rest2)?;
        if etag != 0x30 || !tail.is_empty() || !v2 {
            return Err(CrlError::malformed("crlEntryExtensions"));
        }
        while !exts.is_empty() {
            let (oid, critical, value, next) = split_extension(exts)?;
            exts = next;
            match oid {
                // 2.5.29.21 reasonCode: ENUMERATED
                [0x55, 0x1d, 0x15] => match value {
                    [0x0a, 0x01, code] => {
                        reason = Some(
                            CrlReason::from_code(*code)
                                .ok_or_else(|| CrlError::malformed(format!("reasonCode {code}")))?,
                        )
                    }
                    _ => return Err(CrlError::malformed("reasonCode is not an ENUMERATED")),
                },
                // 2.5.29.29 certificateIssuer: only in indirect CRLs, which JPKI does not use.
                [0x55, 0x1d, 0x1d] => {
                    return Err(CrlError::Unsupported(
                        "certificateIssuer (indirect CRL)".into(),
                    ));
                }
                _ if critical => {
                    return Err(CrlError::UnknownCriticalExtension(oid_string(oid)));
                }
                _ => {}
            }
        }
    }
    Ok(CrlEntry {
        serial,
        revoked_at,
        reason,
    })
}

/// Splits one `Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }`.
/// `(extnID content, critical, extnValue content, rest)`.
type ExtParts<'a> = (&'a [u8], bool, &'a [u8], &'a [u8]);

fn split_extension(b: &[u8]) -> Result<ExtParts<'_>, CrlError> {
    let (tag, ext, next) = split_tlv(b)?;
    if tag != 0x30 {
        return Err(CrlError::malformed("extension is not a SEQUENCE"));
    }
    let (otag, oid, rest) = split_tlv(ext)?;
    let (mut vtag, mut value, mut rest) = split_tlv(rest)?;
    let mut critical = false;
    if vtag == 0x01 {
        // DER: a BOOLEAN DEFAULT FALSE is present only when TRUE (0xff).
        if value != [0xff] {
            return Err(CrlError::malformed("critical flag not DER TRUE"));
        }
        critical = true;
        (vtag, value, rest) = split_tlv(rest)?;
    }
    if otag != 0x06 || vtag != 0x04 || !rest.is_empty() {
        return Err(CrlError::malformed("extension fields"));
    }
    Ok((oid, critical, value, next))
}

fn oid_string(content: &[u8]) -> String {
    let mut der = vec![0x06, u8::try_from(content.len()).unwrap_or(0)];
    der.extend_from_slice(content);
    <der::asn1::ObjectIdentifier as Decode>::from_der(&der)
        .map(|o| o.to_string())
        .unwrap_or_else(|_| hex::encode(content))
}

/// The CRL extensions the reader uses (RFC 5280 §5.2).
#[derive(Default)]
pub(super) struct CrlExts {
    /// issuingDistributionPoint: DER of its DirName.
    pub scope: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier.
    pub aki: Option<Vec<u8>>,
    /// cRLNumber, as the INTEGER's unsigned big-endian octets.
    pub number: Option<Vec<u8>>,
}

/// `[0] EXPLICIT Extensions` of the CRL (RFC 5280 §5.2).
pub(super) fn parse_crl_extensions(tlv: &[u8]) -> Result<CrlExts, CrlError> {
    let (_, inner, _) = split_tlv(tlv)?;
    let (tag, mut list, tail) = split_tlv(inner)?;
    if tag != 0x30 || !tail.is_empty() {
        return Err(CrlError::malformed("crlExtensions"));
    }
    let mut out = CrlExts::default();
    let mut seen: Vec<&[u8]> = Vec::new();
    while !list.is_empty() {
        let (oid, critical, value, next) = split_extension(list)?;
        list = next;
        if seen.contains(&oid) {
            return Err(CrlError::malformed("extension twice"));
        }
        seen.push(oid);
        let bad = |e: der::Error| CrlError::malformed(format!("{}: {e}", oid_string(oid)));
        match oid {
            [0x55, 0x1d, 0x23] => {
                out.aki = AuthorityKeyIdentifier::from_der(value)
                    .map_err(bad)?
                    .key_identifier
                    .map(|k| k.as_bytes().to_vec());
            }
            [0x55, 0x1d, 0x14] => {
                let n = der::asn1::UintRef::from_der(value).map_err(bad)?;
                out.number = Some(n.as_bytes().to_vec());
            }
            [0x55, 0x1d, 0x1c] => out.scope = Some(parse_idp(value)?),
            [0x55, 0x1d, 0x1b] => return Err(CrlError::Unsupported("delta CRL".into())),
            _ if critical => return Err(CrlError::UnknownCriticalExtension(oid_string(oid))),
            _ => {}
        }
    }
    let _ = ext::IDP;
    Ok(out)
}

/// issuingDistributionPoint (RFC 5280 §5.2.5): JPKI uses a DirName fullName per
/// municipality (docs/domain/jpki.md §2.2). Other forms are refused rather than misread.
fn parse_idp(value: &[u8]) -> Result<Vec<u8>, CrlError> {
    let idp = IssuingDistributionPoint::from_der(value).map_err(CrlError::malformed)?;
    if idp.only_contains_ca_certs
        || idp.only_contains_attribute_certs
        || idp.indirect_crl
        || idp.only_some_reasons.is_some()
    {
        return Err(CrlError::Unsupported("partitioned or indirect CRL".into()));
    }
    match idp.distribution_point {
        Some(DistributionPointName::FullName(names)) => names
            .into_iter()
            .find_map(|n| match n {
                GeneralName::DirectoryName(dn) => Some(der::Encode::to_der(&dn)),
                _ => None,
            })
            .ok_or_else(|| CrlError::Unsupported("IDP without a DirName".into()))?
            .map_err(CrlError::malformed),
        _ => Err(CrlError::Unsupported("IDP without a fullName".into())),
    }
}
