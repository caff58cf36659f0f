//! The configuration file: clear errors naming the key, and `serve --config` through the
//! real binary.

use std::path::Path;
use std::time::Duration;

use backend_acquirer::Settings;
use counter_api::acquirer::CaptureMode;
use counter_api::assertion::KeySet;

use crate::support::*;

pub(crate) fn write_material(
    dir: &Path,
    env_cas: (&Ca, &Ca),
    signer: &counter_api::assertion::AssertionSigner,
) {
    let (server_ca, terminal_ca) = env_cas;
    let (cert, key) = server_ca.issue("localhost", &["localhost"]).unwrap();
    std::fs::write(dir.join("server.pem"), cert).unwrap();
    std::fs::write(dir.join("server.key"), key).unwrap();
    std::fs::write(dir.join("terminal-ca.pem"), &terminal_ca.pem).unwrap();
    let keys = serde_json::to_vec(&KeySet::of(PLATFORM, signer)).unwrap();
    std::fs::write(dir.join("pf-tokyo.json"), keys).unwrap();
}

pub(crate) fn config(listen: &str, extra: &str) -> String {
    format!(
        r#"acquirer_id = "{ACQUIRER}"
listen = "{listen}"
database = "acquirer.sqlite"
{extra}
[tls]
certificate = "server.pem"
private_key = "server.key"
terminal_ca = "terminal-ca.pem"

[[trusted_platforms]]
issuer = "{PLATFORM}"
keys = "pf-tokyo.json"

[[terminals]]
id = "{T1}"
merchant_id = "{SHOP_A}"
admin = true

[[card_tokens]]
card_token_ref = "{TOK_VISA}"
brand = "VISA"
last4 = "4242"
[card_tokens.holder]
name = "{HOLDER_NAME}"
birth_date = "{HOLDER_BIRTH}"
"#
    )
}

fn load_err(dir: &Path, text: &str) -> String {
    let p = dir.join("bad.toml");
    std::fs::write(&p, text).unwrap();
    Settings::load(&p).unwrap_err().to_string()
}

#[test]
fn configuration_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let (s, t) = (Ca::new("s").unwrap(), Ca::new("t").unwrap());
    write_material(dir.path(), (&s, &t), &signer(7));
    let p = dir.path().join("ok.toml");
    std::fs::write(&p, config("127.0.0.1:0", "")).unwrap();
    let ok = Settings::load(&p).unwrap();
    assert_eq!(ok.card_tokens.len(), 1);
    assert_eq!(ok.database, dir.path().join("acquirer.sqlite"));

    let e = load_err(dir.path(), &config("localhost:x", ""));
    assert!(e.contains("`listen`") && e.contains("IP:port"), "{e}");
    let e = load_err(dir.path(), &config("127.0.0.1:0", "typo = 1"));
    assert!(e.contains("typo"), "{e}");
    let e = load_err(
        dir.path(),
        &config("127.0.0.1:0", "").replace("\"4242\"", "\"4242424242424242\""),
    );
    assert!(e.contains("card_tokens[0].last4"), "{e}");
    let e = load_err(
        dir.path(),
        &config("127.0.0.1:0", "").replace("pf-tokyo.json", "missing.json"),
    );
    assert!(
        e.contains("trusted_platforms[0].keys") && e.contains("missing.json"),
        "{e}"
    );
    let e = load_err(
        dir.path(),
        &config("127.0.0.1:0", "")
            .replace(&format!("issuer = \"{PLATFORM}\""), "issuer = \"pf-osaka\""),
    );
    assert!(e.contains("not pf-osaka's"), "{e}");
    let e = load_err(
        dir.path(),
        &config("127.0.0.1:0", "").replace("merchant_id = \"shop-a\"", "merchant_id = \"shop a\""),
    );
    assert!(e.contains("terminals[0].merchant_id"), "{e}");
}

#[test]
fn card_tokens_need_their_holder_and_terminals_are_not_platforms() {
    let dir = tempfile::tempdir().unwrap();
    let (s, t) = (Ca::new("s").unwrap(), Ca::new("t").unwrap());
    write_material(dir.path(), (&s, &t), &signer(7));
    let p = dir.path().join("ok.toml");
    std::fs::write(
        &p,
        config("127.0.0.1:0", "")
            + "address = \"東京都千代田区丸の内九丁目９番９９号\"\nsex = \"female\"\n",
    )
    .unwrap();
    let ok = Settings::load(&p).unwrap();
    let holder = &ok.card_tokens[0].holder;
    assert_eq!(
        (holder.name.as_str(), holder.sex),
        (HOLDER_NAME, Some(counter_api::platform::Sex::Female))
    );

    let no_holder = config("127.0.0.1:0", "").replace("[card_tokens.holder]", "");
    let no_holder = no_holder
        .replace(&format!("name = \"{HOLDER_NAME}\"\n"), "")
        .replace(&format!("birth_date = \"{HOLDER_BIRTH}\"\n"), "");
    let e = load_err(dir.path(), &no_holder);
    assert!(
        e.contains("card_tokens[0].holder") && e.contains("no cardholder"),
        "{e}"
    );
    let e = load_err(
        dir.path(),
        &config("127.0.0.1:0", "").replace(HOLDER_BIRTH, "1985/04/12"),
    );
    assert!(e.contains("card_tokens[0].holder.birth_date"), "{e}");
    let e = load_err(
        dir.path(),
        &(config("127.0.0.1:0", "") + "nickname = \"hana\"\n"),
    );
    assert!(e.contains("nickname"), "{e}");
    // A terminal named like the trusted platform could confirm links with its certificate.
    let clash = config("127.0.0.1:0", "").replace(
        "[[card_tokens]]",
        &format!(
            "[[terminals]]\nid = \"{PLATFORM}\"\nmerchant_id = \"{SHOP_A}\"\n\n[[card_tokens]]"
        ),
    );
    let e = load_err(dir.path(), &clash);
    assert!(
        e.contains("terminals[1].id") && e.contains("trusted platform"),
        "{e}"
    );
}

#[tokio::test]
async fn serve_config_runs_the_real_binary() {
    let env = Env::start().await; // for its CAs, signer and helpers
    let dir = tempfile::tempdir().unwrap();
    write_material(dir.path(), (&env.server_ca, &env.terminal_ca), &env.signer);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = dir.path().join("acquirer.toml");
    std::fs::write(&p, config(&format!("127.0.0.1:{port}"), "")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi-acquirer"))
        .args(["serve", "--config"])
        .arg(&p)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let c = env.client(Some(T1));
    let base = format!("https://localhost:{port}");
    // The platform links the token first (its certificate's CN is the trusted issuer).
    let link = link_request(TOK_VISA, SUB, certified());
    let mut linked = None;
    for _ in 0..100 {
        if let Ok(r) = env
            .platform_client()
            .post(format!("{base}/v1/links"))
            .json(&link)
            .send()
            .await
        {
            linked = Some(read(r).await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let req = env.authorise_req(100, TOK_VISA, CaptureMode::Automatic);
    let answer = match &linked {
        Some(_) => Some(post_key(&c, &format!("{base}/v1/payments"), "bin-1", &req).await),
        None => None,
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let linked = linked.expect("the binary never answered");
    assert_eq!(ok(&linked)["outcome"], "confirmed");
    assert_eq!(ok(&answer.unwrap())["card"]["last4"], "4242");
}

/// `[connections]` from the file bounds the listener: silent clients without a certificate
/// hold at most `max` connections, and a terminal still gets its answer.
#[tokio::test]
async fn connections_from_the_file_bound_the_listener() {
    let env = Env::start().await; // for its CAs, signer and helpers
    let dir = tempfile::tempdir().unwrap();
    write_material(dir.path(), (&env.server_ca, &env.terminal_ca), &env.signer);
    let p = dir.path().join("acquirer.toml");
    std::fs::write(
        &p,
        config(
            "127.0.0.1:0",
            "[connections]\nmax = 4\nhandshake_timeout_ms = 30000\n",
        ),
    )
    .unwrap();
    let (settings, rules) = backend_acquirer::config::load(&p).unwrap();
    assert_eq!(settings.connections.max_connections, 4);
    assert_eq!(
        settings.connections.handshake_timeout,
        Duration::from_secs(30)
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = backend_acquirer::server::start_with(
        settings,
        rules,
        std::sync::Arc::new(backend_kit::SystemClock),
        listener,
    )
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
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while running.open_connections() > 4 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        running.open_connections() <= 4,
        "{} connections open with max = 4",
        running.open_connections()
    );
    // A terminal, with its client certificate, takes a silent client's place.
    let url = format!(
        "https://localhost:{}/v1/payments/by-idempotency-key/never-sent-1",
        running.addr().port()
    );
    let got = get(&env.client(Some(T1)), &url).await;
    assert_eq!(got.0, 404, "{}", got.2);
    assert_eq!(got.2["code"], "not_found", "{}", got.2);
    drop(silent);
    running.shutdown().await;

    // Values out of range are named.
    for (extra, key) in [
        ("[connections]\nmax = 0\n", "connections.max"),
        (
            "[connections]\nheader_timeout_ms = 1\n",
            "connections.header_timeout_ms",
        ),
        ("[connections]\nbacklog = 1\n", "backlog"),
    ] {
        let e = load_err(dir.path(), &config("127.0.0.1:0", extra));
        assert!(e.contains(key), "{key}: {e}");
    }
}

#[test]
fn key_rules_come_from_the_file_and_retention_must_exceed_the_recovery_horizon() {
    let dir = tempfile::tempdir().unwrap();
    let (s, t) = (Ca::new("s").unwrap(), Ca::new("t").unwrap());
    write_material(dir.path(), (&s, &t), &signer(7));
    let p = dir.path().join("ok.toml");
    std::fs::write(&p, config("127.0.0.1:0", "")).unwrap();
    let (_, rules) = backend_acquirer::config::load(&p).unwrap();
    assert_eq!(rules, backend_acquirer::config::KeyRules::default());
    std::fs::write(
        &p,
        config(
            "127.0.0.1:0",
            "[idempotency]\nclaim_lease_secs = 5\nretention_days = 20\n",
        ),
    )
    .unwrap();
    let (_, rules) = backend_acquirer::config::load(&p).unwrap();
    assert_eq!(rules.claim_lease_secs, 5);
    assert_eq!(rules.retention_secs, 20 * 86_400);

    // Exactly the horizon does not exceed it: the terminal's last retry could meet a key
    // just forgotten.
    for days in [7, 14] {
        let e = load_err(
            dir.path(),
            &config(
                "127.0.0.1:0",
                &format!("[idempotency]\nretention_days = {days}\n"),
            ),
        );
        assert!(
            e.contains("idempotency.retention_days")
                && e.contains("does not exceed the terminal's recovery horizon (14 days)")
                && e.contains("made twice")
                && e.contains("at least 15 days"),
            "{e}"
        );
    }
    std::fs::write(
        &p,
        config("127.0.0.1:0", "[idempotency]\nretention_days = 15\n"),
    )
    .unwrap();
    let (_, rules) = backend_acquirer::config::load(&p).unwrap();
    assert_eq!(rules.retention_secs, 15 * 86_400);
    let e = load_err(
        dir.path(),
        &config("127.0.0.1:0", "[idempotency]\nclaim_lease_secs = 0\n"),
    );
    assert!(e.contains("idempotency.claim_lease_secs"), "{e}");
    let e = load_err(
        dir.path(),
        &config("127.0.0.1:0", "[idempotency]\nlease = 5\n"),
    );
    assert!(e.contains("lease"), "{e}");
}
