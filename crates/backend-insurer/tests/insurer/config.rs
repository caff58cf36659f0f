//! The configuration file: a good one starts the server, bad values are named.

use std::path::Path;

use backend_insurer::Settings;
use counter_api::assertion::KeySet;

use crate::support::*;

pub(crate) fn write_files(dir: &Path) -> (Ca, Ca) {
    let server_ca = Ca::new("server CA").unwrap();
    let terminal_ca = Ca::new("terminal CA").unwrap();
    let (cert, key) = server_ca.issue("localhost", &["localhost"]).unwrap();
    std::fs::write(dir.join("server.pem"), cert).unwrap();
    std::fs::write(dir.join("server.key"), key).unwrap();
    std::fs::write(dir.join("terminal-ca.pem"), &terminal_ca.pem).unwrap();
    let keys = serde_json::to_vec(&KeySet::of(PLATFORM, &signer(7))).unwrap();
    std::fs::write(dir.join("pf-tokyo.json"), keys).unwrap();
    std::fs::write(dir.join("insured.toml"), REGISTER).unwrap();
    (server_ca, terminal_ca)
}

pub(crate) const GOOD: &str = r#"
insurer_id = "kenpo-kanto"
listen = "127.0.0.1:0"
database = "insurer.sqlite"
demo_data = "insured.toml"
bulk_processing_secs = 10

[tls]
certificate = "server.pem"
private_key = "server.key"
terminal_ca = "terminal-ca.pem"

[[platforms]]
issuer = "pf-tokyo"
keys = "pf-tokyo.json"

[[terminals]]
id = "clinic-a-desk-1"
"#;

fn load(dir: &Path, text: &str) -> Result<Settings, String> {
    let path = dir.join("insurer.toml");
    std::fs::write(&path, text).unwrap();
    Settings::load(&path).map_err(|e| e.to_string())
}

#[tokio::test]
async fn good_file_starts_the_server() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path());
    let s = load(dir.path(), GOOD).unwrap();
    assert_eq!(s.bulk_processing_secs, 10);
    assert_eq!(s.database, dir.path().join("insurer.sqlite"));
    let running =
        backend_insurer::start_in_process(s, std::sync::Arc::new(backend_kit::SystemClock))
            .await
            .unwrap();
    assert_ne!(running.addr().port(), 0);
    running.shutdown().await;
}

#[test]
fn bad_values_are_named() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path());
    for (from, to, key) in [
        ("listen = \"127.0.0.1:0\"", "listen = \"here\"", "`listen`"),
        (
            "bulk_processing_secs = 10",
            "bulk_processing_secs = -1",
            "`bulk_processing_secs`",
        ),
        (
            "insurer_id = \"kenpo-kanto\"",
            "insurer_id = \"関東\"",
            "`insurer_id`",
        ),
        (
            "keys = \"pf-tokyo.json\"",
            "keys = \"server.pem\"",
            "`platforms[0].keys`",
        ),
        (
            "issuer = \"pf-tokyo\"",
            "issuer = \"pf-osaka\"",
            "`platforms[0].keys`",
        ),
        (
            "certificate = \"server.pem\"",
            "certificate = \"missing.pem\"",
            "`tls.certificate`",
        ),
        (
            "demo_data = \"insured.toml\"",
            "demo_data = \"server.pem\"",
            "`demo_data`",
        ),
        (
            "demo_data = \"insured.toml\"",
            "demo_data = \"missing.toml\"",
            "`demo_data`",
        ),
        (
            "database = \"insurer.sqlite\"",
            "database = \"insurer.sqlite\"\ncolour = 1",
            "colour",
        ),
        // A terminal named as the platform could confirm links with its certificate.
        (
            "id = \"clinic-a-desk-1\"",
            "id = \"pf-tokyo\"",
            "`terminals[0].id`",
        ),
        // A second entry for the same terminal (a pin added there) would do nothing.
        (
            "id = \"clinic-a-desk-1\"",
            "id = \"clinic-a-desk-1\"\n\n[[terminals]]\nid = \"clinic-a-desk-1\"",
            "`terminals[1].id`",
        ),
    ] {
        let err = load(dir.path(), &GOOD.replace(from, to)).unwrap_err();
        assert!(err.contains(key), "{key}: {err}");
        assert!(err.contains("insurer.toml"), "{err}");
    }
    let no_platform = GOOD.replace(
        "[[platforms]]\nissuer = \"pf-tokyo\"\nkeys = \"pf-tokyo.json\"\n",
        "",
    );
    let err = load(dir.path(), &no_platform).unwrap_err();
    assert!(err.contains("`platforms`"), "{err}");
}

/// `[connections]` from the file bounds the listener: silent clients without a certificate
/// hold at most `max` connections, and the platform's call still gets through.
#[tokio::test]
async fn connections_from_the_file_bound_the_listener() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, terminal_ca) = write_files(dir.path());
    let limited = GOOD.replace(
        "bulk_processing_secs = 10\n",
        "bulk_processing_secs = 10\n\n[connections]\nmax = 4\nhandshake_timeout_ms = 30000\n",
    );
    let s = load(dir.path(), &limited).unwrap();
    assert_eq!(s.connections.max_connections, 4);
    assert_eq!(s.connections.handshake_timeout.as_millis(), 30_000);
    let running =
        backend_insurer::start_in_process(s, std::sync::Arc::new(backend_kit::SystemClock))
            .await
            .unwrap();
    // Sixteen clients connect and never say a word (their handshake deadline is far off).
    let mut silent = Vec::new();
    for _ in 0..16 {
        silent.push(
            tokio::net::TcpStream::connect(running.addr())
                .await
                .unwrap(),
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while running.open_connections() > 4 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        running.open_connections() <= 4,
        "{} connections open with max = 4",
        running.open_connections()
    );
    // The platform, with its client certificate, takes a silent client's place.
    let platform = client_for(
        server_ca.der.clone(),
        Some(terminal_ca.issue(PLATFORM, &[]).unwrap()),
    );
    let sato = ("06139999", Some("千代"), "10001", Some("01"));
    let link = link_request(sato, "s", holder_for(sato));
    let url = format!("https://localhost:{}/v1/links", running.addr().port());
    let linked = read(platform.post(&url).json(&link).send().await.unwrap()).await;
    assert_eq!(linked.2["outcome"], "confirmed", "{}", linked.2);
    drop(silent);
    running.shutdown().await;

    // Values out of range are named.
    for (extra, key) in [
        ("[connections]\nmax = 0\n", "`connections.max`"),
        (
            "[connections]\nheader_timeout_ms = 1\n",
            "`connections.header_timeout_ms`",
        ),
        ("[connections]\nbacklog = 1\n", "backlog"),
    ] {
        let text = GOOD.replace(
            "bulk_processing_secs = 10\n",
            &format!("bulk_processing_secs = 10\n\n{extra}"),
        );
        let err = load(dir.path(), &text).unwrap_err();
        assert!(err.contains(key), "{key}: {err}");
    }
}

/// `madoguchi-insurer serve --config FILE` starts the real binary, which confirms a link
/// for the platform and answers an eligibility check by it, both over mutual TLS.
#[tokio::test]
async fn serve_command_answers_over_mutual_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, terminal_ca) = write_files(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let path = dir.path().join("insurer.toml");
    std::fs::write(
        &path,
        GOOD.replace("127.0.0.1:0", &format!("127.0.0.1:{port}")),
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi-insurer"))
        .args(["serve", "--config"])
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let c = client_for(
        server_ca.der.clone(),
        Some(terminal_ca.issue(T1, &[]).unwrap()),
    );
    let now = backend_kit::Clock::now(&backend_kit::SystemClock);
    let claims = counter_api::assertion::AssertionClaims {
        iss: PLATFORM.into(),
        aud: INSURER.into(),
        sub: "s".into(),
        jti: "serve-1".into(),
        iat: now,
        exp: now.plus_secs(120),
        ctx: counter_api::assertion::AssertionContext {
            purpose: counter_api::platform::ChallengePurpose::Identify,
            terminal_id: T1.into(),
            challenge_id: "chl_1".into(),
            merchant_id: None,
            amount_jpy: None,
            federated_from: None,
        },
        svc: counter_api::platform::ServiceData::Insurance {
            insurer_number: "06139999".into(),
            symbol: Some("千代".into()),
            number: "10001".into(),
            branch: Some("01".into()),
        },
    };
    let body = serde_json::json!({
        "assertion": signer(7).sign(&claims).unwrap(),
        "qualification_confirmation_date": backend_insurer::core::dates::jst_date(now),
        "medical_institution_code": INSTITUTION,
    });
    // Wait for the listener (with a deadline) by linking as the platform, then check once.
    let platform = client_for(
        server_ca.der.clone(),
        Some(terminal_ca.issue(PLATFORM, &[]).unwrap()),
    );
    let sato = ("06139999", Some("千代"), "10001", Some("01"));
    let link = link_request(sato, "s", holder_for(sato));
    let links_url = format!("https://localhost:{port}/v1/links");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let linked = loop {
        match platform.post(&links_url).json(&link).send().await {
            Ok(r) => break read(r).await,
            Err(_) if std::time::Instant::now() < deadline => {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("madoguchi-insurer exited early: {status}");
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the server never answered: {e}"),
        }
    };
    let url = format!("https://localhost:{port}/v1/eligibility");
    let answer = read(c.post(&url).json(&body).send().await.unwrap()).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(linked.2["outcome"], "confirmed", "{}", linked.2);
    assert_eq!(answer.0, 200, "{}", answer.2);
    assert_eq!(answer.2["qualification_validity"], "1");
}

#[test]
fn serve_command_names_the_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path());
    let path = dir.path().join("insurer.toml");
    std::fs::write(
        &path,
        GOOD.replace("bulk_processing_secs = 10", "bulk_processing_secs = 99999"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi-insurer"))
        .args(["serve", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`bulk_processing_secs`") && err.contains("0 to 86400"),
        "{err}"
    );
}
