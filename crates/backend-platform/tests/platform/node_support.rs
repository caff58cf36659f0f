//! Helpers of the tests of what nodes share through the storage (terminals, CRL set): a
//! node polling often, a second node on the same storage, waiting (with a timeout) for a
//! node to hold a generation, and statements run on the storage behind the nodes' backs,
//! on the SQLite file or the PostgreSQL schema the suite runs on.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backend_platform::RunningPlatform;
use backend_platform::config::{CrlFrom, Database};
use backend_platform::generations::Applied;

use crate::support::*;

/// The poll interval of these tests' nodes.
pub const POLL: Duration = Duration::from_millis(500);

/// How long a wait may take at most on a loaded machine before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

/// An environment whose node (A) polls every [`POLL`].
pub async fn env_polling() -> Env {
    Env::start_with(EnvOptions {
        poll_interval: POLL,
        ..EnvOptions::default()
    })
    .await
}

/// The settings of a second node of `env`, taking its CRLs from `from` (with
/// [`CrlFrom::Storage`] it has no folder at all).
pub fn node_settings(env: &Env, from: CrlFrom) -> backend_platform::Settings {
    let mut s = env.settings.clone();
    s.crl_from = from;
    if from == CrlFrom::Storage {
        s.crl_dir = PathBuf::new();
    }
    s
}

/// A second node (B) of `env` on the same storage, taking its CRLs from the storage.
pub async fn node_b(env: &Env) -> RunningPlatform {
    backend_platform::start_in_process(
        node_settings(env, CrlFrom::Storage),
        Arc::new(env.clock.clone()),
    )
    .await
    .unwrap()
}

/// `path` at `node`.
pub fn at(node: &RunningPlatform, path: &str) -> String {
    format!("https://localhost:{}{path}", node.addr().port())
}

/// Polls `node` has finished so far.
pub fn polls(node: &RunningPlatform) -> u64 {
    node.platform().watch_applied().borrow().polls
}

/// Waits until `node` holds what `ok` asks (re-checked after each of its polls and changes);
/// fails after [`PATIENCE`] saying what it holds.
pub async fn wait_until(
    node: &RunningPlatform,
    what: &str,
    ok: impl Fn(&Applied) -> bool,
) -> Applied {
    let mut rx = node.platform().watch_applied();
    let started = Instant::now();
    let result = tokio::time::timeout(PATIENCE, rx.wait_for(|a| ok(a)))
        .await
        .map(|r| r.map(|a| *a).map_err(|e| e.to_string()));
    match result {
        Ok(Ok(a)) => {
            eprintln!("{what}: after {:?} ({a:?})", started.elapsed());
            a
        }
        other => panic!(
            "{what}: not within {PATIENCE:?} ({other:?}); the node holds {:?}",
            *rx.borrow()
        ),
    }
}

/// Asserts that `applied` came with the first or second poll that `node` finished after a
/// change made when it had finished `before`: the first poll to *start* after the change
/// takes it (one may have been under way), so the change reached the node within one
/// interval (plus one poll's own duration).
pub fn assert_within_one_poll(what: &str, before: u64, applied: &Applied) {
    assert!(
        applied.polls <= before + 2,
        "{what}: applied by poll {} of the node, the change was made after poll {before}",
        applied.polls
    );
}

/// Runs `sql` (with no parameters) on the storage `db`, behind the nodes' backs.
pub fn exec(db: &Database, sql: &str) {
    exec_with(db, sql, None);
}

/// Replaces the DER and the SHA-256 of the stored CRL `name` and bumps the CRLs' generation,
/// as a hand edit of the database would (no verification).
pub fn tamper_crl(db: &Database, name: &str, der: &[u8], sha256: &[u8]) {
    exec_with(
        db,
        "UPDATE crl_files SET der = $1, sha256 = $2 WHERE name = $3",
        Some((der.to_vec(), sha256.to_vec(), name.to_owned())),
    );
    exec(
        db,
        "UPDATE shared_generations SET generation = generation + 1 WHERE name = 'crls'",
    );
}

/// The statement that puts generation `name`'s row back as it is stored now (number, stamp
/// and time): a restore of the database to this moment, as far as the nodes see it.
pub fn saved_generation(db: &Database, name: &str) -> String {
    let rows = platform_rows(
        db,
        &format!(
            "SELECT CAST(generation AS TEXT) || ' ' || CAST(stamp AS TEXT) || ' ' || \
             CAST(changed_at AS TEXT) FROM shared_generations WHERE name = '{name}'"
        ),
    );
    let v: Vec<&str> = rows[0].split(' ').collect();
    format!(
        "UPDATE shared_generations SET generation = {}, stamp = {}, changed_at = {} \
         WHERE name = '{name}'",
        v[0], v[1], v[2]
    )
}

/// Polls `node` once, here (for a node whose own polls are an hour apart).
pub async fn poll_now(node: &RunningPlatform) {
    let p = node.platform().clone();
    tokio::task::spawn_blocking(move || backend_platform::generations::poll_once(&p))
        .await
        .unwrap()
        .unwrap();
}

/// A generation number `name` as stored.
pub fn stored_generation(db: &Database, name: &str) -> u64 {
    let rows = platform_rows(
        db,
        &format!("SELECT CAST(generation AS TEXT) FROM shared_generations WHERE name = '{name}'"),
    );
    rows[0].parse().unwrap()
}

fn exec_with(db: &Database, sql: &str, params: Option<(Vec<u8>, Vec<u8>, String)>) {
    match db {
        Database::Sqlite(path) => {
            let c = rusqlite::Connection::open(path).unwrap();
            c.busy_timeout(Duration::from_secs(5)).unwrap();
            match params {
                // SQLite takes $n parameters as PostgreSQL does.
                Some((a, b, n)) => c.execute(sql, rusqlite::params![a, b, n]).map(|_| ()),
                None => c.execute_batch(sql),
            }
            .unwrap();
        }
        Database::Postgres(pg) => {
            let (conn, schema, sql) = (
                pg.connection.clone(),
                pg.schema.clone().unwrap(),
                sql.to_owned(),
            );
            // A thread of its own: the callers run on a current-thread runtime.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let client = pg_connect(&conn, &schema).await;
                    match params {
                        Some((a, b, n)) => client.execute(&sql, &[&a, &b, &n]).await.map(|_| ()),
                        None => client.batch_execute(&sql).await,
                    }
                    .unwrap();
                })
            })
            .join()
            .unwrap();
        }
    }
}

/// A connection to the PostgreSQL schema `schema`, driven on the caller's runtime.
pub async fn pg_connect(conn: &str, schema: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(conn, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("SET search_path = {schema}"))
        .await
        .unwrap();
    client
}
