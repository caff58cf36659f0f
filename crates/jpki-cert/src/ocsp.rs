//! OCSP (RFC 6960) as a second revocation source, sans-IO: [`build_request`] returns the
//! DER the caller POSTs (`application/ocsp-request`); [`check_response`] verifies the DER
//! that came back. Where a deployment has a responder (docs/domain/jpki.md §2.5: the auth certificate's
//! AIA names `http://ocspauthnorm.jpki.go.jp`), it gives same-day certainty.
//!
//! **Why our own ASN.1 types:** `x509-ocsp` has no release on `der` 0.8 / `x509-cert` 0.3
//! (its latest, 0.2.1, is on `der` 0.7 / `x509-cert` 0.2), and the workspace keeps
//! RustCrypto on one generation. The few RFC 6960 structures needed are in [`types`],
//! each with the RFC's ASN.1 in its doc comment.

pub mod types;

use der::asn1::{BitString, OctetString};
use der::{Decode, Encode, Reader, SliceReader};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;

use crate::anchors::TrustAnchor;
use crate::cert::{JpkiCertificate, check_sha256_rsa};
use crate::challenge::{rsa_public_key, verify_pkcs1_sha256};
use crate::oids;
use crate::time::UnixTime;
use crate::verdict::{CrlReason, RevocationSource, RevocationStatus};
use crate::verify::RevocationCheck;
use types::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponseData, TbsRequest,
};

/// Hash for `CertID` (RFC 6960 §4.1.1). RFC 5019 §2.1.1 makes SHA-1 the interoperable
/// choice; SHA-256 where the responder supports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertIdHash {
    /// id-sha1
    Sha1,
    /// id-sha256
    Sha256,
}

/// The `CertID` of `cert` as issued by `issuer` (RFC 6960 §4.1.1: hashes of the issuer's
/// DN and of its public key BIT STRING contents, and the serial).
pub fn cert_id(
    cert: &JpkiCertificate,
    issuer: &TrustAnchor,
    hash: CertIdHash,
) -> der::Result<CertId> {
    let root = issuer.certificate().certificate().tbs_certificate();
    let name = root.subject().to_der()?;
    let key = root
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let (oid, n, k) = match hash {
        CertIdHash::Sha1 => (
            oids::SHA1,
            sha1::Sha1::digest(&name).to_vec(),
            sha1::Sha1::digest(key).to_vec(),
        ),
        CertIdHash::Sha256 => (
            oids::SHA256,
            Sha256::digest(&name).to_vec(),
            Sha256::digest(key).to_vec(),
        ),
    };
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid,
            parameters: Some(der::asn1::Null.into()),
        },
        issuer_name_hash: OctetString::new(n)?,
        issuer_key_hash: OctetString::new(k)?,
        serial_number: cert.certificate().tbs_certificate().serial_number().clone(),
    })
}

/// DER of an unsigned OCSP request for one certificate, with an optional nonce
/// (RFC 8954: 1–32 octets).
pub fn build_request(
    cert: &JpkiCertificate,
    issuer: &TrustAnchor,
    hash: CertIdHash,
    nonce: Option<&[u8]>,
) -> der::Result<Vec<u8>> {
    let request_extensions = match nonce {
        Some(n) => Some(vec![x509_cert::ext::Extension {
            extn_id: oids::ext::OCSP_NONCE,
            critical: false,
            extn_value: OctetString::new(OctetString::new(n)?.to_der()?)?,
        }]),
        None => None,
    };
    OcspRequest {
        tbs_request: TbsRequest {
            version: None,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: cert_id(cert, issuer, hash)?,
                single_request_extensions: None,
            }],
            request_extensions,
        },
        optional_signature: None,
    }
    .to_der()
}

/// Options for [`check_response`].
#[derive(Clone, Debug, Default)]
pub struct OcspOptions {
    /// The nonce sent, which the response must echo (RFC 8954 §2.1).
    pub nonce: Option<Vec<u8>>,
    /// Without nextUpdate, how old thisUpdate may be (seconds). `None`: such responses
    /// are not fresh.
    pub max_age: Option<i64>,
}

/// Verifies an OCSP response for `cert` (issued by `issuer`) at `at`: status successful,
/// basic response, signed by the issuing root itself or by a responder certificate that
/// root issued with id-kp-OCSPSigning (RFC 6960 §4.2.2.2), matching CertID, current
/// (thisUpdate ≤ at ≤ nextUpdate). Any failure is `Unknown`, never good.
pub fn check_response(
    der: &[u8],
    cert: &JpkiCertificate,
    issuer: &TrustAnchor,
    at: UnixTime,
    options: &OcspOptions,
) -> RevocationStatus {
    match check(der, cert, issuer, at, options) {
        Ok(s) => s,
        Err(detail) => RevocationStatus::Unknown {
            detail: format!("OCSP: {detail}"),
        },
    }
}

fn check(
    der: &[u8],
    cert: &JpkiCertificate,
    issuer: &TrustAnchor,
    at: UnixTime,
    options: &OcspOptions,
) -> Result<RevocationStatus, String> {
    let resp = OcspResponse::from_der(der).map_err(|e| e.to_string())?;
    if resp.response_status != OcspResponseStatus::Successful {
        return Err(format!("responder status {:?}", resp.response_status));
    }
    let bytes = resp.response_bytes.ok_or("no responseBytes")?;
    if bytes.response_type != oids::ext::OCSP_BASIC {
        return Err(format!("response type {}", bytes.response_type));
    }
    let basic_der = bytes.response.as_bytes();
    let tbs = tbs_bytes(basic_der).map_err(|e| e.to_string())?;
    let basic = BasicOcspResponse::from_der(basic_der).map_err(|e| e.to_string())?;
    check_sha256_rsa(&basic.signature_algorithm).map_err(|e| e.to_string())?;
    let sig = basic
        .signature
        .as_bytes()
        .ok_or("signature has unused bits")?;
    let digest = Sha256::digest(tbs);
    if !signed_by_issuer_or_delegate(&basic, issuer, &digest, sig, at) {
        return Err("signature is not by the issuing root or a responder it authorised".into());
    }
    let data: &ResponseData = &basic.tbs_response_data;
    if let Some(want) = &options.nonce {
        let got = data
            .response_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == oids::ext::OCSP_NONCE);
        let ok = got.and_then(|e| OctetString::from_der(e.extn_value.as_bytes()).ok());
        if ok.as_ref().map(|o| o.as_bytes()) != Some(want.as_slice()) {
            return Err("nonce missing or different".into());
        }
    }
    for single in &data.responses {
        let id = &single.cert_id;
        let hash = match id.hash_algorithm.oid {
            oids::SHA1 => CertIdHash::Sha1,
            oids::SHA256 => CertIdHash::Sha256,
            _ => continue,
        };
        let mine = cert_id(cert, issuer, hash).map_err(|e| e.to_string())?;
        if mine.issuer_name_hash != id.issuer_name_hash
            || mine.issuer_key_hash != id.issuer_key_hash
            || mine.serial_number != id.serial_number
        {
            continue;
        }
        let this_update = crate::time::from_generalized(&single.this_update);
        let fresh = match &single.next_update {
            Some(n) => this_update <= at && at <= crate::time::from_generalized(n),
            None => options
                .max_age
                .is_some_and(|m| this_update <= at && at.secs_since(this_update) <= m),
        };
        if !fresh {
            return Err(format!(
                "response not current at {at} (thisUpdate {this_update})"
            ));
        }
        return Ok(match &single.cert_status {
            CertStatus::Good(_) => RevocationStatus::Good {
                source: RevocationSource::Ocsp,
                this_update,
            },
            CertStatus::Revoked(info) => RevocationStatus::Revoked {
                reason: info
                    .revocation_reason
                    .and_then(|r| CrlReason::from_code(r as u8))
                    .unwrap_or(CrlReason::Unspecified),
                revoked_at: crate::time::from_generalized(&info.revocation_time),
                source: RevocationSource::Ocsp,
            },
            CertStatus::Unknown(_) => return Err("responder says unknown".into()),
        });
    }
    Err("no SingleResponse for this certificate".into())
}

/// The raw `tbsResponseData` of a `BasicOCSPResponse`: what the responder signed.
fn tbs_bytes(basic: &[u8]) -> der::Result<&[u8]> {
    let mut r = SliceReader::new(basic)?;
    r.sequence(|r| {
        let tbs = r.tlv_bytes()?;
        AlgorithmIdentifierOwned::decode(r)?;
        BitString::decode(r)?;
        if !r.is_finished() {
            r.tlv_bytes()?;
        }
        Ok::<_, der::Error>(tbs)
    })
}

fn signed_by_issuer_or_delegate(
    basic: &BasicOcspResponse,
    issuer: &TrustAnchor,
    digest: &[u8],
    sig: &[u8],
    at: UnixTime,
) -> bool {
    if verify_pkcs1_sha256(issuer.key(), digest, sig) {
        return true;
    }
    // A delegated responder: issued by the same root, id-kp-OCSPSigning, valid at `at`.
    basic.certs.iter().flatten().any(|c| {
        let Ok(der) = c.to_der() else { return false };
        let Ok(resp) = JpkiCertificate::from_der(&der) else {
            return false;
        };
        let issued = resp.issuer() == issuer.certificate().subject()
            && issuer.verifies(resp.tbs(), resp.signature());
        let current = resp.not_before() <= at && at <= resp.not_after();
        let eku = resp
            .certificate()
            .tbs_certificate()
            .get_extension::<x509_cert::ext::pkix::ExtendedKeyUsage>()
            .ok()
            .flatten()
            .is_some_and(|(_, e)| e.0.contains(&oids::ext::KP_OCSP_SIGNING));
        issued
            && current
            && eku
            && rsa_public_key(&resp).is_ok_and(|k| verify_pkcs1_sha256(&k, digest, sig))
    })
}

/// A fetched OCSP response used as a [`RevocationCheck`] (verified at each use).
#[derive(Clone, Debug)]
pub struct OcspResponseCheck {
    /// The DER response.
    pub response: Vec<u8>,
    /// Nonce and max-age options.
    pub options: OcspOptions,
}

impl RevocationCheck for OcspResponseCheck {
    fn status(
        &self,
        cert: &JpkiCertificate,
        issuer: &TrustAnchor,
        at: UnixTime,
    ) -> RevocationStatus {
        check_response(&self.response, cert, issuer, at, &self.options)
    }
}
