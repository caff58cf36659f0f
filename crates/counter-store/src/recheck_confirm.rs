//! The finished re-checks staff must see until they confirm each
//! (`counter_core::eligibility::recheck_outcome`): those that contradict what the patient
//! presented and those given up, listed from the queue's rows ([`Store::rechecks_to_confirm`]),
//! and the staff's confirmation ([`Store::confirm_recheck`], `confirmed_at`).

use counter_core::UnixTime;
use counter_core::eligibility::{
    FinishedRecheck, RecheckRequest, RecheckShown, RecheckToConfirm, to_confirm,
};
use rusqlite::OptionalExtension;

use crate::convert::from_json;
use crate::error::{StoreError, sql};
use crate::recheck::RecheckState;
use crate::store::Store;

impl Store {
    /// The finished re-checks staff have not confirmed that the status bar lists (given up,
    /// or done and contradicting what was presented), oldest first, each with the check's
    /// patient id and, while the request is kept, its visit day. A done one whose result
    /// cannot be read is listed as given up (re-check by hand), and logged by check id.
    pub fn rechecks_to_confirm(&self) -> Result<Vec<RecheckToConfirm>, StoreError> {
        const OP: &str = "list the re-checks to confirm";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT r.check_id, r.state, r.request_json, r.result_json, c.patient_ref \
                 FROM rechecks AS r LEFT JOIN checks AS c ON c.id = r.check_id \
                 WHERE r.confirmed_at IS NULL AND r.state <> 'pending' \
                   AND r.check_id IS NOT NULL \
                 ORDER BY r.created_at, r.rowid",
            )
            .map_err(sql(OP))?;
        let mut rows = stmt.query([]).map_err(sql(OP))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sql(OP))? {
            let check_id: String = row.get(0).map_err(sql(OP))?;
            let state: String = row.get(1).map_err(sql(OP))?;
            let request: Option<String> = row.get(2).map_err(sql(OP))?;
            let result: Option<String> = row.get(3).map_err(sql(OP))?;
            let patient_ref: Option<String> = row.get(4).map_err(sql(OP))?;
            let end = finished(&check_id, &state, result.as_deref())?;
            // The request only adds the visit day (and a patient id the check lacks).
            let request = request.as_deref().and_then(|t| {
                let read = from_json::<RecheckRequest>("re-check request", t).ok();
                if read.is_none() {
                    tracing::warn!(check_id = %check_id, "a finished re-check's request is unreadable");
                }
                read
            });
            out.extend(to_confirm(&check_id, patient_ref, request.as_ref(), end));
        }
        Ok(out)
    }

    /// Journals that staff confirmed the finished re-check of check `check_id` at `at`: it
    /// leaves [`Store::rechecks_to_confirm`]. `Ok(false)` when it was confirmed already (the
    /// first confirmation stays). Fails with [`StoreError::NotFound`] when the check has no
    /// finished re-check (none queued, or still pending).
    pub fn confirm_recheck(&mut self, check_id: &str, at: UnixTime) -> Result<bool, StoreError> {
        const OP: &str = "confirm a re-check";
        let tx = self.write()?;
        let changed = tx
            .execute(
                "UPDATE rechecks SET confirmed_at = ?2 \
                 WHERE check_id = ?1 AND state <> 'pending' AND confirmed_at IS NULL",
                (check_id, at),
            )
            .map_err(sql(OP))?;
        if changed == 0 {
            let finished: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM rechecks WHERE check_id = ?1 AND state <> 'pending'",
                    [check_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql(OP))?;
            if finished.is_none() {
                return Err(StoreError::NotFound {
                    what: "finished re-check",
                    id: check_id.to_owned(),
                });
            }
        }
        tx.commit().map_err(sql(OP))?;
        Ok(changed > 0)
    }
}

/// How the finished re-check of check `check_id` ended, from its row's `state` and
/// `result_json`. A done one whose result cannot be read is taken as given up (re-check by
/// hand), and logged by check id. A given-up one holds no result until the retention purge
/// keeps its code there (`crate::retention`): it is then what the purge kept, as for a done
/// one, so that `to_confirm` says its details went.
pub(crate) fn finished(
    check_id: &str,
    state: &str,
    result: Option<&str>,
) -> Result<FinishedRecheck, StoreError> {
    Ok(match RecheckState::parse(state) {
        Some(RecheckState::GaveUp) => match result.and_then(read_result) {
            // What the retention purge kept of it (its code, marked): listed as given up,
            // and as one whose details went, as a done one the purge kept is.
            Some(kept) if kept.purged => FinishedRecheck::Done(Some(kept)),
            _ => FinishedRecheck::GaveUp,
        },
        Some(RecheckState::Done) => match result.map(read_result) {
            None => FinishedRecheck::Done(None),
            Some(Some(shown)) => FinishedRecheck::Done(Some(shown)),
            // Schema 1's rows were free-form: nothing says what the re-check found, so
            // staff re-check it by hand, as for one given up. One such row must not hide
            // the others (nor stop the counter that reads them).
            Some(None) => {
                tracing::warn!(
                    check_id = %check_id,
                    "a finished re-check's result is unreadable; listed as given up"
                );
                FinishedRecheck::GaveUp
            }
        },
        _ => {
            return Err(StoreError::Corrupt {
                what: "re-check state",
                detail: format!("unknown state {state:?} of the re-check of {check_id:?}"),
            });
        }
    })
}

/// A done re-check's stored result, `None` when it is not `{code, contradictions}` (schema
/// 1 kept free-form text there). The reason is not kept: a parser's message may quote the
/// text, and the text may name the person.
fn read_result(text: &str) -> Option<RecheckShown> {
    from_json::<RecheckShown>("re-check result", text).ok()
}
