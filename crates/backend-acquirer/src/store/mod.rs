//! The acquirer's SQLite store: WAL, `synchronous=FULL` (a committed payment survives a
//! power cut), one connection behind a mutex so that a key's claim, the payment and its
//! stored answer are serialised. Every change of money is one transaction with the
//! answer it produced, so a crash never leaves half a payment.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use counter_api::acquirer::{MaskedCard, Payment, PaymentStatus};
use madoguchi_time::UnixTime;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::core::payment::Amounts;
use crate::core::settlement::{Movement, MovementKind};

/// The database.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
}

/// A journal row.
#[derive(Clone, Debug, Default)]
pub struct JournalEntry<'a> {
    /// When.
    pub at: UnixTime,
    /// Terminal.
    pub terminal_id: Option<&'a str>,
    /// `authorise`, `capture`, `void`, `refund`, `reversal`, `card_token`, `faults`, `link`,
    /// `link_release`, ...
    pub action: &'a str,
    /// `ok` or the problem code.
    pub outcome: &'a str,
    /// Key.
    pub idempotency_key: Option<&'a str>,
    /// Payment.
    pub payment_id: Option<&'a str>,
    /// Detail.
    pub reason: Option<&'a str>,
}

mod keys;
mod tokens;
pub use keys::{claim, finish, first_use, prune, release, release_stale, stored, tombstone};
pub use tokens::{Registered, Token, put_token, release_owner, set_owner, token};

impl Store {
    /// Opens (creating, migrating) `path`.
    pub fn open(path: &Path) -> Result<Self, backend_kit::sqlite::DbError> {
        let conn = backend_kit::sqlite::open(path, crate::schema::MIGRATIONS)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|source| backend_kit::sqlite::DbError::Sqlite {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The connection (a holder that panicked cannot leave a transaction open: rusqlite
    /// rolls back on drop).
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        match self.conn.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// A new payment row.
#[derive(Clone, Debug)]
pub struct NewPayment<'a> {
    /// Id.
    pub payment_id: &'a str,
    /// Terminal.
    pub terminal_id: &'a str,
    /// Key of the authorisation.
    pub idempotency_key: &'a str,
    /// Merchant.
    pub merchant_id: &'a str,
    /// Order reference.
    pub order_ref: &'a str,
    /// Pairwise subject of the assertion.
    pub subject: &'a str,
    /// Token.
    pub card_token_ref: &'a str,
    /// Token data.
    pub token: &'a Token,
    /// Money state.
    pub amounts: Amounts,
    /// 承認番号.
    pub approval_code: Option<&'a str>,
    /// Business date.
    pub business_date: &'a str,
    /// Now.
    pub now: UnixTime,
}

/// Inserts a payment with the next slip number.
pub fn insert_payment(tx: &Transaction<'_>, p: &NewPayment<'_>) -> rusqlite::Result<()> {
    let slip: i64 = tx.query_row(
        "SELECT COALESCE(MAX(slip_number), 0) + 1 FROM payments",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO payments (payment_id, terminal_id, idempotency_key, merchant_id, order_ref,
             subject, card_token_ref, brand, last4, status, amount_jpy, captured_jpy,
             refunded_jpy, refund_count, approval_code, slip_number, business_date, created_at,
             updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, ?14, ?15, ?16, ?17, ?17)",
        params![
            p.payment_id,
            p.terminal_id,
            p.idempotency_key,
            p.merchant_id,
            p.order_ref,
            p.subject,
            p.card_token_ref,
            p.token.brand,
            p.token.last4,
            status_str(p.amounts.status),
            p.amounts.amount as i64,
            p.amounts.captured as i64,
            p.amounts.refunded as i64,
            p.approval_code,
            slip,
            p.business_date,
            p.now
        ],
    )?;
    Ok(())
}

/// A payment as the wire shows it, with its business date.
pub fn payment(c: &Connection, payment_id: &str) -> rusqlite::Result<Option<(Payment, String)>> {
    c.query_row(
        "SELECT payment_id, idempotency_key, status, merchant_id, terminal_id, order_ref,
             amount_jpy, captured_jpy, refunded_jpy, approval_code, slip_number, brand, last4,
             created_at, updated_at, business_date
         FROM payments WHERE payment_id = ?1",
        params![payment_id],
        |r| {
            let status: String = r.get(2)?;
            Ok((
                Payment {
                    payment_id: r.get(0)?,
                    idempotency_key: r.get(1)?,
                    status: parse_status(&status),
                    merchant_id: r.get(3)?,
                    terminal_id: r.get(4)?,
                    order_ref: r.get(5)?,
                    amount_jpy: r.get::<_, i64>(6)?.max(0) as u64,
                    captured_jpy: r.get::<_, i64>(7)?.max(0) as u64,
                    refunded_jpy: r.get::<_, i64>(8)?.max(0) as u64,
                    approval_code: r.get(9)?,
                    slip_number: r.get::<_, i64>(10)?.max(0) as u64,
                    card: MaskedCard {
                        brand: r.get(11)?,
                        last4: r.get(12)?,
                    },
                    created_at: r.get(13)?,
                    updated_at: r.get(14)?,
                },
                r.get(15)?,
            ))
        },
    )
    .optional()
}

/// The id of the payment terminal `terminal` authorised under `key` (the payment keeps its
/// key after the key's stored answer is pruned).
pub fn payment_by_key(
    c: &Connection,
    terminal: &str,
    key: &str,
) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT payment_id FROM payments WHERE terminal_id = ?1 AND idempotency_key = ?2",
        params![terminal, key],
        |r| r.get(0),
    )
    .optional()
}

/// Writes a new money state and records the operation.
pub fn apply(
    tx: &Transaction<'_>,
    payment_id: &str,
    a: Amounts,
    kind: &str,
    amount: u64,
    key: &str,
    now: UnixTime,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE payments SET status = ?2, captured_jpy = ?3, refunded_jpy = ?4,
             refund_count = refund_count + (?5 = 'refund'), updated_at = ?6
         WHERE payment_id = ?1",
        params![
            payment_id,
            status_str(a.status),
            a.captured as i64,
            a.refunded as i64,
            kind,
            now
        ],
    )?;
    tx.execute(
        "INSERT INTO operations (payment_id, kind, amount_jpy, idempotency_key, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![payment_id, kind, amount as i64, key, now],
    )?;
    Ok(())
}

/// The operations the totals of a merchant's business day `[start, end)` taken at
/// `cutoff` need (see [`crate::core::settlement::totals`]): those of the day, and every
/// operation before `cutoff` of a payment that may have been open at `cutoff` (still
/// authorised, or changed since). Operations of an unknown kind are skipped.
pub fn movements(
    c: &Connection,
    merchant: &str,
    start: UnixTime,
    cutoff: UnixTime,
) -> rusqlite::Result<Vec<Movement>> {
    let mut st = c.prepare(
        "SELECT o.id, o.payment_id, p.brand, o.kind, o.amount_jpy, o.at
         FROM operations o JOIN payments p ON p.payment_id = o.payment_id
         WHERE p.merchant_id = ?1 AND o.at < ?3
             AND (o.at >= ?2 OR p.status = 'authorised' OR p.updated_at >= ?3)
         ORDER BY o.id",
    )?;
    let rows = st.query_map(params![merchant, start, cutoff], |r| {
        let kind: String = r.get(3)?;
        let Some(kind) = MovementKind::parse(&kind) else {
            return Ok(None);
        };
        Ok(Some(Movement {
            seq: r.get(0)?,
            payment_id: r.get(1)?,
            brand: r.get(2)?,
            kind,
            amount_jpy: r.get::<_, i64>(4)?.max(0) as u64,
            at: r.get(5)?,
        }))
    })?;
    rows.filter_map(Result::transpose).collect()
}

/// Appends a journal row.
pub fn journal(c: &Connection, e: &JournalEntry<'_>) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO journal (at, terminal_id, action, outcome, idempotency_key, payment_id, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![e.at, e.terminal_id, e.action, e.outcome, e.idempotency_key, e.payment_id, e.reason],
    )?;
    Ok(())
}

/// The stored form of a status.
pub fn status_str(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Authorised => "authorised",
        PaymentStatus::Captured => "captured",
        PaymentStatus::Voided => "voided",
        PaymentStatus::Refunded => "refunded",
        PaymentStatus::PartiallyRefunded => "partially_refunded",
        PaymentStatus::Reversed => "reversed",
        PaymentStatus::Declined => "declined",
    }
}

fn parse_status(s: &str) -> PaymentStatus {
    match s {
        "authorised" => PaymentStatus::Authorised,
        "captured" => PaymentStatus::Captured,
        "voided" => PaymentStatus::Voided,
        "refunded" => PaymentStatus::Refunded,
        "partially_refunded" => PaymentStatus::PartiallyRefunded,
        "reversed" => PaymentStatus::Reversed,
        // Only this program writes the column, from `status_str`.
        _ => PaymentStatus::Declined,
    }
}
