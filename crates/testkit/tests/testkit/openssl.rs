//! A second opinion from OpenSSL: every persona certificate verifies against
//! its root with strict X.509 checks and the test policy OIDs, the expired one
//! does not, and the CRLs parse and verify. `openssl` is installed by
//! `scripts/deps.sh`; without it this test fails and says so.

use std::path::Path;
use std::process::Command;

use testkit::{Generation, Purpose, personas::PERSONA_IDS, profile};

use crate::{der_of, persona, pki};

/// 2026-11-24T00:00:00Z as seconds since the epoch ("today" for the fixtures).
const TODAY: &str = "1795478400";

fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl").args(args).output().unwrap_or_else(|e| {
        panic!("cannot run openssl ({e}); install it with scripts/deps.sh (apt-get install openssl)")
    });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn write(dir: &Path, name: &str, contents: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.display().to_string()
}

fn verify(dir: &Path, root_pem: &str, cert_pem: &str, policy: &str) -> (bool, String) {
    let ca = write(dir, "ca.pem", root_pem.as_bytes());
    let cert = write(dir, "cert.pem", cert_pem.as_bytes());
    openssl(&[
        "verify",
        "-attime",
        TODAY,
        "-x509_strict",
        "-policy_check",
        "-explicit_policy",
        "-policy",
        policy,
        "-CAfile",
        &ca,
        &cert,
    ])
}

#[test]
fn openssl_verifies_the_persona_chains_and_parses_the_crls() {
    let dir = tempfile::tempdir().unwrap();
    let auth_policy = profile::POLICY_AUTH_TEST.to_string();
    let sign_policy = profile::POLICY_SIGN_TEST.to_string();
    for id in PERSONA_IDS {
        let p = persona(id);
        let mut chains = vec![(
            &p.pem.auth_ca_certificate,
            &p.pem.auth_certificate,
            &auth_policy,
        )];
        if let (Some(ca), Some(c)) = (&p.pem.sign_ca_certificate, &p.pem.sign_certificate) {
            chains.push((ca, c, &sign_policy));
        }
        for (ca, c, policy) in chains {
            let (ok, text) = verify(dir.path(), ca, c, policy);
            assert_eq!(ok, id != "ito-sachiko", "{id}: {text}");
            if id == "ito-sachiko" {
                assert!(text.contains("expired"), "{text}");
            }
            let cert_file = write(dir.path(), "text.pem", c.as_bytes());
            let (ok, text) = openssl(&["x509", "-in", &cert_file, "-noout", "-text"]);
            assert!(ok, "{text}");
            let _ = der_of(c);
        }
    }
    // A production policy is not accepted where the test policy is required.
    let hanako = persona("sato-hanako");
    let (ok, _) = verify(
        dir.path(),
        &hanako.pem.auth_ca_certificate,
        &hanako.pem.auth_certificate,
        &profile::POLICY_AUTH_PRODUCTION.to_string(),
    );
    assert!(!ok);

    for purpose in Purpose::ALL {
        let crl = write(
            dir.path(),
            "list.crl",
            &testkit::committed_crl(purpose).unwrap(),
        );
        let root = pki().root(purpose, Generation::G3).pem().unwrap();
        let ca = write(dir.path(), "root.pem", root.as_bytes());
        let (ok, text) = openssl(&[
            "crl", "-inform", "DER", "-in", &crl, "-CAfile", &ca, "-noout", "-text",
        ]);
        assert!(ok && text.contains("verify OK"), "{text}");
        assert!(text.contains("Yokohama-shi-Naka-ku CRLDP"), "{text}");
    }
}
