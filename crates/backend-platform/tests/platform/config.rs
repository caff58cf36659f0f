//! The configuration file: clear errors naming the key, and the one command that starts the
//! server (`madoguchi-platform serve --config FILE`).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use backend_platform::Settings;

use crate::support::*;

/// Writes a complete configuration in `dir` (TLS files from rcgen, keys from `keygen`).
fn write_config_pki(
    dir: &Path,
    port: u16,
    extra: &str,
) -> (std::path::PathBuf, backend_kit::devpki::DevPki) {
    // The desktop demo's throwaway TLS material (backend-kit feature `dev-pki`).
    let pki = backend_kit::devpki::DevPki::generate(&["localhost", "127.0.0.1"]).unwrap();
    std::fs::write(dir.join("server.pem"), &pki.server_cert_pem).unwrap();
    std::fs::write(dir.join("server.key"), &pki.server_key_pem).unwrap();
    std::fs::write(dir.join("terminal-ca.pem"), &pki.terminal_ca_pem).unwrap();
    std::fs::write(dir.join("server-ca.pem"), &pki.server_ca_pem).unwrap();
    let (client_cert, client_key) = pki.terminal_identity("pf-test").unwrap();
    std::fs::write(dir.join("platform-client.pem"), client_cert).unwrap();
    std::fs::write(dir.join("platform-client.key"), client_key).unwrap();
    std::fs::create_dir_all(dir.join("crl")).unwrap();
    std::fs::write(
        dir.join("crl").join("auth.crl"),
        testkit::committed_crl(testkit::Purpose::Auth).unwrap(),
    )
    .unwrap();
    if !dir.join("assertion.pem").exists() {
        let st = Command::new(env!("CARGO_BIN_EXE_madoguchi-platform"))
            .args(["keygen", "--key"])
            .arg(dir.join("assertion.pem"))
            .arg("--secret")
            .arg(dir.join("pseudonym.secret"))
            .status()
            .unwrap();
        assert!(st.success());
    }
    let roots = testkit::fixtures_dir().join("roots");
    let text = format!(
        r#"platform_id = "pf-test"
listen = "127.0.0.1:{port}"
database = "platform.sqlite"
{extra}
[tls]
certificate = "server.pem"
private_key = "server.key"
terminal_ca = "terminal-ca.pem"

[jpki]
environment = "test"
trust_anchors = "{roots}"
crl_dir = "crl"

[signing]
private_key = "assertion.pem"
key_id = "pf-test-1"
pseudonym_secret = "pseudonym.secret"

[links]
certificate = "platform-client.pem"
private_key = "platform-client.key"
service_ca = "server-ca.pem"

[[services]]
id = "kenpo"
kind = "insurance"
label = "健保"
url = "https://localhost:8444"

[[services]]
id = "acq-visa"
kind = "payment"
label = "カード"
url = "https://localhost:8445"

[[terminals]]
id = "t1"
"#,
        roots = roots.display()
    );
    let path = dir.join("platform.toml");
    std::fs::write(&path, text).unwrap();
    (path, pki)
}

fn write_config(dir: &Path, port: u16, extra: &str) -> std::path::PathBuf {
    write_config_pki(dir, port, extra).0
}

fn load_error(dir: &Path, extra: &str) -> String {
    Settings::load(&write_config(dir, 8443, extra))
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_values_are_named_with_what_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let ok = Settings::load(&write_config(dir.path(), 8443, "")).unwrap();
    assert_eq!(
        (ok.platform_id.as_str(), ok.challenge_ttl_secs),
        ("pf-test", 60)
    );

    let e = load_error(dir.path(), "challenge_ttl_secs = 3600\n");
    assert!(
        e.contains("challenge_ttl_secs") && e.contains("10 to 300 seconds"),
        "{e}"
    );
    let e = load_error(dir.path(), "assertion_ttl_secs = \"two minutes\"\n");
    assert!(
        e.contains("assertion_ttl_secs") && e.contains("platform.toml"),
        "{e}"
    );
    let e = load_error(dir.path(), "typo_key = 1\n");
    assert!(e.contains("typo_key"), "{e}");

    let path = write_config(dir.path(), 8443, "");
    let text = std::fs::read_to_string(&path).unwrap();
    for (from, to, key) in [
        (
            "environment = \"test\"",
            "environment = \"staging\"",
            "jpki.environment",
        ),
        (
            "listen = \"127.0.0.1:8443\"",
            "listen = \"localhost\"",
            "listen",
        ),
        (
            "private_key = \"server.key\"",
            "private_key = \"missing.key\"",
            "tls.private_key",
        ),
        ("kind = \"insurance\"", "kind = \"pharmacy\"", "kind"),
        ("id = \"kenpo\"", "id = \"ken po\"", "services[0].id"),
        // An insurance or payment service says where it confirms links, over https.
        ("url = \"https://localhost:8444\"\n", "", "services[0].url"),
        (
            "url = \"https://localhost:8444\"",
            "url = \"http://localhost:8444\"",
            "services[0].url",
        ),
        (
            "[links]\ncertificate = \"platform-client.pem\"\nprivate_key = \"platform-client.key\"\nservice_ca = \"server-ca.pem\"\n",
            "",
            "links",
        ),
        (
            "service_ca = \"server-ca.pem\"",
            "service_ca = \"server-ca.pem\"\ntimeout_ms = 0",
            "links.timeout_ms",
        ),
    ] {
        std::fs::write(&path, text.replace(from, to)).unwrap();
        let e = Settings::load(&path).unwrap_err().to_string();
        assert!(e.contains(key), "{key}: {e}");
    }
    std::fs::write(dir.path().join("pseudonym.secret"), b"short").unwrap();
    std::fs::write(&path, &text).unwrap();
    let e = Settings::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("signing.pseudonym_secret") && e.contains("at least 32"),
        "{e}"
    );
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn one_command_starts_the_server_from_its_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (path, pki) = write_config_pki(dir.path(), port, "");
    write_crls(&dir.path().join("crl"));
    // The acquirer the configuration names, trusting this platform (its keys from the key
    // file keygen wrote): it confirms the card-token link below.
    let key_pem = std::fs::read_to_string(dir.path().join("assertion.pem")).unwrap();
    let signer = backend_platform::signing::signer_from_pem("pf-test-1", &key_pem).unwrap();
    let acquirer = start_acquirer_with(
        dir.path(),
        &pki.server_cert_pem,
        &pki.server_key_pem,
        &pki.terminal_ca_pem,
        counter_api::assertion::KeySet::of("pf-test", &signer),
    )
    .await;
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "https://localhost:8445",
        &format!("https://localhost:{}", acquirer.addr().port()),
    );
    std::fs::write(&path, text).unwrap();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_madoguchi-platform"))
            .args(["serve", "--config"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let ca_pem = std::fs::read_to_string(dir.path().join("server-ca.pem")).unwrap();
    let der = rustls::pki_types::pem::PemObject::from_pem_slice(ca_pem.as_bytes())
        .map(|c: rustls::pki_types::CertificateDer<'static>| c.to_vec())
        .unwrap();
    let client = client_with_ca_der(der);
    let url = format!("https://localhost:{port}/v1/keys");
    // Wait for the listener with a deadline (the server loads CRLs first).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let keys: counter_api::assertion::KeySet = loop {
        match client.get(&url).send().await {
            Ok(r) => break r.json().await.unwrap(),
            Err(e) if std::time::Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the server did not come up: {e}"),
        }
    };
    assert_eq!(keys.issuer, "pf-test");
    assert_eq!(keys.keys[0].kid, "pf-test-1");

    // A terminal enrols a card and identifies; then a new CRL revokes the signature
    // certificate and SIGHUP makes the running server reload it.
    let der = rustls::pki_types::pem::PemObject::from_pem_slice(pki.server_ca_pem.as_bytes())
        .map(|c: rustls::pki_types::CertificateDer<'static>| c.to_vec())
        .unwrap();
    let terminal = client_with_identity(der, pki.terminal_identity("t1").unwrap());
    let base = format!("https://localhost:{port}");
    let card = Card::load("sato-hanako");
    let ch = post_challenge(&terminal, &base, "enroll").await;
    let mut app = card.application(&ch.challenge_id);
    // This configuration offers the acquirer only.
    app.services
        .retain(|s| matches!(s, counter_api::platform::ServiceLink::Payment(_)));
    let (s, _, v) = post(
        &terminal,
        &format!("{base}/v1/enrollments"),
        &card.enrollment(&ch, app),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let identify = || async {
        let ch = post_challenge(&terminal, &base, "identify").await;
        let (s, _, v) = post(
            &terminal,
            &format!("{base}/v1/identifications"),
            &card.answer(&ch),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        v["notices"].as_array().map(|n| n.len()).unwrap_or(0)
    };
    assert_eq!(identify().await, 0);
    let crl = crl(
        testkit::Purpose::Sign,
        "Tokyo-to",
        "Chiyoda-ku",
        testkit::Generation::G3,
        &[card.sign_serial()],
    );
    let crl_path = dir.path().join("crl").join("sign-Tokyo-to-Chiyoda-ku.crl");
    std::fs::write(&crl_path, crl).unwrap();
    let st = Command::new("kill")
        .args(["-HUP", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while identify().await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "SIGHUP did not reload the CRLs"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn post_challenge(
    c: &reqwest::Client,
    base: &str,
    purpose: &str,
) -> counter_api::platform::ChallengeResponse {
    let (s, _, v) = post(
        c,
        &format!("{base}/v1/challenges"),
        &serde_json::json!({ "purpose": purpose }),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    serde_json::from_value(v).unwrap()
}
