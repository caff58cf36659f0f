//! CRLs in the JPKI shape: one per issuing municipality and purpose, signed
//! by the root, naming the municipality's CRLDP DirName in
//! issuingDistributionPoint (docs/domain/jpki.md §2.2, §2.5; RFC 5280 §5).

use der::{DateTime, Encode};
use x509_cert::{
    Certificate,
    certificate::Version,
    crl::{CertificateList, RevokedCert, TbsCertList},
    ext::pkix::CrlReason,
    serial_number::SerialNumber,
    time::Time,
};

use crate::assemble;
use crate::dn::{Municipality, Purpose};
use crate::error::{Result, der_err};
use crate::ext;
use crate::key::verify_signature;
use crate::pki::{Pki, Signer};
use crate::root::Generation;

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlEntry {
    /// The certificate's serial number.
    pub serial: u32,
    /// When it was revoked (UTC).
    pub revocation_date: DateTime,
    /// The reasonCode entry extension; JPKI's meanings (docs/domain/jpki.md §2.5):
    /// affiliationChanged = 記載内容に変更, keyCompromise, superseded = 更新,
    /// cessationOfOperation = 必要性がなくなった, certificateHold = 一時保留,
    /// unspecified = 交付前に破棄.
    pub reason: Option<CrlReason>,
}

/// Everything that decides one CRL.
#[derive(Debug, Clone)]
pub struct CrlSpec {
    /// Auth or sign CRL.
    pub purpose: Purpose,
    /// The root generation that issues it (issuer DN, AKI keyid).
    pub generation: Generation,
    /// thisUpdate (UTC).
    pub this_update: DateTime,
    /// nextUpdate (UTC); real CRLs are refreshed daily (docs/domain/jpki.md §2.5).
    pub next_update: Option<DateTime>,
    /// The cRLNumber extension's value.
    pub crl_number: u64,
    /// Revoked certificates, in this order.
    pub entries: Vec<CrlEntry>,
    /// The municipality whose CRLDP this CRL is (issuingDistributionPoint);
    /// `None` leaves the extension out (a full CRL).
    pub distribution_point: Option<Municipality>,
    /// Which key signs it ([`Signer::Rogue`] for a bad signature).
    pub signer: Signer,
}

impl CrlSpec {
    /// An empty CRL of `municipality`, valid for one day from `this_update`,
    /// CRL number 1, signed by the issuing root.
    pub fn new(
        purpose: Purpose,
        generation: Generation,
        municipality: Municipality,
        this_update: DateTime,
    ) -> Result<CrlSpec> {
        let next = DateTime::from_unix_duration(
            this_update.unix_duration() + std::time::Duration::from_secs(86_400),
        )
        .map_err(der_err("nextUpdate"))?;
        Ok(CrlSpec {
            purpose,
            generation,
            this_update,
            next_update: Some(next),
            crl_number: 1,
            entries: Vec::new(),
            distribution_point: Some(municipality),
            signer: Signer::Issuer,
        })
    }

    /// Builds and signs the CRL (v2), returning its DER. CRL extensions:
    /// authorityKeyIdentifier (keyid of the issuing root), cRLNumber,
    /// issuingDistributionPoint (critical); each entry carries a reasonCode
    /// when it has a reason.
    pub fn build(&self, pki: &Pki) -> Result<Vec<u8>> {
        let root = pki.root(self.purpose, self.generation);
        let mut revoked = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            let crl_entry_extensions = match entry.reason {
                Some(reason) => Some(vec![ext::reason_code(reason)?]),
                None => None,
            };
            revoked.push(RevokedCert {
                serial_number: SerialNumber::new(&entry.serial.to_be_bytes())
                    .map_err(der_err("a revoked serial"))?,
                revocation_date: Time::from(entry.revocation_date),
                crl_entry_extensions,
            });
        }
        let mut extensions = vec![
            ext::authority_key_identifier(&root.key_identifier()?, None)?,
            ext::crl_number(self.crl_number)?,
        ];
        if let Some(municipality) = &self.distribution_point {
            extensions.push(ext::issuing_distribution_point(
                municipality.crl_dp_name(self.purpose)?,
            )?);
        }
        let tbs = TbsCertList {
            version: Version::V2,
            signature: assemble::sha256_with_rsa(),
            issuer: root.name().clone(),
            this_update: Time::from(self.this_update),
            next_update: self.next_update.map(Time::from),
            // RFC 5280 §5.1.2.6: absent, not empty, when nothing is revoked.
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: Some(extensions),
        };
        let signer = pki.signing_key(&self.signer, self.purpose, self.generation);
        assemble::crl(tbs, signer)
    }
}

/// Whether `crl_der`'s signature verifies with `issuer`'s public key.
pub fn crl_signature_valid(crl_der: &[u8], issuer: &Certificate) -> Result<bool> {
    let crl: CertificateList = der::Decode::from_der(crl_der).map_err(der_err("a CRL"))?;
    let tbs = crl
        .tbs_cert_list
        .to_der()
        .map_err(der_err("a TBSCertList"))?;
    let Some(signature) = crl.signature.as_bytes() else {
        return Ok(false);
    };
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        &tbs,
        signature,
    )
}

/// Whether `certificate_der`'s signature verifies with `issuer`'s public key.
pub fn certificate_signature_valid(certificate_der: &[u8], issuer: &Certificate) -> Result<bool> {
    let cert = assemble::decode_certificate(certificate_der)?;
    let tbs = cert
        .tbs_certificate()
        .to_der()
        .map_err(der_err("a TBSCertificate"))?;
    let Some(signature) = cert.signature().as_bytes() else {
        return Ok(false);
    };
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        &tbs,
        signature,
    )
}
