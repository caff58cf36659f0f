//! Eligibility checks as the counter saw them: a summary staff may look at later, and the
//! full result with personal details until the retention purge
//! ([`Store::purge_details_before`]) removes it.

use rusqlite::Row;

use crate::error::{StoreError, insert_err, sql};
use crate::store::Store;

const CHECK_COLUMNS: &str =
    "id, at, mode, patient_ref, validity, summary_json, details_json, export_files";

/// One eligibility check (online, or a fallback recorded by staff).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRecord {
    /// The check's local id.
    pub id: String,
    /// Unix time of the check.
    pub at: i64,
    /// `reception` or `pharmacy`.
    pub mode: String,
    /// The clinic's own patient id, if staff linked one. Kept by the purge: it is the
    /// clinic's reference, and what ties the audit trail to its records.
    pub patient_ref: Option<String>,
    /// The QualificationValidity code `1`..`6`, or `fallback`.
    pub validity: String,
    /// What staff must still see after the purge, without personal details: validity,
    /// ratio, insurer number.
    pub summary_json: String,
    /// The full result (name, birth date, address, …); `None` once purged.
    pub details_json: Option<String>,
    /// The hand-off files written for the receipt system (file names).
    pub export_files: Vec<String>,
}

impl Store {
    /// Stores a new check. Fails with [`StoreError::AlreadyExists`] if the id is taken.
    pub fn insert_check(&mut self, c: &CheckRecord) -> Result<(), StoreError> {
        const OP: &str = "insert a check";
        let files = serde_json::to_string(&c.export_files).map_err(|e| StoreError::Corrupt {
            what: "export file list",
            detail: e.to_string(),
        })?;
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO checks (id, at, mode, patient_ref, validity, summary_json, \
             details_json, export_files) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            (
                &c.id,
                c.at,
                &c.mode,
                &c.patient_ref,
                &c.validity,
                &c.summary_json,
                &c.details_json,
                &files,
            ),
        )
        .map_err(insert_err(OP, "check", &c.id))?;
        tx.commit().map_err(sql(OP))
    }

    /// The check with id `id`.
    pub fn check(&self, id: &str) -> Result<Option<CheckRecord>, StoreError> {
        let query = format!("SELECT {CHECK_COLUMNS} FROM checks WHERE id = ?1");
        self.checks_query(&query, (id,), "read a check")
            .map(|mut v| v.pop())
    }

    /// The checks with `from <= at < to`, oldest first.
    pub fn checks_between(&self, from: i64, to: i64) -> Result<Vec<CheckRecord>, StoreError> {
        let query = format!(
            "SELECT {CHECK_COLUMNS} FROM checks WHERE at >= ?1 AND at < ?2 ORDER BY at, rowid"
        );
        self.checks_query(&query, (from, to), "list checks")
    }

    fn checks_query(
        &self,
        query: &str,
        params: impl rusqlite::Params,
        op: &'static str,
    ) -> Result<Vec<CheckRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(query).map_err(sql(op))?;
        let mut rows = stmt.query(params).map_err(sql(op))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sql(op))? {
            out.push(check_from_row(row)?);
        }
        Ok(out)
    }
}

/// One row of `SELECT {CHECK_COLUMNS}`.
fn check_from_row(row: &Row<'_>) -> Result<CheckRecord, StoreError> {
    const OP: &str = "read a check row";
    let files: String = row.get(7).map_err(sql(OP))?;
    Ok(CheckRecord {
        id: row.get(0).map_err(sql(OP))?,
        at: row.get(1).map_err(sql(OP))?,
        mode: row.get(2).map_err(sql(OP))?,
        patient_ref: row.get(3).map_err(sql(OP))?,
        validity: row.get(4).map_err(sql(OP))?,
        summary_json: row.get(5).map_err(sql(OP))?,
        details_json: row.get(6).map_err(sql(OP))?,
        export_files: serde_json::from_str(&files).map_err(|e| StoreError::Corrupt {
            what: "export file list",
            detail: e.to_string(),
        })?,
    })
}
