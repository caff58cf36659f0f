//! End-to-end tests of the `jpki-cert` binary: testkit's personas and committed CRLs
//! against the test roots in `crates/testkit/fixtures/roots`, exit codes and JSON.
//!
//! Exit codes (src/bin/jpki-cert/main.rs): 0 accepted / done, 1 refused, 2 bad usage or
//! unreadable input. A file that is not a certificate at all is still a *verdict*
//! (`malformed`, exit 1) for `verify`, but an error (exit 2) for `decode`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use testkit::{CertSpec, Generation, Pki, TestKey};

/// Inside every test certificate's validity (the personas' certificates run to 2029/2030).
const AT: &str = "2026-11-24T00:00:00Z";

fn roots() -> PathBuf {
    testkit::fixtures_dir().join("roots")
}

fn crl(purpose: &str) -> PathBuf {
    testkit::fixtures_dir().join(format!(
        "crl/{purpose}-kanagawa-ken-yokohama-shi-naka-ku.crl"
    ))
}

fn run(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_jpki-cert"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    out
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_owned()
}

fn persona(id: &str) -> testkit::Persona {
    testkit::load_persona(id).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `verify` of a certificate file with the test roots at [`AT`], plus `extra`.
fn verify(cert: &str, purpose: &str, extra: &[&str]) -> Output {
    let r = roots();
    let mut args = vec![
        "verify",
        cert,
        "--purpose",
        purpose,
        "--anchors",
        path(&r),
        "--test-roots",
        "--at",
        AT,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_persona_auth_certificate_is_accepted_with_its_challenge_signature() {
    let dir = tempfile::tempdir().unwrap();
    let p = persona("sato-hanako");
    let cert = write(dir.path(), "auth.pem", &p.pem.auth_certificate);
    let key = TestKey::from_pkcs8_pem("sato-auth", &p.pem.auth_private_key).unwrap();
    let challenge = write(dir.path(), "challenge", b"nonce from the platform");
    let sig = write(
        dir.path(),
        "sig",
        key.sign(b"nonce from the platform").unwrap(),
    );
    let out = verify(
        &cert,
        "auth",
        &[
            "--no-revocation",
            "--challenge",
            &challenge,
            "--signature",
            &sig,
        ],
    );
    let v = json(&out);
    assert_eq!(code(&out), 0, "{v}");
    assert_eq!(v["verdict"], "accepted");
    assert_eq!(v["purpose"], "auth");
    assert_eq!(v["revocation"]["status"], "not_checked", "{v}");
    assert!(v["linkage"]["serial"].is_string(), "{v}");
    // Times in the verdict JSON are RFC 3339 strings, not the integers of the wire contract.
    assert_eq!(v["at"], AT, "{v}");
    let not_after = v["not_after"].as_str().unwrap_or_default();
    assert!(
        not_after.len() == 20
            && not_after.ends_with('Z')
            && not_after.parse::<jpki_cert::UnixTime>().is_ok(),
        "{v}"
    );

    // The same certificate with another key's signature over the challenge.
    let rogue = Pki::load()
        .unwrap()
        .rogue_key()
        .sign(b"nonce from the platform");
    let bad = write(dir.path(), "bad-sig", rogue.unwrap());
    let out = verify(
        &cert,
        "auth",
        &[
            "--no-revocation",
            "--challenge",
            &challenge,
            "--signature",
            &bad,
        ],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["reason"]["code"], "challenge_signature_invalid");
}

#[test]
fn a_certificate_of_the_crls_municipality_is_accepted_as_not_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.municipality = testkit::fixtures::committed_crl_municipality();
    let cert = write(
        dir.path(),
        "auth.der",
        spec.issue(&Pki::load().unwrap()).unwrap(),
    );
    let out = verify(&cert, "auth", &["--crl", path(&crl("auth"))]);
    let v = json(&out);
    assert_eq!(code(&out), 0, "{v}");
    assert_eq!(v["revocation"]["status"], "good", "{v}");
    assert_eq!(v["crls"][0]["entries"], 2, "{v}");
}

#[test]
fn refusals_exit_1_with_their_reason_code() {
    let dir = tempfile::tempdir().unwrap();
    // Expired: ito-sachiko's certificates ended on 2025-03-01 (gen-2 root).
    let expired = write(
        dir.path(),
        "expired.pem",
        &persona("ito-sachiko").pem.auth_certificate,
    );
    let out = verify(&expired, "auth", &["--no-revocation"]);
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["reason"]["code"], "expired");

    // Revoked: yamamoto-shota is in the committed CRLs (auth: keyCompromise).
    let y = persona("yamamoto-shota");
    let revoked = write(dir.path(), "revoked.pem", &y.pem.auth_certificate);
    let out = verify(&revoked, "auth", &["--crl", path(&crl("auth"))]);
    let v = json(&out);
    assert_eq!(code(&out), 1, "{v}");
    assert_eq!(v["reason"]["code"], "revoked", "{v}");
    assert_eq!(v["reason"]["reason"], "key_compromise", "{v}");

    // Wrong purpose: a signature certificate presented for authentication.
    let sign = write(dir.path(), "sign.pem", y.pem.sign_certificate.unwrap());
    let out = verify(&sign, "auth", &["--no-revocation"]);
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["reason"]["code"], "wrong_purpose");

    // Revocation unknown: no CRL covers the certificate's municipality.
    let sato = write(
        dir.path(),
        "sato.pem",
        &persona("sato-hanako").pem.auth_certificate,
    );
    let out = verify(&sato, "auth", &["--crl", path(&crl("auth"))]);
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["reason"]["code"], "revocation_unknown");

    // Not a certificate at all: a `malformed` verdict.
    let garbage = write(dir.path(), "garbage.der", b"\x30\x03\x02\x01");
    let out = verify(&garbage, "auth", &["--no-revocation"]);
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["reason"]["code"], "malformed");
}

#[test]
fn crl_index_build_then_query() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("revoked.idx");
    let r = roots();
    let (auth_crl, sign_crl) = (crl("auth"), crl("sign"));
    let out = run(&[
        "crl-index",
        "build",
        "--out",
        path(&index),
        "--anchors",
        path(&r),
        "--test-roots",
        path(&auth_crl),
        path(&sign_crl),
    ]);
    let v = json(&out);
    assert_eq!(code(&out), 0, "{v}\n{}", stderr(&out));
    assert_eq!(v["crls"].as_array().unwrap().len(), 2, "{v}");

    let out = run(&["crl-index", "query", "--index", path(&index)]);
    let v = json(&out);
    assert_eq!(code(&out), 0, "{v}");
    assert_eq!(v["revoked_serials"], 4, "{v}");

    // yamamoto-shota's auth certificate: serial 0631F001, keyCompromise.
    let out = run(&[
        "crl-index",
        "query",
        "--index",
        path(&index),
        "--serial",
        "0631f001",
    ]);
    let v = json(&out);
    assert_eq!(code(&out), 1, "{v}");
    assert_eq!(v["revoked"], true);
    assert_eq!(v["entries"][0]["reason"], "key_compromise", "{v}");

    let out = run(&[
        "crl-index",
        "query",
        "--index",
        path(&index),
        "--serial",
        "01234567",
    ]);
    assert_eq!(code(&out), 0);
    assert_eq!(json(&out)["revoked"], false);

    // The index serves `verify --index` as the CRLs did.
    let revoked = write(
        dir.path(),
        "revoked.pem",
        &persona("yamamoto-shota").pem.auth_certificate,
    );
    let out = verify(&revoked, "auth", &["--index", path(&index)]);
    assert_eq!(code(&out), 1);
    let v = json(&out);
    assert_eq!(v["reason"]["code"], "revoked");
    assert!(
        v["reason"]["revoked_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{v}"
    );
}

#[test]
fn decode_prints_a_signature_certificates_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let p = persona("sato-hanako");
    let cert = write(dir.path(), "sign.pem", p.pem.sign_certificate.unwrap());
    let out = run(&["decode", &cert]);
    let v = json(&out);
    assert_eq!(code(&out), 0, "{v}");
    assert_eq!(v["purpose"], "sign");
    assert_eq!(v["identity"]["name"], p.name, "{v}");
    assert_eq!(v["identity"]["address"], p.address, "{v}");
    assert!(v["identity_error"].is_null(), "{v}");

    // An authentication certificate has no attributes to decode.
    let auth = write(dir.path(), "auth.pem", &p.pem.auth_certificate);
    let out = run(&["decode", &auth]);
    assert_eq!(code(&out), 1);
    assert!(json(&out)["identity_error"].is_object());
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such.pem");
    let garbage = write(dir.path(), "garbage.pem", b"this is not a certificate\n");
    let cert = write(
        dir.path(),
        "auth.pem",
        &persona("sato-hanako").pem.auth_certificate,
    );
    let r = roots();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "verify",
                path(&missing),
                "--purpose",
                "auth",
                "--anchors",
                path(&r),
                "--test-roots",
                "--no-revocation",
            ],
            "no-such.pem",
        ),
        (
            vec![
                "verify",
                &cert,
                "--purpose",
                "auth",
                "--anchors",
                path(&r),
                "--test-roots",
                "--no-revocation",
                "--at",
                "yesterday",
            ],
            "yesterday",
        ),
        (
            vec![
                "verify",
                &cert,
                "--purpose",
                "auth",
                "--anchors",
                path(&r),
                "--test-roots",
            ],
            "--no-revocation",
        ),
        (vec!["decode", path(&missing)], "no-such.pem"),
        (vec!["decode", &garbage], "PEM"),
        (
            vec!["crl-index", "query", "--index", &garbage],
            "garbage.pem",
        ),
        (
            vec!["crl-index", "query", "--index", path(&missing)],
            "no-such.pem",
        ),
        (vec!["verify", &cert, "--purpose", "both"], "both"),
    ];
    for (args, needle) in cases {
        let out = run(&args);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: {err:?} should mention {needle:?}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
