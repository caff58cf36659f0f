//! Test personas made in code: two RSA-2048 keys (seeded, so every run gets
//! the same ones), generated once per test binary, with simple self-signed
//! certificates. Not the JPKI profile: the card only stores certificates.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use der::EncodePem;
use der::pem::LineEnding;
use jpki_card_sim::persona::{CardSettings, PersonaPem};
use jpki_card_sim::{Persona, Sex, VirtualCard};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
use rsa::{PrivateKey, PublicKey};
use sha2::Sha256;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::builder::{Builder, CertificateBuilder, profile::BuilderProfile};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

pub const AUTH_PIN: &str = "1234";
pub const SIGN_PASSWORD: &str = "TARO2024";
pub const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// One key with its certificate and a "CA" certificate (self-signed by the
/// same key under another name: enough for a card that only stores them).
pub struct KeyMaterial {
    pub public: PublicKey,
    pub key_pem: String,
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
}

pub struct Material {
    pub auth: KeyMaterial,
    pub sign: KeyMaterial,
}

struct SelfSigned(Name);

impl BuilderProfile for SelfSigned {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }
    fn get_subject(&self) -> Name {
        self.0.clone()
    }
    fn build_extensions(
        &self,
        _: spki::SubjectPublicKeyInfoRef<'_>,
        _: spki::SubjectPublicKeyInfoRef<'_>,
        _: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(Vec::new())
    }
}

fn self_signed(key: &PrivateKey, subject: &str, serial: u32) -> (String, Vec<u8>) {
    let spki_der = key.to_public_key().to_public_key_der().unwrap();
    let spki = SubjectPublicKeyInfoOwned::try_from(spki_der.as_bytes()).unwrap();
    let builder = CertificateBuilder::new(
        SelfSigned(Name::from_str(subject).unwrap()),
        SerialNumber::from(serial),
        Validity::from_now(Duration::from_secs(3600 * 24 * 365)).unwrap(),
        spki,
    )
    .unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone());
    let cert = builder
        .build::<_, rsa::pkcs1v15::Signature>(&signer)
        .unwrap();
    let pem = cert.to_pem(LineEnding::LF).unwrap();
    let der = der::Encode::to_der(&cert).unwrap();
    (pem, der)
}

fn key_material(seed: u64, name: &str) -> KeyMaterial {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let key = PrivateKey::new(&mut rng, 2048).unwrap();
    let (cert_pem, cert_der) = self_signed(&key, &format!("CN={name},O=JPKI-TEST,C=JP"), 1);
    let (ca_pem, ca_der) = self_signed(&key, &format!("CN={name} CA,O=JPKI-TEST,C=JP"), 2);
    KeyMaterial {
        public: key.to_public_key(),
        key_pem: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        cert_pem,
        cert_der,
        ca_pem,
        ca_der,
    }
}

/// The keys and certificates, made on first use.
pub fn material() -> &'static Material {
    static MATERIAL: OnceLock<Material> = OnceLock::new();
    MATERIAL.get_or_init(|| {
        let auth = std::thread::spawn(|| key_material(1, "auth"));
        let sign = key_material(2, "sign");
        Material {
            auth: auth.join().unwrap(),
            sign,
        }
    })
}

/// A persona with both certificates.
pub fn persona() -> Persona {
    let m = material();
    Persona {
        id: "test-taro".to_owned(),
        label: "unit tests: both certificates".to_owned(),
        name: "試験　太郎".to_owned(),
        address: "東京都千代田区霞が関１－１".to_owned(),
        birth_date: "1980-01-01".to_owned(),
        sex: Sex::Male,
        auth_pin: AUTH_PIN.to_owned(),
        sign_password: Some(SIGN_PASSWORD.to_owned()),
        card: CardSettings {
            atr: "3B E0 00 FF 81 31 FE 45 14".to_owned(),
            auth_pin_tries_left: 3,
            sign_password_tries_left: 5,
        },
        pem: PersonaPem {
            auth_certificate: m.auth.cert_pem.clone(),
            auth_private_key: m.auth.key_pem.clone(),
            auth_ca_certificate: m.auth.ca_pem.clone(),
            sign_certificate: Some(m.sign.cert_pem.clone()),
            sign_private_key: Some(m.sign.key_pem.clone()),
            sign_ca_certificate: Some(m.sign.ca_pem.clone()),
        },
    }
}

/// A persona without a signature certificate (minor, 顔認証カード).
pub fn persona_without_sign() -> Persona {
    let mut p = persona();
    p.id = "test-jiro".to_owned();
    p.sign_password = None;
    p.pem.sign_certificate = None;
    p.pem.sign_private_key = None;
    p.pem.sign_ca_certificate = None;
    p
}

/// A powered card with both certificates.
pub fn card() -> VirtualCard {
    let mut card = VirtualCard::from_persona(&persona()).unwrap();
    assert_eq!(card.power_on(), ATR);
    card
}

/// A powered card without a signature certificate.
pub fn card_without_sign() -> VirtualCard {
    let mut card = VirtualCard::from_persona(&persona_without_sign()).unwrap();
    card.power_on();
    card
}

/// SW1 SW2 of a response as one number.
pub fn sw(response: &[u8]) -> u16 {
    assert!(response.len() >= 2, "response too short: {response:02X?}");
    u16::from_be_bytes([response[response.len() - 2], response[response.len() - 1]])
}

/// The data part of a response.
pub fn data(response: &[u8]) -> &[u8] {
    &response[..response.len() - 2]
}

pub const SELECT_JPKI: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];

pub fn select_ef_apdu(fid: u16) -> Vec<u8> {
    let [hi, lo] = fid.to_be_bytes();
    vec![0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]
}

pub fn read_apdu(offset: u16, le: u8) -> Vec<u8> {
    let [p1, p2] = offset.to_be_bytes();
    vec![0x00, 0xB0, p1, p2, le]
}

pub fn verify_apdu(pin: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0x20, 0x00, 0x80];
    if !pin.is_empty() {
        apdu.push(u8::try_from(pin.len()).unwrap());
        apdu.extend_from_slice(pin);
    }
    apdu
}

pub fn sign_apdu(input: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x80, 0x2A, 0x00, 0x80, u8::try_from(input.len()).unwrap()];
    apdu.extend_from_slice(input);
    apdu.push(0x00);
    apdu
}

/// Sends an APDU and returns SW1 SW2.
pub fn send(card: &mut VirtualCard, apdu: &[u8]) -> u16 {
    sw(&card.process(apdu))
}

/// SELECT the JPKI AP, then the EF.
pub fn select(card: &mut VirtualCard, fid: u16) -> u16 {
    assert_eq!(send(card, &SELECT_JPKI), 0x9000);
    send(card, &select_ef_apdu(fid))
}

/// SELECT the PIN EF and VERIFY.
pub fn verify(card: &mut VirtualCard, pin_fid: u16, pin: &[u8]) -> u16 {
    assert_eq!(select(card, pin_fid), 0x9000);
    send(card, &verify_apdu(pin))
}

/// Reads the current EF the way MC does: 256 bytes, then the rest by
/// offset, stopping at 6282/6B00. Returns the bytes and the APDU count.
pub fn read_all(card: &mut VirtualCard) -> (Vec<u8>, u32) {
    let mut out = Vec::new();
    let mut apdus = 0;
    loop {
        let r = card.process(&read_apdu(u16::try_from(out.len()).unwrap(), 0));
        apdus += 1;
        match sw(&r) {
            0x9000 => out.extend_from_slice(data(&r)),
            0x6282 => {
                out.extend_from_slice(data(&r));
                return (out, apdus);
            }
            0x6B00 => return (out, apdus),
            other => panic!("READ BINARY answered {other:04X}"),
        }
    }
}

/// SHA-256 DigestInfo of `message` (RFC 8017 prefix).
pub fn digest_info(message: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let mut out = vec![
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    out.extend_from_slice(&Sha256::digest(message));
    out
}
