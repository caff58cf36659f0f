//! The RSA fast paths (`challenge::verify_pkcs1_sha256` for prepared keys, `CertKey` for
//! customers' keys, over a digest with `crypto-bigint` and over the message with `ring`)
//! give the same answer as the `rsa` crate's own PKCS#1 v1.5 verification, and `CertKey`
//! accepts exactly the keys `rsa` accepts (within 2048–4096 bits).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use der::asn1::{BitString, UintRef};
use der::{Decode, Encode};
use jpki_cert::JpkiCertificate;
use jpki_cert::challenge::{CertKey, rsa_public_key, verify_pkcs1_sha256};
use proptest::prelude::*;
use rsa::Pkcs1v15Sign;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, DecodePublicKey, SubjectPublicKeyInfoOwned};
use testkit::{CertSpec, Generation, TestKey};

fn rsa_says(key: &rsa::PublicKey, digest: &[u8], sig: &[u8]) -> bool {
    key.verify(Pkcs1v15Sign::new::<Sha256>(), digest, sig)
        .is_ok()
}

/// The testkit keys with their private halves: spare (the personas' card key), rogue,
/// and the gen-3 roots.
fn keys() -> Vec<&'static TestKey> {
    let p = pki();
    vec![
        p.spare_key(),
        p.rogue_key(),
        p.root(testkit::Purpose::Auth, Generation::G3).key(),
        p.root(testkit::Purpose::Sign, Generation::G3).key(),
    ]
}

fn spki_of(key: &TestKey) -> SubjectPublicKeyInfoOwned {
    key.public_key_info().unwrap()
}

/// All three verifications of one (key, digest, signature), which must agree.
fn all_three(key: &TestKey, digest: &[u8], sig: &[u8]) -> bool {
    let public = rsa::PublicKey::from(key.private_key());
    let theirs = rsa_says(&public, digest, sig);
    assert_eq!(verify_pkcs1_sha256(&public, digest, sig), theirs);
    let ck = CertKey::from_spki(&spki_of(key)).unwrap();
    assert_eq!(ck.verify_pkcs1_sha256(digest, sig), theirs);
    theirs
}

/// Every verification of one (key, message, signature): the three over its digest and
/// `ring`'s over the message, which must agree.
fn all_four(key: &TestKey, msg: &[u8], sig: &[u8]) -> bool {
    let theirs = all_three(key, &Sha256::digest(msg), sig);
    let ck = CertKey::from_spki(&spki_of(key)).unwrap();
    assert_eq!(ck.verify_message_pkcs1_sha256(msg, sig), theirs);
    theirs
}

#[test]
fn fast_rsa_path_agrees_with_the_rsa_crate() {
    let der = CertSpec::auth(Generation::G3)
        .unwrap()
        .issue(pki())
        .unwrap();
    let cert = JpkiCertificate::from_der(&der).unwrap();
    let key = rsa_public_key(&cert).unwrap();
    let cert_key = CertKey::from_certificate(&cert).unwrap();
    let digest = Sha256::digest(b"challenge");
    let good = pki().spare_key().sign(b"challenge").unwrap();
    let mut cases = vec![
        good.clone(),
        vec![0xff; 256],
        vec![0; 256],
        good[1..].to_vec(),
        [good.as_slice(), &[0]].concat(),
        key.n().to_be_bytes().to_vec(),
    ];
    for i in [0usize, 1, 100, 255] {
        let mut s = good.clone();
        s[i] ^= 1;
        cases.push(s);
    }
    for (i, sig) in cases.iter().enumerate() {
        let theirs = rsa_says(&key, &digest, sig);
        assert_eq!(verify_pkcs1_sha256(&key, &digest, sig), theirs, "case {i}");
        assert_eq!(
            cert_key.verify_message_pkcs1_sha256(b"challenge", sig),
            theirs,
            "case {i}"
        );
        assert_eq!(
            cert_key.verify_pkcs1_sha256(&digest, sig),
            theirs,
            "case {i}"
        );
        assert_eq!(theirs, i == 0, "case {i}");
    }
    let other = Sha256::digest(b"other");
    assert!(!verify_pkcs1_sha256(&key, &other, &good));
    assert!(!cert_key.verify_pkcs1_sha256(&other, &good));
    assert!(!cert_key.verify_pkcs1_sha256(&digest[..31], &good));
    assert!(!cert_key.verify_message_pkcs1_sha256(b"other", &good));
}

/// SPKI DER of an RSA key with modulus `n` and exponent `e` (big-endian, minimal) and the
/// given algorithm parameters, built without `rsa`, so that keys `rsa` refuses can be made.
fn spki_der(n: &[u8], e: &[u8], params: Option<der::asn1::Any>) -> Vec<u8> {
    let pkcs1 = rsa::pkcs1::RsaPublicKey {
        modulus: UintRef::new(n).unwrap(),
        public_exponent: UintRef::new(e).unwrap(),
    };
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::RSA_ENCRYPTION,
            parameters: params,
        },
        subject_public_key: BitString::from_bytes(&pkcs1.to_der().unwrap()).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// What `rsa` says about a key, with this crate's 2048–4096-bit bound on top.
fn rsa_accepts(spki: &[u8]) -> Option<rsa::PublicKey> {
    let key = rsa::PublicKey::from_public_key_der(spki).ok()?;
    (2048..=4096)
        .contains(&(key.n().bit_width() as usize))
        .then_some(key)
}

fn exponent() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => Just(vec![1, 0, 1]),
        1 => Just(vec![3]),
        1 => Just(vec![1, 0, 0]),
        1 => Just(vec![0x01, 0x00, 0x00, 0x00, 0x01]),
        1 => prop::collection::vec(any::<u8>(), 1..6),
    ]
}

fn params() -> impl Strategy<Value = Option<der::asn1::Any>> {
    prop_oneof![
        6 => Just(Some(der::asn1::Null.into())),
        1 => Just(None),
        1 => Just(Some(der::asn1::Any::new(der::Tag::OctetString, [0u8; 0]).unwrap())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random moduli (odd or even, 2040–4104 bits) and exponents: `CertKey` accepts a key
    /// exactly when `rsa` does, and then verifies random signatures as `rsa` does.
    #[test]
    fn cert_key_accepts_and_verifies_as_rsa_does(
        len in prop_oneof![Just(255usize), Just(256), Just(384), Just(512), Just(513)],
        seed in prop::collection::vec(any::<u8>(), 513),
        top in 1u8..=255,
        e in exponent(),
        params in params(),
        sig_seed in prop::collection::vec(any::<u8>(), 513),
        digest in prop::collection::vec(any::<u8>(), 32),
        msg in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut n = seed[..len].to_vec();
        n[0] = top;
        prop_assume!(e.first().is_some_and(|b| *b != 0));
        let der = spki_der(&n, &e, params);
        let spki = SubjectPublicKeyInfoOwned::from_der(&der).unwrap();
        let ours = CertKey::from_spki(&spki);
        let theirs = rsa_accepts(&der);
        prop_assert_eq!(ours.is_ok(), theirs.is_some(), "n {:02x?} e {:02x?}", &n[..4], e);
        if let (Ok(ours), Some(theirs)) = (ours, theirs) {
            let sig = &sig_seed[..len];
            prop_assert_eq!(ours.verify_pkcs1_sha256(&digest, sig), rsa_says(&theirs, &digest, sig));
            prop_assert_eq!(verify_pkcs1_sha256(&theirs, &digest, sig), rsa_says(&theirs, &digest, sig));
            prop_assert_eq!(
                ours.verify_message_pkcs1_sha256(&msg, sig),
                rsa_says(&theirs, &Sha256::digest(&msg), sig)
            );
        }
    }

    /// Real keys: valid signatures over random messages verify on every path, and every
    /// one-bit change of the signature or the digest is refused on every path.
    #[test]
    fn real_keys_agree_on_good_and_damaged_signatures(
        which in 0usize..4,
        msg in prop::collection::vec(any::<u8>(), 0..64),
        flip in any::<prop::sample::Index>(),
        flip_digest in any::<bool>(),
    ) {
        let key = keys()[which];
        let digest = Sha256::digest(&msg);
        let sig = key.private_key().sign(Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
        prop_assert!(all_four(key, &msg, &sig));
        let (mut d, mut s) = (digest.to_vec(), sig.clone());
        if flip_digest {
            let i = flip.index(d.len());
            d[i] ^= 1 << (i % 8);
            prop_assert!(!all_three(key, &d, &s));
            let mut m = msg.clone();
            m.push(0);
            prop_assert!(!all_four(key, &m, &s));
        } else {
            let i = flip.index(s.len());
            s[i] ^= 1 << (i % 8);
            prop_assert!(!all_four(key, &msg, &s));
        }
    }

    /// Random signature values below and above the modulus.
    #[test]
    fn real_keys_agree_on_random_signatures(
        which in 0usize..4,
        sig in prop::collection::vec(any::<u8>(), 256),
        msg in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        prop_assert!(!all_four(keys()[which], &msg, &sig));
    }
}
