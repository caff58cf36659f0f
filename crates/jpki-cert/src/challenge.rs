//! RSA PKCS#1 v1.5 with SHA-256 (RFC 8017 §8.2.2), for certificate, CRL and OCSP
//! signatures and for the card's challenge signature.
//!
//! The card signs `DigestInfo(SHA-256(challenge))` (jpki.md §1.6, §6.4); verifying that
//! against the certificate's key is exactly RSASSA-PKCS1-v1_5 verification with SHA-256.

use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use spki::DecodePublicKey;

use crate::cert::JpkiCertificate;
use crate::verdict::Refusal;

/// Smallest modulus accepted: JPKI keys are RSA-2048 (jpki.md §2.1).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest modulus accepted (bounds verification cost on hostile input).
pub const MAX_RSA_BITS: usize = 4096;

/// The certificate's RSA public key, 2048–4096 bits.
pub fn rsa_public_key(cert: &JpkiCertificate) -> Result<rsa::PublicKey, Refusal> {
    let spki = der::Encode::to_der(
        cert.certificate()
            .tbs_certificate()
            .subject_public_key_info(),
    )
    .map_err(Refusal::malformed)?;
    let key =
        rsa::PublicKey::from_public_key_der(&spki).map_err(|e| Refusal::UnsupportedAlgorithm {
            detail: format!("RSA key: {e}"),
        })?;
    let bits = key.n().bit_width() as usize;
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(Refusal::UnsupportedAlgorithm {
            detail: format!("RSA-{bits}"),
        });
    }
    Ok(key)
}

/// RSASSA-PKCS1-v1_5 verification of a SHA-256 `digest`.
pub fn verify_pkcs1_sha256(key: &rsa::PublicKey, digest: &[u8], signature: &[u8]) -> bool {
    key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, signature)
        .is_ok()
}

/// Verifies a card's signature over `challenge` with the (already verified) certificate.
/// Refusal `challenge_signature_invalid` when it does not verify.
pub fn verify_challenge(
    cert: &JpkiCertificate,
    challenge: &[u8],
    signature: &[u8],
) -> Result<(), Refusal> {
    let key = rsa_public_key(cert)?;
    if verify_pkcs1_sha256(&key, &Sha256::digest(challenge), signature) {
        Ok(())
    } else {
        Err(Refusal::ChallengeSignatureInvalid)
    }
}
