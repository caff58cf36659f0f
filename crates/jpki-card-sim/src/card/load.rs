//! Turning a persona's PEM strings into DER certificates and RSA keys, with a
//! typed error naming the field when something is off.

use der::Decode;
use der::Encode;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{PrivateKey, PublicKey};
use x509_cert::Certificate;

use crate::error::SimError;

/// RSA-2048 modulus length in bytes (docs/domain/jpki.md §1.6).
const RSA_2048_BYTES: usize = 256;

/// Decodes one PEM block of the given label.
fn pem_block(
    persona: &str,
    field: &'static str,
    expected: &'static str,
    pem: &str,
) -> Result<Vec<u8>, SimError> {
    let err = |message: String| SimError::Pem {
        persona: persona.to_owned(),
        field,
        expected,
        message,
    };
    let (label, der) =
        der::pem::decode_vec(pem.trim().as_bytes()).map_err(|e| err(e.to_string()))?;
    if label != expected {
        return Err(err(format!("found a {label} block")));
    }
    Ok(der)
}

/// A certificate field: its DER and its public key.
pub(crate) struct LoadedCertificate {
    /// The certificate as stored on the card.
    pub(crate) der: Vec<u8>,
    /// The certificate's subject public key, parsed as RSA if it is one.
    pub(crate) public_key: Option<PublicKey>,
}

/// Decodes a PEM certificate and checks that it is X.509.
pub(crate) fn certificate(
    persona: &str,
    field: &'static str,
    pem: &str,
) -> Result<LoadedCertificate, SimError> {
    let der = pem_block(persona, field, "CERTIFICATE", pem)?;
    let cert = Certificate::from_der(&der).map_err(|e| SimError::Certificate {
        persona: persona.to_owned(),
        field,
        message: e.to_string(),
    })?;
    let public_key = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .ok()
        .and_then(|spki| PublicKey::from_public_key_der(&spki).ok());
    Ok(LoadedCertificate { der, public_key })
}

/// Decodes a PKCS#8 RSA-2048 private key and checks that it belongs to `cert`.
pub(crate) fn private_key(
    persona: &str,
    field: &'static str,
    pem: &str,
    certificate_field: &'static str,
    cert: &LoadedCertificate,
) -> Result<PrivateKey, SimError> {
    let der = zeroize::Zeroizing::new(pem_block(persona, field, "PRIVATE KEY", pem)?);
    let key = PrivateKey::from_pkcs8_der(&der).map_err(|e| SimError::PrivateKey {
        persona: persona.to_owned(),
        field,
        message: e.to_string(),
    })?;
    if key.size() != RSA_2048_BYTES {
        return Err(SimError::KeySize {
            persona: persona.to_owned(),
            field,
            bits: key.size() * 8,
        });
    }
    if cert.public_key.as_ref() != Some(&key.to_public_key()) {
        return Err(SimError::KeyMismatch {
            persona: persona.to_owned(),
            key_field: field,
            certificate_field,
        });
    }
    Ok(key)
}

/// Parses the ATR hex of `card.atr` (spaces and colons allowed). An ATR is 2
/// to 33 bytes and starts with TS `3B` or `3F` (ISO 7816-3 §8.1).
pub(crate) fn atr(persona: &str, hex: &str) -> Result<Vec<u8>, SimError> {
    let err = |problem: &str| SimError::Atr {
        persona: persona.to_owned(),
        problem: problem.to_owned(),
    };
    let digits: Vec<u8> = hex
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(err("has an odd number of hex digits"));
    }
    let nibble = |d: u8| (d as char).to_digit(16).and_then(|v| u8::try_from(v).ok());
    let mut out = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks_exact(2) {
        match (
            pair.first().copied().and_then(nibble),
            pair.get(1).copied().and_then(nibble),
        ) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            _ => return Err(err("is not hex (expected e.g. \"3BE000FF8131FE4514\")")),
        }
    }
    if !(2..=33).contains(&out.len()) {
        return Err(err("must be 2 to 33 bytes"));
    }
    if !matches!(out.first(), Some(0x3B | 0x3F)) {
        return Err(err("must start with 3B or 3F (ISO 7816-3 TS)"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn atr_parsing() {
        assert_eq!(
            atr("p", "3B E0 00 FF 81 31 FE 45 14").unwrap(),
            [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
        );
        for bad in ["3B E", "zz00", "", "00 00"] {
            assert!(matches!(atr("p", bad), Err(SimError::Atr { .. })), "{bad}");
        }
    }

    #[test]
    fn bad_pem_is_typed() {
        let e = certificate("p", "auth_certificate", "not pem")
            .err()
            .unwrap();
        assert!(matches!(
            e,
            SimError::Pem {
                field: "auth_certificate",
                ..
            }
        ));
        let e = certificate(
            "p",
            "auth_certificate",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .err()
        .unwrap();
        assert!(matches!(e, SimError::Pem { .. }), "{e}");
        let e = certificate(
            "p",
            "auth_certificate",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .err()
        .unwrap();
        assert!(matches!(e, SimError::Certificate { .. }), "{e}");
    }
}
