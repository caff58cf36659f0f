//! Acceptance: every refusal reason, good auth and sign certificates, a root generation
//! change and odd names, with testkit's JPKI-profile chains (O=JPKI-TEST).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use jpki_cert::identity::{Era, SexCode};
use jpki_cert::{
    Environment, NoRevocationCheck, Purpose, Refusal, RevocationStatus, TrustStore, UnixTime,
    Verdict,
};
use testkit::{Aki, CertSpec, Date, Generation, Holder, Sex, Signer, ext, profile};

fn issue(spec: &CertSpec) -> Vec<u8> {
    spec.issue(pki()).unwrap()
}

fn refused(purpose: Purpose, der: &[u8]) -> Refusal {
    refusal(verifier(purpose).verify(der, now(), &NoRevocationCheck))
}

#[test]
fn good_auth_certificate_is_accepted_with_its_linkage_key() {
    let der = issue(&CertSpec::auth(Generation::G3).unwrap());
    let v = verifier(Purpose::Auth).verify(&der, now(), &NoRevocationCheck);
    let a = v.accepted().unwrap_or_else(|| panic!("{v:?}"));
    assert_eq!(a.purpose, Purpose::Auth);
    assert_eq!(a.environment, Environment::Test);
    assert_eq!(a.root, "test-auth-g3");
    assert_eq!(a.linkage.serial, "01234567");
    assert!(
        a.linkage.issuer.contains("O=JPKI-TEST"),
        "{}",
        a.linkage.issuer
    );
    assert!(a.identity.is_none());
    assert_eq!(a.revocation, RevocationStatus::NotChecked);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["verdict"], "accepted");
    assert_eq!(json["linkage"]["serial"], "01234567");
}

#[test]
fn good_sign_certificate_yields_the_four_attributes() {
    let der = issue(&CertSpec::sign(Generation::G3).unwrap());
    let v = verifier(Purpose::Sign).verify(&der, now(), &NoRevocationCheck);
    let id = v
        .accepted()
        .and_then(|a| a.identity.clone())
        .unwrap_or_else(|| panic!("{v:?}"));
    assert_eq!(id.name, "見本\u{3000}太郎");
    assert_eq!(
        (id.family_name.as_str(), id.given_name.as_deref()),
        ("見本", Some("太郎"))
    );
    assert_eq!(id.sex.code, Some(SexCode::Male));
    assert_eq!(id.sex.raw, "1");
    assert_eq!(id.birth_date.era, Era::Showa);
    assert_eq!(id.birth_date.date.as_deref(), Some("1980-01-15"));
    assert_eq!(id.birth_date.raw, "319800115");
    assert_eq!(id.address, "東京都千代田区見本町一丁目１番１号");
    let flags = id.name_substitution.unwrap();
    assert!(flags.substituted.is_empty() && flags.matches_value);
}

#[test]
fn odd_names_substituted_characters_and_long_addresses() {
    let mut spec = CertSpec::sign(Generation::G3).unwrap();
    let address: String = "北海道札幌市中央区"
        .chars()
        .chain(std::iter::repeat_n('ー', 191))
        .collect();
    assert_eq!(address.chars().count(), profile::MAX_ADDRESS_CHARS);
    spec.holder = Holder::new(
        "髙橋\u{3000}〓子",
        Date::new(2008, 10, 31).unwrap(),
        Sex::Unknown,
        &address,
    )
    .with_substituted_name_chars(&[0, 3])
    .with_substituted_address_chars(&[199]);
    let v = verifier(Purpose::Sign).verify(&issue(&spec), now(), &NoRevocationCheck);
    let id = v
        .accepted()
        .and_then(|a| a.identity.clone())
        .unwrap_or_else(|| panic!("{v:?}"));
    assert_eq!(id.given_name.as_deref(), Some("〓子"));
    assert_eq!(id.name_substitution.unwrap().substituted, vec![0, 3]);
    assert_eq!(id.address.chars().count(), 200);
    assert_eq!(id.address_substitution.unwrap().substituted, vec![199]);
    assert_eq!(id.sex.code, Some(SexCode::NotKnown));
    assert_eq!(
        (id.birth_date.era, id.birth_date.date.as_deref()),
        (Era::Heisei, Some("2008-10-31"))
    );

    // A name without the U+3000 separator keeps the whole name as the family name.
    let mut spec = CertSpec::sign(Generation::G3).unwrap();
    spec.holder = Holder::new(
        "ＡＢＣ",
        Date::new(2020, 5, 1).unwrap(),
        Sex::Female,
        "東京都",
    );
    let v = verifier(Purpose::Sign).verify(&issue(&spec), now(), &NoRevocationCheck);
    let id = v
        .accepted()
        .and_then(|a| a.identity.clone())
        .unwrap_or_else(|| panic!("{v:?}"));
    assert_eq!((id.family_name.as_str(), id.given_name), ("ＡＢＣ", None));
    assert_eq!(id.birth_date.era, Era::Reiwa);
}

#[test]
fn root_generation_change_same_name_chosen_by_key_id() {
    let v = verifier(Purpose::Auth);
    let mut g2 = CertSpec::auth(Generation::G2).unwrap();
    g2.serial = 0x0133_0001;
    let a2 = v.verify(&issue(&g2), now(), &NoRevocationCheck);
    let a3 = v.verify(
        &issue(&CertSpec::auth(Generation::G3).unwrap()),
        now(),
        &NoRevocationCheck,
    );
    let (a2, a3) = (a2.accepted().unwrap(), a3.accepted().unwrap());
    assert_eq!(
        (a2.root.as_str(), a3.root.as_str()),
        ("test-auth-g2", "test-auth-g3")
    );
    assert_eq!(
        a2.linkage.issuer, a3.linkage.issuer,
        "one DN for every generation"
    );
    // Without gen-2 pinned, the gen-2 certificate has no trusted root.
    let only_g3 = jpki_cert::Verifier::new(store_with(Purpose::Auth, &[Generation::G3]));
    assert_eq!(
        refusal(only_g3.verify(&issue(&g2), now(), &NoRevocationCheck)),
        Refusal::UntrustedRoot
    );
}

#[test]
fn malformed() {
    for der in [vec![], b"garbage".to_vec(), {
        let mut d = issue(&CertSpec::auth(Generation::G3).unwrap());
        d.truncate(d.len() - 1);
        d
    }] {
        assert_eq!(refused(Purpose::Auth, &der).code(), "malformed");
    }
}

#[test]
fn unsupported_algorithm() {
    // sha256WithRSAEncryption (…01 0B) → sha512WithRSAEncryption (…01 0D) in both places.
    let der = issue(&CertSpec::auth(Generation::G3).unwrap());
    let oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    let mut out = der.clone();
    let mut i = 0;
    while let Some(p) = out[i..].windows(oid.len()).position(|w| w == oid) {
        out[i + p + oid.len() - 1] = 0x0d;
        i += p + oid.len();
    }
    assert_ne!(out, der);
    assert_eq!(refused(Purpose::Auth, &out).code(), "unsupported_algorithm");
}

#[test]
fn unknown_critical_extension_is_refused_and_non_critical_ignored() {
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.extra_extensions
        .push(ext::unknown_extension(true).unwrap());
    assert_eq!(
        refused(Purpose::Auth, &issue(&spec)),
        Refusal::UnknownCriticalExtension {
            oid: profile::UNKNOWN_EXTENSION.to_string()
        }
    );
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.extra_extensions
        .push(ext::unknown_extension(false).unwrap());
    assert!(
        verifier(Purpose::Auth)
            .verify(&issue(&spec), now(), &NoRevocationCheck)
            .accepted()
            .is_some()
    );
}

#[test]
fn wrong_purpose_both_ways() {
    let sign = issue(&CertSpec::sign(Generation::G3).unwrap());
    let auth = issue(&CertSpec::auth(Generation::G3).unwrap());
    assert_eq!(
        refused(Purpose::Auth, &sign),
        Refusal::WrongPurpose {
            expected: Purpose::Auth,
            found: Purpose::Sign
        }
    );
    assert_eq!(
        refused(Purpose::Sign, &auth),
        Refusal::WrongPurpose {
            expected: Purpose::Sign,
            found: Purpose::Auth
        }
    );
}

#[test]
fn wrong_environment_production_policy_under_test_store_and_the_reverse() {
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.policy = Some(profile::POLICY_AUTH_PRODUCTION);
    assert_eq!(
        refused(Purpose::Auth, &issue(&spec)),
        Refusal::WrongEnvironment {
            store: Environment::Test,
            certificate: Environment::Production
        }
    );
    // A test certificate against the built-in production store.
    let prod = jpki_cert::Verifier::new(TrustStore::production(Purpose::Sign).unwrap());
    let der = issue(&CertSpec::sign(Generation::G3).unwrap());
    assert_eq!(
        refusal(prod.verify(&der, now(), &NoRevocationCheck)),
        Refusal::WrongEnvironment {
            store: Environment::Production,
            certificate: Environment::Test
        }
    );
}

#[test]
fn stores_refuse_roots_of_the_other_environment() {
    let test_root = pki()
        .root(testkit::Purpose::Auth, Generation::G3)
        .der()
        .to_vec();
    let e = TrustStore::new(
        Purpose::Auth,
        Environment::Production,
        [("t".into(), test_root)],
    );
    assert!(
        matches!(e, Err(jpki_cert::TrustStoreError::WrongEnvironment { .. })),
        "{e:?}"
    );
    let real = TrustStore::production(Purpose::Auth).unwrap();
    let real_der = real.anchors()[1].certificate().der().to_vec();
    let e = TrustStore::new(Purpose::Auth, Environment::Test, [("r".into(), real_der)]);
    assert!(
        matches!(e, Err(jpki_cert::TrustStoreError::WrongEnvironment { .. })),
        "{e:?}"
    );
}

#[test]
fn policy_missing_and_not_critical() {
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.policy = None;
    assert_eq!(
        refused(Purpose::Auth, &issue(&spec)).code(),
        "policy_missing"
    );
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.policy_critical = false;
    assert_eq!(
        refused(Purpose::Auth, &issue(&spec)),
        Refusal::PolicyNotCritical
    );
}

#[test]
fn key_usage_wrong() {
    let cases: [fn(&mut CertSpec); 3] = [
        |s| s.key_usage = None,
        |s| s.key_usage_critical = false,
        |s| s.key_usage = Some(testkit::Purpose::Sign.key_usage()),
    ];
    for change in cases {
        let mut spec = CertSpec::auth(Generation::G3).unwrap();
        change(&mut spec);
        assert_eq!(
            refused(Purpose::Auth, &issue(&spec)).code(),
            "key_usage_wrong"
        );
    }
    let mut spec = CertSpec::sign(Generation::G3).unwrap();
    spec.key_usage = Some(testkit::Purpose::Auth.key_usage());
    assert_eq!(
        refused(Purpose::Sign, &issue(&spec)).code(),
        "key_usage_wrong"
    );
}

#[test]
fn ca_true_on_an_end_entity() {
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.extra_extensions
        .push(ext::ca_basic_constraints().unwrap());
    assert_eq!(refused(Purpose::Auth, &issue(&spec)), Refusal::NotEndEntity);
}

#[test]
fn authority_key_identifier_missing_or_wrong() {
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.aki = Aki::Omitted;
    assert_eq!(
        refused(Purpose::Auth, &issue(&spec)),
        Refusal::AuthorityKeyIdMissing
    );
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.aki = Aki::WrongKeyId;
    assert_eq!(
        refused(Purpose::Auth, &issue(&spec)),
        Refusal::UntrustedRoot
    );
}

#[test]
fn bad_signature_rogue_key_and_other_generation_under_the_same_name() {
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.signer = Signer::Rogue;
    assert_eq!(refused(Purpose::Auth, &issue(&spec)), Refusal::BadSignature);
    // Same DN, AKI of gen-3, signed with gen-2's key: a name-based verifier is fooled.
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.signer = Signer::Root(testkit::Purpose::Auth, Generation::G2);
    assert_eq!(refused(Purpose::Auth, &issue(&spec)), Refusal::BadSignature);
    // AKI naming gen-2, signed by gen-3.
    let mut spec = CertSpec::sign(Generation::G3).unwrap();
    spec.aki = Aki::Generation(Generation::G2);
    assert_eq!(refused(Purpose::Sign, &issue(&spec)), Refusal::BadSignature);
}

#[test]
fn validity_window_at_the_callers_time() {
    let spec = CertSpec::auth(Generation::G3).unwrap();
    let der = issue(&spec);
    let v = verifier(Purpose::Auth);
    let (nb, na) = (unix(spec.not_before), unix(spec.not_after));
    assert_eq!(
        refusal(v.verify(&der, nb.minus_secs(1), &NoRevocationCheck)),
        Refusal::NotYetValid { not_before: nb }
    );
    assert!(v.verify(&der, nb, &NoRevocationCheck).accepted().is_some());
    assert!(v.verify(&der, na, &NoRevocationCheck).accepted().is_some());
    assert_eq!(
        refusal(v.verify(&der, na.plus_secs(1), &NoRevocationCheck)),
        Refusal::Expired { not_after: na }
    );
}

#[test]
fn root_not_valid_gen1_after_its_expiry() {
    let mut spec = CertSpec::auth(Generation::G1).unwrap();
    spec.not_before = Date::new(2020, 1, 1).unwrap().at_utc(0, 0, 0).unwrap();
    let der = issue(&spec);
    assert_eq!(
        refused(Purpose::Auth, &der),
        Refusal::RootNotValid {
            root: "test-auth-g1".into()
        }
    );
    let before = "2024-01-01T00:00:00Z".parse().unwrap();
    assert!(
        verifier(Purpose::Auth)
            .verify(&der, before, &NoRevocationCheck)
            .accepted()
            .is_some()
    );
}

#[test]
fn challenge_signature() {
    let der = issue(&CertSpec::auth(Generation::G3).unwrap());
    let challenge = b"platform nonce 0123456789abcdef";
    let sig = pki().spare_key().sign(challenge).unwrap();
    let v = verifier(Purpose::Auth);
    let ok = v.verify_identification(&der, challenge, &sig, now(), &NoRevocationCheck);
    assert!(ok.accepted().is_some(), "{ok:?}");
    let bad = v.verify_identification(&der, b"another challenge", &sig, now(), &NoRevocationCheck);
    assert_eq!(refusal(bad), Refusal::ChallengeSignatureInvalid);
    let rogue = pki().rogue_key().sign(challenge).unwrap();
    let bad = v.verify_identification(&der, challenge, &rogue, now(), &NoRevocationCheck);
    assert_eq!(refusal(bad), Refusal::ChallengeSignatureInvalid);
}

#[test]
fn every_code_is_its_serde_tag() {
    let der = issue(&CertSpec::sign(Generation::G3).unwrap());
    let r = refused(Purpose::Auth, &der);
    let json = serde_json::to_value(Verdict::from(r.clone())).unwrap();
    assert_eq!(json["reason"]["code"], r.code());
    assert_eq!(json["verdict"], "refused");
}

/// The verifier keeps certificates whose chain it checked (`jpki_cert::chain_cache`); what
/// depends on the moment or on the request is still checked every time, with the verdicts
/// of a verifier that has never seen the certificate.
#[test]
fn a_kept_certificate_is_checked_for_its_validity_and_the_cards_signature_every_time() {
    let spec = CertSpec::auth(Generation::G3).unwrap();
    let der = issue(&spec);
    let (nb, na) = (unix(spec.not_before), unix(spec.not_after));
    let challenge = b"platform nonce 0123456789abcdef";
    let sig = pki().spare_key().sign(challenge).unwrap();
    let rogue = pki().rogue_key().sign(challenge).unwrap();
    let kept = verifier(Purpose::Auth);
    let cases: [(&[u8], &[u8], UnixTime); 6] = [
        (challenge, &sig, now()),
        (challenge, &sig, na.plus_secs(1)),
        (challenge, &sig, nb.minus_secs(1)),
        (b"another challenge", &sig, now()),
        (challenge, &rogue, now()),
        (challenge, &sig, na),
    ];
    for round in 0..2 {
        for (i, (c, s, at)) in cases.iter().enumerate() {
            let fresh = verifier(Purpose::Auth);
            let want = fresh.verify_identification(&der, c, s, *at, &NoRevocationCheck);
            let got = kept.verify_identification(&der, c, s, *at, &NoRevocationCheck);
            assert_eq!(got, want, "round {round} case {i}");
        }
    }
    assert_eq!(
        refusal(kept.verify_identification(
            &der,
            challenge,
            &sig,
            na.plus_secs(1),
            &NoRevocationCheck
        )),
        Refusal::Expired { not_after: na }
    );
    assert_eq!(
        refusal(kept.verify_identification(&der, challenge, &rogue, now(), &NoRevocationCheck)),
        Refusal::ChallengeSignatureInvalid
    );
    // A certificate refused once is refused the same way the next time.
    let mut bad = CertSpec::auth(Generation::G3).unwrap();
    bad.aki = Aki::Generation(Generation::G2);
    let bad = issue(&bad);
    for _ in 0..2 {
        assert_eq!(
            refusal(kept.verify_identification(&bad, challenge, &sig, now(), &NoRevocationCheck)),
            Refusal::BadSignature
        );
    }
    // The same bytes but one: another certificate, checked in full.
    let mut altered = der.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    assert_eq!(
        refusal(kept.verify_identification(&altered, challenge, &sig, now(), &NoRevocationCheck)),
        Refusal::BadSignature
    );
}
