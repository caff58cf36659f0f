//! The offline re-check queue: eligibility fallbacks (資格情報のお知らせ, 資格確認書, 申立書, …)
//! to confirm online once the network is back. One row per check: the machine's
//! `EnqueueRecheck` queues or replaces ([`Store::enqueue_recheck`]); the runtime's worker
//! lists what is due ([`Store::due_rechecks`]) and records each attempt
//! (`recheck_progress`).

use counter_core::UnixTime;
use counter_core::eligibility::RecheckRequest;
use rusqlite::{OptionalExtension, Row, named_params};

use crate::error::{StoreError, insert_err, sql, to_u32, to_u64};
use crate::store::Store;

const RECHECK_COLUMNS: &str = "id, created_at, check_id, fallback_kind, \
     presented_json, request_json, reception_number, state, attempts, next_at, last_error, \
     result_json, revision";

/// Where a queued re-check is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecheckState {
    /// Waiting for its next attempt.
    Pending,
    /// Confirmed online; `result_json` holds what staff must see until the purge.
    Done,
    /// Staff or the retry policy gave up; the fallback stands as recorded.
    GaveUp,
}

impl RecheckState {
    /// The stable name stored in the queue.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::GaveUp => "gave_up",
        }
    }

    /// Parses [`RecheckState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Done, Self::GaveUp]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// One queued re-check, as stored: the row of a [`RecheckRequest`] (`TryFrom`; back with
/// [`RecheckItem::request`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecheckItem {
    /// Local id (the check id, for rows queued since schema 2).
    pub id: String,
    /// When it was queued (the request's `queued_at`: the give-up window counts from it).
    pub created_at: UnixTime,
    /// The fallback check it confirms ([`crate::CheckRecord::id`]); `None` only for rows
    /// queued before schema 2 without one.
    pub check_id: Option<String>,
    /// What the patient presented instead of the card, the
    /// [`counter_core::eligibility::FallbackDocument`] name: `eligibility_notice`
    /// (資格情報のお知らせ), `eligibility_certificate` (資格確認書), `self_declaration`
    /// (申立書), ….
    pub fallback_kind: String,
    /// What was presented ([`counter_core::eligibility::Presented`] as JSON: insurer
    /// number, symbol, number, branch, birth date, name, …); `None` once purged.
    pub presented_json: Option<String>,
    /// The whole [`RecheckRequest`] as JSON (visit date, mode, what was presented); `None`
    /// once purged, or for rows queued before schema 2. A pending row always has it.
    pub request_json: Option<String>,
    /// The insurer's 受付番号 of a bulk submission that includes this item and has not been
    /// fetched to its end (docs/domain/eligibility.md §2.6): the next attempt fetches it instead of
    /// submitting again.
    pub reception_number: Option<String>,
    /// Where it is.
    pub state: RecheckState,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_at: UnixTime,
    /// What the last attempt met (codes, never personal details).
    pub last_error: Option<String>,
    /// Once done, what staff must see: the code and the contradictions with what was
    /// presented (the new record itself replaces the check's); `None` once purged.
    pub result_json: Option<String>,
}

/// A pending re-check due now, as the worker runs it ([`Store::due_rechecks`]); hand it
/// back with the outcome so that the store records it only if the request was not
/// replaced in the meantime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueRecheck {
    /// The request, with the row's `attempts` and `next_at`.
    pub request: RecheckRequest,
    /// The bulk submission to fetch instead of submitting again, if one is outstanding.
    pub reception_number: Option<String>,
    /// Which request of the check this is (counts replacements).
    pub(crate) revision: i64,
}

impl Store {
    /// Stores an `EnqueueRecheck` effect: queues the request, or replaces the check's
    /// re-check (whatever its state) with it, pending, with no outstanding submission, no
    /// result and no staff confirmation (`recheck_confirm`). One re-check per check. Fails with [`StoreError::NotFound`] if the check
    /// is not stored (the machine records the check before it queues its re-check).
    pub fn enqueue_recheck(&mut self, request: &RecheckRequest) -> Result<(), StoreError> {
        const OP: &str = "queue a re-check";
        let item = RecheckItem::try_from(request)?;
        let tx = self.write()?;
        let found: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM checks WHERE id = ?1",
                [&request.check_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql(OP))?;
        if found.is_none() {
            return Err(StoreError::NotFound {
                what: "check",
                id: request.check_id.clone(),
            });
        }
        tx.execute(
            "INSERT INTO rechecks (id, created_at, check_id, fallback_kind, presented_json, \
             request_json, reception_number, state, attempts, next_at, last_error, \
             result_json, revision) VALUES (:id, :created_at, :check_id, :kind, :presented, \
             :request, NULL, 'pending', :attempts, :next_at, NULL, NULL, 1) \
             ON CONFLICT (check_id) DO UPDATE SET created_at = excluded.created_at, \
             fallback_kind = excluded.fallback_kind, presented_json = excluded.presented_json, \
             request_json = excluded.request_json, reception_number = NULL, \
             state = 'pending', attempts = excluded.attempts, next_at = excluded.next_at, \
             last_error = NULL, result_json = NULL, confirmed_at = NULL, \
             revision = rechecks.revision + 1",
            named_params! {
                ":id": item.id,
                ":created_at": item.created_at,
                ":check_id": item.check_id,
                ":kind": item.fallback_kind,
                ":presented": item.presented_json,
                ":request": item.request_json,
                ":attempts": item.attempts,
                ":next_at": item.next_at,
            },
        )
        .map_err(insert_err(OP, "re-check", &item.id))?;
        tx.commit().map_err(sql(OP))
    }

    /// Stores a `CancelRecheck` effect: gives up check `check_id`'s re-check if it is still
    /// pending, with `reason` as its `last_error`, confirmed at `at` (staff did it: it is not
    /// listed for them to confirm). A worker running the request meanwhile finds it no
    /// longer pending and drops its outcome (`record_recheck_decision`), so the earlier
    /// request's answer never replaces the check's record. Returns whether one was pending.
    pub fn cancel_recheck(
        &mut self,
        check_id: &str,
        reason: &str,
        at: UnixTime,
    ) -> Result<bool, StoreError> {
        const OP: &str = "give up a re-check";
        let tx = self.write()?;
        let changed = tx
            .execute(
                "UPDATE rechecks SET state = 'gave_up', reception_number = NULL, \
                 last_error = ?2, confirmed_at = ?3 WHERE check_id = ?1 AND state = 'pending'",
                (check_id, reason, at),
            )
            .map_err(sql(OP))?;
        tx.commit().map_err(sql(OP))?;
        Ok(changed > 0)
    }

    /// The pending re-checks due at `now` (`next_at <= now`), oldest first.
    pub fn due_rechecks(&self, now: UnixTime) -> Result<Vec<DueRecheck>, StoreError> {
        const OP: &str = "list due re-checks";
        let query = format!(
            "SELECT {RECHECK_COLUMNS} FROM rechecks WHERE state = 'pending' AND next_at <= ?1 \
             ORDER BY created_at, rowid"
        );
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql(OP))?;
        let mut rows = stmt.query([now]).map_err(sql(OP))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sql(OP))? {
            let (item, revision) = recheck_from_row(row)?;
            let request = item.request()?.ok_or_else(|| StoreError::Corrupt {
                what: "re-check request",
                detail: format!("the pending re-check {:?} has no request", item.id),
            })?;
            out.push(DueRecheck {
                request,
                reception_number: item.reception_number,
                revision,
            });
        }
        Ok(out)
    }

    /// The re-check of check `check_id`, in whatever state.
    pub fn recheck(&self, check_id: &str) -> Result<Option<RecheckItem>, StoreError> {
        const OP: &str = "read a re-check";
        let query = format!("SELECT {RECHECK_COLUMNS} FROM rechecks WHERE check_id = ?1");
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql(OP))?;
        let mut rows = stmt.query([check_id]).map_err(sql(OP))?;
        match rows.next().map_err(sql(OP))? {
            Some(row) => recheck_from_row(row).map(|(item, _)| Some(item)),
            None => Ok(None),
        }
    }

    /// How many re-checks are pending (due or not): the badge staff see.
    pub fn pending_recheck_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM rechecks WHERE state = 'pending'",
                [],
                |row| row.get(0),
            )
            .map_err(sql("count pending re-checks"))?;
        to_u64("re-check count", n)
    }
}

/// One row of `SELECT {RECHECK_COLUMNS}`, and its revision.
fn recheck_from_row(row: &Row<'_>) -> Result<(RecheckItem, i64), StoreError> {
    const OP: &str = "read a re-check row";
    let state: String = row.get(7).map_err(sql(OP))?;
    let item = RecheckItem {
        id: row.get(0).map_err(sql(OP))?,
        created_at: row.get(1).map_err(sql(OP))?,
        check_id: row.get(2).map_err(sql(OP))?,
        fallback_kind: row.get(3).map_err(sql(OP))?,
        presented_json: row.get(4).map_err(sql(OP))?,
        request_json: row.get(5).map_err(sql(OP))?,
        reception_number: row.get(6).map_err(sql(OP))?,
        state: RecheckState::parse(&state).ok_or_else(|| StoreError::Corrupt {
            what: "re-check state",
            detail: format!("unknown state {state:?}"),
        })?,
        attempts: to_u32("re-check attempts", row.get(8).map_err(sql(OP))?)?,
        next_at: row.get(9).map_err(sql(OP))?,
        last_error: row.get(10).map_err(sql(OP))?,
        result_json: row.get(11).map_err(sql(OP))?,
    };
    Ok((item, row.get(12).map_err(sql(OP))?))
}

#[cfg(test)]
mod tests {
    use super::RecheckState;

    #[test]
    fn state_names_round_trip() {
        for s in [
            RecheckState::Pending,
            RecheckState::Done,
            RecheckState::GaveUp,
        ] {
            assert_eq!(RecheckState::parse(s.as_str()), Some(s));
        }
        assert_eq!(RecheckState::parse("Pending"), None);
    }
}
