//! Refunds (each its own record and idempotency key) and the day's journal for the close.

use counter_core::payment::{PaymentRecord, RefundRecord, RefundState};
use rusqlite::{OptionalExtension, Row, named_params};

use crate::error::{StoreError, insert_err, sql, to_i64, to_u32, to_u64};
use crate::payments::{PAYMENT_COLUMNS, collect_payments};
use crate::store::Store;

const REFUND_COLUMNS: &str = "id, payment, idempotency_key, amount_jpy, state, business_date, reason, created_at, \
     updated_at, version, attempts";

impl Store {
    /// Journals a new refund of sale `r.payment`. Fails with [`StoreError::NotFound`] if
    /// that sale is unknown, [`StoreError::AlreadyExists`] if the id or key is taken.
    pub fn insert_refund(&mut self, r: &RefundRecord) -> Result<(), StoreError> {
        let tx = self.write()?;
        insert_refund_in(&tx, r)?;
        tx.commit().map_err(sql("insert a refund"))
    }

    /// Rewrites a journaled refund whole (it stays attached to the sale it was inserted
    /// for), if the row still has the version `r` was read with (compare-and-set); `r.version`
    /// is then the new one. Fails with [`StoreError::Conflict`] if another write came first,
    /// [`StoreError::NotFound`] if the id is unknown; nothing is written then.
    pub fn update_refund(&mut self, r: &mut RefundRecord) -> Result<(), StoreError> {
        let tx = self.write()?;
        refund_update_in(&tx, r)?;
        tx.commit().map_err(sql("update a refund"))?;
        r.version += 1;
        Ok(())
    }

    /// Journals a refund's answer and its sale's new amounts in one transaction, each
    /// compare-and-set on its version (see [`Store::update_refund`],
    /// [`Store::update_payment`]); both versions are raised on success, neither row is
    /// written on failure.
    pub fn update_refund_with_payment(
        &mut self,
        r: &mut RefundRecord,
        p: &mut PaymentRecord,
    ) -> Result<(), StoreError> {
        self.update_pair(r, p, None, "update a refund and its sale")
    }

    /// Journals staff's answer for a held refund (`counter_core::payment::settle_held_refund`)
    /// as [`Store::update_refund_with_payment`] does, with its audit `event` in the same
    /// transaction: the answer is never kept without who recorded it, nor the line without
    /// the answer.
    pub fn update_refund_audited(
        &mut self,
        r: &mut RefundRecord,
        p: &mut PaymentRecord,
        event: &crate::AuditEvent,
    ) -> Result<(), StoreError> {
        self.update_pair(r, p, Some(event), "record staff's answer for a refund")
    }

    /// The refund and its sale (and `event`, when given) in one transaction, each row
    /// compare-and-set on its version; both versions raised on success.
    fn update_pair(
        &mut self,
        r: &mut RefundRecord,
        p: &mut PaymentRecord,
        event: Option<&crate::AuditEvent>,
        op: &'static str,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        crate::payments::update_in(&tx, p)?;
        refund_update_in(&tx, r)?;
        if let Some(event) = event {
            crate::audit::append_audit_in(&tx, event)?;
        }
        tx.commit().map_err(sql(op))?;
        p.version += 1;
        r.version += 1;
        Ok(())
    }

    /// The refunds of sale `payment_id`, oldest first.
    pub fn refunds_of(&self, payment_id: &str) -> Result<Vec<RefundRecord>, StoreError> {
        self.refunds_where("payment = ?1", payment_id, "list a payment's refunds")
    }

    /// Refund `id`, or `None` when the journal has no refund of that id.
    pub fn refund(&self, id: &str) -> Result<Option<RefundRecord>, StoreError> {
        Ok(self.refunds_where("id = ?1", id, "read a refund")?.pop())
    }

    /// Every refund in doubt ([`RefundState::Refunding`]), oldest first.
    pub fn refunds_in_doubt(&self) -> Result<Vec<RefundRecord>, StoreError> {
        self.refunds_where(
            "state = ?1",
            RefundState::Refunding.as_str(),
            "list refunds in doubt",
        )
    }

    /// What the daily close of JST business date `business_date` (`YYYY-MM-DD`) totals,
    /// each list oldest first:
    ///
    /// - every sale that may have an operation that day: authorised, captured
    ///   ([`PaymentRecord::captured_date`]) or cancelled ([`PaymentRecord::cancelled_date`])
    ///   on it, or refunded by a refund of that day (so the refund's brand is known);
    /// - the refunds of that day (a refund counts on its own business date, not its sale's).
    pub fn journal_for_day(
        &self,
        business_date: &str,
    ) -> Result<(Vec<PaymentRecord>, Vec<RefundRecord>), StoreError> {
        const OP: &str = "read the day's journal";
        let query = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments \
             WHERE business_date = ?1 OR captured_date = ?1 OR cancelled_date = ?1 \
                OR id IN (SELECT payment FROM refunds WHERE business_date = ?1) \
             ORDER BY created_at, rowid"
        );
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql(OP))?;
        let payments = collect_payments(stmt.query([business_date]).map_err(sql(OP))?, OP)?;
        let refunds = self.refunds_where("business_date = ?1", business_date, OP)?;
        Ok((payments, refunds))
    }

    fn refunds_where(
        &self,
        cond: &str,
        value: &str,
        op: &'static str,
    ) -> Result<Vec<RefundRecord>, StoreError> {
        let query =
            format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE {cond} ORDER BY created_at, rowid");
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql(op))?;
        let mut rows = stmt.query([value]).map_err(sql(op))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sql(op))? {
            out.push(refund_from_row(row)?);
        }
        Ok(out)
    }
}

/// The compare-and-set rewrite of `r` inside `tx` (the caller commits, then raises
/// `r.version`).
fn refund_update_in(tx: &rusqlite::Transaction<'_>, r: &RefundRecord) -> Result<(), StoreError> {
    const OP: &str = "update a refund";
    let amount = to_i64("amount_jpy", r.amount_jpy)?;
    let changed = tx
        .execute(
            "UPDATE refunds SET idempotency_key = :key, amount_jpy = :amount, \
             state = :state, business_date = :date, reason = :reason, \
             created_at = :created_at, updated_at = :updated_at, attempts = :attempts, \
             version = version + 1 \
             WHERE id = :id AND payment = :payment AND version = :version",
            named_params! {
                ":id": r.id,
                ":payment": r.payment,
                ":key": r.idempotency_key,
                ":amount": amount,
                ":state": r.state.as_str(),
                ":date": r.business_date,
                ":reason": r.reason,
                ":created_at": r.created_at,
                ":updated_at": r.updated_at,
                ":attempts": r.attempts,
                ":version": to_i64("version", r.version)?,
            },
        )
        .map_err(insert_err(OP, "refund", &r.id))?;
    if changed == 0 {
        let exists: Option<String> = tx
            .query_row(
                "SELECT payment FROM refunds WHERE id = ?1",
                [&r.id],
                |row| row.get(0),
            )
            .optional()
            .map_err(sql(OP))?;
        return Err(match exists {
            Some(sale) if sale == r.payment => {
                crate::payments::lost_race(tx, "refund", "refunds", &r.id, r.version)
            }
            _ => StoreError::NotFound {
                what: "refund of this payment",
                id: r.id.clone(),
            },
        });
    }
    Ok(())
}

/// One row of `SELECT {REFUND_COLUMNS}`.
fn refund_from_row(row: &Row<'_>) -> Result<RefundRecord, StoreError> {
    const OP: &str = "read a refund row";
    let state: String = row.get(4).map_err(sql(OP))?;
    Ok(RefundRecord {
        id: row.get(0).map_err(sql(OP))?,
        payment: row.get(1).map_err(sql(OP))?,
        idempotency_key: row.get(2).map_err(sql(OP))?,
        amount_jpy: to_u64("refund amount", row.get(3).map_err(sql(OP))?)?,
        state: RefundState::parse(&state).ok_or_else(|| StoreError::Corrupt {
            what: "refund state",
            detail: format!("unknown state {state:?}"),
        })?,
        business_date: row.get(5).map_err(sql(OP))?,
        reason: row.get(6).map_err(sql(OP))?,
        created_at: row.get(7).map_err(sql(OP))?,
        updated_at: row.get(8).map_err(sql(OP))?,
        version: to_u64("refund version", row.get(9).map_err(sql(OP))?)?,
        attempts: to_u32("refund attempts", row.get(10).map_err(sql(OP))?)?,
    })
}

/// The insert of refund `r` inside `tx` (the caller commits): [`StoreError::NotFound`] if
/// its sale is unknown, [`StoreError::AlreadyExists`] if the id or key is taken.
pub(crate) fn insert_refund_in(
    tx: &rusqlite::Transaction<'_>,
    r: &RefundRecord,
) -> Result<(), StoreError> {
    const OP: &str = "insert a refund";
    let amount = to_i64("amount_jpy", r.amount_jpy)?;
    let sale: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM payments WHERE id = ?1",
            [&r.payment],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql(OP))?;
    if sale.is_none() {
        return Err(StoreError::NotFound {
            what: "payment",
            id: r.payment.clone(),
        });
    }
    tx.execute(
        "INSERT INTO refunds (id, payment, idempotency_key, amount_jpy, state, \
         business_date, reason, created_at, updated_at, version, attempts) VALUES (:id, \
         :payment, :key, :amount, :state, :date, :reason, :created_at, :updated_at, \
         :version, :attempts)",
        named_params! {
            ":id": r.id,
            ":payment": r.payment,
            ":key": r.idempotency_key,
            ":amount": amount,
            ":state": r.state.as_str(),
            ":date": r.business_date,
            ":reason": r.reason,
            ":created_at": r.created_at,
            ":updated_at": r.updated_at,
            ":version": to_i64("version", r.version)?,
            ":attempts": r.attempts,
        },
    )
    .map_err(insert_err(OP, "refund", &r.id))?;
    Ok(())
}
