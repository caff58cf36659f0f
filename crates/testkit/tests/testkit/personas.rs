//! The committed personas: each loads with `jpki-card-sim`'s parser, and each
//! is the case its label promises.

use std::collections::HashSet;

use der::{Decode, Encode};
use rsa::pkcs8::DecodePrivateKey;
use spki::SubjectPublicKeyInfoOwned;
use testkit::{Generation, Purpose, crl::certificate_signature_valid, personas::PERSONA_IDS};

use crate::{cert, der_of, persona, pki, today, valid_at};

#[test]
fn every_persona_file_loads_and_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(testkit::personas_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = PERSONA_IDS.iter().map(|id| format!("{id}.toml")).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
    for id in PERSONA_IDS {
        assert_eq!(persona(id).id, id);
    }
}

#[test]
fn pins_and_passwords_are_distinct_and_well_formed() {
    let mut pins = HashSet::new();
    let mut passwords = HashSet::new();
    for id in PERSONA_IDS {
        let p = persona(id);
        assert!(p.auth_pin.len() == 4 && p.auth_pin.bytes().all(|b| b.is_ascii_digit()));
        assert!(pins.insert(p.auth_pin.clone()), "{id}: PIN reused");
        if let Some(pw) = &p.sign_password {
            assert!((6..=16).contains(&pw.len()), "{id}");
            assert!(
                pw.bytes().any(|b| b.is_ascii_uppercase()),
                "{id}: needs a letter"
            );
            assert!(
                pw.bytes().any(|b| b.is_ascii_digit()),
                "{id}: needs a digit"
            );
            assert!(passwords.insert(pw.clone()), "{id}: password reused");
        }
        let atr = p.card.atr.replace(' ', "");
        assert!(
            atr.starts_with("3B") && hex::decode(&atr).is_ok(),
            "{id}: {atr}"
        );
    }
}

fn public_key_of(private_pem: &str) -> SubjectPublicKeyInfoOwned {
    let key = rsa::PrivateKey::from_pkcs8_pem(private_pem).unwrap();
    let der = rsa::pkcs8::EncodePublicKey::to_public_key_der(&key.to_public_key()).unwrap();
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).unwrap()
}

#[test]
fn keys_match_certificates_and_ca_certificates_are_the_issuers() {
    for id in PERSONA_IDS {
        let p = persona(id);
        let auth = cert(&der_of(&p.pem.auth_certificate));
        assert_eq!(
            auth.tbs_certificate().subject_public_key_info(),
            &public_key_of(&p.pem.auth_private_key),
            "{id}"
        );
        let auth_ca = der_of(&p.pem.auth_ca_certificate);
        assert!(
            certificate_signature_valid(&der_of(&p.pem.auth_certificate), &cert(&auth_ca)).unwrap()
        );
        if let (Some(c), Some(k), Some(ca)) = (
            &p.pem.sign_certificate,
            &p.pem.sign_private_key,
            &p.pem.sign_ca_certificate,
        ) {
            let sign = cert(&der_of(c));
            assert_eq!(
                sign.tbs_certificate().subject_public_key_info(),
                &public_key_of(k)
            );
            assert!(certificate_signature_valid(&der_of(c), &cert(&der_of(ca))).unwrap());
            assert_ne!(
                public_key_of(k),
                public_key_of(&p.pem.auth_private_key),
                "{id}"
            );
        }
    }
}

#[test]
fn each_persona_is_its_case() {
    let hanako = persona("sato-hanako");
    assert_eq!(
        (
            hanako.card.auth_pin_tries_left,
            hanako.card.sign_password_tries_left
        ),
        (3, 5)
    );
    assert!(hanako.has_sign_certificate());

    let ken = persona("takahashi-ken");
    assert!(!ken.has_sign_certificate());
    assert!(ken.sign_password.is_none());
    let born = testkit::Date::parse(&ken.birth_date).unwrap();
    assert_eq!(2026 - born.year(), 15, "a 15-year-old in 2026-11");

    assert_eq!(persona("tanaka-yuki").card.auth_pin_tries_left, 1);
    assert_eq!(persona("watanabe-jiro").card.auth_pin_tries_left, 0);

    let sachiko = persona("ito-sachiko");
    for pem in [
        &sachiko.pem.auth_certificate,
        sachiko.pem.sign_certificate.as_ref().unwrap(),
    ] {
        let c = cert(&der_of(pem));
        let not_after = c.tbs_certificate().validity().not_after.to_date_time();
        assert_eq!(not_after.year(), 2025);
        assert!(!valid_at(&c, today()));
    }

    let mei = persona("kobayashi-mei");
    for (purpose, pem) in [
        (Purpose::Auth, &mei.pem.auth_certificate),
        (Purpose::Sign, mei.pem.sign_certificate.as_ref().unwrap()),
    ] {
        let der = der_of(pem);
        let g2 = pki().root(purpose, Generation::G2);
        let g3 = pki().root(purpose, Generation::G3);
        assert!(certificate_signature_valid(&der, g2.certificate()).unwrap());
        assert!(!certificate_signature_valid(&der, g3.certificate()).unwrap());
        assert_eq!(
            der_of(if purpose == Purpose::Auth {
                &mei.pem.auth_ca_certificate
            } else {
                mei.pem.sign_ca_certificate.as_ref().unwrap()
            }),
            g2.der()
        );
        assert!(valid_at(&cert(&der), today()));
    }
}

#[test]
fn valid_personas_cover_today_by_more_than_a_year() {
    let in_a_year = der::DateTime::new(2027, 11, 24, 0, 0, 0).unwrap();
    for id in PERSONA_IDS.iter().filter(|id| **id != "ito-sachiko") {
        let p = persona(id);
        let mut pems = vec![p.pem.auth_certificate.clone()];
        pems.extend(p.pem.sign_certificate.clone());
        for pem in pems {
            let c = cert(&der_of(&pem));
            assert!(valid_at(&c, today()) && valid_at(&c, in_a_year), "{id}");
            assert!(c.tbs_certificate().to_der().is_ok());
        }
    }
}
