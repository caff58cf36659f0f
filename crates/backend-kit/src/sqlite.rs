//! SQLite: WAL mode, foreign keys, a busy timeout, and numbered migrations tracked in
//! `PRAGMA user_version` (migration *n* brings the schema from version *n-1* to *n*).
//! Tables are `STRICT`; statements name their columns.
//!
//! The databases hold personal data (holders' links, insured records, payments, the audit):
//! [`open`] creates a new file with mode `0600` before SQLite opens it, so its `-wal` and
//! `-shm` files, which SQLite makes with the database's own mode, are private too; an
//! existing file open to others is restricted to `0600`. The folder is the operator's (a
//! systemd `StateDirectory`): never created, its mode left as it is; the files are what
//! is protected (docs/DECISIONS.md, "Files with personal data").

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
    /// The database's file (or its `-wal`, `-shm`) could not be created or made private;
    /// the error names the file, what failed and what to check, once.
    #[error("database: {0}")]
    Private(#[from] private_files::PrivateFileError),
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
    make_private(path)?;
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

/// The database's files made private before SQLite opens it
/// ([`private_files::prepare_private`]: a new file created `0600`, an old one and its
/// `-wal`, `-shm` and `-journal` restricted to `0600`, a missing folder an error); each
/// file restricted is logged.
fn make_private(path: &Path) -> Result<(), DbError> {
    let restricted = private_files::prepare_private(path)?;
    for file in restricted {
        tracing::warn!(file = %file.display(), "restricted a database file that was open to others to mode 0600");
    }
    Ok(())
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

    #[cfg(unix)]
    #[test]
    fn a_new_database_and_its_wal_are_0600_and_an_old_one_is_restricted() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("state")).unwrap();
        let p = dir.path().join("state/platform.sqlite");
        let c = open(&p, &["CREATE TABLE a (x INTEGER NOT NULL) STRICT;"]).unwrap();
        c.execute("INSERT INTO a (x) VALUES (1)", []).unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let f = dir.path().join(format!("state/platform.sqlite{suffix}"));
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
        drop(c);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(open(&p, &["CREATE TABLE a (x INTEGER NOT NULL) STRICT;"]).unwrap());
        assert_eq!(mode(&p), 0o600);
        // A missing folder is not made: a typed error naming the file.
        let e = open(&dir.path().join("unmounted/x.sqlite"), &[]).unwrap_err();
        assert!(matches!(e, DbError::Private(_)), "{e:?}");
        let text = e.to_string();
        assert_eq!(text.matches("unmounted/x.sqlite").count(), 1, "{text}");
        assert!(text.starts_with("database: cannot create "), "{text}");
        // A missing folder (a disk not mounted): the advice to check the path, not the
        // permissions.
        assert!(
            text.ends_with(
                ". Check the path (a missing folder, a file in the way) and the disk it is on"
            ),
            "{text}"
        );
        assert!(!dir.path().join("unmounted").exists());
    }
}
