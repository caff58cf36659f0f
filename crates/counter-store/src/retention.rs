//! Retention: personal details of old checks and finished re-checks are removed, the rows
//! stay for the audit trail, and the removed bytes are gone from every file (zeroed in the
//! database by `secure_delete`, and the write-ahead log truncated by a checkpoint).

use counter_core::UnixTime;

use crate::error::{StoreError, sql};
use crate::store::Store;

impl Store {
    /// Removes the personal details of everything older than `cutoff` (Unix seconds,
    /// exclusive) and returns how many rows it changed:
    ///
    /// - checks with `at < cutoff`: `details_json` becomes `None` (the summary, validity,
    ///   patient reference and export file names stay);
    /// - re-checks no longer pending with `created_at < cutoff`: `presented_json`,
    ///   `request_json` and `result_json` become `None` (a pending one keeps what it needs
    ///   to run).
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
        let rechecks = tx
            .execute(
                "UPDATE rechecks SET presented_json = NULL, request_json = NULL, \
                 result_json = NULL \
                 WHERE created_at < ?1 AND state <> 'pending' \
                   AND (presented_json IS NOT NULL OR request_json IS NOT NULL \
                        OR result_json IS NOT NULL)",
                [cutoff],
            )
            .map_err(sql(OP))?;
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
