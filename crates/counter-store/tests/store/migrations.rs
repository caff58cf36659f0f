//! Opening: fresh files, reopening, files from a newer build, files that are not SQLite.

use counter_store::{SCHEMA_VERSION, Store, StoreError};

use crate::{db_path, fresh};

#[test]
fn a_fresh_file_gets_the_whole_schema_in_wal_mode() {
    let (dir, store) = fresh();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    drop(store);
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let tables: Vec<String> = raw
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in [
        "audit",
        "checks",
        "payment_events",
        "payments",
        "rechecks",
        "refunds",
        "sequences",
        "settings",
    ] {
        assert!(tables.iter().any(|x| x == t), "{t} missing from {tables:?}");
    }
}

#[test]
fn reopening_keeps_data_and_applies_nothing_twice() {
    let (dir, mut store) = fresh();
    store.set_setting("terminal_id", "T-0001").unwrap();
    drop(store);
    for _ in 0..3 {
        let store = Store::open(db_path(&dir)).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(
            store.setting("terminal_id").unwrap().as_deref(),
            Some("T-0001")
        );
    }
}

#[test]
fn a_file_from_a_newer_build_is_refused_with_what_to_do() {
    let (dir, store) = fresh();
    drop(store);
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 3)
        .unwrap();
    drop(raw);
    let err = Store::open(db_path(&dir)).unwrap_err();
    match &err {
        StoreError::TooNew { found, supported } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 3, SCHEMA_VERSION));
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("newer Madoguchi"), "{msg}");
    assert!(msg.contains("update the terminal"), "{msg}");
}

#[test]
fn a_text_file_is_refused_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is a shopping list, not a database\n".repeat(50),
    )
    .unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(&err, StoreError::Open { path: p, .. } if *p == path),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("notes.txt"), "{msg}");
    // The file is left as it was.
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("this is a shopping list")
    );
}

#[test]
fn a_missing_directory_is_an_open_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("db.sqlite");
    assert!(matches!(Store::open(&path), Err(StoreError::Open { .. })));
}
