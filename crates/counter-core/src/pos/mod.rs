//! Sales the shop's register (POS) hands to the counter: the register sends the amount and
//! its order reference, the customer identifies with the card and pays on the customer
//! window, and the register reads the outcome by its order reference.
//!
//! What lives here, without I/O:
//! - the request as the register sent it, checked ([`PosCreate`]), and the journal's record of
//!   a register's order ([`PosOrder`]), written **before** the counter asks the customer for
//!   anything; the payment it leads to is an ordinary sale of the payment journal
//!   ([`crate::payment`]), linked to the order in the transaction that journals it;
//! - idempotency ([`decide_create`], [`decide_refund`]): the same key with the same body is
//!   the same sale (or refund), answered again and never made twice; the same key with
//!   another body, or an order reference already used under another key, is refused;
//! - what the register reads about a sale ([`sale`]): from the journal, or from the counter
//!   while the customer is at the till. A sale whose outcome is unknown is `in_doubt`, never
//!   declined; an order the terminal had not paid when it stopped is `not_charged`.
//!
//! The counter machine ([`crate::counter`]) decides when a register's sale may start, be
//! cancelled, voided or refunded; this module gives it the records and the answers.

mod record;
mod status;

pub use record::{PosCreate, PosJournal, PosOrder, PosOrderState, PosRefundKey};
pub use status::{Live, message, sale};

use crate::codes::Code;

/// What the journal says about a register's new sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Nothing: a new sale.
    New,
    /// The same request was taken before: answer with this sale again.
    Again(Box<PosJournal>),
}

/// The idempotency of a register's sale: `by_key` is what the journal holds under the
/// request's key, `by_order_ref` under its order reference.
///
/// - the key is known with the same amount and order reference → [`Seen::Again`];
/// - the key is known with another body → [`Code::PosIdempotencyMismatch`];
/// - the order reference is known under another key → [`Code::PosOrderRefTaken`] (one order
///   reference, one sale: it is how the register finds the sale);
/// - neither → [`Seen::New`].
pub fn decide_create(
    request: &PosCreate,
    by_key: Option<&PosJournal>,
    by_order_ref: Option<&PosJournal>,
) -> Result<Seen, Code> {
    if let Some(known) = by_key {
        let o = &known.order;
        return if o.order_ref == request.order_ref && o.amount_jpy == request.amount_jpy {
            Ok(Seen::Again(Box::new(known.clone())))
        } else {
            Err(Code::PosIdempotencyMismatch)
        };
    }
    match by_order_ref {
        Some(_) => Err(Code::PosOrderRefTaken),
        None => Ok(Seen::New),
    }
}

/// The idempotency of a register's refund of `amount_jpy` on `order_ref`, with what the
/// journal holds under its key: `Ok(true)` it was taken before (answer with the sale as it
/// is, refund nothing again), `Ok(false)` a new refund, or the key was used for another
/// refund ([`Code::PosIdempotencyMismatch`]).
pub fn decide_refund(
    order_ref: &str,
    amount_jpy: u64,
    known: Option<&PosRefundKey>,
) -> Result<bool, Code> {
    match known {
        None => Ok(false),
        Some(k) if k.order_ref == order_ref && k.amount_jpy == amount_jpy => Ok(true),
        Some(_) => Err(Code::PosIdempotencyMismatch),
    }
}

#[cfg(test)]
mod tests;
