//! Reloading the configuration without a restart: SIGHUP to the real `madoguchi-insurer
//! serve` (what `systemctl reload` sends) puts a terminal added to `[[terminals]]` in
//! force, as after `madoguchi-platform terminals enroll`; a file that does not validate is
//! refused with the key and the file in the log, and the server keeps serving on the lists
//! it had. In process, [`backend_insurer::Insurer::reload`] reports what it applied and
//! what needs a restart.

use std::path::Path;
use std::sync::Arc;

use backend_kit::command::ReloadingServer;
use backend_kit::reload::in_force::ServiceSettings;
use counter_api::assertion::KeySet;

use crate::config::{GOOD, write_files};
use crate::served::{Served, free_port};
use crate::support::*;

/// The terminal enrolled at the platform while the insurer runs.
const NEW: &str = "clinic-b-desk-9";

fn with_terminal(text: &str, id: &str) -> String {
    format!("{text}\n[[terminals]]\nid = \"{id}\"\n")
}

/// The code of the answer to a terminal's bulk fetch of an unknown reception number:
/// `reception_unknown` for a registered terminal, `terminal_unknown` for another.
async fn probe(c: &reqwest::Client, port: u16) -> String {
    let url = format!("https://localhost:{port}/v1/bulk-prechecks/R0000000000000000000A");
    let got = get(c, &url).await;
    got.2["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_puts_an_added_terminal_in_force_and_a_broken_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, terminal_ca) = write_files(dir.path());
    let port = free_port();
    let path = dir.path().join("insurer.toml");
    let good = GOOD.replace("127.0.0.1:0", &format!("127.0.0.1:{port}"));
    std::fs::write(&path, &good).unwrap();
    let mut server = Served::start(env!("CARGO_BIN_EXE_madoguchi-insurer"), &path);
    let new = client_for(
        server_ca.der.clone(),
        Some(terminal_ca.issue(NEW, &[]).unwrap()),
    );
    let t1 = client_for(
        server_ca.der.clone(),
        Some(terminal_ca.issue(T1, &[]).unwrap()),
    );
    assert_eq!(probe(&new, port).await, "terminal_unknown");
    assert_eq!(probe(&t1, port).await, "reception_unknown");

    // The technician adds the enrolled terminal and reloads.
    std::fs::write(&path, with_terminal(&good, NEW)).unwrap();
    server.hangup();
    let line = server.wait_for("reloaded");
    assert!(line.contains("2 terminals, 1 platforms"), "{line}");
    assert!(line.contains("insurer.toml"), "{line}");
    assert_eq!(probe(&new, port).await, "reception_unknown");

    // A broken file (a terminal id with a space), which also drops NEW: refused, logged
    // with the key and the file, and the lists in force stay.
    let broken = with_terminal(&good, "desk 10");
    std::fs::write(&path, &broken).unwrap();
    server.hangup();
    let line = server.wait_for("reload refused");
    assert!(
        line.contains("`terminals[1].id`") && line.contains("insurer.toml"),
        "{line}"
    );
    assert!(line.contains("ERROR"), "{line}");
    assert!(server.running());
    assert_eq!(probe(&new, port).await, "reception_unknown");
    assert_eq!(probe(&t1, port).await, "reception_unknown");

    // A key that applies at start only is named and not applied; the terminals are.
    let other_port = free_port();
    std::fs::write(
        &path,
        good.replace(
            &format!("127.0.0.1:{port}"),
            &format!("127.0.0.1:{other_port}"),
        ),
    )
    .unwrap();
    server.hangup();
    let line = server.wait_for("reloaded");
    assert!(
        line.contains("1 terminals") && line.contains("restart to apply: listen"),
        "{line}"
    );
    assert_eq!(probe(&new, port).await, "terminal_unknown");
    assert_eq!(probe(&t1, port).await, "reception_unknown");
}

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("insurer.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn a_reload_applies_the_lists_checks_them_against_each_other_and_names_restart_keys() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path());
    let path = write(dir.path(), GOOD);
    let settings = backend_insurer::Settings::load(&path).unwrap();
    let running = backend_insurer::start_in_process(settings, Arc::new(backend_kit::SystemClock))
        .await
        .unwrap();
    let ins = running.insurer().clone();
    let reload = move |p: std::path::PathBuf| {
        let ins = ins.clone();
        async move {
            tokio::task::spawn_blocking(move || ins.reload(&p))
                .await
                .unwrap()
        }
    };

    // A second platform and a second terminal: both in force, nothing left for a restart.
    let keys = serde_json::to_vec(&KeySet::of("pf-osaka", &signer(8))).unwrap();
    std::fs::write(dir.path().join("pf-osaka.json"), keys).unwrap();
    let two = with_terminal(GOOD, NEW)
        + "\n[[platforms]]\nissuer = \"pf-osaka\"\nkeys = \"pf-osaka.json\"\n";
    let done = reload(write(dir.path(), &two)).await.unwrap();
    assert_eq!((done.terminals, done.platforms), (2, 2));
    assert!(done.restart.keys().is_empty(), "{:?}", done.restart);
    let now = running.insurer().in_force();
    assert!(now.settings.knows_terminal(NEW));
    assert_eq!(
        now.settings.platform_ids().collect::<Vec<_>>(),
        ["pf-tokyo", "pf-osaka"]
    );

    // Refusals keep what is in force: a terminal named as a platform or listed twice, a
    // missing key file, a value broken elsewhere in the file (validated as at start, though
    // not reloaded).
    for (text, key) in [
        (with_terminal(&two, "pf-osaka"), "`terminals[2].id`"),
        // The same terminal twice: the second entry (a pin added there) would do nothing.
        (with_terminal(&two, NEW), "`terminals[2].id`"),
        (
            two.replace("pf-osaka.json", "missing.json"),
            "`platforms[1].keys`",
        ),
        (
            two.replace("bulk_processing_secs = 10", "bulk_processing_secs = -1"),
            "`bulk_processing_secs`",
        ),
    ] {
        let e = reload(write(dir.path(), &text)).await.unwrap_err();
        let m = e.to_string();
        assert!(m.contains(key) && m.contains("insurer.toml"), "{key}: {m}");
        assert!(Arc::ptr_eq(&now, &running.insurer().in_force()));
    }

    // Keys that apply at start only are named, in the file's order, and not applied.
    let moved = GOOD
        .replace("127.0.0.1:0", "127.0.0.1:1")
        .replace("bulk_processing_secs = 10", "bulk_processing_secs = 20")
        .replace("insurer.sqlite", "other.sqlite");
    let done = reload(write(dir.path(), &moved)).await.unwrap();
    assert_eq!(
        done.restart.keys(),
        ["listen", "database", "bulk_processing_secs"]
    );
    let after = running.insurer().in_force();
    assert_eq!(after.settings.bulk_processing_secs, 10);
    assert_eq!(after.settings.listen, now.settings.listen);
    assert_eq!(after.settings.terminals.len(), 1);

    // A flow runs on the value its request read, not on a later one: pf-osaka, trusted in
    // `now` and no longer in `after`, passes the caller check under `now` (the body's own
    // problem answers) and is refused under `after`.
    let osaka = backend_kit::Peer(Some(Arc::new(backend_kit::ClientIdentity {
        common_name: Some("pf-osaka".into()),
        sha256: "00".into(),
    })));
    let no_body = || {
        Err(backend_kit::ApiError::new(
            counter_api::ProblemCode::InvalidField,
            "no body in this test",
        ))
    };
    let ins = running.insurer();
    let e = ins.link(&now, &osaka, no_body()).unwrap_err();
    assert_eq!(e.problem().code, counter_api::ProblemCode::InvalidField);
    let e = ins.link(&after, &osaka, no_body()).unwrap_err();
    assert_eq!(
        e.problem().reason.as_deref(),
        Some("not_a_trusted_platform")
    );
    running.shutdown().await;
}

/// A server dropped without `shutdown` (a test that fails halfway, a caller's early return)
/// leaves no SIGHUP task behind holding its state: the task ends, and with it the reload
/// that holds the insurer.
#[tokio::test]
async fn a_dropped_server_leaves_no_reload_task_holding_the_insurer() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path());
    let path = write(dir.path(), GOOD);
    let settings = backend_insurer::Settings::load(&path).unwrap();
    let mut running =
        backend_insurer::start_in_process(settings, Arc::new(backend_kit::SystemClock))
            .await
            .unwrap();
    running.reload_on_hangup(path).unwrap();
    let ended = running.reload_ended().unwrap();
    drop(running);
    let got = tokio::time::timeout(std::time::Duration::from_secs(10), ended).await;
    assert!(
        got.is_ok(),
        "the dropped server's SIGHUP task still runs, holding the insurer"
    );
}
