//! Idempotency keys and used assertions: claims, stored answers, `jti`s.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

pub use backend_kit::replay::first_use;

use crate::core::idempotency::Stored;

/// Reads what is stored for a key.
pub fn stored(
    c: &Connection,
    terminal: &str,
    key: &str,
) -> rusqlite::Result<Option<(Stored, Option<String>)>> {
    c.query_row(
        "SELECT fingerprint, state, status, body, payment_id, started_at FROM idempotency
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
                }
            };
            Ok((s, r.get(4)?))
        },
    )
    .optional()
}

/// Claims a key (or takes a dead claim over).
pub fn claim(
    c: &Connection,
    terminal: &str,
    key: &str,
    fingerprint: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO idempotency (terminal_id, idempotency_key, fingerprint, state, started_at)
         VALUES (?1, ?2, ?3, 'in_progress', ?4)
         ON CONFLICT (terminal_id, idempotency_key) DO UPDATE SET started_at = ?4
         WHERE state = 'in_progress'",
        params![terminal, key, fingerprint, now],
    )?;
    Ok(())
}

/// Drops a claim whose request stored nothing (a transient failure).
pub fn release(c: &Connection, terminal: &str, key: &str) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM idempotency WHERE terminal_id = ?1 AND idempotency_key = ?2
         AND state = 'in_progress'",
        params![terminal, key],
    )?;
    Ok(())
}

/// Stores the answer of a key (in the transaction of the change it answers).
#[allow(clippy::too_many_arguments)]
pub fn finish(
    tx: &Transaction<'_>,
    terminal: &str,
    key: &str,
    fingerprint: &str,
    status: u16,
    body: &str,
    payment_id: Option<&str>,
    now: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO idempotency (terminal_id, idempotency_key, fingerprint, state, status, body,
             payment_id, started_at, finished_at)
         VALUES (?1, ?2, ?3, 'done', ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (terminal_id, idempotency_key) DO UPDATE SET state = 'done',
             status = ?4, body = ?5, payment_id = ?6, finished_at = ?7",
        params![terminal, key, fingerprint, status, body, payment_id, now],
    )?;
    Ok(())
}
