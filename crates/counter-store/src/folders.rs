//! The ledger of the receipt system's folder interface: one row per request file (name and
//! digest), moved `received` → `prepared` → `answered` by the folder worker, a bulk
//! submission's 受付番号 and the time the insurer accepted it recorded while `received`. The rules of the order are
//! `counter_core::folders::ledger`'s; this module only persists them, each step committed
//! (`synchronous=FULL`) before the file operation that follows it.

use counter_core::UnixTime;
use counter_core::folders::ledger::{Disposition, LedgerEntry, LedgerState};
use rusqlite::{OptionalExtension, params};

use crate::error::{StoreError, sql};
use crate::store::Store;

fn corrupt(what: &'static str, detail: String) -> StoreError {
    StoreError::Corrupt { what, detail }
}

impl Store {
    /// Every row of the request file `name` (one per distinct content seen under it).
    pub fn folder_requests(&self, name: &str) -> Result<Vec<LedgerEntry>, StoreError> {
        const OP: &str = "read the folder ledger";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, digest, state, answer_name, disposition, reception_number, \
                 duplicate, reception_at FROM folder_requests WHERE name = ?1 \
                 ORDER BY received_at, rowid",
            )
            .map_err(sql(OP))?;
        let rows = stmt
            .query_map([name], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<bool>>(6)?,
                    r.get::<_, Option<UnixTime>>(7)?,
                ))
            })
            .map_err(sql(OP))?;
        let mut out = Vec::new();
        for row in rows {
            let (
                name,
                digest,
                state,
                answer_name,
                disposition,
                reception_number,
                duplicate,
                reception_at,
            ) = row.map_err(sql(OP))?;
            let state = LedgerState::parse(&state)
                .ok_or_else(|| corrupt("folder request state", state.clone()))?;
            let disposition = match disposition {
                None => None,
                Some(d) => Some(
                    Disposition::parse(&d)
                        .ok_or_else(|| corrupt("folder request disposition", d.clone()))?,
                ),
            };
            out.push(LedgerEntry {
                name,
                digest,
                state,
                answer_name,
                disposition,
                reception_number,
                reception_at,
                duplicate,
            });
        }
        Ok(out)
    }

    /// Records the request file `name` with `digest` as received, and whether it is a
    /// second request under that name (`counter_core::folders::ledger::is_duplicate`).
    /// Receiving a row that exists already changes nothing (the worker may crash between
    /// this commit and its next step).
    pub fn receive_folder_request(
        &mut self,
        name: &str,
        digest: &str,
        kind: &str,
        duplicate: bool,
        at: UnixTime,
    ) -> Result<(), StoreError> {
        const OP: &str = "record a folder request";
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO folder_requests (name, digest, kind, state, received_at, duplicate) \
             VALUES (?1, ?2, ?3, 'received', ?4, ?5) ON CONFLICT (name, digest) DO NOTHING",
            params![name, digest, kind, at, duplicate],
        )
        .map_err(sql(OP))?;
        tx.commit().map_err(sql(OP))
    }

    /// Records the 受付番号 the insurer accepted the bulk submission `name` with `digest`
    /// under, and when (`at`: the answer's `ReceptionDateTime`), before its answer is
    /// written. Only on a `received` row without one (or again with the same number, which
    /// keeps the first time); anything else is [`StoreError::Mismatch`]: the answer of a
    /// row that has a number must carry that number.
    pub fn submit_folder_request(
        &mut self,
        name: &str,
        digest: &str,
        reception_number: &str,
        at: UnixTime,
    ) -> Result<(), StoreError> {
        self.move_folder_request(
            name,
            digest,
            "UPDATE folder_requests SET reception_number = ?3, \
             reception_at = coalesce(reception_at, ?4) \
             WHERE name = ?1 AND digest = ?2 AND state = 'received' \
             AND (reception_number IS NULL OR reception_number = ?3)",
            params![name, digest, reception_number, at],
        )
    }

    /// Records that the answer `answer_name` is complete in its temporary file and where
    /// the request goes afterwards. Only from `received` (or again with the same answer
    /// from `prepared`); anything else is [`StoreError::Mismatch`].
    pub fn prepare_folder_request(
        &mut self,
        name: &str,
        digest: &str,
        answer_name: &str,
        disposition: Disposition,
    ) -> Result<(), StoreError> {
        self.move_folder_request(
            name,
            digest,
            "UPDATE folder_requests SET state = 'prepared', answer_name = ?3, disposition = ?4 \
             WHERE name = ?1 AND digest = ?2 AND (state = 'received' \
             OR (state = 'prepared' AND answer_name = ?3 AND disposition = ?4))",
            params![name, digest, answer_name, disposition.as_str()],
        )
    }

    /// Records that the answer is in place. Only from `prepared` (or `answered`: a worker
    /// that crashed after this commit repeats it harmlessly).
    pub fn answer_folder_request(
        &mut self,
        name: &str,
        digest: &str,
        at: UnixTime,
    ) -> Result<(), StoreError> {
        self.move_folder_request(
            name,
            digest,
            "UPDATE folder_requests SET state = 'answered', \
             answered_at = coalesce(answered_at, ?3) \
             WHERE name = ?1 AND digest = ?2 AND state IN ('prepared', 'answered')",
            params![name, digest, at],
        )
    }

    /// Forgets the requests answered before `cutoff` (exclusive) and returns how many rows
    /// went. Their files have left `req/` (an answered request is only moved), so nothing
    /// is answered again unless the receipt system writes the request again, which past the
    /// retention is a new request. Rows not yet answered stay: they are work left to do.
    pub fn forget_folder_requests_before(&mut self, cutoff: UnixTime) -> Result<usize, StoreError> {
        const OP: &str = "forget old folder requests";
        let tx = self.write()?;
        let gone = tx
            .execute(
                "DELETE FROM folder_requests WHERE state = 'answered' AND answered_at < ?1",
                [cutoff],
            )
            .map_err(sql(OP))?;
        tx.commit().map_err(sql(OP))?;
        Ok(gone)
    }

    fn move_folder_request(
        &mut self,
        name: &str,
        digest: &str,
        update: &str,
        args: impl rusqlite::Params,
    ) -> Result<(), StoreError> {
        const OP: &str = "advance a folder request";
        let tx = self.write()?;
        let changed = tx.execute(update, args).map_err(sql(OP))?;
        if changed == 0 {
            let state: Option<String> = tx
                .query_row(
                    "SELECT state FROM folder_requests WHERE name = ?1 AND digest = ?2",
                    params![name, digest],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql(OP))?;
            return Err(match state {
                None => StoreError::NotFound {
                    what: "folder request",
                    id: name.to_owned(),
                },
                Some(found) => StoreError::Mismatch {
                    what: "folder request's state",
                    expected: format!("{name} in the state before this step"),
                    found: format!("{name} in state {found}"),
                },
            });
        }
        tx.commit().map_err(sql(OP))
    }
}
