//! The offline re-check queue: eligibility fallbacks (資格情報のお知らせ, 資格確認書, 申立書, …)
//! to confirm online once the network is back.

use rusqlite::{OptionalExtension, Row, named_params};

use crate::error::{StoreError, insert_err, sql, to_u32, to_u64};
use crate::store::Store;

const RECHECK_COLUMNS: &str = "id, created_at, check_id, fallback_kind, presented_json, \
     state, attempts, next_at, last_error, result_json";

/// Where a queued re-check is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecheckState {
    /// Waiting for its next attempt.
    Pending,
    /// Confirmed online; `result_json` holds the answer until the purge.
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

/// One queued re-check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecheckItem {
    /// Local id.
    pub id: String,
    /// Unix time it was queued.
    pub created_at: i64,
    /// The fallback check it confirms, if one was recorded ([`crate::CheckRecord::id`]).
    pub check_id: Option<String>,
    /// What the patient presented instead of the card: `eligibility_notice`
    /// (資格情報のお知らせ), `eligibility_certificate` (資格確認書), `self_declaration`
    /// (申立書), ….
    pub fallback_kind: String,
    /// What was presented (insurer number, symbol, number, branch, birth date, name, …);
    /// `None` once purged.
    pub presented_json: Option<String>,
    /// Where it is.
    pub state: RecheckState,
    /// Attempts made so far.
    pub attempts: u32,
    /// Unix time of the next attempt.
    pub next_at: i64,
    /// What the last attempt met.
    pub last_error: Option<String>,
    /// The online answer, once done; `None` once purged.
    pub result_json: Option<String>,
}

impl Store {
    /// Queues a re-check. Fails with [`StoreError::NotFound`] if `check_id` names no stored
    /// check, [`StoreError::AlreadyExists`] if the id is taken.
    pub fn enqueue_recheck(&mut self, item: &RecheckItem) -> Result<(), StoreError> {
        self.write_recheck(item, true)
    }

    /// Rewrites a queued re-check whole. Fails with [`StoreError::NotFound`] if the id (or
    /// its `check_id`) is unknown.
    pub fn update_recheck(&mut self, item: &RecheckItem) -> Result<(), StoreError> {
        self.write_recheck(item, false)
    }

    /// The pending re-checks due at `now` (`next_at <= now`), oldest first.
    pub fn due_rechecks(&self, now: i64) -> Result<Vec<RecheckItem>, StoreError> {
        const OP: &str = "list due re-checks";
        let query = format!(
            "SELECT {RECHECK_COLUMNS} FROM rechecks WHERE state = 'pending' AND next_at <= ?1 \
             ORDER BY created_at, rowid"
        );
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql(OP))?;
        let mut rows = stmt.query([now]).map_err(sql(OP))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sql(OP))? {
            out.push(recheck_from_row(row)?);
        }
        Ok(out)
    }

    /// The re-check with id `id`.
    pub fn recheck(&self, id: &str) -> Result<Option<RecheckItem>, StoreError> {
        const OP: &str = "read a re-check";
        let query = format!("SELECT {RECHECK_COLUMNS} FROM rechecks WHERE id = ?1");
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql(OP))?;
        let mut rows = stmt.query([id]).map_err(sql(OP))?;
        match rows.next().map_err(sql(OP))? {
            Some(row) => recheck_from_row(row).map(Some),
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

    fn write_recheck(&mut self, item: &RecheckItem, insert: bool) -> Result<(), StoreError> {
        let op = if insert {
            "queue a re-check"
        } else {
            "update a re-check"
        };
        let tx = self.write()?;
        if let Some(check) = &item.check_id {
            let found: Option<i64> = tx
                .query_row("SELECT 1 FROM checks WHERE id = ?1", [check], |r| r.get(0))
                .optional()
                .map_err(sql(op))?;
            if found.is_none() {
                return Err(StoreError::NotFound {
                    what: "check",
                    id: check.clone(),
                });
            }
        }
        let query = if insert {
            "INSERT INTO rechecks (id, created_at, check_id, fallback_kind, presented_json, \
             state, attempts, next_at, last_error, result_json) VALUES (:id, :created_at, \
             :check_id, :kind, :presented, :state, :attempts, :next_at, :last_error, :result)"
        } else {
            "UPDATE rechecks SET created_at = :created_at, check_id = :check_id, \
             fallback_kind = :kind, presented_json = :presented, state = :state, \
             attempts = :attempts, next_at = :next_at, last_error = :last_error, \
             result_json = :result WHERE id = :id"
        };
        let changed = tx
            .execute(
                query,
                named_params! {
                    ":id": item.id,
                    ":created_at": item.created_at,
                    ":check_id": item.check_id,
                    ":kind": item.fallback_kind,
                    ":presented": item.presented_json,
                    ":state": item.state.as_str(),
                    ":attempts": item.attempts,
                    ":next_at": item.next_at,
                    ":last_error": item.last_error,
                    ":result": item.result_json,
                },
            )
            .map_err(insert_err(op, "re-check", &item.id))?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "re-check",
                id: item.id.clone(),
            });
        }
        tx.commit().map_err(sql(op))
    }
}

/// One row of `SELECT {RECHECK_COLUMNS}`.
fn recheck_from_row(row: &Row<'_>) -> Result<RecheckItem, StoreError> {
    const OP: &str = "read a re-check row";
    let state: String = row.get(5).map_err(sql(OP))?;
    Ok(RecheckItem {
        id: row.get(0).map_err(sql(OP))?,
        created_at: row.get(1).map_err(sql(OP))?,
        check_id: row.get(2).map_err(sql(OP))?,
        fallback_kind: row.get(3).map_err(sql(OP))?,
        presented_json: row.get(4).map_err(sql(OP))?,
        state: RecheckState::parse(&state).ok_or_else(|| StoreError::Corrupt {
            what: "re-check state",
            detail: format!("unknown state {state:?}"),
        })?,
        attempts: to_u32("re-check attempts", row.get(6).map_err(sql(OP))?)?,
        next_at: row.get(7).map_err(sql(OP))?,
        last_error: row.get(8).map_err(sql(OP))?,
        result_json: row.get(9).map_err(sql(OP))?,
    })
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
