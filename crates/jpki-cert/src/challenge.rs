//! RSA PKCS#1 v1.5 with SHA-256 (RFC 8017 §8.2.2), for certificate, CRL and OCSP
//! signatures and for the card's challenge signature.
//!
//! The card signs `DigestInfo(SHA-256(challenge))` (docs/domain/jpki.md §1.6, §6.4); verifying that
//! against the certificate's key is exactly RSASSA-PKCS1-v1_5 verification with SHA-256.
//!
//! Two implementations of the same verification, chosen by what the caller holds:
//! * **the signed message** (a certificate's TBS, a challenge): `ring`'s
//!   `RSA_PKCS1_2048_8192_SHA256` for e = 65537 keys ([`verify_f4_message`]), whose
//!   Montgomery arithmetic is assembly; about 5× fewer instructions than the
//!   `crypto-bigint` path below for one RSA-2048 verification (`docs/PERFORMANCE.md`,
//!   `## backend-platform`). `ring` has no entry point for a precomputed digest.
//! * **only the digest** (a CRL, hashed while it streams; an OCSP response):
//!   [`verify_pkcs1_sha256`] over `rsa`'s own `crypto-bigint` types.
//!
//! Both are held to `rsa`'s verdict by the property tests of `tests/rsa_agreement.rs`.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{MontyMultiplier, Odd};
use rsa::BoxedUint;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use spki::DecodePublicKey;

use crate::cert::JpkiCertificate;
use crate::verdict::Refusal;

/// Smallest modulus accepted: JPKI keys are RSA-2048 (docs/domain/jpki.md §2.1).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest modulus accepted (bounds verification cost on hostile input).
pub const MAX_RSA_BITS: usize = 4096;

/// The certificate's RSA public key, 2048–4096 bits, as an `rsa::PublicKey`: for keys
/// prepared once and used many times (the pinned roots, an OCSP responder). A customer's
/// key, used once per identification, goes through [`CertKey`], which prepares faster.
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
    check_bits(&key)?;
    Ok(key)
}

/// DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// RSASSA-PKCS1-v1_5 verification of a SHA-256 `digest` (RFC 8017 §8.2.2).
///
/// For e = 65537 (every JPKI key, docs/domain/jpki.md §2.1) the public operation is done here as 16
/// Montgomery squarings and one multiplication over `rsa`'s own `crypto-bigint` types, and
/// the result compared with the expected encoding (§8.2.2 step 3–4, "encode and compare").
/// `rsa`'s generic path uses a windowed, constant-time exponentiation that costs about twice
/// as much; constant time is not needed for a public operation on public data. Other
/// exponents take `rsa`'s path.
pub fn verify_pkcs1_sha256(key: &rsa::PublicKey, digest: &[u8], signature: &[u8]) -> bool {
    if is_f4(key.e()) {
        verify_f4(key.n_params(), key.size(), digest, signature)
    } else {
        key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, signature)
            .is_ok()
    }
}

/// Whether `e` is 65537 (F4), whatever its precision.
pub(crate) fn is_f4(e: &BoxedUint) -> bool {
    e.bit_width_vartime() == 17 && e.as_limbs().first().is_some_and(|l| l.0 == 65_537)
}

/// The e = 65537 public operation and the encode-and-compare check; `k` is the modulus
/// length in octets (RFC 8017 §8.2.2).
fn verify_f4(params: &BoxedMontyParams, k: usize, digest: &[u8], signature: &[u8]) -> bool {
    if digest.len() != 32 || signature.len() != k || k < SHA256_DIGEST_INFO.len() + 32 + 11 {
        return false;
    }
    let Ok(s) = BoxedUint::from_be_slice(signature, params.bits_precision()) else {
        return false;
    };
    if s >= *params.modulus().as_ref() {
        return false;
    }
    // x = s·R mod n (Montgomery form of s); 16 squarings give s^65536·R. The last product
    // takes s itself as its second factor, not s·R: MontMul(s^65536·R, s) =
    // s^65536·R·s·R⁻¹ = s^65537 mod n, already out of Montgomery form, so no separate
    // reduction (`retrieve`) is needed. One prepared multiplier serves all 17 operations.
    let raw = BoxedMontyForm::from_montgomery(s.clone(), params);
    let mut x = BoxedMontyForm::new(s, params);
    let mut mm = <BoxedMontyForm as crypto_bigint::MontyForm>::Multiplier::from(params);
    for _ in 0..16 {
        mm.square_assign(&mut x);
    }
    mm.mul_assign(&mut x, &raw);
    let em = x.as_montgomery().to_be_bytes();
    // EM = 0x00 || 0x01 || PS (0xff…, ≥ 8 octets) || 0x00 || DigestInfo || H, k octets.
    let Some(pad) = em.len().checked_sub(k) else {
        return false;
    };
    let Some((zeros, em)) = em.split_at_checked(pad) else {
        return false;
    };
    // `em` is k octets, k ≥ 62 (checked above): split it without indexing.
    let Some(ps_len) = k.checked_sub(SHA256_DIGEST_INFO.len() + 32 + 3) else {
        return false;
    };
    let [0, 1, rest @ ..] = em else {
        return false;
    };
    let Some((ps, rest)) = rest.split_at_checked(ps_len) else {
        return false;
    };
    let [0, rest @ ..] = rest else {
        return false;
    };
    let Some((prefix, hash)) = rest.split_at_checked(SHA256_DIGEST_INFO.len()) else {
        return false;
    };
    zeros.iter().all(|b| *b == 0)
        && ps.iter().all(|b| *b == 0xff)
        && prefix == SHA256_DIGEST_INFO
        && hash == digest
}

/// RSASSA-PKCS1-v1_5 verification with SHA-256 of a whole `message` (RFC 8017 §8.2.2) for
/// the e = 65537 key of modulus `n` (big-endian, no leading zero octet), with `ring`.
///
/// `ring` checks what [`verify_pkcs1_sha256`] checks for e = 65537 (a 2048–8192-bit odd
/// modulus, a signature of exactly the modulus' length and below it, then "encode and
/// compare"); the callers have already held the key to [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`].
pub fn verify_f4_message(n: &[u8], message: &[u8], signature: &[u8]) -> bool {
    ring::signature::RsaPublicKeyComponents {
        n,
        e: F4_BYTES.as_slice(),
    }
    .verify(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        message,
        signature,
    )
    .is_ok()
}

/// 65537 (F4) big-endian, as `ring` takes an exponent.
const F4_BYTES: [u8; 3] = [0x01, 0x00, 0x01];

/// The big-endian octets of `n` without leading zero octets (`ring` refuses them).
pub(crate) fn minimal_be(n: &BoxedUint) -> Vec<u8> {
    let be = n.to_be_bytes();
    let zeros = be.iter().take_while(|b| **b == 0).count();
    be.get(zeros..).unwrap_or_default().to_vec()
}

/// An end-entity certificate's RSA key, decoded for one verification.
///
/// [`rsa_public_key`] builds an `rsa::PublicKey`, whose constructor prepares the Montgomery
/// parameters (R mod n, R² mod n) with constant-time division: about as costly as the
/// verification itself, and redone for every customer because every card has its own key.
/// For e = 65537 this type keeps the modulus only: a message is verified by `ring`
/// ([`CertKey::verify_message_pkcs1_sha256`]), and a digest prepares the Montgomery
/// parameters with `crypto-bigint`'s variable-time division
/// ([`BoxedMontyParams::new_vartime`]; the modulus is public, the values are identical,
/// only the time to compute them differs). The key checks are those of `rsa`
/// (`PublicKey::try_from(SubjectPublicKeyInfoRef)`: rsaEncryption with NULL parameters,
/// n odd, 1 < e < n, e odd) plus [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`]; other exponents go
/// through [`rsa_public_key`].
#[derive(Clone, Debug)]
pub struct CertKey(KeyKind);

#[derive(Clone, Debug)]
enum KeyKind {
    F4 {
        n: Odd<BoxedUint>,
        /// `n`, big-endian, no leading zero octet.
        n_be: Vec<u8>,
        k: usize,
    },
    Other(rsa::PublicKey),
}

impl CertKey {
    /// The key of `cert`.
    pub fn from_certificate(cert: &JpkiCertificate) -> Result<Self, Refusal> {
        Self::from_spki(
            cert.certificate()
                .tbs_certificate()
                .subject_public_key_info(),
        )
    }

    /// Decodes a subjectPublicKeyInfo. Refusals: `unsupported_algorithm` for anything
    /// that is not an RSA key of 2048–4096 bits that `rsa` would accept.
    pub fn from_spki(spki: &spki::SubjectPublicKeyInfoOwned) -> Result<Self, Refusal> {
        let bad = |detail: &str| Refusal::UnsupportedAlgorithm {
            detail: format!("RSA key: {detail}"),
        };
        let null_params = spki
            .algorithm
            .parameters
            .as_ref()
            .is_some_and(|p| der::Tagged::tag(p) == der::Tag::Null && p.value().is_empty());
        if spki.algorithm.oid != crate::oids::RSA_ENCRYPTION || !null_params {
            return Err(bad("not rsaEncryption with NULL parameters"));
        }
        let bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| bad("BIT STRING has unused bits"))?;
        let pkcs1 =
            rsa::pkcs1::RsaPublicKeyRef::try_from(bytes).map_err(|e| bad(&e.to_string()))?;
        let uint = |u: der::asn1::UintRef<'_>| {
            let b = u.as_bytes();
            let bits = u32::try_from(b.len()).ok()?.checked_mul(8)?;
            BoxedUint::from_be_slice(b, bits).ok()
        };
        let (Some(n), Some(e)) = (uint(pkcs1.modulus), uint(pkcs1.public_exponent)) else {
            return Err(bad("integer too large"));
        };
        if !is_f4(&e) {
            let key = rsa::PublicKey::new(n, e).map_err(|e| bad(&e.to_string()))?;
            check_bits(&key)?;
            return Ok(Self(KeyKind::Other(key)));
        }
        let bits = n.bit_width_vartime() as usize;
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(Refusal::UnsupportedAlgorithm {
                detail: format!("RSA-{bits}"),
            });
        }
        // 1 < 65537 < n holds for n of ≥ 2048 bits; n must be odd.
        let n = Option::<Odd<BoxedUint>>::from(Odd::new(n)).ok_or_else(|| bad("even modulus"))?;
        Ok(Self(KeyKind::F4 {
            n_be: minimal_be(&n),
            n,
            k: bits.div_ceil(8),
        }))
    }

    /// RSASSA-PKCS1-v1_5 verification of a SHA-256 `digest`, as [`verify_pkcs1_sha256`].
    pub fn verify_pkcs1_sha256(&self, digest: &[u8], signature: &[u8]) -> bool {
        match &self.0 {
            KeyKind::F4 { n, k, .. } => {
                let params = BoxedMontyParams::new_vartime(n.clone());
                verify_f4(&params, *k, digest, signature)
            }
            KeyKind::Other(key) => verify_pkcs1_sha256(key, digest, signature),
        }
    }

    /// RSASSA-PKCS1-v1_5 verification with SHA-256 of a whole `message`: `ring` for
    /// e = 65537 ([`verify_f4_message`]), `rsa` over its digest otherwise. Same verdict as
    /// [`CertKey::verify_pkcs1_sha256`] over `SHA-256(message)`.
    pub fn verify_message_pkcs1_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.0 {
            KeyKind::F4 { n_be, .. } => verify_f4_message(n_be, message, signature),
            KeyKind::Other(key) => verify_pkcs1_sha256(key, &Sha256::digest(message), signature),
        }
    }
}

fn check_bits(key: &rsa::PublicKey) -> Result<(), Refusal> {
    let bits = key.n().bit_width() as usize;
    if (MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(Refusal::UnsupportedAlgorithm {
            detail: format!("RSA-{bits}"),
        })
    }
}

/// Verifies a card's signature over `challenge` with the (already verified) certificate.
/// Refusal `challenge_signature_invalid` when it does not verify.
pub fn verify_challenge(
    cert: &JpkiCertificate,
    challenge: &[u8],
    signature: &[u8],
) -> Result<(), Refusal> {
    let key = CertKey::from_certificate(cert)?;
    if key.verify_message_pkcs1_sha256(challenge, signature) {
        Ok(())
    } else {
        Err(Refusal::ChallengeSignatureInvalid)
    }
}
