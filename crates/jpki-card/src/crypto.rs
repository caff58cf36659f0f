//! Hashing, the DigestInfo the card signs, and the local signature check.
//!
//! The card pads a DigestInfo with PKCS#1 v1.5 type 1 and signs it (docs/domain/jpki.md
//! §1.6). After a signature the flows check it against the certificate they
//! read, as a sanity check (docs/domain/jpki.md §6.4, myna-card's `sign_with_*_checked`);
//! the real verification (chain, policy, revocation) happens on the server.

use der::Decode;
use der::referenced::OwnedToRef;
use rsa::{Pkcs1v15Sign, PublicKey};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

/// DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1):
/// SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.2.1, NULL }, OCTET STRING (32) }.
pub const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// SHA-256 of `message`.
pub fn sha256(message: &[u8]) -> [u8; 32] {
    Sha256::digest(message).into()
}

/// The 51-byte DigestInfo for a SHA-256 digest: [`SHA256_DIGEST_INFO_PREFIX`]
/// followed by the digest (docs/domain/jpki.md §1.3 example).
pub fn digest_info_sha256(digest: &[u8; 32]) -> [u8; 51] {
    let mut out = [0u8; 51];
    let (prefix, rest) = out.split_at_mut(SHA256_DIGEST_INFO_PREFIX.len());
    prefix.copy_from_slice(&SHA256_DIGEST_INFO_PREFIX);
    rest.copy_from_slice(digest);
    out
}

/// The RSA public key of a certificate read from the card.
pub(crate) struct CertificateKey(PublicKey);

impl CertificateKey {
    /// Parses `der` as an X.509 certificate and takes its RSA key. The error
    /// is a reason for [`CardError::MalformedResponse`](crate::CardError).
    pub(crate) fn from_certificate(der: &[u8]) -> Result<Self, String> {
        let cert = Certificate::from_der(der)
            .map_err(|e| format!("the certificate does not parse as X.509: {e}"))?;
        let spki = cert.tbs_certificate().subject_public_key_info();
        let key = PublicKey::try_from(spki.owned_to_ref())
            .map_err(|e| format!("the certificate's public key is not a usable RSA key: {e}"))?;
        Ok(CertificateKey(key))
    }

    /// Whether `signature` is this key's PKCS#1 v1.5 signature over exactly
    /// `digest_info` (what the card signs with P1 = 00, docs/domain/jpki.md §1.6).
    pub(crate) fn verifies(&self, digest_info: &[u8], signature: &[u8]) -> bool {
        self.0
            .verify(Pkcs1v15Sign::new_unprefixed(), digest_info, signature)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        // FIPS 180-2 appendix B.1.
        let expected = [
            0xBA, 0x78, 0x16, 0xBF, 0x8F, 0x01, 0xCF, 0xEA, 0x41, 0x41, 0x40, 0xDE, 0x5D, 0xAE,
            0x22, 0x23, 0xB0, 0x03, 0x61, 0xA3, 0x96, 0x17, 0x7A, 0x9C, 0xB4, 0x10, 0xFF, 0x61,
            0xF2, 0x00, 0x15, 0xAD,
        ];
        assert_eq!(sha256(b"abc"), expected);
    }

    #[test]
    fn digest_info_layout() {
        let d = [7u8; 32];
        let di = digest_info_sha256(&d);
        assert_eq!(di[..19], SHA256_DIGEST_INFO_PREFIX);
        assert_eq!(di[19..], d);
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(CertificateKey::from_certificate(&[]).is_err());
        assert!(CertificateKey::from_certificate(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
    }
}
