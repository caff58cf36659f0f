//! Parsing a JPKI end-entity certificate (docs/domain/jpki.md §2.2, §2.3) on `x509-cert` 0.3.
//!
//! Parsing is strict where RFC 5280 is: DER only, v3, one occurrence per extension
//! (§4.2), and an unknown **critical** extension is refused (§4.2 "MUST reject").
//! The extensions JPKI marks critical (keyUsage, certificatePolicies, and on the roots
//! basicConstraints) are understood; all understood extensions must decode.

use der::asn1::{BitString, OctetString};
use der::{Decode, Encode, Reader, SliceReader, Tagged};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::oids::{self, ext};
use crate::time::UnixTime;
use crate::verdict::{Environment, Purpose, Refusal};

/// Upper bound on a certificate's size; real JPKI certificates are about 1.6 kB
/// (docs/domain/jpki.md §2.2). Anything far larger is refused before decoding.
pub const MAX_CERT_LEN: usize = 64 * 1024;

/// Extensions this crate understands (RFC 5280 §4.2 / §4.2.2.1).
const UNDERSTOOD: &[const_oid::ObjectIdentifier] = &[
    ext::KEY_USAGE,
    ext::BASIC_CONSTRAINTS,
    ext::CERT_POLICIES,
    ext::SAN,
    ext::IAN,
    ext::CRL_DP,
    ext::AKI,
    ext::SKI,
    ext::EKU,
    ext::AIA,
];

/// Decoded extensions of interest, each `(value, critical)` where criticality matters.
#[derive(Clone, Debug, Default)]
pub(crate) struct Exts {
    pub key_usage: Option<(KeyUsage, bool)>,
    pub policies: Option<(Vec<const_oid::ObjectIdentifier>, bool)>,
    pub basic_constraints: Option<BasicConstraints>,
    pub aki_key_id: Option<Vec<u8>>,
    pub ski: Option<Vec<u8>>,
    /// DER of each DirName full name in cRLDistributionPoints (docs/domain/jpki.md §2.2).
    pub crl_dp: Vec<Vec<u8>>,
    pub san: Option<SubjectAltName>,
}

/// A parsed JPKI certificate (end-entity or root), not yet verified.
#[derive(Clone, Debug)]
pub struct JpkiCertificate {
    cert: Certificate,
    der: Vec<u8>,
    /// Where the `tbsCertificate` DER (what the issuer signed) lies in `der`.
    tbs: std::ops::Range<usize>,
    signature: Vec<u8>,
    pub(crate) exts: Exts,
}

impl JpkiCertificate {
    /// Parses a DER certificate. Refusals: `malformed`, `unsupported_algorithm`,
    /// `unknown_critical_extension`.
    pub fn from_der(der: &[u8]) -> Result<Self, Refusal> {
        if der.len() > MAX_CERT_LEN {
            return Err(Refusal::malformed(format!(
                "{} bytes is too large",
                der.len()
            )));
        }
        let (tbs, alg, sig) = split_signed(der).map_err(Refusal::malformed)?;
        let cert = Certificate::from_der(der).map_err(Refusal::malformed)?;
        let t = cert.tbs_certificate();
        if t.version() != x509_cert::certificate::Version::V3 {
            return Err(Refusal::malformed("not an X.509 v3 certificate"));
        }
        check_sha256_rsa(&alg)?;
        check_sha256_rsa(t.signature())?;
        if alg != *t.signature() {
            return Err(Refusal::malformed(
                "signature algorithms differ (RFC 5280 §4.1.1.2)",
            ));
        }
        if t.subject_public_key_info().algorithm.oid != oids::RSA_ENCRYPTION {
            return Err(Refusal::UnsupportedAlgorithm {
                detail: format!("key {}", t.subject_public_key_info().algorithm.oid),
            });
        }
        let signature = sig
            .as_bytes()
            .ok_or_else(|| Refusal::malformed("signature BIT STRING has unused bits"))?
            .to_vec();
        let exts = parse_extensions(t.extensions().map(Vec::as_slice).unwrap_or_default())?;
        Ok(Self {
            tbs,
            cert,
            der: der.to_vec(),
            signature,
            exts,
        })
    }

    /// Parses PEM (`-----BEGIN CERTIFICATE-----`) or DER, whichever `bytes` is.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, Refusal> {
        if bytes.starts_with(b"-----") || bytes.iter().take(64).all(u8::is_ascii) {
            let (label, der) =
                der::pem::decode_vec(bytes).map_err(|e| Refusal::malformed(format!("PEM: {e}")))?;
            if label != "CERTIFICATE" {
                return Err(Refusal::malformed(format!("PEM label {label}")));
            }
            return Self::from_der(&der);
        }
        Self::from_der(bytes)
    }

    /// The underlying `x509-cert` certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// SHA-256 over the DER (the certificate's fingerprint).
    pub fn fingerprint(&self) -> [u8; 32] {
        Sha256::digest(&self.der).into()
    }

    /// The `tbsCertificate` DER, what the issuer signed.
    pub(crate) fn tbs(&self) -> &[u8] {
        // The range was taken from `der` when it was parsed, so it lies inside it.
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }

    /// SHA-256 of the `tbsCertificate` DER. Computed on demand: the identification path
    /// hands the TBS itself to the verification ([`crate::anchors::TrustAnchor::verifies`]).
    pub(crate) fn tbs_sha256(&self) -> [u8; 32] {
        Sha256::digest(self.tbs()).into()
    }

    /// The issuer's signature value.
    pub(crate) fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// serialNumber content octets (two's complement, as in the DER INTEGER).
    pub fn serial(&self) -> &[u8] {
        self.cert.tbs_certificate().serial_number().as_bytes()
    }

    /// serialNumber as lower-case hex.
    pub fn serial_hex(&self) -> String {
        hex::encode(self.serial())
    }

    /// Issuer DN.
    pub fn issuer(&self) -> &Name {
        self.cert.tbs_certificate().issuer()
    }

    /// Subject DN.
    pub fn subject(&self) -> &Name {
        self.cert.tbs_certificate().subject()
    }

    /// notBefore.
    pub fn not_before(&self) -> UnixTime {
        crate::time::from_x509(&self.cert.tbs_certificate().validity().not_before)
    }

    /// notAfter.
    pub fn not_after(&self) -> UnixTime {
        crate::time::from_x509(&self.cert.tbs_certificate().validity().not_after)
    }

    /// authorityKeyIdentifier keyIdentifier.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.exts.aki_key_id.as_deref()
    }

    /// subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.exts.ski.as_deref()
    }

    /// Certificate policy OIDs, if the extension is present.
    pub fn policies(&self) -> Option<&[const_oid::ObjectIdentifier]> {
        self.exts.policies.as_ref().map(|(p, _)| p.as_slice())
    }

    /// DER of the DirName distribution points (per municipality, docs/domain/jpki.md §2.2).
    pub fn crl_distribution_points(&self) -> &[Vec<u8>] {
        &self.exts.crl_dp
    }

    /// The purpose and environment this certificate claims, from its policy OID, or
    /// failing that from its issuer's `OU` and `O` (docs/domain/jpki.md §2.1–§2.3).
    pub fn claimed_profile(&self) -> Option<(Purpose, Environment)> {
        if let Some(policies) = self.policies() {
            for p in policies {
                let hit = match *p {
                    oids::POLICY_AUTH => Some((Purpose::Auth, Environment::Production)),
                    oids::POLICY_SIGN => Some((Purpose::Sign, Environment::Production)),
                    oids::POLICY_AUTH_TEST => Some((Purpose::Auth, Environment::Test)),
                    oids::POLICY_SIGN_TEST => Some((Purpose::Sign, Environment::Test)),
                    _ => None,
                };
                if hit.is_some() {
                    return hit;
                }
            }
        }
        let purpose = name_purpose(self.issuer())?;
        Some((purpose, name_environment(self.issuer())))
    }
}

/// Purpose named by a JPKI CA DN's `OU` (docs/domain/jpki.md §2.1).
pub(crate) fn name_purpose(name: &Name) -> Option<Purpose> {
    attr_values(name, oids::AT_ORGANIZATIONAL_UNIT).find_map(|ou| match ou {
        b"JPKI for user authentication" => Some(Purpose::Auth),
        b"JPKI for digital signature" => Some(Purpose::Sign),
        _ => None,
    })
}

/// `Test` when the DN carries `O=JPKI-TEST` (docs/domain/jpki.md §2.1).
pub(crate) fn name_environment(name: &Name) -> Environment {
    if attr_values(name, oids::AT_ORGANIZATION).any(|o| o == b"JPKI-TEST") {
        Environment::Test
    } else {
        Environment::Production
    }
}

/// Content octets of every attribute of type `oid` in `name` (the JPKI values compared
/// here are ASCII, identical in PrintableString and UTF8String).
fn attr_values(name: &Name, oid: const_oid::ObjectIdentifier) -> impl Iterator<Item = &[u8]> + '_ {
    name.iter()
        .filter(move |a| a.oid == oid)
        .map(|a| a.value.value())
}

/// Splits `SEQUENCE { tbs, algorithm, BIT STRING }` (RFC 5280 §4.1 / §5.1), giving where
/// the raw TBS bytes, which are what the issuer signed, lie in `der`.
fn split_signed(
    der: &[u8],
) -> der::Result<(std::ops::Range<usize>, AlgorithmIdentifierOwned, BitString)> {
    let mut r = SliceReader::new(der)?;
    let out = r.sequence(|r| {
        let start = usize::try_from(r.position())?;
        r.tlv_bytes()?;
        let end = usize::try_from(r.position())?;
        let alg = AlgorithmIdentifierOwned::decode(r)?;
        let sig = BitString::decode(r)?;
        Ok::<_, der::Error>((start..end, alg, sig))
    })?;
    r.finish()?;
    Ok(out)
}

/// sha256WithRSAEncryption with absent or NULL parameters (RFC 4055 §5).
pub(crate) fn check_sha256_rsa(alg: &AlgorithmIdentifierOwned) -> Result<(), Refusal> {
    if alg.oid != oids::SHA256_WITH_RSA {
        return Err(Refusal::UnsupportedAlgorithm {
            detail: format!("signature {}", alg.oid),
        });
    }
    match &alg.parameters {
        None => Ok(()),
        Some(p) if p.tag() == der::Tag::Null && p.value().is_empty() => Ok(()),
        Some(_) => Err(Refusal::malformed(
            "sha256WithRSAEncryption parameters not NULL",
        )),
    }
}

fn parse_extensions(list: &[x509_cert::ext::Extension]) -> Result<Exts, Refusal> {
    let mut exts = Exts::default();
    let mut seen = Vec::with_capacity(list.len());
    for e in list {
        if seen.contains(&e.extn_id) {
            return Err(Refusal::malformed(format!(
                "extension {} twice (RFC 5280 §4.2)",
                e.extn_id
            )));
        }
        seen.push(e.extn_id);
        if !UNDERSTOOD.contains(&e.extn_id) {
            if e.critical {
                return Err(Refusal::UnknownCriticalExtension {
                    oid: e.extn_id.to_string(),
                });
            }
            continue;
        }
        let v = e.extn_value.as_bytes();
        let bad = |err: der::Error| Refusal::malformed(format!("extension {}: {err}", e.extn_id));
        match e.extn_id {
            ext::KEY_USAGE => {
                exts.key_usage = Some((KeyUsage::from_der(v).map_err(bad)?, e.critical))
            }
            ext::BASIC_CONSTRAINTS => {
                exts.basic_constraints = Some(BasicConstraints::from_der(v).map_err(bad)?)
            }
            ext::CERT_POLICIES => {
                let cp = CertificatePolicies::from_der(v).map_err(bad)?;
                let oids = cp.0.iter().map(|p| p.policy_identifier).collect();
                exts.policies = Some((oids, e.critical));
            }
            ext::AKI => {
                let aki = AuthorityKeyIdentifier::from_der(v).map_err(bad)?;
                exts.aki_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
            }
            ext::SKI => {
                exts.ski = Some(
                    SubjectKeyIdentifier::from_der(v)
                        .map_err(bad)?
                        .0
                        .as_bytes()
                        .to_vec(),
                )
            }
            ext::CRL_DP => {
                let dps = CrlDistributionPoints::from_der(v).map_err(bad)?;
                for dp in dps.0 {
                    if let Some(DistributionPointName::FullName(names)) = dp.distribution_point {
                        for n in names {
                            if let GeneralName::DirectoryName(dn) = n {
                                exts.crl_dp.push(dn.to_der().map_err(bad)?);
                            }
                        }
                    }
                }
            }
            ext::SAN => exts.san = Some(SubjectAltName::from_der(v).map_err(bad)?),
            ext::EKU => {
                ExtendedKeyUsage::from_der(v).map_err(bad)?;
            }
            // issuerAltName and AIA: checked for well-formedness only.
            _ => {
                let _ = OctetString::new(v).map_err(bad)?;
                der::asn1::Any::from_der(v).map_err(bad)?;
            }
        }
    }
    Ok(exts)
}
