//! SQLite: WAL mode, foreign keys, a busy timeout, and numbered migrations tracked in
//! `PRAGMA user_version` (migration *n* brings the schema from version *n-1* to *n*).
//! Tables are `STRICT`; statements name their columns.

use std::path::Path;

use rusqlite::Connection;

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// SQLite said no.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The file, as it was given.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file's schema is newer than this program knows.
    #[error(
        "database {path} has schema version {found}; this program knows up to {known}: upgrade the program"
    )]
    TooNew {
        /// The file, as it was given.
        path: String,
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
}

/// Opens (creating if needed) `path` and applies the migrations it lacks, each in a
/// transaction.
pub fn open(path: &Path, migrations: &[&str]) -> Result<Connection, DbError> {
    let name = path.display().to_string();
    let err = |source| DbError::Sqlite {
        path: name.clone(),
        source,
    };
    let mut conn = Connection::open(path).map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(err)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(err)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(err)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(err)?;
    let known = migrations.len() as i64;
    if version > known {
        return Err(DbError::TooNew {
            path: name,
            found: version,
            known,
        });
    }
    for (i, sql) in migrations.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.sqlite");
        let m1 = ["CREATE TABLE a (x INTEGER NOT NULL) STRICT;"];
        drop(open(&p, &m1).unwrap());
        let m2 = [m1[0], "CREATE TABLE b (y TEXT NOT NULL) STRICT;"];
        let c = open(&p, &m2).unwrap();
        let mode: String = c
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(c);
        assert!(matches!(
            open(&p, &m1),
            Err(DbError::TooNew { found: 2, .. })
        ));
    }
}
