//! Acceptance: CRL reading, verification by the right root generation, freshness, the
//! on-disk index and its atomic replacement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/crlgen.rs"]
mod crlgen;

use std::sync::Arc;

use common::*;
use jpki_cert::crl::{CrlError, CrlIndex, CrlIndexBuilder, SharedCrlIndex, read_crl};
use jpki_cert::{
    CrlReason, Purpose, Refusal, RevocationSource, RevocationStatus, UnixTime, Verifier,
};
use testkit::{CertSpec, CrlEntry, CrlSpec, Generation, Municipality, Signer};
use x509_cert::ext::pkix::CrlReason as TkReason;

fn chiyoda() -> Municipality {
    Municipality::new("Tokyo-to", "Chiyoda-ku")
}

fn crl_spec(purpose: Purpose, g: Generation, this: &str) -> CrlSpec {
    let t = der::DateTime::from_unix_duration(std::time::Duration::from_secs(
        this.parse::<UnixTime>().unwrap().as_secs() as u64,
    ))
    .unwrap();
    CrlSpec::new(tk(purpose), g, chiyoda(), t).unwrap()
}

fn revoke(spec: &mut CrlSpec, serial: u32, at: &str, reason: Option<TkReason>) {
    let t = at.parse::<UnixTime>().unwrap().as_secs() as u64;
    spec.entries.push(CrlEntry {
        serial,
        revocation_date: der::DateTime::from_unix_duration(std::time::Duration::from_secs(t))
            .unwrap(),
        reason,
    });
}

#[test]
fn revoked_with_reason_and_date_and_good_otherwise() {
    let mut crl = crl_spec(Purpose::Auth, Generation::G3, "2026-11-23T15:00:00Z");
    revoke(
        &mut crl,
        0x0123_4567,
        "2026-10-15T02:30:00Z",
        Some(TkReason::KeyCompromise),
    );
    revoke(&mut crl, 0x0000_0042, "2026-10-16T02:30:00Z", None);
    let store = store(Purpose::Auth);
    let idx = index(&[crl.build(pki()).unwrap()], &[&store]);
    let v = Verifier::new(store);
    let der = CertSpec::auth(Generation::G3)
        .unwrap()
        .issue(pki())
        .unwrap();
    assert_eq!(
        refusal(v.verify(&der, now(), &idx)),
        Refusal::Revoked {
            reason: CrlReason::KeyCompromise,
            revoked_at: "2026-10-15T02:30:00Z".parse().unwrap(),
            via: RevocationSource::Crl,
        }
    );
    let mut other = CertSpec::auth(Generation::G3).unwrap();
    other.serial = 0x0123_4568;
    let a = v.verify(&other.issue(pki()).unwrap(), now(), &idx);
    assert!(
        matches!(
            a.accepted().unwrap().revocation,
            RevocationStatus::Good {
                source: RevocationSource::Crl,
                ..
            }
        ),
        "{a:?}"
    );
    let json = serde_json::to_value(refusal(v.verify(&der, now(), &idx))).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"code": "revoked", "reason": "key_compromise",
        "revoked_at": "2026-10-15T02:30:00Z", "source": "crl"})
    );
}

#[test]
fn stale_missing_or_future_crl_is_revocation_unknown_never_good() {
    let crl = crl_spec(Purpose::Auth, Generation::G3, "2026-11-23T15:00:00Z"); // next: +1 day
    let store = store(Purpose::Auth);
    let idx = index(&[crl.build(pki()).unwrap()], &[&store]);
    let v = Verifier::new(store.clone());
    let der = CertSpec::auth(Generation::G3)
        .unwrap()
        .issue(pki())
        .unwrap();
    assert!(v.verify(&der, now(), &idx).accepted().is_some());
    for at in ["2026-11-24T15:00:01Z", "2026-11-23T14:59:59Z"] {
        let r = refusal(v.verify(&der, at.parse().unwrap(), &idx));
        assert_eq!(r.code(), "revocation_unknown", "{at}: {r:?}");
    }
    // No CRL for the certificate's municipality.
    let mut elsewhere = CertSpec::auth(Generation::G3).unwrap();
    elsewhere.municipality = Municipality::new("Kanagawa-ken", "Yokohama-shi-Naka-ku");
    let r = refusal(v.verify(&elsewhere.issue(pki()).unwrap(), now(), &idx));
    assert_eq!(r.code(), "revocation_unknown");
    // A CRL without nextUpdate is never fresh.
    let mut no_next = crl_spec(Purpose::Auth, Generation::G3, "2026-11-23T15:00:00Z");
    no_next.next_update = None;
    let idx = index(&[no_next.build(pki()).unwrap()], &[&store]);
    assert_eq!(
        refusal(v.verify(&der, now(), &idx)).code(),
        "revocation_unknown"
    );
    // An empty index.
    let idx = index(&[], &[&store]);
    assert_eq!(
        refusal(v.verify(&der, now(), &idx)).code(),
        "revocation_unknown"
    );
}

#[test]
fn crl_signed_by_the_wrong_key_is_rejected_and_covers_nothing() {
    let store = store(Purpose::Auth);
    for signer in [
        Signer::Rogue,
        Signer::Root(testkit::Purpose::Auth, Generation::G2),
    ] {
        let mut crl = crl_spec(Purpose::Auth, Generation::G3, "2026-11-23T15:00:00Z");
        crl.signer = signer;
        revoke(&mut crl, 0x0123_4567, "2026-10-15T02:30:00Z", None);
        let mut b = CrlIndexBuilder::new();
        let e = b
            .add_crl(crl.build(pki()).unwrap().as_slice(), &[&store])
            .unwrap_err();
        assert!(matches!(e, CrlError::BadSignature), "{e:?}");
        let mut out = Vec::new();
        b.write_to(&mut out).unwrap();
        let idx = CrlIndex::from_bytes(out).unwrap();
        let der = CertSpec::auth(Generation::G3)
            .unwrap()
            .issue(pki())
            .unwrap();
        let r = refusal(Verifier::new(store.clone()).verify(&der, now(), &idx));
        assert_eq!(r.code(), "revocation_unknown");
    }
    // A CRL from a root the store does not pin.
    let crl = crl_spec(Purpose::Sign, Generation::G3, "2026-11-23T15:00:00Z");
    let e = CrlIndexBuilder::new()
        .add_crl(crl.build(pki()).unwrap().as_slice(), &[&store])
        .unwrap_err();
    assert!(matches!(e, CrlError::UnknownIssuer), "{e:?}");
}

#[test]
fn each_root_generation_covers_its_own_certificates() {
    let store = store(Purpose::Auth);
    let mut g2 = crl_spec(Purpose::Auth, Generation::G2, "2026-11-23T15:00:00Z");
    revoke(
        &mut g2,
        0x0123_4567,
        "2026-10-15T02:30:00Z",
        Some(TkReason::Superseded),
    );
    let g3 = crl_spec(Purpose::Auth, Generation::G3, "2026-11-23T15:00:00Z");
    let idx = index(
        &[g2.build(pki()).unwrap(), g3.build(pki()).unwrap()],
        &[&store],
    );
    let v = Verifier::new(store);
    let cert_g2 = CertSpec::auth(Generation::G2)
        .unwrap()
        .issue(pki())
        .unwrap();
    let cert_g3 = CertSpec::auth(Generation::G3)
        .unwrap()
        .issue(pki())
        .unwrap();
    assert_eq!(refusal(v.verify(&cert_g2, now(), &idx)).code(), "revoked");
    assert!(
        v.verify(&cert_g3, now(), &idx).accepted().is_some(),
        "same serial, other generation"
    );
}

#[test]
fn newer_crl_of_a_scope_replaces_the_older() {
    let store = store(Purpose::Auth);
    let mut old = crl_spec(Purpose::Auth, Generation::G3, "2026-11-22T15:00:00Z");
    revoke(&mut old, 0x0123_4567, "2026-10-15T02:30:00Z", None);
    let new = crl_spec(Purpose::Auth, Generation::G3, "2026-11-23T15:00:00Z");
    let mut b = CrlIndexBuilder::new();
    assert!(
        b.add_crl(new.build(pki()).unwrap().as_slice(), &[&store])
            .unwrap()
            .used
    );
    assert!(
        !b.add_crl(old.build(pki()).unwrap().as_slice(), &[&store])
            .unwrap()
            .used
    );
    let mut out = Vec::new();
    b.write_to(&mut out).unwrap();
    let idx = CrlIndex::from_bytes(out).unwrap();
    assert_eq!(idx.len(), 0);
    assert_eq!(
        idx.scopes()[0].this_update,
        "2026-11-23T15:00:00Z".parse().unwrap()
    );
}

#[test]
fn committed_fixture_crl_revokes_the_revoked_persona() {
    let store = store(Purpose::Auth);
    let crl = testkit::committed_crl(testkit::Purpose::Auth).unwrap();
    let idx = index(std::slice::from_ref(&crl), &[&store]);
    let v = Verifier::new(store);
    let at = "2026-11-24T00:00:00Z".parse().unwrap();
    let shota = testkit::load_persona("yamamoto-shota").unwrap();
    let der =
        jpki_cert::JpkiCertificate::from_pem_or_der(shota.pem.auth_certificate.as_bytes()).unwrap();
    let r = refusal(v.verify(der.der(), at, &idx));
    assert!(
        matches!(
            r,
            Refusal::Revoked {
                reason: CrlReason::KeyCompromise,
                ..
            }
        ),
        "{r:?}"
    );
    let yuki = testkit::load_persona("tanaka-yuki").unwrap();
    let der =
        jpki_cert::JpkiCertificate::from_pem_or_der(yuki.pem.auth_certificate.as_bytes()).unwrap();
    // tanaka-yuki's distribution point is Nagoya-shi-Naka-ku: no CRL for it here.
    assert_eq!(
        refusal(v.verify(der.der(), at, &idx)).code(),
        "revocation_unknown"
    );
    // The streaming reader agrees with x509-cert's decoder.
    let mut serials = Vec::new();
    read_crl(crl.as_slice(), |e| {
        serials.push(e.serial.to_vec());
        Ok(())
    })
    .unwrap();
    let full: x509_cert::crl::CertificateList = der::Decode::from_der(&crl).unwrap();
    let expect: Vec<Vec<u8>> = full
        .tbs_cert_list
        .revoked_certificates
        .unwrap_or_default()
        .iter()
        .map(|r| r.serial_number.as_bytes().to_vec())
        .collect();
    assert_eq!(serials, expect);
}

fn gen_crl(store: &jpki_cert::TrustStore, serials: &[Vec<u8>], this: &str) -> Vec<u8> {
    let root = pki().root(testkit::Purpose::Auth, Generation::G3);
    let spec = crlgen::GenSpec {
        issuer: der::Encode::to_der(root.name()).unwrap(),
        aki: Some(root.key_identifier().unwrap().to_vec()),
        idp: Some(
            der::Encode::to_der(&chiyoda().crl_dp_name(testkit::Purpose::Auth).unwrap()).unwrap(),
        ),
        this_update: this.parse().unwrap(),
        next_update: Some(this.parse::<UnixTime>().unwrap().plus_secs(86_400)),
        crl_number: 7,
    };
    let mut out = Vec::new();
    crlgen::write_crl(
        &mut out,
        &spec,
        serials.len() as u64,
        |i| crlgen::GenEntry {
            serial: serials[i as usize].clone(),
            revoked_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            reason: Some((i % 6) as u8),
        },
        crlgen::rsa_signer(root.key().private_key()),
    )
    .unwrap();
    let _ = store;
    out
}

#[test]
fn serials_of_every_width_are_kept_apart() {
    let store = store(Purpose::Auth);
    let serials: Vec<Vec<u8>> = vec![
        vec![0x01],
        vec![0x00, 0x80],
        vec![0x80],
        vec![
            0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ],
        vec![0x01, 0x23, 0x45, 0x67],
    ];
    let crl = gen_crl(&store, &serials, "2026-11-23T15:00:00Z");
    let idx = index(&[crl], &[&store]);
    assert_eq!(idx.len(), 5);
    assert_eq!(idx.serial_width(), 20);
    let key = *store.anchors()[2].key_hash();
    for (i, s) in serials.iter().enumerate() {
        let r = idx.lookup(&key, s).unwrap_or_else(|| panic!("{s:02x?}"));
        assert_eq!(r.reason.code(), (i % 6) as u8);
    }
    assert!(idx.lookup(&key, &[0x00, 0x81]).is_none());
    assert!(idx.lookup(&key, &[0x02]).is_none());
}

#[test]
fn index_file_is_replaced_atomically_while_lookups_continue() {
    let store = store(Purpose::Auth);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.idx");
    let day1: Vec<Vec<u8>> = (0..1000u64)
        .map(|i| crlgen::serial_bytes(crlgen::scrambled_serial(i)))
        .collect();
    let mut b = CrlIndexBuilder::new();
    b.add_crl(
        gen_crl(&store, &day1, "2026-11-23T15:00:00Z").as_slice(),
        &[&store],
    )
    .unwrap();
    b.write_atomic(&path).unwrap();
    let shared = Arc::new(SharedCrlIndex::new(CrlIndex::open(&path).unwrap()));
    let key = *store.anchors()[2].key_hash();
    let probe = day1[10].clone();
    let reader = {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            let mut seen = 0;
            for _ in 0..20_000 {
                if shared.snapshot().lookup(&key, &probe).is_some() {
                    seen += 1;
                }
            }
            seen
        })
    };
    // Day 2: the probe serial is no longer listed (say it was a hold, released).
    let day2: Vec<Vec<u8>> = day1[11..].to_vec();
    let mut b = CrlIndexBuilder::new();
    b.add_crl(
        gen_crl(&store, &day2, "2026-11-24T15:00:00Z").as_slice(),
        &[&store],
    )
    .unwrap();
    b.write_atomic(&path).unwrap();
    let old = shared.snapshot();
    shared.reload(&path).unwrap();
    assert!(
        old.lookup(&key, &day1[10]).is_some(),
        "old snapshot unchanged"
    );
    assert!(shared.snapshot().lookup(&key, &day1[10]).is_none());
    assert!(reader.join().unwrap() > 0);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
    // A damaged file is refused and the live index stays.
    std::fs::write(&path, b"JPKICRL1 damaged").unwrap();
    assert!(shared.reload(&path).is_err());
    assert_eq!(shared.snapshot().len(), day2.len());
}

#[test]
fn malformed_crls_are_errors_not_panics() {
    let store = store(Purpose::Auth);
    let good = crl_spec(Purpose::Auth, Generation::G3, "2026-11-23T15:00:00Z")
        .build(pki())
        .unwrap();
    for cut in [0, 1, 5, good.len() / 2, good.len() - 1] {
        let e = CrlIndexBuilder::new().add_crl(&good[..cut], &[&store]);
        assert!(matches!(e, Err(CrlError::Malformed(_))), "{cut}: {e:?}");
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(
        CrlIndexBuilder::new()
            .add_crl(trailing.as_slice(), &[&store])
            .is_err()
    );
}

/// A certificate whose chain the verifier has already checked (and keeps, see
/// `jpki_cert::chain_cache`) is still checked for revocation at every identification:
/// revoked in the CRL in use, it is refused; a new CRL that revokes it takes effect at the
/// next identification, and one that no longer lists it lets it through again.
#[test]
fn a_kept_certificate_is_checked_against_the_crl_in_use_every_time() {
    let store = store(Purpose::Auth);
    let clean = index(
        &[
            crl_spec(Purpose::Auth, Generation::G3, "2026-11-23T15:00:00Z")
                .build(pki())
                .unwrap(),
        ],
        &[&store],
    );
    let mut revoking = crl_spec(Purpose::Auth, Generation::G3, "2026-11-23T16:00:00Z");
    revoke(
        &mut revoking,
        0x0123_4567,
        "2026-11-23T15:30:00Z",
        Some(TkReason::KeyCompromise),
    );
    let revoking = index(&[revoking.build(pki()).unwrap()], &[&store]);
    let v = Verifier::new(store);
    let der = CertSpec::auth(Generation::G3)
        .unwrap()
        .issue(pki())
        .unwrap();
    let challenge = b"platform nonce 0123456789abcdef";
    let sig = pki().spare_key().sign(challenge).unwrap();
    let identify = |idx: &CrlIndex| v.verify_identification(&der, challenge, &sig, now(), idx);
    let revoked = Refusal::Revoked {
        reason: CrlReason::KeyCompromise,
        revoked_at: "2026-11-23T15:30:00Z".parse().unwrap(),
        via: RevocationSource::Crl,
    };
    for _ in 0..2 {
        let a = identify(&clean);
        assert!(
            matches!(
                a.accepted().map(|a| &a.revocation),
                Some(RevocationStatus::Good { .. })
            ),
            "{a:?}"
        );
    }
    // The CRL changes: the certificate, now kept, is refused at once, and again.
    assert_eq!(refusal(identify(&revoking)), revoked);
    assert_eq!(refusal(identify(&revoking)), revoked);
    // A verifier that has never seen it says the same.
    let fresh = Verifier::new(store_with(Purpose::Auth, &Generation::ALL));
    assert_eq!(
        refusal(fresh.verify_identification(&der, challenge, &sig, now(), &revoking)),
        revoked
    );
    assert!(identify(&clean).accepted().is_some());
    // A CRL that does not cover the certificate's municipality: unknown, never accepted.
    let empty = index(&[], &[]);
    assert!(matches!(
        refusal(identify(&empty)),
        Refusal::RevocationUnknown { .. }
    ));
}
