//! Assembling and signing certificates and CRLs, and PEM armour.
//!
//! Certificates go through `x509-cert` 0.3's `CertificateBuilder` with a
//! profile that returns exactly the extensions we pass, in our order (its own
//! profiles would add theirs); CRLs are a `TbsCertList` filled in directly and
//! signed. Both are signed with sha256WithRSAEncryption by [`TestKey`].

use der::{DateTime, Decode, Encode, asn1::BitString, pem::LineEnding};
use rsa::pkcs1v15::Signature;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::{
    Certificate,
    builder::{Builder, CertificateBuilder, profile::BuilderProfile},
    certificate::TbsCertificate,
    crl::{CertificateList, TbsCertList},
    ext::Extension,
    name::Name,
    serial_number::SerialNumber,
    time::{Time, Validity},
};

use crate::error::{Error, Result, der_err};
use crate::key::TestKey;

/// sha256WithRSAEncryption with NULL parameters (RFC 4055 §5), as in every
/// JPKI certificate (docs/domain/jpki.md §2).
pub(crate) fn sha256_with_rsa() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        parameters: Some(der::Any::null()),
    }
}

/// The to-be-signed fields of one certificate.
pub(crate) struct CertificateParts {
    pub issuer: Name,
    pub subject: Name,
    pub serial: Vec<u8>,
    pub not_before: DateTime,
    pub not_after: DateTime,
    pub public_key: SubjectPublicKeyInfoOwned,
    pub extensions: Vec<Extension>,
}

/// A builder profile that adds nothing of its own.
struct ExactProfile {
    issuer: Name,
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for ExactProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// Signs a v3 certificate with `signer` and returns its DER. The signer need
/// not be the issuer's key (bad-signature tests).
pub(crate) fn certificate(parts: CertificateParts, signer: &TestKey) -> Result<Vec<u8>> {
    let serial = SerialNumber::new(&parts.serial).map_err(der_err("the serial number"))?;
    // UTCTime up to 2049, as RFC 5280 §4.1.2.5 requires (the builder adjusts too).
    let validity = Validity::new(Time::from(parts.not_before), Time::from(parts.not_after));
    let profile = ExactProfile {
        issuer: parts.issuer,
        subject: parts.subject,
        extensions: parts.extensions,
    };
    let sign_err = |e: x509_cert::builder::Error| Error::Sign {
        what: "a certificate",
        message: e.to_string(),
    };
    let builder =
        CertificateBuilder::new(profile, serial, validity, parts.public_key).map_err(sign_err)?;
    let cert = builder
        .build::<_, Signature>(&signer.signer())
        .map_err(sign_err)?;
    cert.to_der().map_err(der_err("a certificate"))
}

/// Signs a CRL: encodes `tbs` (whose `signature` field is overwritten with
/// sha256WithRSAEncryption), signs it with `signer`, returns the DER.
pub(crate) fn crl(mut tbs: TbsCertList, signer: &TestKey) -> Result<Vec<u8>> {
    tbs.signature = sha256_with_rsa();
    let tbs_der = tbs.to_der().map_err(der_err("a TBSCertList"))?;
    let signature = signer.sign(&tbs_der)?;
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: sha256_with_rsa(),
        signature: BitString::from_bytes(&signature).map_err(der_err("a CRL signature"))?,
    };
    list.to_der().map_err(der_err("a CRL"))
}

/// Decodes a certificate (x509-cert 0.3).
pub fn decode_certificate(der: &[u8]) -> Result<Certificate> {
    Certificate::from_der(der).map_err(der_err("a certificate"))
}

/// PEM armour with LF line endings, e.g. `label = "CERTIFICATE"`.
pub fn to_pem(label: &str, der: &[u8]) -> Result<String> {
    der::pem::encode_string(label, LineEnding::LF, der).map_err(|e| Error::Der {
        what: "PEM armour",
        source: e.into(),
    })
}

/// Removes PEM armour, checking the label.
pub fn from_pem(expected_label: &str, pem: &str) -> Result<Vec<u8>> {
    let (label, der) = der::pem::decode_vec(pem.as_bytes()).map_err(|e| Error::Der {
        what: "PEM armour",
        source: e.into(),
    })?;
    if label != expected_label {
        return Err(Error::Spec {
            field: "PEM label",
            problem: format!("is {label}, expected {expected_label}"),
        });
    }
    Ok(der)
}
