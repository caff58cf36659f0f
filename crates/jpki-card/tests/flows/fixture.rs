//! Test keys and certificates: two RSA-2048 keys from a seeded generator and
//! minimal self-signed X.509 certificates of exactly the sizes docs/domain/jpki.md §1.5
//! gives (a real auth certificate is 1,586 bytes, MW's sign certificate
//! 1,764), so READ BINARY counts match a real card. Built once per test binary.

use std::convert::Infallible;
use std::sync::OnceLock;

use jpki_card::{digest_info_sha256, sha256};
use rsa::pkcs8::EncodePublicKey;
use rsa::rand_core::{TryCryptoRng, TryRng};
use rsa::{Pkcs1v15Sign, PrivateKey};

/// The size of the real production auth certificate (docs/domain/jpki.md §1.5).
pub const AUTH_CERT_LEN: usize = 1586;
/// The size of MW's synthetic sign certificate (docs/domain/jpki.md §1.5).
pub const SIGN_CERT_LEN: usize = 1764;

/// The digest every flow test signs.
pub fn digest() -> [u8; 32] {
    sha256(b"madoguchi test challenge")
}

pub struct Fixture {
    pub auth_key: PrivateKey,
    pub auth_cert: Vec<u8>,
    pub sign_key: PrivateKey,
    pub sign_cert: Vec<u8>,
    /// The card's signature over DigestInfo(digest()) with each key.
    pub auth_signature: Vec<u8>,
    pub sign_signature: Vec<u8>,
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = Drbg::new(b"jpki-card flow tests");
        let auth_key = PrivateKey::new(&mut rng, 2048).expect("auth key");
        let sign_key = PrivateKey::new(&mut rng, 2048).expect("sign key");
        let auth_cert = certificate(&auth_key, "JPKI-TEST auth", AUTH_CERT_LEN);
        let sign_cert = certificate(&sign_key, "JPKI-TEST sign", SIGN_CERT_LEN);
        let auth_signature = card_sign(&auth_key, &digest());
        let sign_signature = card_sign(&sign_key, &digest());
        Fixture {
            auth_key,
            auth_cert,
            sign_key,
            sign_cert,
            auth_signature,
            sign_signature,
        }
    })
}

/// What the card does with `80 2A 00 80`: PKCS#1 v1.5 type-1 padding of the
/// DigestInfo as given, then the private-key operation (docs/domain/jpki.md §1.6).
pub fn card_sign(key: &PrivateKey, digest: &[u8; 32]) -> Vec<u8> {
    key.sign(Pkcs1v15Sign::new_unprefixed(), &digest_info_sha256(digest))
        .expect("sign")
}

/// A deterministic generator for test keys: SHA-256 in counter mode. Not for
/// production keys; it only makes the tests reproducible.
struct Drbg {
    seed: [u8; 32],
    counter: u64,
    pool: Vec<u8>,
}

impl Drbg {
    fn new(seed: &[u8]) -> Self {
        Drbg {
            seed: sha256(seed),
            counter: 0,
            pool: Vec::new(),
        }
    }
}

impl TryRng for Drbg {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            if self.pool.is_empty() {
                let mut block = self.seed.to_vec();
                block.extend_from_slice(&self.counter.to_be_bytes());
                self.counter += 1;
                self.pool = sha256(&block).to_vec();
            }
            *byte = self.pool.pop().expect("refilled");
        }
        Ok(())
    }
}

impl TryCryptoRng for Drbg {}

/// DER TLV with definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn name(cn: &str) -> Vec<u8> {
    // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3 (CN), UTF8String } } }
    let atv = seq(&[&[0x06, 0x03, 0x55, 0x04, 0x03], &tlv(0x0C, cn.as_bytes())]);
    seq(&[&tlv(0x31, &atv)])
}

/// A self-signed v3 certificate for `key`, padded with a private extension
/// to exactly `size` bytes.
pub fn certificate(key: &PrivateKey, cn: &str, size: usize) -> Vec<u8> {
    let mut filler = size.saturating_sub(900);
    for _ in 0..8 {
        let cert = build(key, cn, filler);
        if cert.len() == size {
            return cert;
        }
        filler = (filler + size).saturating_sub(cert.len());
    }
    panic!("could not reach {size} bytes");
}

fn build(key: &PrivateKey, cn: &str, filler: usize) -> Vec<u8> {
    let sha256_with_rsa = seq(&[
        &[
            0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B,
        ],
        &[0x05, 0x00],
    ]);
    let spki = key
        .to_public_key()
        .to_public_key_der()
        .expect("spki")
        .as_bytes()
        .to_vec();
    let validity = seq(&[&tlv(0x17, b"250101000000Z"), &tlv(0x17, b"350101000000Z")]);
    // Extension 1.3.6.1.4.1.99999.1 (private arc), OCTET STRING of filler.
    let extension = seq(&[
        &[
            0x06, 0x09, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8D, 0x1F, 0x01,
        ],
        &tlv(0x04, &tlv(0x04, &vec![0x5A; filler])),
    ]);
    let tbs = seq(&[
        &[0xA0, 0x03, 0x02, 0x01, 0x02], // version v3
        &[0x02, 0x02, 0x12, 0x34],       // serial
        &sha256_with_rsa,
        &name(cn),
        &validity,
        &name(cn),
        &spki,
        &tlv(0xA3, &seq(&[&extension])),
    ]);
    let signature = card_sign(key, &sha256(&tbs));
    let mut bits = vec![0x00];
    bits.extend_from_slice(&signature);
    seq(&[&tbs, &sha256_with_rsa, &tlv(0x03, &bits)])
}
