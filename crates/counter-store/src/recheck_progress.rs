//! What the re-check worker records as it goes (the loop of
//! `counter_core::eligibility::recheck`): the bulk submission's 受付番号 before it fetches,
//! then every [`RecheckDecision`]. Each write names the request it ran
//! ([`DueRecheck`]), so an outcome for a request that staff replaced meanwhile is dropped
//! rather than applied to the new one.

use counter_core::eligibility::RecheckDecision;
use rusqlite::{ToSql, Transaction};

use crate::checks::{CheckRecord, upsert_check_row};
use crate::convert::recheck_result_json;
use crate::error::{StoreError, sql};
use crate::recheck::DueRecheck;
use crate::store::Store;

impl Store {
    /// Records that `items` were submitted in the bulk pre-check `reception_number`: until
    /// a decision clears it, the next attempt fetches that submission instead of
    /// submitting again. Call it **before** fetching, so that a worker stopped between
    /// the two does not submit twice. Returns how many items took it (a replaced or
    /// finished item is left alone).
    pub fn set_recheck_reception(
        &mut self,
        items: &[&DueRecheck],
        reception_number: &str,
    ) -> Result<usize, StoreError> {
        const OP: &str = "record a bulk submission";
        let tx = self.write()?;
        let mut changed = 0;
        for item in items {
            changed += update(&tx, item, OP, "reception_number = ?3", &[&reception_number])?;
        }
        tx.commit().map_err(sql(OP))?;
        Ok(changed)
    }

    /// Records the worker's `decision` for `item`, in one transaction:
    ///
    /// - `Done`: the check's record is replaced by the re-check's (as
    ///   [`Store::upsert_check`]) and the item becomes done, its `result_json` the code
    ///   and the contradictions;
    /// - `RetryAt`: `attempts` and `next_at` are stored;
    /// - `FetchAgain`: `next_at` is stored (`attempts` unchanged);
    /// - `GaveUp`: the item becomes gave-up (the fallback stands as recorded).
    ///
    /// `reception_number` is the submission the next attempt fetches (`RetryAt`,
    /// `FetchAgain`; `None` to submit anew); a finished item keeps none. `last_error` says
    /// what the attempt met, in codes (never personal details; `GaveUp` stores its code
    /// when `None`).
    ///
    /// Returns `false`, and changes nothing, when the item is no longer the pending
    /// request that ran (staff queued a new one for the check meanwhile). Fails with
    /// [`StoreError::Mismatch`] if `decision` is for another check than `item`.
    pub fn record_recheck_decision(
        &mut self,
        item: &DueRecheck,
        decision: &RecheckDecision,
        reception_number: Option<&str>,
        last_error: Option<&str>,
    ) -> Result<bool, StoreError> {
        const OP: &str = "record a re-check attempt";
        let decided_for = match decision {
            RecheckDecision::Done(d) => &d.check_id,
            RecheckDecision::FetchAgain { check_id, .. }
            | RecheckDecision::RetryAt { check_id, .. }
            | RecheckDecision::GaveUp { check_id, .. } => check_id,
        };
        if *decided_for != item.request.check_id {
            return Err(StoreError::Mismatch {
                what: "re-check decision",
                expected: item.request.check_id.clone(),
                found: decided_for.clone(),
            });
        }
        let tx = self.write()?;
        let changed = match decision {
            RecheckDecision::Done(done) => {
                let row = CheckRecord::try_from(&done.record)?;
                let result = recheck_result_json(done)?;
                let n = update(
                    &tx,
                    item,
                    OP,
                    "state = 'done', reception_number = NULL, last_error = ?3, \
                     result_json = ?4",
                    &[&last_error, &result],
                )?;
                if n > 0 {
                    upsert_check_row(&tx, &row, OP)?;
                }
                n
            }
            RecheckDecision::RetryAt {
                attempts, next_at, ..
            } => update(
                &tx,
                item,
                OP,
                "attempts = ?3, next_at = ?4, reception_number = ?5, last_error = ?6",
                &[attempts, next_at, &reception_number, &last_error],
            )?,
            RecheckDecision::FetchAgain { at, .. } => update(
                &tx,
                item,
                OP,
                "next_at = ?3, reception_number = ?4, last_error = ?5",
                &[at, &reception_number, &last_error],
            )?,
            RecheckDecision::GaveUp { code, .. } => {
                let error = last_error.map_or_else(|| code.as_str(), str::to_owned);
                update(
                    &tx,
                    item,
                    OP,
                    "state = 'gave_up', reception_number = NULL, last_error = ?3",
                    &[&error],
                )?
            }
        };
        if changed == 0 {
            // Dropped: the transaction rolls back untouched.
            return Ok(false);
        }
        tx.commit().map_err(sql(OP))?;
        Ok(true)
    }
}

/// `UPDATE rechecks SET {set}` on `item`'s row if it is still the pending request that ran
/// (its check id and revision are `?1` and `?2`; `values` are `?3`, `?4`, …). Returns the
/// rows changed (0 or 1: one row per check).
fn update(
    tx: &Transaction<'_>,
    item: &DueRecheck,
    op: &'static str,
    set: &str,
    values: &[&dyn ToSql],
) -> Result<usize, StoreError> {
    let query = format!(
        "UPDATE rechecks SET {set} WHERE check_id = ?1 AND revision = ?2 AND state = 'pending'"
    );
    let mut params: Vec<&dyn ToSql> = vec![&item.request.check_id, &item.revision];
    params.extend_from_slice(values);
    tx.execute(&query, params.as_slice()).map_err(sql(op))
}
