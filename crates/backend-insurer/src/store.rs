//! The insurer's SQLite database: the register of insured persons (seeded from the demo
//! data on first start), the bulk pre-check submissions, the audit log, the bindings of
//! confirmed links to their owners ([`links`]) and the assertion ids already used.
//!
//! Legal rule (docs/domain/eligibility.md §3.3): the insurer never stores a certificate serial number.
//! Nothing here has a column for one, and the assertions it receives carry none (the
//! platform gives services a pairwise subject instead). Nor does it store the certified
//! attributes a link request carries: a binding keeps the insurer's own person key.

use std::path::Path;

use backend_kit::sqlite::DbError;
use counter_api::insurer::{BulkPrecheckRequest, BulkPrecheckResult};
use madoguchi_time::UnixTime;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::core::eligibility::InsuredRecord;

pub mod links;

/// Numbered migrations (`PRAGMA user_version`); append only.
pub const MIGRATIONS: &[&str] = &[
    // 1: register, bulk submissions, audit.
    "CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        person TEXT NOT NULL,
        insurer_number TEXT NOT NULL,
        number TEXT NOT NULL,
        record TEXT NOT NULL
    ) STRICT;
    CREATE INDEX records_number ON records (insurer_number, number);
    CREATE INDEX records_person ON records (person);
    CREATE TABLE bulk_prechecks (
        reception_number TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        submitted_at INTEGER NOT NULL,
        request TEXT NOT NULL,
        result TEXT
    ) STRICT;
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        terminal_id TEXT,
        action TEXT NOT NULL,
        subject TEXT,
        insurer_number TEXT,
        number TEXT,
        outcome TEXT NOT NULL,
        reason TEXT
    ) STRICT;
    CREATE INDEX audit_at ON audit (at);",
    // 2: bindings of confirmed links. The key is the link exactly as the
    // platform sent it ('' for an absent symbol or branch, so that the primary key holds);
    // `person` is the insurer's key it was confirmed against, `birth_date` (YYYYMMDD) that
    // person's, the knowledge factor of every later eligibility check by the link.
    "CREATE TABLE links (
        insurer_number TEXT NOT NULL,
        symbol TEXT NOT NULL,
        number TEXT NOT NULL,
        branch TEXT NOT NULL,
        sub TEXT NOT NULL,
        platform TEXT NOT NULL,
        person TEXT NOT NULL,
        birth_date TEXT NOT NULL,
        enrollment_id TEXT NOT NULL,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (insurer_number, symbol, number, branch)
    ) STRICT;",
    // 3: assertion ids already used, kept past their expiry, so that a restart does not
    // reopen one (the shared table of backend_kit::replay, verbatim).
    backend_kit::replay::USED_ASSERTIONS_TABLE,
    // 4: one binding per link and person, not per link: the members of a family share
    // 記号・番号 and a card without 枝番 names all of them (docs/domain/eligibility.md
    // §2.9), so each is bound to their own subject under the same key. A subject holds at
    // most one binding of a key (the eligibility check finds it by key, sub and
    // platform). The table is rebuilt (SQLite cannot change a primary key); the rows of
    // migration 2 were one per key, so they fit both keys as they are.
    "CREATE TABLE links_per_person (
        insurer_number TEXT NOT NULL,
        symbol TEXT NOT NULL,
        number TEXT NOT NULL,
        branch TEXT NOT NULL,
        sub TEXT NOT NULL,
        platform TEXT NOT NULL,
        person TEXT NOT NULL,
        birth_date TEXT NOT NULL,
        enrollment_id TEXT NOT NULL,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (insurer_number, symbol, number, branch, person),
        UNIQUE (insurer_number, symbol, number, branch, platform, sub)
    ) STRICT;
    INSERT INTO links_per_person (insurer_number, symbol, number, branch, sub, platform,
                                  person, birth_date, enrollment_id, linked_at)
      SELECT insurer_number, symbol, number, branch, sub, platform, person, birth_date,
             enrollment_id, linked_at FROM links;
    DROP TABLE links;
    ALTER TABLE links_per_person RENAME TO links;",
];

/// One audit row: who checked whom, when, with what result. Never a certificate serial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditRow {
    /// When.
    pub at: UnixTime,
    /// The caller: the terminal, or for `link` and `link_release` the platform (a
    /// configuration check keeps the two kinds of id apart). Absent: unauthenticated.
    pub terminal_id: Option<String>,
    /// `eligibility`, `eligibility_by_number`, `bulk_submit`, `bulk_fetch`, `bulk_item` (one
    /// per patient), `terminal`, `link`, `link_release`.
    pub action: &'static str,
    /// Whom: the platform's pairwise subject, or the bulk reception number.
    pub subject: Option<String>,
    /// `InsurerNumber` checked.
    pub insurer_number: Option<String>,
    /// `InsuredIdentificationNumber` checked.
    pub number: Option<String>,
    /// `validity:<code>` on an eligibility answer; `confirmed`, `mismatch:<attribute>`,
    /// `unknown` on a link; `released`, `not_owned` on a release; or the problem code.
    pub outcome: String,
    /// A finer reason (processing-result code, refusal detail).
    pub reason: Option<String>,
}

/// A database failure as a `rusqlite` error with the file named.
fn db(path: &str, e: rusqlite::Error) -> DbError {
    DbError::Sqlite {
        path: path.to_owned(),
        source: e,
    }
}

/// The records carrying `(insurer_number, number)` and every record of their persons, in
/// the order they were seeded.
pub fn register_for(
    c: &Connection,
    insurer_number: &str,
    number: &str,
) -> rusqlite::Result<Vec<InsuredRecord>> {
    let mut stmt = c.prepare_cached(
        "SELECT record FROM records WHERE person IN
           (SELECT person FROM records WHERE insurer_number = ?1 AND number = ?2)
         ORDER BY id",
    )?;
    let rows = stmt.query_map(params![insurer_number, number], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let rec = serde_json::from_str(&row?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?;
        out.push(rec);
    }
    Ok(out)
}

/// The open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
}

impl Store {
    /// Opens (and migrates) the database at `path`; seeds the register with `seed` when
    /// it holds no record yet.
    pub fn open(path: &Path, seed: &[InsuredRecord]) -> Result<Self, DbError> {
        let conn = backend_kit::sqlite::open(path, MIGRATIONS)?;
        let mut s = Self {
            conn,
            path: path.display().to_string(),
        };
        if s.record_count()? == 0 {
            s.seed(seed)?;
        }
        Ok(s)
    }

    /// How many records the register holds.
    pub fn record_count(&self) -> Result<u64, DbError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
            .map_err(|e| db(&self.path, e))?;
        // A count is never negative; were it, it would be no record.
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn seed(&mut self, seed: &[InsuredRecord]) -> Result<(), DbError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| db(&path, e))?;
        for r in seed {
            let json = serde_json::to_string(r)
                .map_err(|e| db(&path, rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
            tx.execute(
                "INSERT INTO records (person, insurer_number, number, record) VALUES (?1, ?2, ?3, ?4)",
                params![r.person, r.result.insurer_number, r.result.number, json],
            )
            .map_err(|e| db(&path, e))?;
        }
        tx.commit().map_err(|e| db(&path, e))
    }

    /// The records carrying `(insurer_number, number)` and every record of their persons
    /// (what [`crate::core::eligibility::decide`] needs).
    pub fn register_for(
        &self,
        insurer_number: &str,
        number: &str,
    ) -> Result<Vec<InsuredRecord>, DbError> {
        register_for(&self.conn, insurer_number, number).map_err(|e| db(&self.path, e))
    }

    /// Runs `f` in one transaction, committed when `f` returns `Ok` (whatever answer it
    /// carries), rolled back on a database error.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, DbError> {
        let tx = self.conn.transaction().map_err(|e| db(&self.path, e))?;
        let out = f(&tx).map_err(|e| db(&self.path, e))?;
        tx.commit().map_err(|e| db(&self.path, e))?;
        Ok(out)
    }

    /// Records a bulk submission.
    pub fn insert_bulk(
        &self,
        reception_number: &str,
        terminal_id: &str,
        submitted_at: UnixTime,
        request: &BulkPrecheckRequest,
    ) -> Result<(), DbError> {
        let json = serde_json::to_string(request).map_err(|e| {
            db(
                &self.path,
                rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
            )
        })?;
        self.conn
            .execute(
                "INSERT INTO bulk_prechecks (reception_number, terminal_id, submitted_at, request) VALUES (?1, ?2, ?3, ?4)",
                params![reception_number, terminal_id, submitted_at, json],
            )
            .map(|_| ())
            .map_err(|e| db(&self.path, e))
    }

    /// A submission of `terminal_id`: (submitted_at, request, result once processed).
    /// Another terminal's submission is `None`, as an unknown one.
    pub fn bulk(
        &self,
        reception_number: &str,
        terminal_id: &str,
    ) -> Result<Option<(UnixTime, BulkPrecheckRequest, Option<BulkPrecheckResult>)>, DbError> {
        let row: Option<(UnixTime, String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT submitted_at, request, result FROM bulk_prechecks WHERE reception_number = ?1 AND terminal_id = ?2",
                params![reception_number, terminal_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| db(&self.path, e))?;
        let Some((at, req, res)) = row else {
            return Ok(None);
        };
        let bad = |e: serde_json::Error| {
            db(
                &self.path,
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                ),
            )
        };
        let req = serde_json::from_str(&req).map_err(bad)?;
        let res = res
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(bad)?;
        Ok(Some((at, req, res)))
    }

    /// Stores the processed result of a submission.
    pub fn complete_bulk(&self, result: &BulkPrecheckResult) -> Result<(), DbError> {
        let json = serde_json::to_string(result).map_err(|e| {
            db(
                &self.path,
                rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
            )
        })?;
        self.conn
            .execute(
                "UPDATE bulk_prechecks SET result = ?2 WHERE reception_number = ?1",
                params![result.reception_number, json],
            )
            .map(|_| ())
            .map_err(|e| db(&self.path, e))
    }

    /// Appends an audit row.
    pub fn audit(&self, a: &AuditRow) -> Result<(), DbError> {
        self.conn
            .execute(
                "INSERT INTO audit (at, terminal_id, action, subject, insurer_number, number, outcome, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![a.at, a.terminal_id, a.action, a.subject, a.insurer_number, a.number, a.outcome, a.reason],
            )
            .map(|_| ())
            .map_err(|e| db(&self.path, e))
    }

    /// The audit log, oldest first (tests and operators).
    pub fn audit_rows(&self) -> Result<Vec<AuditRow>, DbError> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, terminal_id, action, subject, insurer_number, number, outcome, reason FROM audit ORDER BY id")
            .map_err(|e| db(&self.path, e))?;
        let rows = stmt
            .query_map([], |r| {
                let action: String = r.get(2)?;
                Ok(AuditRow {
                    at: r.get(0)?,
                    terminal_id: r.get(1)?,
                    action: match action.as_str() {
                        "eligibility" => "eligibility",
                        "eligibility_by_number" => "eligibility_by_number",
                        "bulk_submit" => "bulk_submit",
                        "bulk_fetch" => "bulk_fetch",
                        "bulk_item" => "bulk_item",
                        "terminal" => "terminal",
                        "link" => "link",
                        "link_release" => "link_release",
                        _ => "other",
                    },
                    subject: r.get(3)?,
                    insurer_number: r.get(4)?,
                    number: r.get(5)?,
                    outcome: r.get(6)?,
                    reason: r.get(7)?,
                })
            })
            .map_err(|e| db(&self.path, e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| db(&self.path, e))
    }
}
