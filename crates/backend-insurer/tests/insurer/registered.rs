//! A terminal whose `[[terminals]]` entry registers its certificate (`certificate_sha256`):
//! through the real TLS server, that certificate passes and another of the same CA with
//! the same CN (a stolen PC's after the replacement) is refused; a digest that is not
//! one is refused when the file loads.

use crate::config::{GOOD, write_files};
use crate::support::*;

const SATO: Linkage<'static> = ("06139999", Some("千代"), "10001", Some("01"));

#[tokio::test]
async fn only_the_registered_certificate_is_accepted() {
    let mut registered = None;
    let env = Env::start_with(|ca, s| {
        let identity = ca.issue(T1, &[]).unwrap();
        s.terminals[0].certificate_sha256 = Some(sha256_of(&identity.0));
        registered = Some(identity);
    })
    .await;
    let registered = client_for(env.server_ca.der.clone(), registered);
    // The other terminal registers none: start-up names it.
    assert_eq!(env.settings.warn_unregistered_terminals(), [T2]);
    env.link(SATO).await;
    let body = request(&env, env.assertion(SATO));
    // Another certificate of the terminal CA with T1 as CN.
    let other = env.client(Some(T1));
    let got = post(&other, &env.url("/v1/eligibility"), &body).await;
    let p = assert_problem(&got, 403, "terminal_unknown");
    assert_eq!(p["reason"], "certificate_not_registered", "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("registered with") && detail.contains("certificate_sha256"),
        "{detail}"
    );
    let got = get(&other, &env.url("/v1/bulk-prechecks/R1")).await;
    assert_problem(&got, 403, "terminal_unknown");
    let rows = env.running.insurer().audit_rows().unwrap();
    assert!(
        rows.iter().any(|r| r.action == "terminal"
            && r.terminal_id.as_deref() == Some(T1)
            && r.reason
                .as_deref()
                .is_some_and(|r| r.starts_with("certificate_not_registered "))),
        "{rows:?}"
    );
    // The registered certificate passes (the refused calls did not use the assertion up).
    let (s, _, v) = post(&registered, &env.url("/v1/eligibility"), &body).await;
    assert_eq!(s, 200, "{v}");
    let got = get(&registered, &env.url("/v1/bulk-prechecks/R1")).await;
    assert_problem(&got, 404, "reception_unknown");
    // A terminal without a registered certificate keeps today's rule: any of the CA's.
    let got = get(&env.client(Some(T2)), &env.url("/v1/bulk-prechecks/R1")).await;
    assert_problem(&got, 404, "reception_unknown");
}

#[test]
fn the_file_takes_a_digest_and_refuses_what_is_not_one() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path());
    let path = dir.path().join("insurer.toml");
    let with = |digest: &str| {
        GOOD.replace(
            "id = \"clinic-a-desk-1\"",
            &format!("id = \"clinic-a-desk-1\"\ncertificate_sha256 = \"{digest}\""),
        )
    };
    std::fs::write(&path, with(&["AB"; 32].join(":"))).unwrap();
    let s = backend_insurer::Settings::load(&path).unwrap();
    assert_eq!(s.terminals[0].certificate_sha256, Some([0xab; 32]));
    for bad in ["zz".repeat(32), "ab".repeat(31), "ab".repeat(33)] {
        std::fs::write(&path, with(&bad)).unwrap();
        let e = backend_insurer::Settings::load(&path)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("insurer.toml")
                && e.contains("certificate_sha256")
                && e.contains("not a SHA-256")
                && e.contains("64 hex"),
            "{e}"
        );
    }
}

/// `certificate_sha256` as an operator pastes it from `openssl x509 -fingerprint`.
fn fingerprint(pem: &str) -> String {
    sha256_of(pem)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The code of the answer to a bulk fetch of an unknown reception number:
/// `reception_unknown` for an accepted terminal, `terminal_unknown` for another.
async fn probe(c: &reqwest::Client, port: u16) -> String {
    let url = format!("https://localhost:{port}/v1/bulk-prechecks/R0000000000000000000A");
    get(c, &url).await.2["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// README's procedure for a replaced PC, on the real `madoguchi-insurer serve`: the entry
/// registers the old PC's certificate; the operator puts the new one's SHA-256 in it and
/// reloads; the old certificate is refused from then on. A terminal added without a
/// digest is named in a warning.
#[tokio::test(flavor = "multi_thread")]
async fn a_replacement_is_registered_by_editing_the_digest_and_reloading() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, terminal_ca) = write_files(dir.path());
    let port = crate::served::free_port();
    let path = dir.path().join("insurer.toml");
    let old = terminal_ca.issue(T1, &[]).unwrap();
    let new = terminal_ca.issue(T1, &[]).unwrap();
    let registering = |pem: &str| {
        GOOD.replace("127.0.0.1:0", &format!("127.0.0.1:{port}"))
            .replace(
                "id = \"clinic-a-desk-1\"",
                &format!(
                    "id = \"clinic-a-desk-1\"\ncertificate_sha256 = \"{}\"",
                    fingerprint(pem)
                ),
            )
    };
    std::fs::write(&path, registering(&old.0)).unwrap();
    let mut server = crate::served::Served::start(env!("CARGO_BIN_EXE_madoguchi-insurer"), &path);
    assert!(
        !server
            .log
            .iter()
            .any(|l| l.contains("without certificate_sha256")),
        "{:?}",
        server.log
    );
    let new_pem = new.0.clone();
    let old = client_for(server_ca.der.clone(), Some(old));
    let new = client_for(server_ca.der.clone(), Some(new));
    assert_eq!(probe(&old, port).await, "reception_unknown");
    assert_eq!(probe(&new, port).await, "terminal_unknown");

    // The PC is replaced (and a desk added without a digest): edit, reload.
    let file = format!(
        "{}\n[[terminals]]\nid = \"clinic-b-desk-9\"\n",
        registering(&new_pem)
    );
    std::fs::write(&path, file).unwrap();
    server.hangup();
    let warning = server.wait_for("without certificate_sha256");
    assert!(
        warning.contains("clinic-b-desk-9") && !warning.contains(T1),
        "{warning}"
    );
    server.wait_for("reloaded");
    assert_eq!(probe(&new, port).await, "reception_unknown");
    assert_eq!(probe(&old, port).await, "terminal_unknown");
}
