//! The real J-LIS roots load, and their fingerprints are those of docs/domain/jpki.md §2.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jpki_cert::anchors::PRODUCTION_ANCHORS;
use jpki_cert::{Environment, JpkiCertificate, Purpose, TrustStore, UnixTime};

/// Copied by hand from the table in docs/domain/jpki.md §2.1 (SHA-256 fingerprint column).
const JPKI_MD_FINGERPRINTS: &[(&str, &str)] = &[
    (
        "authca01",
        "4DCFC4CA0AAF9FB2A3081B3F0C991C320B3ACC008667A341EEAEC5AF1D58CA7D",
    ),
    (
        "authca03",
        "64114F29620C24ED2631D46476A040E7EE740D956089C00B036A6A8118C322B5",
    ),
    (
        "signca01",
        "19645405A1FE14377434BD55957628AC4038557C542403A2243F21C706FC9355",
    ),
    (
        "signca03",
        "D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F",
    ),
];

#[test]
fn embedded_roots_have_the_documented_fingerprints() {
    assert_eq!(PRODUCTION_ANCHORS.len(), JPKI_MD_FINGERPRINTS.len());
    for (label, fp) in JPKI_MD_FINGERPRINTS {
        let b = PRODUCTION_ANCHORS
            .iter()
            .find(|b| b.label == *label)
            .unwrap();
        let cert = JpkiCertificate::from_pem_or_der(b.pem.as_bytes()).unwrap();
        assert_eq!(hex::encode_upper(cert.fingerprint()), *fp, "{label}");
        assert_eq!(b.sha256, *fp);
    }
}

#[test]
fn production_stores_hold_both_generations_with_the_same_name() {
    for purpose in [Purpose::Auth, Purpose::Sign] {
        let store = TrustStore::production(purpose).unwrap();
        assert_eq!(store.environment(), Environment::Production);
        let a = store.anchors();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].certificate().subject(), a[1].certificate().subject());
        assert_ne!(a[0].key_hash(), a[1].key_hash());
        assert_ne!(
            a[0].certificate().subject_key_id(),
            a[1].certificate().subject_key_id()
        );
    }
}

#[test]
fn shared_trust_anchor_folder_loads_per_purpose() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("anchors");
    let auth = TrustStore::from_dir(Purpose::Auth, Environment::Production, &dir).unwrap();
    let labels: Vec<_> = auth
        .anchors()
        .iter()
        .map(|a| a.label().to_owned())
        .collect();
    assert_eq!(labels, ["authca01-2015-expired", "authca03-2023"]);
    // The production roots are refused by a test store.
    assert!(TrustStore::from_dir(Purpose::Sign, Environment::Test, &dir).is_err());
}

#[test]
fn gen1_root_validity_matches_jpki_md() {
    let store = TrustStore::production(Purpose::Auth).unwrap();
    let gen1 = store.anchors()[0].certificate();
    assert_eq!(
        gen1.not_after(),
        "2025-10-19T14:59:59Z".parse::<UnixTime>().unwrap()
    );
    assert_eq!(gen1.serial_hex(), "01");
    assert_eq!(store.anchors()[1].certificate().serial_hex(), "06d18006");
}
