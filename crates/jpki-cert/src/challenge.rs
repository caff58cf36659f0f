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

/// DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// RSASSA-PKCS1-v1_5 verification of a SHA-256 `digest` (RFC 8017 §8.2.2).
///
/// For e = 65537 (every JPKI key, jpki.md §2.1) the public operation is done here as 16
/// Montgomery squarings and one multiplication over `rsa`'s own `crypto-bigint` types, and
/// the result compared with the expected encoding (§8.2.2 step 3–4, "encode and compare").
/// `rsa`'s generic path uses a windowed, constant-time exponentiation that costs about twice
/// as much; constant time is not needed for a public operation on public data. Other
/// exponents take `rsa`'s path.
pub fn verify_pkcs1_sha256(key: &rsa::PublicKey, digest: &[u8], signature: &[u8]) -> bool {
    if digest.len() != 32 {
        return false;
    }
    let e = key.e().to_be_bytes();
    let e_trimmed: Vec<u8> = e.iter().copied().skip_while(|b| *b == 0).collect();
    if e_trimmed != [0x01, 0x00, 0x01] {
        return key
            .verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, signature)
            .is_ok();
    }
    let k = key.size();
    if signature.len() != k || k < SHA256_DIGEST_INFO.len() + 32 + 11 {
        return false;
    }
    let params = key.n_params();
    let Ok(s) = rsa::BoxedUint::from_be_slice(signature, params.bits_precision()) else {
        return false;
    };
    if s >= *key.n().as_ref() {
        return false;
    }
    let m = crypto_bigint::modular::BoxedMontyForm::new(s, params);
    let mut x = m.square();
    for _ in 1..16 {
        x = x.square();
    }
    let em = x.mul(&m).retrieve().to_be_bytes();
    // EM = 0x00 || 0x01 || PS (0xff…, ≥ 8 octets) || 0x00 || DigestInfo || H, k octets.
    let Some(pad) = em.len().checked_sub(k) else {
        return false;
    };
    let (zeros, em) = em.split_at(pad);
    let t_len = SHA256_DIGEST_INFO.len() + 32;
    let ps_len = k - t_len - 3;
    zeros.iter().all(|b| *b == 0)
        && em[0] == 0
        && em[1] == 1
        && em[2..2 + ps_len].iter().all(|b| *b == 0xff)
        && em[2 + ps_len] == 0
        && em[3 + ps_len..3 + ps_len + SHA256_DIGEST_INFO.len()] == SHA256_DIGEST_INFO
        && &em[k - 32..] == digest
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
