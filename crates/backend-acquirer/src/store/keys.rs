//! Idempotency keys and used assertions: claims (leases with a token), stored answers,
//! tombstones, their pruning, and `jti`s.
//!
//! Every write that ends a claim is a compare-and-set on the row's state and claim token,
//! so a request that lost its lease (released by a status query, tombstoned by a reversal,
//! taken over by a retry, released at start) can neither answer the key nor release another
//! request's claim; see [`crate::core::idempotency`].

use madoguchi_time::UnixTime;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

pub use backend_kit::replay::first_use;

use crate::core::idempotency::{REVERSED_TOMBSTONE, Stored};

/// Reads what is stored for a key, with the payment it answered.
pub fn stored(
    c: &Connection,
    terminal: &str,
    key: &str,
) -> rusqlite::Result<Option<(Stored, Option<String>)>> {
    c.query_row(
        "SELECT fingerprint, state, status, body, payment_id, started_at, claim FROM idempotency
         WHERE terminal_id = ?1 AND idempotency_key = ?2",
        params![terminal, key],
        |r| {
            let fingerprint: String = r.get(0)?;
            let state: String = r.get(1)?;
            let s = if state == "done" {
                Stored::Done {
                    fingerprint,
                    status: r.get::<_, Option<u16>>(2)?.unwrap_or(500),
                    body: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                }
            } else {
                Stored::InProgress {
                    fingerprint,
                    started_at: r.get(5)?,
                    claim: r.get(6)?,
                }
            };
            Ok((s, r.get(4)?))
        },
    )
    .optional()
}

/// Claims a key with the token `claim` (or takes an expired claim over, replacing its
/// token, so that the old holder can no longer answer it).
pub fn claim(
    c: &Connection,
    terminal: &str,
    key: &str,
    fingerprint: &str,
    claim: i64,
    now: UnixTime,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO idempotency (terminal_id, idempotency_key, fingerprint, state, started_at,
             claim)
         VALUES (?1, ?2, ?3, 'in_progress', ?4, ?5)
         ON CONFLICT (terminal_id, idempotency_key) DO UPDATE SET started_at = ?4, claim = ?5
         WHERE state = 'in_progress'",
        params![terminal, key, fingerprint, now, claim],
    )?;
    Ok(())
}

/// Drops the claim `claim` of a request that stored nothing (a transient failure, or an
/// expired claim seen by a status query). Returns whether it was still there: a claim
/// taken over or answered since is left alone.
pub fn release(c: &Connection, terminal: &str, key: &str, claim: i64) -> rusqlite::Result<bool> {
    let n = c.execute(
        "DELETE FROM idempotency WHERE terminal_id = ?1 AND idempotency_key = ?2
         AND state = 'in_progress' AND claim = ?3",
        params![terminal, key, claim],
    )?;
    Ok(n == 1)
}

/// Drops every claim: at start, the process that held them is gone (a request of a live
/// process, should one share the file, fails its compare-and-set and commits nothing).
/// Returns how many there were.
pub fn release_stale(c: &Connection) -> rusqlite::Result<usize> {
    c.execute("DELETE FROM idempotency WHERE state = 'in_progress'", [])
}

/// Stores the answer of a key in the transaction of the change it answers, **only if the
/// key still holds the claim `claim`** (compare-and-set). `false`: the claim was lost (its
/// lease ended and a status query, a reversal, a retry or a restart took the key); the
/// caller must roll the transaction back.
#[allow(clippy::too_many_arguments)]
pub fn finish(
    tx: &Transaction<'_>,
    terminal: &str,
    key: &str,
    claim: i64,
    status: u16,
    body: &str,
    payment_id: Option<&str>,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    let n = tx.execute(
        "UPDATE idempotency SET state = 'done', status = ?4, body = ?5, payment_id = ?6,
             finished_at = ?7
         WHERE terminal_id = ?1 AND idempotency_key = ?2 AND state = 'in_progress'
             AND claim = ?3",
        params![terminal, key, claim, status, body, payment_id, now],
    )?;
    Ok(n == 1)
}

/// Stores the reversal's tombstone for an authorisation key that never arrived or whose
/// claim expired: the key is answered with `status`/`body` for any later request, and an
/// expired claim under it can no longer commit. A key already answered is left as it is.
pub fn tombstone(
    tx: &Transaction<'_>,
    terminal: &str,
    key: &str,
    status: u16,
    body: &str,
    now: UnixTime,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO idempotency (terminal_id, idempotency_key, fingerprint, state, status, body,
             started_at, finished_at, claim)
         VALUES (?1, ?2, ?3, 'done', ?4, ?5, ?6, ?6, 0)
         ON CONFLICT (terminal_id, idempotency_key) DO UPDATE SET state = 'done',
             fingerprint = ?3, status = ?4, body = ?5, payment_id = NULL, finished_at = ?6
         WHERE state = 'in_progress'",
        params![terminal, key, REVERSED_TOMBSTONE, status, body, now],
    )?;
    Ok(())
}

/// Deletes answered keys and tombstones finished before `before`, and claims started
/// before it (none should be left: claims are released at start). Returns how many rows.
pub fn prune(c: &Connection, before: UnixTime) -> rusqlite::Result<usize> {
    c.execute(
        "DELETE FROM idempotency WHERE (state = 'done' AND finished_at < ?1)
             OR (state = 'in_progress' AND started_at < ?1)",
        params![before],
    )
}
