//! The operator's commands look for refused enrollments in the audit trail, which is never
//! purged and grows by about two rows per identification: on both storages the statements
//! the storage runs (`backend_platform::storage::audit_scans`) search it through an index
//! (the database's own plan says so), and a storage of schema 7 migrated to 8 still finds a
//! refused correction written before.

use backend_platform::config::Database;
use backend_platform::storage::audit_scans::{REFUSED_CORRECTIONS, REFUSED_HOLDERS};
use backend_platform::storage::open;

use crate::storage::{back_to_schema_7, databases};
use crate::support::platform_rows;

/// The parameters of the refused holders' statement: enrollment, `holder_conflict`,
/// `signature_linked_elsewhere`, the certificate.
const HOLDERS: [&str; 5] = [
    "enroll",
    "holder_conflict",
    "signature_linked_elsewhere",
    "CN=auth-ca",
    "0a",
];

/// The parameters of the refused corrections' statement: enrollment,
/// `signature_of_another_person`, the holder.
const CORRECTIONS: [&str; 3] = ["enroll", "signature_of_another_person", "holder-1"];

/// The plan SQLite makes for `sql` with `params` (each step's detail).
fn sqlite_plan(c: &rusqlite::Connection, sql: &str, params: &[&str]) -> String {
    c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap()
        .query_map(rusqlite::params_from_iter(params), |r| {
            r.get::<_, String>(3)
        })
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The plans PostgreSQL makes for each `(sql, params)`, with sequential scans priced out
/// (`enable_seqscan = off`): a table of a few rows is read whole whatever its indexes, and
/// the question is whether an index serves the statement at all. A statement no index
/// serves is still planned as a sequential scan.
fn postgres_plans(db: &Database, statements: &[(&'static str, Vec<String>)]) -> Vec<String> {
    let Database::Postgres(pg) = db else {
        unreachable!("a PostgreSQL database")
    };
    let (conn, schema, statements) = (
        pg.connection.clone(),
        pg.schema.clone().unwrap(),
        statements.to_vec(),
    );
    // A thread of its own, as `platform_rows`: the callers may run on a runtime.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&conn, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .batch_execute(&format!(
                    "SET search_path = {schema}; SET enable_seqscan = off"
                ))
                .await
                .unwrap();
            let mut plans = Vec::new();
            for (sql, params) in &statements {
                let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
                    .iter()
                    .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
                    .collect();
                let rows = client
                    .query(&format!("EXPLAIN {sql}"), &params)
                    .await
                    .unwrap();
                plans.push(
                    rows.iter()
                        .map(|r| r.get::<_, String>(0))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
            }
            plans
        })
    })
    .join()
    .unwrap()
}

fn owned(params: &[&str]) -> Vec<String> {
    params.iter().map(|p| (*p).to_owned()).collect()
}

/// Both storages search the audit trail through an index for both operator commands: the
/// refused holders by `audit_certificate` (migration 7), the refused corrections by
/// `audit_holder_conflicts` (migration 8, a partial index whose condition the statement
/// repeats as a literal, or neither database would use it).
#[test]
fn the_operator_commands_search_the_audit_trail_through_an_index_on_both_storages() {
    for (name, db, _dir) in databases("audit scans' plans") {
        drop(open(&db).unwrap());
        let (holders, corrections) = match &db {
            Database::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                (
                    sqlite_plan(&c, REFUSED_HOLDERS, &HOLDERS),
                    sqlite_plan(&c, REFUSED_CORRECTIONS, &CORRECTIONS),
                )
            }
            _ => {
                let plans = postgres_plans(
                    &db,
                    &[
                        (REFUSED_HOLDERS, owned(&HOLDERS)),
                        (REFUSED_CORRECTIONS, owned(&CORRECTIONS)),
                    ],
                );
                (plans[0].clone(), plans[1].clone())
            }
        };
        // Whether `plan` reads the audit trail through `index`.
        let uses = |plan: &str, index: &str| match &db {
            Database::Sqlite(_) => plan.contains(&format!("USING INDEX {index}")),
            _ => {
                plan.contains(&format!("using {index} on audit"))
                    || plan.contains(&format!("Bitmap Index Scan on {index}"))
            }
        };
        // The refused holders: the certificate's index, or (PostgreSQL, choosing by size,
        // given the outcome's value) the refusals' partial index, which holds their rows too.
        assert!(
            uses(&holders, "audit_certificate") || uses(&holders, "audit_holder_conflicts"),
            "{name}:\n{holders}"
        );
        assert!(
            uses(&corrections, "audit_holder_conflicts"),
            "{name}:\n{corrections}"
        );
        for plan in [&holders, &corrections] {
            assert!(!plan.contains("SCAN audit"), "{name}:\n{plan}");
            assert!(!plan.contains("Seq Scan on audit"), "{name}:\n{plan}");
        }
    }
}

/// A SQLite storage of schema 7 holding a refused correction (and rows that are not one)
/// finds it once migrated to 8: the index is built over the rows already there.
#[test]
fn a_refused_correction_of_before_migration_8_is_found_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema-7.sqlite");
    let old = backend_kit::sqlite::open(&path, &backend_platform::schema::MIGRATIONS[..7]).unwrap();
    old.execute_batch(
        "INSERT INTO subjects (subject_id, created_at) VALUES ('holder-1', 1);
         INSERT INTO audit (at, action, outcome, reason, subject_id, cert_issuer, cert_serial)
             VALUES (2, 'identify', 'ok', NULL, 'holder-1', 'CN=auth-ca', '0a'),
                    (3, 'enroll', 'holder_conflict', 'signature_linked_elsewhere',
                     'holder-1', 'CN=auth-ca', '0c'),
                    (4, 'enroll', 'holder_conflict', 'signature_of_another_person',
                     'holder-1', 'CN=sign-ca', '0b');",
    )
    .unwrap();
    drop(old);
    let store = open(&Database::Sqlite(path.clone())).unwrap();
    let found = store.refused_corrections("holder-1").unwrap();
    assert_eq!(
        found
            .iter()
            .map(|k| (k.issuer.as_str(), k.serial.as_str()))
            .collect::<Vec<_>>(),
        [("CN=sign-ca", "0b")]
    );
    assert!(store.refused_corrections("holder-2").unwrap().is_empty());
    drop(store);
    let c = rusqlite::Connection::open(&path).unwrap();
    let plan = sqlite_plan(&c, REFUSED_CORRECTIONS, &CORRECTIONS);
    assert!(
        plan.contains("USING INDEX audit_holder_conflicts"),
        "{plan}"
    );
}

/// README's concurrent build of migration 8's index, interrupted as an operator's would be
/// (here by `lock_timeout`, while another session's insert into `audit` is not yet
/// committed: the build has written the index's entry, then waits for that writer). Returns
/// the build's error.
fn interrupted_concurrent_build(db: &Database) -> String {
    let Database::Postgres(pg) = db else {
        unreachable!("a PostgreSQL database")
    };
    let (conn, schema) = (pg.connection.clone(), pg.schema.clone().unwrap());
    // A thread of its own, as `platform_rows`: the callers may run on a runtime.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut sessions = Vec::new();
            for _ in 0..2 {
                let (client, connection) = tokio_postgres::connect(&conn, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("SET search_path = {schema}"))
                    .await
                    .unwrap();
                sessions.push(client);
            }
            let (writer, operator) = (&sessions[0], &sessions[1]);
            writer
                .batch_execute(
                    "BEGIN; INSERT INTO audit (at, action, outcome) VALUES (1, 'identify', 'ok')",
                )
                .await
                .unwrap();
            operator
                .batch_execute("SET lock_timeout = '100ms'")
                .await
                .unwrap();
            // A statement of its own: several in one message are one transaction, in which
            // a concurrent build cannot run.
            let built = operator
                .batch_execute(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_holder_conflicts
                         ON audit (subject_id, action, reason) WHERE outcome = 'holder_conflict'",
                )
                .await;
            writer.batch_execute("ROLLBACK").await.unwrap();
            let error = built.unwrap_err();
            error.as_db_error().unwrap().message().to_owned()
        })
    })
    .join()
    .unwrap()
}

/// A concurrent build of migration 8's index that was interrupted leaves an index that is
/// not valid, which no query uses: the migration drops it and builds it, and the refused
/// corrections' search goes through it again.
#[test]
fn migration_8_rebuilds_an_index_left_invalid_by_an_interrupted_concurrent_build() {
    for (_name, db, _dir) in databases("invalid index of migration 8") {
        let Database::Postgres(_) = &db else {
            continue;
        };
        drop(open(&db).unwrap());
        // A database of schema 7 on which the operator's concurrent build was interrupted.
        back_to_schema_7(&db);
        let error = interrupted_concurrent_build(&db);
        assert!(error.contains("lock timeout"), "{error}");
        let valid = "SELECT indisvalid::text FROM pg_index
                     WHERE indexrelid = 'audit_holder_conflicts'::regclass";
        assert_eq!(platform_rows(&db, valid), ["false"]);

        drop(open(&db).unwrap());
        assert_eq!(
            platform_rows(&db, "SELECT max(version)::text FROM schema_migrations"),
            [backend_platform::storage::postgres_schema::MIGRATIONS
                .len()
                .to_string()]
        );
        assert_eq!(platform_rows(&db, valid), ["true"]);
        let plans = postgres_plans(&db, &[(REFUSED_CORRECTIONS, owned(&CORRECTIONS))]);
        assert!(
            plans[0].contains("using audit_holder_conflicts on audit")
                || plans[0].contains("Bitmap Index Scan on audit_holder_conflicts"),
            "{}",
            plans[0]
        );
    }
}
