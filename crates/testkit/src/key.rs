//! RSA-2048 test keys: made reproducibly from a label, stored as PKCS#8 PEM,
//! and used to sign certificates and CRLs with sha256WithRSAEncryption.
//!
//! JPKI uses RSA-2048, e = 65537, for the CA and the user keys alike
//! (docs/domain/jpki.md §1.6). A key is derived from a ChaCha20 stream seeded with
//! SHA-256 of a fixed domain string and the key's label, so the generator gives
//! byte-identical keys on every run as long as `rsa`'s prime search does not
//! change (a `Cargo.lock` update of `crypto-primes` could change it; the
//! `fixtures_are_current` test then says so, and `testkit-gen` rewrites the
//! fixtures).

use std::fmt;

use der::Encode;
use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
use rsa::{
    PrivateKey,
    pkcs1v15::{Signature, SigningKey, VerifyingKey},
    pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding},
    signature::{SignatureEncoding, Signer, Verifier},
};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;

use crate::error::{Error, Result, der_err};

/// Domain separation for key seeds; bump the version to re-key everything.
const SEED_DOMAIN: &[u8] = b"madoguchi testkit RSA-2048 key v1\0";

/// JPKI key size (docs/domain/jpki.md §1.6).
const BITS: usize = 2048;

/// An RSA-2048 private key of the test PKI, with the label it was derived
/// from.
#[derive(Clone)]
pub struct TestKey {
    label: String,
    key: PrivateKey,
}

impl fmt::Debug for TestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Test keys are not secret, but a Debug dump of one is never useful.
        f.debug_struct("TestKey")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl TestKey {
    /// Derives the key for `label` (e.g. `root-auth-g3`, `persona-sato-hanako-auth`).
    /// Slow-ish (about 0.1–0.5 s with the bigint crates optimised): tests
    /// should load committed keys instead ([`crate::Pki::load`]).
    pub fn derive(label: &str) -> Result<TestKey> {
        Self::derive_bits(label, BITS)
    }

    /// [`TestKey::derive`] with a modulus of `bits` bits (a too-small key for refusal
    /// tests); the same label and size give the same key.
    pub fn derive_bits(label: &str, bits: usize) -> Result<TestKey> {
        let mut seed = Sha256::new();
        seed.update(SEED_DOMAIN);
        seed.update(label.as_bytes());
        let mut rng = ChaCha20Rng::from_seed(seed.finalize().into());
        let key = PrivateKey::new(&mut rng, bits).map_err(|e| Error::Key {
            what: format!("derive {label}"),
            message: e.to_string(),
        })?;
        Ok(TestKey {
            label: label.to_owned(),
            key,
        })
    }

    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) key.
    pub fn from_pkcs8_pem(label: &str, pem: &str) -> Result<TestKey> {
        let key = PrivateKey::from_pkcs8_pem(pem).map_err(|e| Error::Key {
            what: format!("read {label}"),
            message: e.to_string(),
        })?;
        Ok(TestKey {
            label: label.to_owned(),
            key,
        })
    }

    /// The label the key was derived from or loaded as.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The key as PKCS#8 PEM with LF line endings (the persona format's
    /// `*_private_key`).
    pub fn to_pkcs8_pem(&self) -> Result<String> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| Error::Key {
                what: format!("encode {}", self.label),
                message: e.to_string(),
            })
    }

    /// The `rsa` crate's private key, for tests that sign by hand.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// The public key as a SubjectPublicKeyInfo (rsaEncryption, NULL
    /// parameters).
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned> {
        let der = self
            .key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| Error::Key {
                what: format!("public key of {}", self.label),
                message: e.to_string(),
            })?;
        der::Decode::from_der(der.as_bytes()).map_err(der_err("a SubjectPublicKeyInfo"))
    }

    /// The key identifier of this key: SHA-1 of the subjectPublicKey BIT
    /// STRING's contents (RFC 5280 §4.2.1.2 method 1), which is how the real
    /// JPKI roots' SKIs are made (checked against authca03).
    pub fn key_identifier(&self) -> Result<[u8; 20]> {
        key_identifier(&self.public_key_info()?)
    }

    /// A PKCS#1 v1.5 SHA-256 signer (deterministic: the same message always
    /// gives the same signature).
    pub fn signer(&self) -> SigningKey<Sha256> {
        SigningKey::new(self.key.clone())
    }

    /// Signs `message` with sha256WithRSAEncryption.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.signer()
            .try_sign(message)
            .map(|s| s.to_vec())
            .map_err(|e| Error::Sign {
                what: "a message",
                message: e.to_string(),
            })
    }
}

/// Key identifier of a public key (RFC 5280 §4.2.1.2 method 1).
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<[u8; 20]> {
    let bits = spki.subject_public_key.as_bytes().ok_or(Error::Spec {
        field: "subject_public_key",
        problem: "has unused bits".to_owned(),
    })?;
    Ok(Sha1::digest(bits).into())
}

/// Checks a sha256WithRSAEncryption signature over `message` with the public
/// key in `spki`. Returns `Ok(false)` for a wrong signature.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let spki_der = spki.to_der().map_err(der_err("a SubjectPublicKeyInfo"))?;
    let public = <rsa::PublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&spki_der)
        .map_err(|e| Error::Key {
            what: "read a public key".to_owned(),
            message: e.to_string(),
        })?;
    let Ok(signature) = Signature::try_from(signature) else {
        return Ok(false);
    };
    Ok(VerifyingKey::<Sha256>::new(public)
        .verify(message, &signature)
        .is_ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_right_key() {
        let pki = crate::Pki::load().unwrap();
        let key = pki.spare_key();
        let sig = key.sign(b"hello").unwrap();
        let spki = key.public_key_info().unwrap();
        assert!(verify_signature(&spki, b"hello", &sig).unwrap());
        assert!(!verify_signature(&spki, b"hellO", &sig).unwrap());
        let rogue = pki.rogue_key().public_key_info().unwrap();
        assert!(!verify_signature(&rogue, b"hello", &sig).unwrap());
    }

    #[test]
    fn pem_round_trips() {
        let pki = crate::Pki::load().unwrap();
        let pem = pki.spare_key().to_pkcs8_pem().unwrap();
        let back = TestKey::from_pkcs8_pem("spare", &pem).unwrap();
        assert_eq!(back.to_pkcs8_pem().unwrap(), pem);
    }
}
