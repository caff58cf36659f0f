//! Adding a J-LIS root: the real roots (the files in `crates/jpki-cert/anchors/`, as J-LIS
//! publishes them) fit the J-LIS root profile, and each generated root that breaks it in
//! one way (`crates/testkit/fixtures/bad-roots/`, made by `testkit-gen`) is refused with
//! the error that names its flaw; a folder of added roots joins the compiled-in ones.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use jpki_cert::jlis_profile::{ProfileError, check_profile, check_root};
use jpki_cert::{Purpose, TrustStore, TrustStoreError, UnixTime};

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
    // A file that does not fit is refused by name.
    std::fs::write(dir.path().join("x.pem"), bad("authca-1024-bit.pem")).unwrap();
    let e = TrustStore::production_and(Purpose::Auth, dir.path()).unwrap_err();
    assert!(e.to_string().contains("x.pem"), "{e}");
    assert!(e.to_string().contains("RSA-1024"), "{e}");
}
