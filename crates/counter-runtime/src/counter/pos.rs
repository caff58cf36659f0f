//! The event loop's side of the register's (POS) requests: what the journal holds for a
//! request, read just before the counter machine decides on it (the loop is the only writer
//! of the register's orders, so nothing changes in between), the writes the machine asks
//! for, and the answers routed back to the request that waits for them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use counter_api::pos::Sale;
use counter_core::Code;
use counter_core::counter::{PosInput, PosReply};
use counter_core::payment::receipt::MerchantInfo;
use counter_core::pos::{self, PosCreate, PosOrder};
use counter_store::Store;
use tokio::sync::oneshot;

use super::persist::with_store;

/// A register's request, as the server hands it to the counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PosCommand {
    /// A new sale (`POST /v1/sales`).
    Create(PosCreate),
    /// The sale of an order reference (`GET /v1/sales/{order_ref}`).
    Status {
        /// The order reference.
        order_ref: String,
    },
    /// Cancel it (`POST /v1/sales/{order_ref}/cancel`).
    Cancel {
        /// The order reference.
        order_ref: String,
    },
    /// Void it (`POST /v1/sales/{order_ref}/void`).
    Void {
        /// The order reference.
        order_ref: String,
    },
    /// Refund part or all of it (`POST /v1/sales/{order_ref}/refunds`).
    Refund {
        /// The order reference.
        order_ref: String,
        /// The amount in yen.
        amount_jpy: u64,
        /// The register's idempotency key of this refund.
        idempotency_key: String,
    },
}

/// What the counter answers a register's request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosAnswer {
    /// The sale as it stands.
    pub sale: Sale,
    /// Whether the request made a new sale (`201`), rather than finding one.
    pub created: bool,
}

/// Where an answer goes.
pub(crate) type PosReplyTo = oneshot::Sender<Result<PosAnswer, Code>>;

/// The requests waiting for their answer, by the loop's request number.
#[derive(Default)]
pub(crate) struct PosWaiting {
    next: u64,
    waiting: HashMap<u64, PosReplyTo>,
}

impl PosWaiting {
    /// Files `reply` under a new request number.
    pub(crate) fn file(&mut self, reply: PosReplyTo) -> u64 {
        self.next += 1;
        self.waiting.insert(self.next, reply);
        self.next
    }

    /// Takes the reply of `request`, if it still waits.
    pub(crate) fn take(&mut self, request: u64) -> Option<PosReplyTo> {
        self.waiting.remove(&request)
    }
}

/// The machine's input for `register`'s `command`, with what the journal holds for it (a
/// sale's or refund's key is read as that register's: `counter_core::pos::decide_create`,
/// `counter_core::pos::decide_refund`).
pub(crate) fn input(
    store: &Arc<Mutex<Store>>,
    register: &str,
    command: PosCommand,
) -> Result<PosInput, Code> {
    let journal =
        |order_ref: &str| with_store(store, |s| s.pos_journal(order_ref)).map(|j| j.map(Box::new));
    Ok(match command {
        PosCommand::Create(order) => PosInput::Create {
            by_key: with_store(store, |s| {
                s.pos_journal_by_key(register, &order.idempotency_key)
            })?
            .map(Box::new),
            by_order_ref: journal(&order.order_ref)?,
            order,
        },
        PosCommand::Status { order_ref } => PosInput::Status {
            journal: journal(&order_ref)?,
        },
        PosCommand::Cancel { order_ref } => PosInput::Cancel {
            journal: journal(&order_ref)?,
        },
        PosCommand::Void { order_ref } => PosInput::Void {
            journal: journal(&order_ref)?,
        },
        PosCommand::Refund {
            order_ref,
            amount_jpy,
            idempotency_key,
        } => PosInput::Refund {
            journal: journal(&order_ref)?,
            amount_jpy,
            known: with_store(store, |s| s.pos_refund_key(register, &idempotency_key))?,
            idempotency_key,
        },
    })
}

/// The register's answer for the machine's `reply`: a void's or refund's outcome is read
/// again from the journal (the sale as it stands, with the operation's code).
pub(crate) fn answer(
    store: &Arc<Mutex<Store>>,
    merchant: &MerchantInfo,
    reply: PosReply,
) -> Result<PosAnswer, Code> {
    match reply {
        PosReply::Sale { sale, created } => Ok(PosAnswer {
            sale: *sale,
            created,
        }),
        PosReply::Reread { order_ref, code } => {
            let journal =
                with_store(store, |s| s.pos_journal(&order_ref))?.ok_or(Code::PosOrderUnknown)?;
            let mut sale = pos::sale(&journal, None, merchant);
            sale.code = code.as_str();
            sale.message = pos::message(code);
            Ok(PosAnswer {
                sale,
                created: false,
            })
        }
    }
}

/// `OpenPosOrder`: journal the order (durable when it returns).
pub(crate) fn open(store: &Arc<Mutex<Store>>, order: &PosOrder) -> Result<(), Code> {
    with_store(store, |s| s.insert_pos_order(order))
}

/// `ClosePosOrder`: the order ended unpaid, for `reason`.
pub(crate) fn close(
    store: &Arc<Mutex<Store>>,
    order_ref: &str,
    reason: Code,
    now: counter_core::UnixTime,
) -> Result<(), Code> {
    with_store(store, |s| s.close_pos_order(order_ref, reason, now)).map(|_| ())
}

/// `ClosePosOrdersLeftOpen`: every open order but `live` was interrupted.
pub(crate) fn close_left_open(
    store: &Arc<Mutex<Store>>,
    live: Option<&str>,
    now: counter_core::UnixTime,
) -> Result<(), Code> {
    let n = with_store(store, |s| {
        s.close_open_pos_orders(live, Code::PosInterrupted, now)
    })?;
    if n > 0 {
        tracing::info!(
            orders = n,
            "the register's orders left open when the terminal stopped are closed (nothing was charged)"
        );
    }
    Ok(())
}
