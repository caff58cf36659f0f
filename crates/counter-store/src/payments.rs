//! The payment journal: one row per sale, rewritten whole on each transition, and an
//! append-only `payment_events` row for every write, committed in the same transaction.

use counter_core::UnixTime;
use counter_core::payment::{PaymentMark, PaymentRecord, PaymentState};
use rusqlite::{OptionalExtension, Row, Transaction, named_params};

use crate::error::{StoreError, insert_err, sql, to_i64, to_u32, to_u64};
use crate::store::Store;

/// The columns of `payments`, in the order [`payment_from_row`] reads them.
pub(crate) const PAYMENT_COLUMNS: &str = "id, idempotency_key, order_ref, merchant_id, \
     terminal_id, amount_jpy, state, payment_id, approval_code, slip_number, brand, last4, \
     captured_jpy, refunded_jpy, capture_key, void_key, reversal_key, captured_date, \
     cancelled_date, decline_reason, business_date, attempts, last_error, recovered, \
     created_at, updated_at, version, visit_id, shown_at, mark";

/// A new sale's row leaves `shown_at` NULL: only [`Store::mark_shown`] sets it.
const INSERT: &str = "INSERT INTO payments (id, idempotency_key, order_ref, merchant_id, \
     terminal_id, amount_jpy, state, payment_id, approval_code, slip_number, brand, last4, \
     captured_jpy, refunded_jpy, capture_key, void_key, reversal_key, captured_date, \
     cancelled_date, decline_reason, business_date, attempts, last_error, recovered, \
     created_at, updated_at, version, visit_id, mark) VALUES (:id, :idempotency_key, :order_ref, :merchant_id, \
     :terminal_id, :amount_jpy, :state, :payment_id, :approval_code, :slip_number, :brand, \
     :last4, :captured_jpy, :refunded_jpy, :capture_key, :void_key, :reversal_key, \
     :captured_date, :cancelled_date, :decline_reason, :business_date, :attempts, \
     :last_error, :recovered, :created_at, :updated_at, :version, :visit_id, :mark)";

/// The sale's visit is set when the sale is inserted; a rewrite never changes it, nor
/// `shown_at` ([`Store::mark_shown`]'s alone).
const UPDATE: &str = "UPDATE payments SET idempotency_key = :idempotency_key, \
     order_ref = :order_ref, merchant_id = :merchant_id, terminal_id = :terminal_id, \
     amount_jpy = :amount_jpy, state = :state, payment_id = :payment_id, \
     approval_code = :approval_code, slip_number = :slip_number, brand = :brand, \
     last4 = :last4, captured_jpy = :captured_jpy, refunded_jpy = :refunded_jpy, \
     capture_key = :capture_key, void_key = :void_key, reversal_key = :reversal_key, \
     captured_date = :captured_date, cancelled_date = :cancelled_date, \
     decline_reason = :decline_reason, \
     business_date = :business_date, attempts = :attempts, last_error = :last_error, \
     mark = :mark, recovered = :recovered, created_at = :created_at, updated_at = :updated_at, \
     visit_id = COALESCE(visit_id, :visit_id), \
     version = version + 1 WHERE id = :id AND version = :version";

/// One journaled transition of a sale, as [`Store::payment_history`] returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentEvent {
    /// The state the sale entered (or was rewritten in).
    pub state: PaymentState,
    /// When ([`PaymentRecord::updated_at`] of the write).
    pub at: UnixTime,
    /// [`PaymentRecord::last_error`] at that write.
    pub last_error: Option<String>,
}

impl Store {
    /// Journals a new sale and its first event. Fails with [`StoreError::AlreadyExists`] if
    /// the id or the idempotency key is taken.
    pub fn insert_payment(&mut self, p: &PaymentRecord) -> Result<(), StoreError> {
        let tx = self.write()?;
        insert_in(&tx, p)?;
        tx.commit().map_err(sql("commit a payment"))
    }

    /// Rewrites a journaled sale whole and appends its event, if the row still has the
    /// version `p` was read with (compare-and-set); `p.version` is then the new one. Fails
    /// with [`StoreError::Conflict`] if another write came first, [`StoreError::NotFound`]
    /// if the id is unknown; nothing is written then.
    pub fn update_payment(&mut self, p: &mut PaymentRecord) -> Result<(), StoreError> {
        let tx = self.write()?;
        update_in(&tx, p)?;
        tx.commit().map_err(sql("commit a payment update"))?;
        p.version += 1;
        Ok(())
    }

    /// The sale with local id `id`.
    pub fn payment(&self, id: &str) -> Result<Option<PaymentRecord>, StoreError> {
        self.payment_where("id = ?1", id)
    }

    /// The sale whose authorisation used `idempotency_key`.
    pub fn payment_by_key(
        &self,
        idempotency_key: &str,
    ) -> Result<Option<PaymentRecord>, StoreError> {
        self.payment_where("idempotency_key = ?1", idempotency_key)
    }

    fn payment_where(&self, cond: &str, value: &str) -> Result<Option<PaymentRecord>, StoreError> {
        let query = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE {cond}");
        let mut stmt = self
            .conn
            .prepare_cached(&query)
            .map_err(sql("read a payment"))?;
        let mut rows = stmt.query([value]).map_err(sql("read a payment"))?;
        match rows.next().map_err(sql("read a payment"))? {
            Some(row) => payment_from_row(row).map(Some),
            None => Ok(None),
        }
    }

    /// Every unfinished sale, oldest first: in doubt ([`PaymentState::in_doubt`]: a request
    /// may have left and its outcome is unknown) or approved and not yet captured (a crash
    /// between the approval and the capture). Resolve these before anything else.
    pub fn unfinished_payments(&self) -> Result<Vec<PaymentRecord>, StoreError> {
        let open: Vec<&str> = PaymentState::ALL
            .into_iter()
            .filter(|s| !s.is_final())
            .map(PaymentState::as_str)
            .collect();
        let marks = vec!["?"; open.len()].join(", ");
        let query = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE state IN ({marks}) \
             ORDER BY created_at, rowid"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&query)
            .map_err(sql("list payments in doubt"))?;
        let rows = stmt
            .query(rusqlite::params_from_iter(open))
            .map_err(sql("list payments in doubt"))?;
        collect_payments(rows, "list payments in doubt")
    }

    /// Journals that sale `id`'s outcome was shown at `at` (handed to staff or the register,
    /// or confirmed by staff), unless it was already: the first mark stays. Not a
    /// transition: the row's version and its events are left as they are, so a task
    /// driving the sale meanwhile goes on. `Ok(false)` when the sale was already marked;
    /// [`StoreError::NotFound`] when there is no such sale.
    pub fn mark_shown(&mut self, id: &str, at: UnixTime) -> Result<bool, StoreError> {
        const OP: &str = "mark a payment shown";
        let tx = self.write()?;
        let changed = tx
            .prepare_cached("UPDATE payments SET shown_at = ?2 WHERE id = ?1 AND shown_at IS NULL")
            .map_err(sql(OP))?
            .execute((id, at))
            .map_err(sql(OP))?;
        if changed == 0 {
            let known: bool = tx
                .query_row("SELECT count(*) FROM payments WHERE id = ?1", [id], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n > 0)
                .map_err(sql(OP))?;
            if !known {
                return Err(StoreError::NotFound {
                    what: "payment",
                    id: id.to_owned(),
                });
            }
        }
        tx.commit().map_err(sql(OP))?;
        Ok(changed > 0)
    }

    /// The captured sales of JST business day `business_date` whose outcome was never
    /// shown (`shown_at` NULL), oldest first: what `counter_core::payment::shown` lists
    /// for staff.
    pub fn captured_not_shown(
        &self,
        business_date: &str,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        const OP: &str = "list captured sales never shown";
        let query = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE business_date = ?1 \
             AND state = 'captured' AND shown_at IS NULL ORDER BY created_at, rowid"
        );
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql(OP))?;
        let rows = stmt.query([business_date]).map_err(sql(OP))?;
        collect_payments(rows, OP)
    }

    /// The transitions journaled for sale `id`, in the order they were written (empty if
    /// the sale is unknown).
    pub fn payment_history(&self, id: &str) -> Result<Vec<PaymentEvent>, StoreError> {
        const OP: &str = "read a payment's history";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT state, at, last_error FROM payment_events WHERE payment = ?1 \
                 ORDER BY seq",
            )
            .map_err(sql(OP))?;
        let mut rows = stmt.query([id]).map_err(sql(OP))?;
        let mut events = Vec::new();
        while let Some(row) = rows.next().map_err(sql(OP))? {
            let state: String = row.get(0).map_err(sql(OP))?;
            events.push(PaymentEvent {
                state: parse_state(&state)?,
                at: row.get(1).map_err(sql(OP))?,
                last_error: row.get(2).map_err(sql(OP))?,
            });
        }
        Ok(events)
    }
}

/// The insert of a new sale `p` and its first event inside `tx` (the caller commits).
pub(crate) fn insert_in(tx: &Transaction<'_>, p: &PaymentRecord) -> Result<(), StoreError> {
    write_payment(tx, INSERT, p).map_err(|e| match e {
        WriteError::Store(e) => e,
        WriteError::Sqlite(e) => insert_err("insert a payment", "payment", &p.id)(e),
    })?;
    append_event(tx, p)
}

/// Why [`write_payment`] failed: a value we refused, or SQLite.
/// The compare-and-set rewrite of `p` inside `tx` (the caller commits, then raises
/// `p.version`).
pub(crate) fn update_in(tx: &Transaction<'_>, p: &PaymentRecord) -> Result<(), StoreError> {
    let changed = write_payment(tx, UPDATE, p).map_err(|e| match e {
        WriteError::Store(e) => e,
        WriteError::Sqlite(e) => insert_err("update a payment", "payment", &p.id)(e),
    })?;
    if changed == 0 {
        return Err(lost_race(tx, "payment", "payments", &p.id, p.version));
    }
    append_event(tx, p)
}

/// Why a compare-and-set of `id` in `table` changed nothing: the row is gone (never
/// inserted) or another write came first.
pub(crate) fn lost_race(
    tx: &Transaction<'_>,
    what: &'static str,
    table: &str,
    id: &str,
    expected: u64,
) -> StoreError {
    let query = format!("SELECT version, state FROM {table} WHERE id = ?1");
    let row: Result<Option<(i64, String)>, _> = tx
        .query_row(&query, [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional();
    match row {
        Ok(Some((found, state))) => StoreError::Conflict {
            what,
            id: id.to_owned(),
            expected,
            found: u64::try_from(found).unwrap_or_default(),
            state,
        },
        Ok(None) => StoreError::NotFound {
            what,
            id: id.to_owned(),
        },
        Err(e) => StoreError::Sqlite {
            op: "read a row after a failed compare-and-set",
            source: e,
        },
    }
}

enum WriteError {
    Store(StoreError),
    Sqlite(rusqlite::Error),
}

/// Runs `INSERT` or `UPDATE` with every column of `p` bound; returns the rows changed.
fn write_payment(
    tx: &Transaction<'_>,
    query: &str,
    p: &PaymentRecord,
) -> Result<usize, WriteError> {
    let amount = to_i64("amount_jpy", p.amount_jpy).map_err(WriteError::Store)?;
    let captured = to_i64("captured_jpy", p.captured_jpy).map_err(WriteError::Store)?;
    let refunded = to_i64("refunded_jpy", p.refunded_jpy).map_err(WriteError::Store)?;
    let slip = p
        .slip_number
        .map(|n| to_i64("slip_number", n))
        .transpose()
        .map_err(WriteError::Store)?;
    let version = to_i64("version", p.version).map_err(WriteError::Store)?;
    let mut stmt = tx.prepare_cached(query).map_err(WriteError::Sqlite)?;
    stmt.execute(named_params! {
        ":id": p.id,
        ":idempotency_key": p.idempotency_key,
        ":order_ref": p.order_ref,
        ":merchant_id": p.merchant_id,
        ":terminal_id": p.terminal_id,
        ":amount_jpy": amount,
        ":state": p.state.as_str(),
        ":payment_id": p.payment_id,
        ":approval_code": p.approval_code,
        ":slip_number": slip,
        ":brand": p.brand,
        ":last4": p.last4,
        ":captured_jpy": captured,
        ":refunded_jpy": refunded,
        ":capture_key": p.capture_key,
        ":void_key": p.void_key,
        ":reversal_key": p.reversal_key,
        ":captured_date": p.captured_date,
        ":cancelled_date": p.cancelled_date,
        ":decline_reason": p.decline_reason,
        ":business_date": p.business_date,
        ":attempts": p.attempts,
        ":last_error": p.last_error,
        ":recovered": p.recovered,
        ":created_at": p.created_at,
        ":updated_at": p.updated_at,
        ":version": version,
        ":visit_id": p.visit_id,
        ":mark": p.mark.map(PaymentMark::as_str),
    })
    .map_err(WriteError::Sqlite)
}

/// Appends `p`'s current state to `payment_events`.
fn append_event(tx: &Transaction<'_>, p: &PaymentRecord) -> Result<(), StoreError> {
    const OP: &str = "append a payment event";
    tx.prepare_cached(
        "INSERT INTO payment_events (payment, state, at, last_error) VALUES (?1, ?2, ?3, ?4)",
    )
    .map_err(sql(OP))?
    .execute((&p.id, p.state.as_str(), p.updated_at, &p.last_error))
    .map_err(sql(OP))?;
    Ok(())
}

/// Reads every row of a `SELECT {PAYMENT_COLUMNS} …`.
pub(crate) fn collect_payments(
    mut rows: rusqlite::Rows<'_>,
    op: &'static str,
) -> Result<Vec<PaymentRecord>, StoreError> {
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sql(op))? {
        out.push(payment_from_row(row)?);
    }
    Ok(out)
}

fn parse_state(s: &str) -> Result<PaymentState, StoreError> {
    PaymentState::parse(s).ok_or_else(|| StoreError::Corrupt {
        what: "payment state",
        detail: format!("unknown state {s:?}"),
    })
}

fn parse_mark(s: &str) -> Result<PaymentMark, StoreError> {
    PaymentMark::parse(s).ok_or_else(|| StoreError::Corrupt {
        what: "payment mark",
        detail: format!("unknown mark {s:?}"),
    })
}

/// One row of `SELECT {PAYMENT_COLUMNS}`.
fn payment_from_row(row: &Row<'_>) -> Result<PaymentRecord, StoreError> {
    const OP: &str = "read a payment row";
    let state: String = row.get(6).map_err(sql(OP))?;
    let slip: Option<i64> = row.get(9).map_err(sql(OP))?;
    let mark: Option<String> = row.get(29).map_err(sql(OP))?;
    Ok(PaymentRecord {
        id: row.get(0).map_err(sql(OP))?,
        idempotency_key: row.get(1).map_err(sql(OP))?,
        order_ref: row.get(2).map_err(sql(OP))?,
        merchant_id: row.get(3).map_err(sql(OP))?,
        terminal_id: row.get(4).map_err(sql(OP))?,
        amount_jpy: to_u64("payment amount", row.get(5).map_err(sql(OP))?)?,
        state: parse_state(&state)?,
        payment_id: row.get(7).map_err(sql(OP))?,
        approval_code: row.get(8).map_err(sql(OP))?,
        slip_number: slip.map(|n| to_u64("slip number", n)).transpose()?,
        brand: row.get(10).map_err(sql(OP))?,
        last4: row.get(11).map_err(sql(OP))?,
        captured_jpy: to_u64("captured amount", row.get(12).map_err(sql(OP))?)?,
        refunded_jpy: to_u64("refunded amount", row.get(13).map_err(sql(OP))?)?,
        capture_key: row.get(14).map_err(sql(OP))?,
        void_key: row.get(15).map_err(sql(OP))?,
        reversal_key: row.get(16).map_err(sql(OP))?,
        captured_date: row.get(17).map_err(sql(OP))?,
        cancelled_date: row.get(18).map_err(sql(OP))?,
        decline_reason: row.get(19).map_err(sql(OP))?,
        business_date: row.get(20).map_err(sql(OP))?,
        attempts: to_u32("payment attempts", row.get(21).map_err(sql(OP))?)?,
        last_error: row.get(22).map_err(sql(OP))?,
        mark: mark.as_deref().map(parse_mark).transpose()?,
        recovered: row.get(23).map_err(sql(OP))?,
        created_at: row.get(24).map_err(sql(OP))?,
        updated_at: row.get(25).map_err(sql(OP))?,
        version: to_u64("payment version", row.get(26).map_err(sql(OP))?)?,
        visit_id: row.get(27).map_err(sql(OP))?,
        shown_at: row.get(28).map_err(sql(OP))?,
    })
}
