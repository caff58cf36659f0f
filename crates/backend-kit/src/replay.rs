//! Replay protection for assertions kept in the service's own SQLite database, so that a
//! restart inside an assertion's lifetime does not reopen a `jti` already used (an
//! in-memory guard would forget it).
//!
//! A service includes [`USED_ASSERTIONS_TABLE`] in one of its migrations and calls
//! [`first_use`] in the transaction of the answer it gives, after every other check of the
//! assertion passed (a refused request does not use the customer's assertion up).

use madoguchi_time::UnixTime;
use rusqlite::{Connection, params};

/// The table, for a service's migrations: `(issuer, jti)` with the time after which the
/// row may go.
pub const USED_ASSERTIONS_TABLE: &str = "CREATE TABLE used_assertions (
        issuer TEXT NOT NULL,
        jti TEXT NOT NULL,
        exp INTEGER NOT NULL,
        PRIMARY KEY (issuer, jti)
    ) STRICT;";

/// Records `(issuer, jti)`, kept until `keep_until` (the assertion's `exp` plus the
/// verifier's clock leeway); false when it was used before. Rows whose time has passed are
/// dropped first: an expired assertion is refused by its `exp` anyway.
pub fn first_use(
    c: &Connection,
    issuer: &str,
    jti: &str,
    keep_until: UnixTime,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    c.execute("DELETE FROM used_assertions WHERE exp < ?1", params![now])?;
    let n = c.execute(
        "INSERT OR IGNORE INTO used_assertions (issuer, jti, exp) VALUES (?1, ?2, ?3)",
        params![issuer, jti, keep_until],
    )?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    #[test]
    fn once_per_issuer_and_kept_across_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite");
        {
            let c = crate::sqlite::open(&path, &[USED_ASSERTIONS_TABLE]).unwrap();
            assert!(first_use(&c, "pf", "j1", at(100), at(10)).unwrap());
            assert!(!first_use(&c, "pf", "j1", at(100), at(11)).unwrap());
            assert!(first_use(&c, "other", "j1", at(100), at(11)).unwrap());
        }
        let c = crate::sqlite::open(&path, &[USED_ASSERTIONS_TABLE]).unwrap();
        assert!(
            !first_use(&c, "pf", "j1", at(100), at(12)).unwrap(),
            "a reopen keeps it"
        );
        assert!(first_use(&c, "pf", "j2", at(300), at(200)).unwrap());
        let left: i64 = c
            .query_row("SELECT count(*) FROM used_assertions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 1, "rows past their time are dropped");
    }
}
