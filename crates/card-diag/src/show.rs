//! How certificates and verdicts are printed for a technician.

use std::time::SystemTime;

use der::Decode;
use der::pem::LineEnding;
use jpki_cert::identity::{Era, SexCode};
use jpki_cert::{
    JpkiCertificate, NoRevocationCheck, Purpose, SignIdentity, UnixTime, Verdict, Verifier,
};
use x509_cert::Certificate;

use crate::roots::Roots;

/// PEM text of a DER certificate.
pub fn pem(der: &[u8]) -> Result<String, String> {
    der::pem::encode_string("CERTIFICATE", LineEnding::LF, der)
        .map_err(|e| format!("cannot encode the certificate as PEM: {e}"))
}

/// Subject, issuer, validity and size; no serial number (the terminal keeps none).
pub fn summary(der: &[u8]) -> String {
    match Certificate::from_der(der) {
        Ok(cert) => {
            let tbs = cert.tbs_certificate();
            format!(
                "  subject:  {}\n  issuer:   {}\n  valid:    {} .. {}\n  size:     {} bytes DER",
                tbs.subject(),
                tbs.issuer(),
                tbs.validity().not_before,
                tbs.validity().not_after,
                der.len()
            )
        }
        Err(e) => format!(
            "  (not a valid X.509 certificate: {e}; {} bytes)",
            der.len()
        ),
    }
}

/// The 基本4情報 of a signature certificate, one per line.
pub fn identity(der: &[u8]) -> String {
    let decoded = JpkiCertificate::from_der(der).and_then(|c| SignIdentity::from_certificate(&c));
    match decoded {
        Ok(id) => {
            let era = match id.birth_date.era {
                Era::Meiji => "明治",
                Era::Taisho => "大正",
                Era::Showa => "昭和",
                Era::Heisei => "平成",
                Era::Reiwa => "令和",
                _ => "元号不明",
            };
            let sex = match id.sex.code {
                Some(SexCode::Male) => "男",
                Some(SexCode::Female) => "女",
                Some(SexCode::NotKnown) => "不明",
                _ => "unknown code",
            };
            format!(
                "  氏名:     {}\n  生年月日: {} ({era}; raw {})\n  性別:     {} ({sex})\n  住所:     {}",
                id.name,
                id.birth_date
                    .date
                    .as_deref()
                    .unwrap_or("(not a complete date)"),
                id.birth_date.raw,
                id.sex.raw,
                id.address
            )
        }
        Err(reason) => format!("  (the four attributes could not be decoded: {reason})"),
    }
}

/// Now, from the system clock: this is the shell, where the clock is read.
pub fn now() -> UnixTime {
    UnixTime::from_system_time(SystemTime::now())
}

/// The verdict on a certificate at the current time, in one line.
/// Revocation is not checked here: the terminal has no access to CRLs (only
/// an authorised verifier does, docs/domain/jpki.md §2.5), so the line says so.
/// `jpki-cert verify` prints the full verdict as JSON.
pub fn verdict(purpose: Purpose, der: &[u8], roots: &Roots) -> String {
    match roots
        .store(purpose)
        .map(|store| Verifier::new(store).verify(der, now(), &NoRevocationCheck))
    {
        Ok(Verdict::Accepted(ok)) => format!(
            "accepted: chains to {} ({:?} roots), valid until {}; revocation is checked by the platform, not here",
            ok.root, ok.environment, ok.not_after
        ),
        Ok(Verdict::Refused { reason }) => format!("REFUSED: {reason}"),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("(no trust store: {e})"),
    }
}
