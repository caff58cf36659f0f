//! The audit rows of a node's own CRL work are never only logged: a failed scheduled
//! reload whose `crl_reload` row the storage refuses keeps the row waiting, the admin
//! reload answers `503` saying what the reload did and how many rows wait (its own among
//! them), and the next poll writes them once the storage takes them again; a node stopped
//! gracefully tries them once more and logs those it cannot write.

use std::sync::Arc;

use backend_platform::config::{CrlFrom, Database};

use crate::node_support::{exec, node_settings};
use crate::support::*;

/// Makes the storage refuse every `crl_reload` audit row (a trigger), the other rows
/// still written.
fn refuse_crl_reload_rows(db: &Database) {
    let sql = match db {
        Database::Sqlite(_) => {
            "CREATE TRIGGER refuse_crl_reload BEFORE INSERT ON audit
             WHEN NEW.action = 'crl_reload'
             BEGIN SELECT RAISE(ABORT, 'the test refuses crl_reload rows'); END;"
        }
        Database::Postgres(_) => {
            "CREATE FUNCTION refuse_crl_reload() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN RAISE EXCEPTION 'the test refuses crl_reload rows'; END $$;
             CREATE TRIGGER refuse_crl_reload BEFORE INSERT ON audit
                 FOR EACH ROW WHEN (NEW.action = 'crl_reload')
                 EXECUTE FUNCTION refuse_crl_reload();"
        }
    };
    exec(db, sql);
}

/// Undoes [`refuse_crl_reload_rows`].
fn accept_crl_reload_rows(db: &Database) {
    let sql = match db {
        Database::Sqlite(_) => "DROP TRIGGER refuse_crl_reload",
        Database::Postgres(_) => "DROP TRIGGER refuse_crl_reload ON audit",
    };
    exec(db, sql);
}

#[tokio::test]
async fn a_reload_row_the_audit_refuses_waits_is_told_and_is_written_by_the_next_poll() {
    // The node's own polls are an hour apart: the test polls by hand.
    let env = Env::start_with(EnvOptions {
        poll_interval: std::time::Duration::from_secs(3600),
        ..EnvOptions::default()
    })
    .await;
    let admin = env.client(Some(T1));
    let p = env.running.platform().clone();
    std::fs::write(
        env.dir.path().join("crl").join("zz-bad.crl"),
        [0x30, 0x03, 0x02, 0x01, 0x01],
    )
    .unwrap();
    refuse_crl_reload_rows(&env.settings.database);

    // The scheduled reload fails, and so does its row: the row waits.
    let q = p.clone();
    let e = tokio::task::spawn_blocking(move || q.reload_crls_scheduled())
        .await
        .unwrap()
        .unwrap_err();
    assert!(e.to_string().contains("zz-bad.crl"), "{e}");
    assert_eq!(p.crl_audit_backlog().rows, 1);

    // The admin reload cannot write the waiting row nor its own: it says so.
    let got = read(
        admin
            .post(env.url("/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let v = assert_problem(&got, 503, "unavailable");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("2 audit rows of CRL reloads and refreshes wait to be written"),
        "{v}"
    );
    // The reload's own outcome is not lost behind the audit's: its error is told.
    assert!(
        detail.starts_with("the CRL reload failed: ") && detail.contains("zz-bad.crl"),
        "{v}"
    );
    assert_eq!(p.crl_audit_backlog().rows, 2);
    let rows = "SELECT COALESCE(terminal_id, '-') || ' ' || outcome || ' ' || COALESCE(reason, '') \
                FROM audit WHERE action = 'crl_reload' ORDER BY id";
    assert!(env.platform_rows(rows).is_empty());

    // A reload that succeeds while its row cannot be written says that its CRLs are in use.
    std::fs::remove_file(env.dir.path().join("crl").join("zz-bad.crl")).unwrap();
    let got = read(
        admin
            .post(env.url("/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let v = assert_problem(&got, 503, "unavailable");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("the CRLs were reloaded and this node uses them (")
            && detail.contains(" files, ")
            && detail.contains("3 audit rows of CRL reloads and refreshes wait"),
        "{v}"
    );
    assert_eq!(p.crl_audit_backlog().rows, 3);

    // The storage takes them again: the next poll writes them, oldest first.
    accept_crl_reload_rows(&env.settings.database);
    let q = p.clone();
    tokio::task::spawn_blocking(move || backend_platform::generations::poll_once(&q))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.crl_audit_backlog().rows, 0);
    let written = env.platform_rows(rows);
    assert_eq!(written.len(), 3, "{written:?}");
    assert!(
        written[0].starts_with("- unavailable CRL ") && written[0].contains("zz-bad.crl"),
        "{written:?}"
    );
    // The admin call's row, as it would have been written at once (its problem is in
    // the answer, not in the row).
    assert_eq!(written[1], format!("{T1} unavailable "));
    assert!(
        written[2].starts_with(&format!("{T1} ok ")) && written[2].contains(" files, "),
        "{written:?}"
    );
    env.shutdown().await;
}

/// A node stopped gracefully (the server's shutdown) with a `crl_reload` row waiting, the
/// storage taking rows again, writes it at its stop: no poll came between. A stop while
/// the storage still refuses it gives the row to the log alone, and says so.
#[tokio::test]
async fn a_node_stopped_gracefully_writes_the_rows_that_wait_or_logs_them() {
    // The nodes' own polls are an hour apart: only the stop can write the row.
    let env = Env::start_with(EnvOptions {
        poll_interval: std::time::Duration::from_secs(3600),
        ..EnvOptions::default()
    })
    .await;
    let b = backend_platform::start_in_process(
        node_settings(&env, CrlFrom::Folder),
        Arc::new(env.clock.clone()),
    )
    .await
    .unwrap();
    std::fs::write(
        env.dir.path().join("crl").join("zz-bad.crl"),
        [0x30, 0x03, 0x02, 0x01, 0x01],
    )
    .unwrap();
    refuse_crl_reload_rows(&env.settings.database);

    // A scheduled reload fails at each node, and so does its row: one waits at each.
    for p in [env.running.platform().clone(), b.platform().clone()] {
        let q = p.clone();
        let e = tokio::task::spawn_blocking(move || q.reload_crls_scheduled())
            .await
            .unwrap()
            .unwrap_err();
        assert!(e.to_string().contains("zz-bad.crl"), "{e}");
        assert_eq!(p.crl_audit_backlog().rows, 1);
    }

    // A's stop while the storage still refuses it: the row goes to the log only.
    let a = env.running.platform().clone();
    let left = tokio::task::spawn_blocking(move || a.flush_crl_audit_at_stop())
        .await
        .unwrap();
    assert_eq!((left.rows, left.lost), (1, 0));
    assert_eq!(env.running.platform().crl_audit_backlog().rows, 0);

    // B stops once the storage takes rows again: its row is written.
    accept_crl_reload_rows(&env.settings.database);
    let rows = "SELECT outcome || ' ' || COALESCE(reason, '') FROM audit \
                WHERE action = 'crl_reload' ORDER BY id";
    assert!(env.platform_rows(rows).is_empty());
    b.shutdown().await;
    let written = env.platform_rows(rows);
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(
        written[0].starts_with("unavailable CRL ") && written[0].contains("zz-bad.crl"),
        "{written:?}"
    );
    env.shutdown().await;
}
