//! The storage interface on both storages: a SQLite file, and PostgreSQL (a fresh schema
//! on the server `scripts/postgres.sh` runs; skipped with a message when there is none,
//! except under `make test`). "Two nodes" are two storages opened on the same file or
//! schema, answering from two threads at once.

use std::sync::{Arc, Barrier};

use backend_platform::audit::AuditEvent;
use backend_platform::config::Database;
use backend_platform::core::challenges::{ChallengeError, ChallengeRules};
use backend_platform::storage::{ChallengeFailure, ChallengeToIssue, Storage, open};
use counter_api::platform::{
    ChallengeBinding, ChallengeContext, ChallengePurpose, ChallengeRequest,
};
use madoguchi_time::UnixTime;

use crate::support::*;

const ID: ChallengePurpose = ChallengePurpose::Identify;

fn at(s: i64) -> UnixTime {
    UnixTime::from_secs(s)
}

fn req(p: ChallengePurpose) -> ChallengeRequest {
    ChallengeRequest {
        purpose: p,
        context: (p == ChallengePurpose::Payment).then(|| ChallengeContext {
            merchant_id: "m-1".into(),
            amount_jpy: 1200,
        }),
    }
}

/// Each storage to test, as (name, database, its folder kept alive).
pub fn databases(what: &str) -> Vec<(&'static str, Database, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let mut v = vec![(
        "sqlite",
        Database::Sqlite(dir.path().join("platform.sqlite")),
        dir,
    )];
    if let Some(url) = pg_url(what) {
        v.push(("postgres", pg_database(&url), tempfile::tempdir().unwrap()));
    }
    v
}

/// Issues a challenge with its audit row.
fn issue(
    s: &dyn Storage,
    rules: &ChallengeRules,
    terminal_id: &str,
    request: &ChallengeRequest,
    now: UnixTime,
    id: String,
    nonce: [u8; 32],
) -> Result<ChallengeBinding, ChallengeFailure> {
    let audit = AuditEvent {
        at: now,
        terminal_id: Some(terminal_id.into()),
        action: "challenge",
        outcome: "ok".into(),
        challenge_id: Some(id.clone()),
        ..AuditEvent::default()
    };
    s.issue_challenge(
        rules,
        &ChallengeToIssue {
            terminal_id,
            request,
            now,
            id,
            nonce,
            audit: &audit,
        },
    )
}

fn refused(r: Result<impl std::fmt::Debug, ChallengeFailure>) -> ChallengeError {
    match r {
        Err(ChallengeFailure::Refused(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_challenge_is_taken_once_and_its_binding_comes_back_whole() {
    let rules = ChallengeRules::new("pf", 60);
    for (name, db, _dir) in databases("challenge storage") {
        let s = open(&db).unwrap();
        let b = issue(
            &*s,
            &rules,
            "t1",
            &req(ChallengePurpose::Payment),
            at(1000),
            "c1".into(),
            [7; 32],
        )
        .unwrap();
        // Another terminal, another purpose: refused, and the challenge stays.
        assert!(
            matches!(
                refused(s.take_challenge(
                    &rules,
                    "c1",
                    "t2",
                    &[ChallengePurpose::Payment],
                    at(1001)
                )),
                ChallengeError::WrongTerminal { .. }
            ),
            "{name}"
        );
        assert!(
            matches!(
                refused(s.take_challenge(
                    &rules,
                    "c1",
                    "t1",
                    &[ChallengePurpose::Enroll],
                    at(1001)
                )),
                ChallengeError::WrongPurpose { .. }
            ),
            "{name}"
        );
        let taken = s
            .take_challenge(
                &rules,
                "c1",
                "t1",
                &[ID, ChallengePurpose::Payment],
                at(1001),
            )
            .unwrap();
        assert_eq!(taken, b, "{name}");
        assert_eq!(
            refused(s.take_challenge(&rules, "c1", "t1", &[ChallengePurpose::Payment], at(1002))),
            ChallengeError::Replayed("c1".into()),
            "{name}"
        );
        assert_eq!(
            refused(s.take_challenge(&rules, "zz", "t1", &[ID], at(1002))),
            ChallengeError::Unknown("zz".into()),
            "{name}"
        );
    }
}

#[test]
fn expired_challenges_are_refused_then_forgotten_and_free_the_quota() {
    let rules = ChallengeRules::new("pf", 60).with_terminal_quota(2);
    for (name, db, _dir) in databases("challenge expiry and quota") {
        let s = open(&db).unwrap();
        for id in ["a", "b"] {
            issue(&*s, &rules, "t1", &req(ID), at(1000), id.into(), [1; 32]).unwrap();
        }
        assert!(
            matches!(
                refused(issue(
                    &*s,
                    &rules,
                    "t1",
                    &req(ID),
                    at(1000),
                    "c".into(),
                    [1; 32]
                )),
                ChallengeError::QuotaExceeded { limit: 2, .. }
            ),
            "{name}"
        );
        // Another terminal has its own quota.
        issue(&*s, &rules, "t2", &req(ID), at(1000), "x".into(), [1; 32]).unwrap();
        // Used: room for one more.
        s.take_challenge(&rules, "a", "t1", &[ID], at(1001))
            .unwrap();
        issue(&*s, &rules, "t1", &req(ID), at(1001), "c".into(), [1; 32]).unwrap();
        // Expired: refused, forgotten.
        assert!(
            matches!(
                refused(s.take_challenge(&rules, "b", "t1", &[ID], at(1061))),
                ChallengeError::Expired { .. }
            ),
            "{name}"
        );
        assert_eq!(
            refused(s.take_challenge(&rules, "b", "t1", &[ID], at(1062))),
            ChallengeError::Unknown("b".into()),
            "{name}"
        );
        // Long after: every challenge expired, the whole quota back.
        for id in ["d", "e"] {
            issue(&*s, &rules, "t1", &req(ID), at(5000), id.into(), [1; 32]).unwrap();
        }
    }
}

/// The race of two nodes: many threads, on two storages opened on the same database, answer
/// one challenge at the same instant; exactly one is given it.
#[test]
fn a_challenge_answered_at_two_nodes_at_once_is_taken_exactly_once() {
    let rules = Arc::new(ChallengeRules::new("pf", 60));
    for (name, db, _dir) in databases("the challenge race between two nodes") {
        let nodes: Vec<Arc<dyn Storage>> = vec![open(&db).unwrap(), open(&db).unwrap()];
        for round in 0..5 {
            let id = format!("race-{round}");
            issue(
                &*nodes[0],
                &rules,
                "t1",
                &req(ID),
                at(1000),
                id.clone(),
                [3; 32],
            )
            .unwrap();
            let barrier = Arc::new(Barrier::new(8));
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (node, rules, barrier, id) = (
                        nodes[i % 2].clone(),
                        rules.clone(),
                        barrier.clone(),
                        id.clone(),
                    );
                    std::thread::spawn(move || {
                        barrier.wait();
                        node.take_challenge(&rules, &id, "t1", &[ID], at(1001))
                    })
                })
                .collect();
            let answers: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let taken = answers.iter().filter(|r| r.is_ok()).count();
            assert_eq!(taken, 1, "{name}: {answers:?}");
            assert!(
                answers.iter().all(|r| matches!(
                    r,
                    Ok(_) | Err(ChallengeFailure::Refused(ChallengeError::Replayed(_)))
                )),
                "{name}: {answers:?}"
            );
        }
    }
}

/// A terminal asking both nodes at once for more challenges than its quota gets its quota.
#[test]
fn the_quota_holds_across_nodes_asked_at_once() {
    let rules = Arc::new(ChallengeRules::new("pf", 60).with_terminal_quota(3));
    for (name, db, _dir) in databases("the quota across two nodes") {
        let nodes: Vec<Arc<dyn Storage>> = vec![open(&db).unwrap(), open(&db).unwrap()];
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (node, rules, barrier) = (nodes[i % 2].clone(), rules.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    issue(
                        &*node,
                        &rules,
                        "t1",
                        &req(ID),
                        at(1000),
                        format!("q{i}"),
                        [2; 32],
                    )
                })
            })
            .collect();
        let issued: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            issued.iter().filter(|r| r.is_ok()).count(),
            3,
            "{name}: {issued:?}"
        );
        assert!(
            issued.iter().all(|r| matches!(
                r,
                Ok(_)
                    | Err(ChallengeFailure::Refused(
                        ChallengeError::QuotaExceeded { .. }
                    ))
            )),
            "{name}: {issued:?}"
        );
    }
}

#[test]
fn a_peer_assertion_is_exchanged_once_across_nodes() {
    for (name, db, _dir) in databases("the federation replay guard") {
        let (a, b) = (open(&db).unwrap(), open(&db).unwrap());
        assert!(
            a.first_use("pf-osaka", "j1", at(100), at(10)).unwrap(),
            "{name}"
        );
        assert!(
            !b.first_use("pf-osaka", "j1", at(100), at(11)).unwrap(),
            "{name}"
        );
        assert!(
            b.first_use("pf-other", "j1", at(100), at(11)).unwrap(),
            "{name}"
        );
        // Past its expiry the entry no longer counts (an expired assertion is refused
        // before the guard anyway).
        assert!(
            a.first_use("pf-osaka", "j1", at(300), at(200)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn audit_rows_are_appended_in_order() {
    for (name, db, _dir) in databases("the audit trail") {
        let s = open(&db).unwrap();
        let row = |action: &'static str, outcome: &str| AuditEvent {
            at: at(1000),
            terminal_id: Some("t1".into()),
            action,
            outcome: outcome.into(),
            certificate: Some(("CN=issuer".into(), "0a".into())),
            ..AuditEvent::default()
        };
        s.append_audit(&[row("challenge", "ok"), row("identify", "ok")])
            .unwrap();
        s.append_audit(&[row("identify", "challenge_replayed")])
            .unwrap();
        s.append_audit(&[]).unwrap();
        assert_eq!(
            platform_rows(
                &db,
                "SELECT action || ':' || outcome || ':' || cert_serial FROM audit ORDER BY id"
            ),
            [
                "challenge:ok:0a",
                "identify:ok:0a",
                "identify:challenge_replayed:0a"
            ],
            "{name}"
        );
    }
}

#[test]
fn a_newer_schema_is_refused_with_instructions() {
    for (name, db, _dir) in databases("schema versions") {
        drop(open(&db).unwrap());
        let bump = match &db {
            Database::Sqlite(_) => "PRAGMA user_version = 999",
            _ => "INSERT INTO schema_migrations (version) VALUES (999)",
        };
        match &db {
            Database::Sqlite(p) => {
                rusqlite::Connection::open(p)
                    .unwrap()
                    .execute_batch(bump)
                    .unwrap();
            }
            _ => {
                platform_rows(&db, &format!("{bump} RETURNING ''"));
            }
        }
        let e = open(&db).unwrap_err().to_string();
        assert!(e.contains("upgrade the program"), "{name}: {e}");
    }
}

/// A terminal registered before the terminals kept a certificate (a SQLite storage of
/// schema 5) reads, once migrated, as accepting any certificate with its CN: it keeps
/// working as it did.
#[test]
fn a_terminal_of_before_the_certificate_column_accepts_any_certificate_with_its_cn() {
    use backend_platform::terminals::{Access, TerminalDirectory};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema-5.sqlite");
    let old = backend_kit::sqlite::open(&path, &backend_platform::schema::MIGRATIONS[..5]).unwrap();
    old.execute_batch(
        "INSERT INTO terminals (terminal_id, admin, enabled, managed_by, updated_at)
             VALUES ('desk-old', 1, 1, 'operator', 5);
         UPDATE shared_generations SET generation = 1 WHERE name = 'terminals';",
    )
    .unwrap();
    drop(old);
    let store = open(&Database::Sqlite(path)).unwrap();
    let stored = store.terminals().unwrap();
    assert_eq!(stored.terminals.len(), 1);
    assert_eq!(stored.terminals[0].certificate_sha256, None);
    let directory = TerminalDirectory::load(&*store).unwrap();
    for any in ["00".repeat(32), "ff".repeat(32)] {
        assert_eq!(
            directory.check("desk-old", &any),
            Access::Accepted { admin: true }
        );
    }
    assert_eq!(
        directory.check("desk-new", &"00".repeat(32)),
        Access::Unknown
    );
}

/// Migration 7 indexes the audit rows by certificate: a storage of schema 6 holding an
/// accepted correction, once migrated, still finds its holder, and finds it through the
/// index rather than by scanning the audit trail (which is never purged, and on SQLite is
/// read on the node's one shared connection at every enrollment needing it).
#[test]
fn accepted_corrections_are_found_through_an_index_after_migration_7() {
    let sign = jpki_cert::LinkageKey {
        issuer: "CN=sign-ca".into(),
        serial: "0b".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema-6.sqlite");
    let old = backend_kit::sqlite::open(&path, &backend_platform::schema::MIGRATIONS[..6]).unwrap();
    old.execute_batch(
        "INSERT INTO subjects (subject_id, created_at) VALUES ('holder-1', 1);
         INSERT INTO audit (at, action, outcome, subject_id, cert_issuer, cert_serial)
             VALUES (2, 'identify', 'ok', 'holder-1', 'CN=sign-ca', '0b'),
                    (3, 'accept_correction', 'ok', 'holder-1', 'CN=sign-ca', '0b');",
    )
    .unwrap();
    drop(old);
    let store = open(&Database::Sqlite(path.clone())).unwrap();
    assert_eq!(
        store.corrected_holder(&sign).unwrap().as_deref(),
        Some("holder-1")
    );
    drop(store);
    // The plan of the storage's lookup (crate::storage::sqlite_corrections::accepted_for).
    let c = rusqlite::Connection::open(&path).unwrap();
    let plan: Vec<String> = c
        .prepare(
            "EXPLAIN QUERY PLAN SELECT DISTINCT subject_id FROM audit
             WHERE action = ?1 AND outcome = 'ok' AND cert_issuer = ?2 AND cert_serial = ?3
               AND subject_id IN (SELECT subject_id FROM subjects)
             ORDER BY subject_id LIMIT 2",
        )
        .unwrap()
        .query_map(
            rusqlite::params!["accept_correction", sign.issuer, sign.serial],
            |r| r.get::<_, String>(3),
        )
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        plan.iter()
            .any(|d| d.contains("SEARCH audit USING INDEX audit_certificate")),
        "{plan:?}"
    );
    // Both storages bring the same index.
    for (name, db, _dir) in databases("audit certificate index") {
        drop(open(&db).unwrap());
        let sql = match &db {
            Database::Sqlite(_) => {
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit'
                 ORDER BY name"
            }
            _ => {
                "SELECT indexname::text FROM pg_indexes
                 WHERE tablename = 'audit' AND schemaname = current_schema() ORDER BY 1"
            }
        };
        let indexes = platform_rows(&db, sql);
        assert!(
            indexes.iter().any(|i| i == "audit_certificate"),
            "{name}: {indexes:?}"
        );
    }
}

/// Takes a PostgreSQL platform database at the latest schema back to schema 7: migration 8's
/// index and migration 9's column dropped, and their versions forgotten, so the next `open`
/// runs both again (it runs only versions above the highest recorded).
pub(crate) fn back_to_schema_7(db: &Database) {
    platform_rows(db, "DROP INDEX audit_holder_conflicts");
    platform_rows(db, "ALTER TABLE shared_generations DROP COLUMN stamp");
    platform_rows(
        db,
        "DELETE FROM schema_migrations WHERE version >= 8 RETURNING ''",
    );
}

/// Migration 8 builds its index inside the migration's transaction, which blocks every
/// node's audit inserts while it reads the whole trail; on a large trail the operator
/// builds it beforehand without that lock (README, "Upgrading"). The migration then keeps
/// that index (the same one, not built again) rather than failing on its name.
#[test]
fn the_index_of_migration_8_built_beforehand_is_kept_by_the_migration() {
    for (_name, db, _dir) in databases("index of migration 8 built beforehand") {
        let Database::Postgres(_) = &db else {
            continue;
        };
        drop(open(&db).unwrap());
        // A database of schema 7 on which the operator ran README's statement.
        back_to_schema_7(&db);
        platform_rows(
            &db,
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_holder_conflicts
                 ON audit (subject_id, action, reason) WHERE outcome = 'holder_conflict'",
        );
        let oid = "SELECT 'audit_holder_conflicts'::regclass::oid::text";
        let built = platform_rows(&db, oid);
        drop(open(&db).unwrap());
        // The same index, not one built again.
        assert_eq!(platform_rows(&db, oid), built);
        assert_eq!(
            platform_rows(&db, "SELECT max(version)::text FROM schema_migrations"),
            [backend_platform::storage::postgres_schema::MIGRATIONS
                .len()
                .to_string()]
        );
        assert_eq!(
            platform_rows(
                &db,
                "SELECT indisvalid::text FROM pg_index
                 WHERE indexrelid = 'audit_holder_conflicts'::regclass"
            ),
            ["true"]
        );
    }
}

/// Migration 9 adds the generations' random stamp (`storage::Version`): a storage of
/// schema 8 keeps its numbers, with stamp 0 until their next change, and every change then
/// draws a stamp of its own, on both storages.
#[test]
fn generations_of_before_migration_9_keep_their_numbers_and_each_change_draws_a_stamp() {
    use backend_platform::storage::Version;
    use backend_platform::terminals::register;
    let now = UnixTime::from_secs(1_800_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema-8.sqlite");
    let old = backend_kit::sqlite::open(&path, &backend_platform::schema::MIGRATIONS[..8]).unwrap();
    old.execute_batch("UPDATE shared_generations SET generation = 4 WHERE name = 'terminals'")
        .unwrap();
    drop(old);
    let store = open(&Database::Sqlite(path)).unwrap();
    assert_eq!(
        store.generations().unwrap().terminals,
        Version {
            generation: 4,
            stamp: 0
        }
    );
    assert_eq!(
        register(&*store, "desk-1", false, now).unwrap().generation,
        5
    );
    let after = store.generations().unwrap().terminals;
    assert_eq!(after.generation, 5);
    assert_ne!(after.stamp, 0);
    assert_eq!(store.terminals().unwrap().version(), after);

    for (name, db, _dir) in databases("generation stamps") {
        let store = open(&db).unwrap();
        let mut stamps = Vec::new();
        for id in ["desk-1", "desk-2", "desk-3"] {
            register(&*store, id, false, now).unwrap();
            let v = store.generations().unwrap().terminals;
            assert_eq!(store.terminals().unwrap().version(), v, "{name}");
            stamps.push(v.stamp);
        }
        stamps.sort_unstable();
        stamps.dedup();
        assert_eq!(stamps.len(), 3, "{name}: {stamps:?}");
        assert!(!stamps.contains(&0), "{name}: {stamps:?}");
    }
}
