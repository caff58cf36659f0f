//! The register's (POS) orders: journaled before the customer is asked for anything, linked
//! to their payment and to each refund the register asked for in the transaction that
//! journals it, and read back by order reference or idempotency key.

use counter_core::payment::{PaymentRecord, RefundRecord};
use counter_core::pos::{PosJournal, PosOrder, PosOrderState, PosRefundKey};
use counter_core::{Code, UnixTime};
use rusqlite::{OptionalExtension, Row, named_params};

use crate::error::{StoreError, insert_err, sql, to_i64, to_u64};
use crate::payments::insert_in;
use crate::refunds::insert_refund_in;
use crate::store::Store;

const ORDER_COLUMNS: &str = "order_ref, idempotency_key, amount_jpy, state, reason, sale_id, \
     created_at, updated_at, register";

impl Store {
    /// Journals a register's new order. Fails with [`StoreError::AlreadyExists`] if its
    /// order reference is taken, or its idempotency key by the same register (another
    /// register's key is no matter).
    pub fn insert_pos_order(&mut self, o: &PosOrder) -> Result<(), StoreError> {
        const OP: &str = "insert a register's order";
        let amount = to_i64("amount_jpy", o.amount_jpy)?;
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO pos_orders (order_ref, idempotency_key, amount_jpy, state, reason, \
             sale_id, created_at, updated_at, register) VALUES (:order_ref, :key, :amount, \
             :state, :reason, :sale_id, :created_at, :updated_at, :register)",
            named_params! {
                ":order_ref": o.order_ref,
                ":key": o.idempotency_key,
                ":amount": amount,
                ":state": o.state.as_str(),
                ":reason": o.reason.map(Code::as_str),
                ":sale_id": o.sale_id,
                ":created_at": o.created_at,
                ":updated_at": o.updated_at,
                ":register": o.register,
            },
        )
        .map_err(insert_err(OP, "register's order", &o.order_ref))?;
        tx.commit().map_err(sql(OP))
    }

    /// Journals that order `order_ref` ended without a payment, for `reason`, if it is still
    /// open; returns whether it was.
    pub fn close_pos_order(
        &mut self,
        order_ref: &str,
        reason: Code,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        const OP: &str = "close a register's order";
        let tx = self.write()?;
        let n = tx
            .execute(
                "UPDATE pos_orders SET state = 'unpaid', reason = ?2, updated_at = ?3 \
                 WHERE order_ref = ?1 AND state = 'open'",
                (order_ref, reason.as_str(), now),
            )
            .map_err(sql(OP))?;
        tx.commit().map_err(sql(OP))?;
        Ok(n == 1)
    }

    /// Journals every order still open, but `except`, as ended for `reason`; returns how
    /// many.
    pub fn close_open_pos_orders(
        &mut self,
        except: Option<&str>,
        reason: Code,
        now: UnixTime,
    ) -> Result<usize, StoreError> {
        const OP: &str = "close the register's orders left open";
        let tx = self.write()?;
        let n = tx
            .execute(
                "UPDATE pos_orders SET state = 'unpaid', reason = ?2, updated_at = ?3 \
                 WHERE state = 'open' AND order_ref IS NOT ?1",
                (except, reason.as_str(), now),
            )
            .map_err(sql(OP))?;
        tx.commit().map_err(sql(OP))?;
        Ok(n)
    }

    /// Journals the payment `p` of the register's order `order_ref` and links it, in one
    /// transaction. Fails with [`StoreError::NotFound`] (nothing written) unless the order is
    /// open: one that ended, or was paid, takes no payment.
    pub fn insert_payment_for_pos_order(
        &mut self,
        p: &PaymentRecord,
        order_ref: &str,
    ) -> Result<(), StoreError> {
        const OP: &str = "journal a register's payment";
        let tx = self.write()?;
        insert_in(&tx, p)?;
        let n = tx
            .execute(
                "UPDATE pos_orders SET state = 'paying', sale_id = ?2, updated_at = ?3 \
                 WHERE order_ref = ?1 AND state = 'open'",
                (order_ref, &p.id, p.created_at),
            )
            .map_err(sql(OP))?;
        if n != 1 {
            return Err(StoreError::NotFound {
                what: "open register's order",
                id: order_ref.to_owned(),
            });
        }
        tx.commit().map_err(sql(OP))
    }

    /// Journals refund `r` with the register's request `key` for it, in one transaction.
    /// Fails with [`StoreError::AlreadyExists`] (nothing written) if that register
    /// journaled a request under the same key; another register's key is no matter.
    pub fn insert_refund_for_pos(
        &mut self,
        r: &RefundRecord,
        key: &PosRefundKey,
    ) -> Result<(), StoreError> {
        const OP: &str = "journal a register's refund";
        let amount = to_i64("amount_jpy", key.amount_jpy)?;
        let tx = self.write()?;
        insert_refund_in(&tx, r)?;
        tx.execute(
            "INSERT INTO pos_refunds (register, idempotency_key, order_ref, amount_jpy, \
             refund_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (
                &key.register,
                &key.idempotency_key,
                &key.order_ref,
                amount,
                &r.id,
                r.created_at,
            ),
        )
        .map_err(insert_err(OP, "register's refund", &key.idempotency_key))?;
        tx.commit().map_err(sql(OP))
    }

    /// The refund request `register` journaled under `key`, else one journaled under it
    /// before keys were told apart by register (no register: every register's,
    /// `counter_core::pos::refund_key_of`). Another register's request under the same key
    /// is never returned.
    pub fn pos_refund_key(
        &self,
        register: &str,
        key: &str,
    ) -> Result<Option<PosRefundKey>, StoreError> {
        const OP: &str = "read a register's refund";
        self.conn
            .query_row(
                "SELECT register, idempotency_key, order_ref, amount_jpy, refund_id \
                 FROM pos_refunds WHERE idempotency_key = ?2 \
                 AND (register = ?1 OR register IS NULL) \
                 ORDER BY register IS NULL LIMIT 1",
                [register, key],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(sql(OP))?
            .map(
                |(register, idempotency_key, order_ref, amount, refund_id)| {
                    Ok(PosRefundKey {
                        register,
                        idempotency_key,
                        order_ref,
                        amount_jpy: to_u64("amount_jpy", amount)?,
                        refund_id,
                    })
                },
            )
            .transpose()
    }

    /// The order `order_ref`.
    pub fn pos_order(&self, order_ref: &str) -> Result<Option<PosOrder>, StoreError> {
        self.pos_order_where("order_ref = ?1", [order_ref])
    }

    /// The order `register` journaled under idempotency key `key`, else one journaled under
    /// it before registers were told apart (no register: every register's,
    /// `counter_core::pos::owned_by`). Another register's order under the same key is never
    /// returned: each register makes its keys itself.
    pub fn pos_order_by_key(
        &self,
        register: &str,
        key: &str,
    ) -> Result<Option<PosOrder>, StoreError> {
        self.pos_order_where(
            "idempotency_key = ?2 AND (register = ?1 OR register IS NULL) \
             ORDER BY register IS NULL LIMIT 1",
            [register, key],
        )
    }

    /// The orders still open, oldest first.
    pub fn open_pos_orders(&self) -> Result<Vec<PosOrder>, StoreError> {
        const OP: &str = "list the register's open orders";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ORDER_COLUMNS} FROM pos_orders WHERE state = 'open' \
                 ORDER BY created_at, rowid"
            ))
            .map_err(sql(OP))?;
        let mut rows = stmt.query([]).map_err(sql(OP))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sql(OP))? {
            out.push(order_from_row(row)?);
        }
        Ok(out)
    }

    /// What the journal holds about order `order_ref`: the order, its payment and the
    /// payment's refunds.
    pub fn pos_journal(&self, order_ref: &str) -> Result<Option<PosJournal>, StoreError> {
        self.pos_order(order_ref)?
            .map(|o| self.journal_of(o))
            .transpose()
    }

    /// What the journal holds about the order `register` journaled under idempotency key
    /// `key` ([`Store::pos_order_by_key`]).
    pub fn pos_journal_by_key(
        &self,
        register: &str,
        key: &str,
    ) -> Result<Option<PosJournal>, StoreError> {
        self.pos_order_by_key(register, key)?
            .map(|o| self.journal_of(o))
            .transpose()
    }

    fn journal_of(&self, order: PosOrder) -> Result<PosJournal, StoreError> {
        let (payment, refunds) = match &order.sale_id {
            Some(id) => (self.payment(id)?, self.refunds_of(id)?),
            None => (None, Vec::new()),
        };
        Ok(PosJournal {
            order,
            payment,
            refunds,
        })
    }

    /// The first order of `SELECT … FROM pos_orders WHERE {condition}`.
    fn pos_order_where(
        &self,
        condition: &str,
        params: impl rusqlite::Params,
    ) -> Result<Option<PosOrder>, StoreError> {
        const OP: &str = "read a register's order";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ORDER_COLUMNS} FROM pos_orders WHERE {condition}"
            ))
            .map_err(sql(OP))?;
        let mut rows = stmt.query(params).map_err(sql(OP))?;
        match rows.next().map_err(sql(OP))? {
            Some(row) => order_from_row(row).map(Some),
            None => Ok(None),
        }
    }
}

/// One row of `SELECT {ORDER_COLUMNS}`.
fn order_from_row(row: &Row<'_>) -> Result<PosOrder, StoreError> {
    const OP: &str = "read a register's order";
    let state: String = row.get(3).map_err(sql(OP))?;
    let reason: Option<String> = row.get(4).map_err(sql(OP))?;
    let reason = reason
        .map(|r| {
            serde_json::from_value::<Code>(serde_json::Value::String(r.clone())).map_err(|_| {
                StoreError::Corrupt {
                    what: "register's order reason",
                    detail: r,
                }
            })
        })
        .transpose()?;
    Ok(PosOrder {
        order_ref: row.get(0).map_err(sql(OP))?,
        idempotency_key: row.get(1).map_err(sql(OP))?,
        amount_jpy: to_u64("amount_jpy", row.get(2).map_err(sql(OP))?)?,
        state: PosOrderState::parse(&state).ok_or(StoreError::Corrupt {
            what: "register's order state",
            detail: state,
        })?,
        reason,
        sale_id: row.get(5).map_err(sql(OP))?,
        created_at: row.get(6).map_err(sql(OP))?,
        updated_at: row.get(7).map_err(sql(OP))?,
        register: row.get(8).map_err(sql(OP))?,
    })
}
