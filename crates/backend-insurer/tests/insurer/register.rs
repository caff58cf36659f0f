//! Which register an empty database is seeded with: the file `demo_data` names; without
//! it, the compiled-in demo register only in a build with the `demo-register` feature (the
//! shipped server has none and starts on an empty register); and an empty register is said
//! once in the log at start, with what to set.

use std::path::Path;
use std::sync::Arc;

use backend_insurer::insurer::EMPTY_REGISTER;

use crate::config::{GOOD, write_files};
use crate::served::{Served, free_port};
use crate::support::*;

/// The start of the log line of an empty register.
fn empty_line_start() -> &'static str {
    EMPTY_REGISTER.split(':').next().unwrap_or(EMPTY_REGISTER)
}

/// The platform asks to link sato-hanako's card to her record at `port`; the outcome.
async fn link_sato(server_ca: &Ca, terminal_ca: &Ca, port: u16) -> String {
    let platform = client_for(
        server_ca.der.clone(),
        Some(terminal_ca.issue(PLATFORM, &[]).unwrap()),
    );
    let sato = ("06139999", Some("千代"), "10001", Some("01"));
    let link = link_request(sato, "s", holder_for(sato));
    let url = format!("https://localhost:{port}/v1/links");
    let got = read(platform.post(&url).json(&link).send().await.unwrap()).await;
    assert_eq!(got.0, 200, "{}", got.2);
    got.2["outcome"].as_str().unwrap_or_default().to_owned()
}

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("insurer.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A file without `demo_data` seeds the build's default: the demo register with the
/// `demo-register` feature, nothing without it (`cargo test -p backend-insurer` is the
/// latter, the workspace's tests the former). Either way the server starts.
#[tokio::test]
async fn without_demo_data_the_register_is_the_builds_default() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, terminal_ca) = write_files(dir.path());
    let text = GOOD.replace("demo_data = \"insured.toml\"\n", "");
    assert_ne!(text, GOOD, "GOOD names a demo_data");
    let settings = backend_insurer::Settings::load(&write(dir.path(), &text)).unwrap();
    assert_eq!(settings.seed_toml, backend_insurer::demo::DEFAULT);
    let running = backend_insurer::start_in_process(settings, Arc::new(backend_kit::SystemClock))
        .await
        .unwrap();
    let outcome = link_sato(&server_ca, &terminal_ca, running.addr().port()).await;
    let expected = if cfg!(feature = "demo-register") {
        "confirmed"
    } else {
        "unknown"
    };
    assert_eq!(outcome, expected);
    running.shutdown().await;
}

/// The real binary on an empty register (a `demo_data` file with no record): one warning at
/// start naming `demo_data` and the format, none again on a reload; the platform's link
/// request finds no record. With a register file instead, no warning and the link is
/// confirmed.
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_register_is_said_once_at_start_with_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, terminal_ca) = write_files(dir.path());
    std::fs::write(dir.path().join("empty.toml"), "# nobody insured yet\n").unwrap();
    let port = free_port();
    let text = GOOD
        .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"))
        .replace("insured.toml", "empty.toml");
    let path = write(dir.path(), &text);
    let mut server = Served::start(env!("CARGO_BIN_EXE_madoguchi-insurer"), &path);
    let said = |log: &[String]| -> Vec<String> {
        log.iter()
            .filter(|l| l.contains(empty_line_start()))
            .cloned()
            .collect()
    };
    let lines = said(&server.log);
    assert_eq!(lines.len(), 1, "{:?}", server.log);
    assert!(lines[0].contains("WARN"), "{}", lines[0]);
    assert!(
        lines[0].contains("demo_data = FILE") && lines[0].contains("data/demo-insured.toml"),
        "{}",
        lines[0]
    );
    assert_eq!(link_sato(&server_ca, &terminal_ca, port).await, "unknown");
    server.hangup();
    server.wait_for("reloaded");
    assert_eq!(said(&server.log).len(), 1, "{:?}", server.log);
    drop(server);

    // The same server on a fresh database with the demo register's file: nothing to say.
    let port = free_port();
    let text = GOOD
        .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"))
        .replace("insurer.sqlite", "seeded.sqlite");
    let path = write(dir.path(), &text);
    let server = Served::start(env!("CARGO_BIN_EXE_madoguchi-insurer"), &path);
    assert_eq!(said(&server.log), Vec::<String>::new());
    assert_eq!(link_sato(&server_ca, &terminal_ca, port).await, "confirmed");
}
