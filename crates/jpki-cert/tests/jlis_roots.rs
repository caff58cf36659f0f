//! Adding a J-LIS root: the real roots (the files in `crates/jpki-cert/anchors/`, as J-LIS
//! publishes them) fit the J-LIS root profile, and each generated root that breaks it in
//! one way (`crates/testkit/fixtures/bad-roots/`, made by `testkit-gen`) is refused with
//! the error that names its flaw; a folder of added roots joins the compiled-in ones, and
//! a root in the profile that is compiled in nowhere (`testkit::AddedRoot`) anchors the
//! certificates it issued once it is added, and only then.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use jpki_cert::jlis_profile::{ProfileError, check_profile, check_root};
use jpki_cert::{
    Environment, NoRevocationCheck, Purpose, Refusal, TrustStore, TrustStoreError, UnixTime,
    Verifier,
};
use testkit::{AddedRoot, CertSpec, Pki};

/// 2026-12-01 00:00:00 UTC.
const NOW: UnixTime = UnixTime::from_secs(1_796_083_200);

fn anchors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("anchors")
}

fn bad(file: &str) -> Vec<u8> {
    std::fs::read(testkit::fixtures_dir().join("bad-roots").join(file)).unwrap()
}

#[test]
fn the_real_gen_3_roots_are_accepted_with_their_fingerprints() {
    for (file, purpose, fp) in [
        (
            "authca03-2023.pem",
            Purpose::Auth,
            "64:11:4F:29:62:0C:24:ED:26:31:D4:64:76:A0:40:E7:EE:74:0D:95:60:89:C0:0B:03:6A:6A:81:18:C3:22:B5",
        ),
        (
            "signca03-2023.pem",
            Purpose::Sign,
            "D2:27:F6:CD:E1:1D:35:C5:25:21:78:F1:06:F8:43:D2:46:51:94:49:75:41:3B:53:9F:A2:FB:68:DB:FA:36:5F",
        ),
    ] {
        let bytes = std::fs::read(anchors().join(file)).unwrap();
        let root = check_root(&bytes, NOW).unwrap();
        assert_eq!(root.purpose, purpose, "{file}");
        assert_eq!(root.sha256, fp, "{file}");
        assert_eq!(root.key_bits, 2048);
        // DER (a .cer as J-LIS publishes it) is read the same.
        let der = check_root(&root.der, NOW).unwrap();
        assert_eq!(der.sha256, fp);
    }
}

#[test]
fn an_expired_real_root_fits_the_profile_but_is_refused_when_added() {
    let bytes = std::fs::read(anchors().join("authca01-2015-expired.pem")).unwrap();
    check_profile(&bytes).unwrap();
    let e = check_root(&bytes, NOW).unwrap_err();
    assert!(matches!(e, ProfileError::Expired { .. }), "{e:?}");
    assert!(e.to_string().contains("expired at 2025-10-19"), "{e}");
}

#[test]
fn each_generated_bad_root_is_refused_with_its_flaw_named() {
    let e = check_root(&bad("authca-wrong-subject.pem"), NOW).unwrap_err();
    assert!(matches!(e, ProfileError::Subject { .. }), "{e:?}");
    assert!(e.to_string().contains("O=JPKI-ROGUE"), "{e}");

    let e = check_root(&bad("authca-1024-bit.pem"), NOW).unwrap_err();
    assert!(matches!(e, ProfileError::KeySize { bits: 1024 }), "{e:?}");
    assert!(e.to_string().contains("RSA-1024"), "{e}");

    let e = check_root(&bad("authca-expired.pem"), NOW).unwrap_err();
    assert!(matches!(e, ProfileError::Expired { .. }), "{e:?}");

    let e = check_root(&bad("signca-not-a-ca.pem"), NOW).unwrap_err();
    assert!(
        matches!(e, ProfileError::NotACa(TrustStoreError::NotACa { .. })),
        "{e:?}"
    );
    assert!(e.to_string().contains("CA:TRUE"), "{e}");

    let e = check_root(&bad("authca-two-years.pem"), NOW).unwrap_err();
    assert!(matches!(e, ProfileError::Validity { .. }), "{e:?}");
    assert!(e.to_string().contains("about ten years"), "{e}");

    let e = check_root(b"not a certificate at all", NOW).unwrap_err();
    assert!(matches!(e, ProfileError::Parse(_)), "{e:?}");
}

#[test]
fn added_roots_join_the_compiled_in_ones_and_a_bad_one_stops_the_store() {
    let dir = tempfile::tempdir().unwrap();
    // A missing folder adds nothing.
    let missing = TrustStore::production_and(Purpose::Auth, &dir.path().join("none")).unwrap();
    assert_eq!(
        missing.anchors().len(),
        TrustStore::production(Purpose::Auth)
            .unwrap()
            .anchors()
            .len()
    );
    // A compiled-in root added again is taken once; the other purpose's is skipped.
    for file in ["authca03-2023.pem", "signca03-2023.pem"] {
        std::fs::copy(anchors().join(file), dir.path().join(file)).unwrap();
    }
    let auth = TrustStore::production_and(Purpose::Auth, dir.path()).unwrap();
    assert_eq!(auth.anchors().len(), missing.anchors().len());
    // A root that is compiled in nowhere joins them, under its file name; the signature
    // store does not take an authentication root.
    std::fs::copy(AddedRoot::path(), dir.path().join("authca-added.pem")).unwrap();
    let auth = TrustStore::production_and(Purpose::Auth, dir.path()).unwrap();
    assert_eq!(auth.anchors().len(), missing.anchors().len() + 1);
    assert_eq!(
        auth.anchors().last().map(|a| a.label()),
        Some("authca-added")
    );
    let sign = TrustStore::production_and(Purpose::Sign, dir.path()).unwrap();
    assert_eq!(
        sign.anchors().len(),
        TrustStore::production(Purpose::Sign)
            .unwrap()
            .anchors()
            .len()
    );
    // A file that does not fit is refused by name.
    std::fs::write(dir.path().join("x.pem"), bad("authca-1024-bit.pem")).unwrap();
    let e = TrustStore::production_and(Purpose::Auth, dir.path()).unwrap_err();
    assert!(e.to_string().contains("x.pem"), "{e}");
    assert!(e.to_string().contains("RSA-1024"), "{e}");
}

#[test]
fn a_root_compiled_in_nowhere_anchors_its_certificates_once_added_and_only_then() {
    let added = AddedRoot::load().unwrap();
    let leaf = CertSpec::under_added_root()
        .unwrap()
        .issue_under(&Pki::load().unwrap(), &added)
        .unwrap();
    let compiled_in = TrustStore::production(Purpose::Auth).unwrap();

    // The compiled-in roots alone do not know its issuer.
    let verdict = Verifier::new(compiled_in.clone()).verify(&leaf, NOW, &NoRevocationCheck);
    assert_eq!(
        verdict.refusal(),
        Some(&Refusal::UntrustedRoot),
        "{verdict:?}"
    );

    // It fits the profile and is no documented root.
    let root = check_root(&std::fs::read(AddedRoot::path()).unwrap(), NOW).unwrap();
    assert_eq!(root.purpose, Purpose::Auth);
    assert_eq!((root.documented_as, root.compiled_in_as()), (None, None));
    assert_eq!(root.der, added.der());

    // Added, it is one more anchor, and the certificate is accepted, chained to it.
    let store =
        TrustStore::production_with(Purpose::Auth, [("authca-added".to_owned(), root)]).unwrap();
    assert_eq!(store.anchors().len(), compiled_in.anchors().len() + 1);
    let verdict = Verifier::new(store).verify(&leaf, NOW, &NoRevocationCheck);
    let accepted = verdict.accepted().unwrap_or_else(|| panic!("{verdict:?}"));
    assert_eq!(accepted.root, "authca-added");
    assert_eq!(accepted.environment, Environment::Production);

    // The committed folder is itself a folder of added roots.
    let from_folder =
        TrustStore::production_and(Purpose::Auth, &testkit::fixtures_dir().join("added-roots"))
            .unwrap();
    assert_eq!(from_folder.anchors().len(), compiled_in.anchors().len() + 1);
    let verdict = Verifier::new(from_folder).verify(&leaf, NOW, &NoRevocationCheck);
    assert!(verdict.accepted().is_some(), "{verdict:?}");
}

#[test]
fn the_description_of_a_root_says_what_to_compare_its_fingerprint_with() {
    let added = check_root(&std::fs::read(AddedRoot::path()).unwrap(), NOW).unwrap();
    let text = added.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with(&format!(
            "J-LIS user-authentication root, serial {}, valid 2023-07-16",
            added.serial
        )),
        "{text}"
    );
    assert!(lines[0].ends_with(", RSA-2048"), "{text}");
    assert_eq!(lines[1], format!("SHA-256 {}", added.sha256));
    assert_eq!(
        lines[2],
        "compare this fingerprint with the one J-LIS publishes for this root before you trust it"
    );

    let bytes = std::fs::read(anchors().join("signca03-2023.pem")).unwrap();
    let text = check_root(&bytes, NOW).unwrap().to_string();
    assert!(text.starts_with("J-LIS signature root, serial "), "{text}");
    assert!(
        text.ends_with("\nthis root is compiled in already (as signca03)"),
        "{text}"
    );
}
