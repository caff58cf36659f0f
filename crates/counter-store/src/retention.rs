//! Retention: personal details of old checks and finished re-checks are removed, the rows
//! stay for the audit trail (and a re-check staff must still confirm stays listed, without
//! its details), and the removed bytes are gone from every file (zeroed in the database by
//! `secure_delete`, and the write-ahead log truncated by a checkpoint).

use counter_core::UnixTime;
use counter_core::eligibility::{kept_by_purge, to_confirm};

use crate::convert::to_json;
use crate::error::{StoreError, sql};
use crate::recheck_confirm::finished;
use crate::store::Store;

/// A finished re-check row the purge reads.
struct FinishedRow {
    rowid: i64,
    check_id: Option<String>,
    state: String,
    result: Option<String>,
    unconfirmed: bool,
    /// Whether it still holds what was presented or the request.
    inputs: bool,
}

impl FinishedRow {
    /// The `result_json` the purge leaves (`None`: nothing). Every listed one keeps its
    /// code with the purge's mark, given up or done alike, so that the listing says its
    /// details went whatever its state (`crate::recheck_confirm::finished` reads the mark
    /// of a given-up one).
    fn kept(&self) -> Result<Option<String>, StoreError> {
        let Some(check_id) = self.check_id.as_deref().filter(|_| self.unconfirmed) else {
            return Ok(None);
        };
        let end = finished(check_id, &self.state, self.result.as_deref())?;
        kept_by_purge(to_confirm(check_id, None, None, end).as_ref())
            .map(|k| to_json("re-check result", &k))
            .transpose()
    }
}

impl Store {
    /// Removes the personal details of everything older than `cutoff` (Unix seconds,
    /// exclusive) and returns how many rows it changed:
    ///
    /// - checks with `at < cutoff`: `details_json` becomes `None` (the summary, validity,
    ///   patient reference and export file names stay);
    /// - re-checks no longer pending with `created_at < cutoff`: `presented_json` and
    ///   `request_json` become `None` (a pending one keeps what it needs to run), and so
    ///   does `result_json`, except that one staff have not confirmed and the status bar
    ///   lists (given up or done) keeps its code alone with the purge's mark
    ///   (`counter_core::eligibility::kept_by_purge`, which says why), so that it is still
    ///   listed until they confirm it, as one whose details went. A given-up one an
    ///   earlier purge emptied without the mark gets it now.
    ///
    /// Then the write-ahead log is checkpointed and truncated so that no old page image
    /// keeps the purged text. If another connection holds the log, the purge stays
    /// committed and [`StoreError::CheckpointIncomplete`] says to run it again.
    pub fn purge_details_before(&mut self, cutoff: UnixTime) -> Result<usize, StoreError> {
        const OP: &str = "purge personal details";
        let tx = self.write()?;
        let checks = tx
            .execute(
                "UPDATE checks SET details_json = NULL \
                 WHERE at < ?1 AND details_json IS NOT NULL",
                [cutoff],
            )
            .map_err(sql(OP))?;
        let rows = {
            let mut stmt = tx
                .prepare(
                    "SELECT rowid, check_id, state, result_json, confirmed_at IS NULL, \
                     presented_json IS NOT NULL OR request_json IS NOT NULL \
                     FROM rechecks WHERE created_at < ?1 AND state <> 'pending' \
                       AND (presented_json IS NOT NULL OR request_json IS NOT NULL \
                            OR result_json IS NOT NULL \
                            OR (state = 'gave_up' AND confirmed_at IS NULL))",
                )
                .map_err(sql(OP))?;
            let rows = stmt
                .query_map([cutoff], |r| {
                    Ok(FinishedRow {
                        rowid: r.get(0)?,
                        check_id: r.get(1)?,
                        state: r.get(2)?,
                        result: r.get(3)?,
                        unconfirmed: r.get(4)?,
                        inputs: r.get(5)?,
                    })
                })
                .map_err(sql(OP))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(sql(OP))?
        };
        let mut rechecks = 0;
        for row in rows {
            let kept = row.kept()?;
            if !row.inputs && row.result == kept {
                continue;
            }
            tx.execute(
                "UPDATE rechecks SET presented_json = NULL, request_json = NULL, \
                 result_json = ?2 WHERE rowid = ?1",
                rusqlite::params![row.rowid, kept],
            )
            .map_err(sql(OP))?;
            rechecks += 1;
        }
        tx.commit().map_err(sql(OP))?;
        self.checkpoint_truncate()?;
        Ok(checks + rechecks)
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)`: copies every committed page into the database file
    /// and truncates the `-wal` file to zero bytes.
    pub(crate) fn checkpoint_truncate(&self) -> Result<(), StoreError> {
        let (busy, log, done): (i64, i64, i64) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .map_err(sql("checkpoint the write-ahead log"))?;
        if busy != 0 {
            return Err(StoreError::CheckpointIncomplete {
                frames: log.saturating_sub(done).max(1),
            });
        }
        Ok(())
    }
}
