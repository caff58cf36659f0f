//! Eligibility checks as the counter saw them: a summary staff may look at later, and the
//! full result with personal details until the retention purge
//! ([`Store::purge_details_before`]) removes it.

use counter_core::UnixTime;
use counter_core::eligibility;
use rusqlite::{Row, Transaction};

use crate::convert::{from_json, to_json};
use crate::error::{StoreError, sql};
use crate::store::Store;

const CHECK_COLUMNS: &str =
    "id, at, mode, patient_ref, validity, summary_json, details_json, export_files";

/// One eligibility check (online, or a fallback recorded by staff), as stored: the row of
/// an [`eligibility::CheckRecord`] (`TryFrom`; back with [`CheckRecord::to_eligibility`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRecord {
    /// The check's local id.
    pub id: String,
    /// When the check was first recorded (the visit; later records keep it).
    pub at: UnixTime,
    /// `reception` or `pharmacy`.
    pub mode: String,
    /// The clinic's own patient id, if staff linked one. Kept by the purge: it is the
    /// clinic's reference, and what ties the audit trail to its records.
    pub patient_ref: Option<String>,
    /// The QualificationValidity code `1`..`6`, or `fallback`.
    pub validity: String,
    /// What staff must still see after the purge, without personal details: the
    /// [`eligibility::CheckSummary`] as JSON (validity, ratio, warnings, source).
    pub summary_json: String,
    /// The [`eligibility::CheckDetails`] as JSON (the insurer's answer with name, birth
    /// date, address, …, or what the patient presented); `None` once purged.
    pub details_json: Option<String>,
    /// The hand-off files written for the receipt system (file names).
    pub export_files: Vec<String>,
}

impl Store {
    /// Stores a `RecordCheck` effect: upserts by check id. A later record of the same check
    /// (a failure, then its fallback, then the re-check's result) replaces the mode,
    /// patient reference, validity, summary and details; the row keeps its place (rowid)
    /// and its `at`, the time of the first record (the visit: [`Store::checks_between`]
    /// lists a check on the day it happened, and the purge counts from then), and its
    /// export files. The summary's own `at` says when the latest record was made.
    pub fn upsert_check(&mut self, record: &eligibility::CheckRecord) -> Result<(), StoreError> {
        const OP: &str = "store a check";
        let row = CheckRecord::try_from(record)?;
        let tx = self.write()?;
        upsert_check_row(&tx, &row, OP)?;
        tx.commit().map_err(sql(OP))
    }

    /// Records the hand-off files written for check `id` (after the shell wrote them:
    /// `Input::ExportWritten`), replacing the list. Fails with [`StoreError::NotFound`] if
    /// no such check is stored.
    pub fn set_check_exports(&mut self, id: &str, files: &[String]) -> Result<(), StoreError> {
        const OP: &str = "record a check's export files";
        let files = to_json("export file list", &files)?;
        let tx = self.write()?;
        let changed = tx
            .execute(
                "UPDATE checks SET export_files = ?2 WHERE id = ?1",
                (id, &files),
            )
            .map_err(sql(OP))?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "check",
                id: id.to_owned(),
            });
        }
        tx.commit().map_err(sql(OP))
    }

    /// The core record of check `id` as last recorded (see
    /// [`CheckRecord::to_eligibility`]: empty details once purged).
    pub fn check_record(&self, id: &str) -> Result<Option<eligibility::CheckRecord>, StoreError> {
        self.check(id)?.map(|row| row.to_eligibility()).transpose()
    }

    /// The check with id `id`.
    pub fn check(&self, id: &str) -> Result<Option<CheckRecord>, StoreError> {
        let query = format!("SELECT {CHECK_COLUMNS} FROM checks WHERE id = ?1");
        self.checks_query(&query, (id,), "read a check")
            .map(|mut v| v.pop())
    }

    /// The checks with `from <= at < to`, oldest first.
    pub fn checks_between(
        &self,
        from: UnixTime,
        to: UnixTime,
    ) -> Result<Vec<CheckRecord>, StoreError> {
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
        export_files: from_json("export file list", &files)?,
    })
}

/// Inserts `row`, or replaces the record of an existing check (see [`Store::upsert_check`]).
pub(crate) fn upsert_check_row(
    tx: &Transaction<'_>,
    row: &CheckRecord,
    op: &'static str,
) -> Result<(), StoreError> {
    let files = to_json("export file list", &row.export_files)?;
    tx.execute(
        "INSERT INTO checks (id, at, mode, patient_ref, validity, summary_json, details_json, \
         export_files) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, \
         patient_ref = excluded.patient_ref, validity = excluded.validity, \
         summary_json = excluded.summary_json, details_json = excluded.details_json",
        (
            &row.id,
            row.at,
            &row.mode,
            &row.patient_ref,
            &row.validity,
            &row.summary_json,
            &row.details_json,
            &files,
        ),
    )
    .map_err(sql(op))?;
    Ok(())
}
