//! The platform's assertion key on `ring`'s P-256 implementation: measured at 17 µs per
//! ES256 signature against 88 µs with `p256` on this 2-core machine
//! (`docs/PERFORMANCE.md`, `## backend-platform`), and an identification signs one
//! assertion per linked service. `ring` is already compiled for rustls; the format and
//! the verifiers stay in `counter-api` (over `p256`).

use std::sync::Arc;

use counter_api::assertion::{AssertionError, AssertionSigner, Es256Key};
use p256::ecdsa::VerifyingKey;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

/// A P-256 key signing with `ring` (randomised ECDSA, fixed `r ‖ s` output).
pub struct RingEs256 {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
    public: VerifyingKey,
}

impl std::fmt::Debug for RingEs256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RingEs256")
    }
}

impl RingEs256 {
    /// From a `p256` key (the PKCS#8 PEM of the configuration is parsed by `p256`, which
    /// also gives the public key for the JWKS).
    pub fn from_p256(key: &p256::ecdsa::SigningKey) -> Result<Self, AssertionError> {
        let doc = key
            .to_pkcs8_der()
            .map_err(|e| AssertionError::BadKey(format!("cannot encode the key: {e}")))?;
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_bytes(), &rng)
            .map_err(|e| AssertionError::BadKey(format!("ring refused the key: {e}")))?;
        Ok(Self {
            pair,
            rng,
            public: *key.verifying_key(),
        })
    }
}

impl Es256Key for RingEs256 {
    fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], AssertionError> {
        let sig = self
            .pair
            .sign(&self.rng, message)
            .map_err(|_| AssertionError::Encode("ring could not sign".into()))?;
        sig.as_ref()
            .try_into()
            .map_err(|_| AssertionError::Encode("an ES256 signature is 64 bytes".into()))
    }

    fn public_key(&self) -> VerifyingKey {
        self.public
    }
}

/// The platform's signer for key `kid`.
pub fn signer(kid: &str, key: &p256::ecdsa::SigningKey) -> Result<AssertionSigner, AssertionError> {
    AssertionSigner::with_key(kid, Arc::new(RingEs256::from_p256(key)?))
}

/// The platform's signer from a PKCS#8 PEM P-256 key.
pub fn signer_from_pem(kid: &str, pem: &str) -> Result<AssertionSigner, AssertionError> {
    let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
        .map_err(|e| AssertionError::BadKey(format!("not a PKCS#8 P-256 key: {e}")))?;
    signer(kid, &key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use counter_api::assertion::{AssertionVerifier, KeySet, MemoryReplayGuard};
    use madoguchi_time::UnixTime;

    #[test]
    fn ring_signatures_verify_with_the_p256_verifier() {
        let key = p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
        let s = signer("k", &key).unwrap();
        assert_eq!(s.verifying_key(), *key.verifying_key());
        let claims: counter_api::assertion::AssertionClaims =
            serde_json::from_value(serde_json::json!({
                "iss": "pf", "aud": "svc", "sub": "s", "jti": "j", "iat": 10, "exp": 100,
                "ctx": {"purpose": "identify", "terminal_id": "t", "challenge_id": "c"},
                "svc": {"kind": "payment", "card_token_ref": "tok"}
            }))
            .unwrap();
        let mut v = AssertionVerifier::new("svc");
        v.trust(&KeySet::of("pf", &s)).unwrap();
        assert_eq!(
            v.verify(
                &s.sign(&claims).unwrap(),
                UnixTime::from_secs(11),
                &mut MemoryReplayGuard::new()
            )
            .unwrap(),
            claims
        );
    }
}
