//! The records of a register's sale: the request as checked, the order the journal holds,
//! and what the shell reads back about one order.

use counter_api::FieldError;
use counter_api::pos::{CreateSale, is_idempotency_key};

use crate::UnixTime;
use crate::codes::Code;
use crate::payment::{PaymentRecord, RefundRecord};

/// A register's new sale, its fields checked (`POST /v1/sales` with its `Idempotency-Key`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosCreate {
    /// The amount in yen.
    pub amount_jpy: u64,
    /// The register's order reference.
    pub order_ref: String,
    /// The register's idempotency key.
    pub idempotency_key: String,
}

impl PosCreate {
    /// Checks `body` and `key` (the field at fault is named: `amount_jpy`, `order_ref`,
    /// `Idempotency-Key`).
    pub fn new(body: CreateSale, key: &str) -> Result<Self, FieldError> {
        body.validate()?;
        if !is_idempotency_key(key) {
            return Err(FieldError::new(
                "Idempotency-Key",
                "send an Idempotency-Key header of 1 to 255 visible ASCII characters (a new \
                 one per sale, the same one when retrying it)",
            ));
        }
        Ok(Self {
            amount_jpy: body.amount_jpy,
            order_ref: body.order_ref,
            idempotency_key: key.to_owned(),
        })
    }
}

/// Where a register's order is in the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PosOrderState {
    /// Journaled; no payment yet (the customer is identifying, or the terminal stopped
    /// before they paid).
    Open,
    /// Ended without a payment request ([`PosOrder::reason`] says why): nothing charged.
    Unpaid,
    /// The customer confirmed: the sale [`PosOrder::sale_id`] of the payment journal is its
    /// payment (its state is the outcome).
    Paying,
}

impl PosOrderState {
    /// The stable name stored in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Unpaid => "unpaid",
            Self::Paying => "paying",
        }
    }

    /// Parses [`PosOrderState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Unpaid, Self::Paying]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// A register's order, as journaled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosOrder {
    /// The register's order reference (unique).
    pub order_ref: String,
    /// The register's idempotency key (unique per register: each register makes its own,
    /// [`super::decide_create`]).
    pub idempotency_key: String,
    /// The register that sent it, as the terminal authenticated it ([`super::owned_by`]);
    /// `None` for an order journaled before the terminal told registers apart, which every
    /// register reads as before.
    pub register: Option<String>,
    /// The amount in yen.
    pub amount_jpy: u64,
    /// Where it is.
    pub state: PosOrderState,
    /// Why it ended unpaid.
    pub reason: Option<Code>,
    /// The payment journal's sale, once the customer confirmed.
    pub sale_id: Option<String>,
    /// When it was journaled.
    pub created_at: UnixTime,
    /// When it last changed.
    pub updated_at: UnixTime,
}

impl PosOrder {
    /// The record of `request` from `register`, to journal before the customer is asked for
    /// anything.
    pub fn open(request: &PosCreate, register: &str, now: UnixTime) -> Self {
        Self {
            order_ref: request.order_ref.clone(),
            idempotency_key: request.idempotency_key.clone(),
            register: Some(register.to_owned()),
            amount_jpy: request.amount_jpy,
            state: PosOrderState::Open,
            reason: None,
            sale_id: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// What the journal holds about one order: the order, its payment once there is one, and
/// the payment's refunds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosJournal {
    /// The order.
    pub order: PosOrder,
    /// Its payment.
    pub payment: Option<PaymentRecord>,
    /// Its refunds, oldest first.
    pub refunds: Vec<RefundRecord>,
}

/// A register's refund request as journaled (with the refund it made), for idempotency.
///
/// Its key is the sending register's own: each register makes its keys, and two registers
/// may well make the same one, so a key names a request only together with
/// [`PosRefundKey::register`] ([`super::decide_refund`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosRefundKey {
    /// The register that sent it, as the terminal authenticated it ([`super::owned_by`]);
    /// `None` for a request journaled before refund keys were told apart by register, when
    /// the order refunded had no register either: every register's, as that order is.
    pub register: Option<String>,
    /// The register's idempotency key.
    pub idempotency_key: String,
    /// The order refunded.
    pub order_ref: String,
    /// The amount asked.
    pub amount_jpy: u64,
    /// The refund it made ([`RefundRecord::id`]).
    pub refund_id: String,
}
