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
//!   the same sale (or refund), answered again and never made twice, on the day it was made
//!   (a key of another JST day is refused, never answered with that day's sale); the same
//!   key with another body, or an order reference already used under another key, is
//!   refused; a key is its register's own, a sale's as a refund's ([`refund_key_of`]);
//! - which register an order belongs to ([`owned_by`], [`own`]): each order is journaled with
//!   the identity the register authenticated with, and another register's order is answered
//!   as no order at all;
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

use madoguchi_time::jst::CivilDate;

use crate::UnixTime;
use crate::codes::Code;

/// What the journal says about a register's new sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Nothing: a new sale.
    New,
    /// The same request was taken before: answer with this sale again.
    Again(Box<PosJournal>),
}

/// Whether `order` is `register`'s: journaled with that identity (the shell names the
/// register by how it authenticated: its client certificate's subject, the API key, or
/// neither), or with none (journaled before the terminal told registers apart, read by every
/// register as before).
pub fn owned_by(order: &PosOrder, register: &str) -> bool {
    order.register.as_deref().is_none_or(|r| r == register)
}

/// `journal` if it is `register`'s order, `None` otherwise: a register reads, cancels, voids
/// and refunds only its own sales, and another register's is answered as no sale at all
/// ([`Code::PosOrderUnknown`]), so that nothing of it is told.
pub fn own(journal: Option<Box<PosJournal>>, register: &str) -> Option<Box<PosJournal>> {
    journal.filter(|j| owned_by(&j.order, register))
}

/// The idempotency of `register`'s sale at `now`: `by_key` is what the journal holds under
/// the request's key, `by_order_ref` under its order reference.
///
/// A key is the register's own: each register makes its keys itself, so another register's
/// order under the same key is no order of this one (the journal keeps keys per register and
/// does not return it; passed here anyway, it is left aside), neither answered nor refused.
/// An order of before registers were told apart (no register) is every register's, its key
/// too.
///
/// - the key is the register's and known from another JST day →
///   [`Code::PosKeyFromAnotherDay`]: a register that numbers its keys per day must not be
///   answered with yesterday's sale (approved, the customer not charged today);
/// - the key is known with the same amount and order reference → [`Seen::Again`];
/// - the key is known with another body → [`Code::PosIdempotencyMismatch`];
/// - the order reference is known (under another key, or another register's) →
///   [`Code::PosOrderRefTaken`]: order references stay one namespace on the terminal (one
///   order reference, one sale: it is how a register finds the sale, the name in the API's
///   paths), and which register holds it is not said;
/// - neither → [`Seen::New`].
pub fn decide_create(
    request: &PosCreate,
    register: &str,
    by_key: Option<&PosJournal>,
    by_order_ref: Option<&PosJournal>,
    now: UnixTime,
) -> Result<Seen, Code> {
    if let Some(known) = by_key.filter(|j| owned_by(&j.order, register)) {
        let o = &known.order;
        if CivilDate::of(o.created_at) != CivilDate::of(now) {
            return Err(Code::PosKeyFromAnotherDay);
        }
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

/// Whether the journaled refund request `key` is `register`'s: sent by it, or journaled
/// before refund keys were told apart by register (every register's, as its order is).
pub fn refund_key_of(key: &PosRefundKey, register: &str) -> bool {
    key.register.as_deref().is_none_or(|r| r == register)
}

/// The idempotency of `register`'s refund of `amount_jpy` on `order_ref`, with what the
/// journal holds under its key: `Ok(true)` it was taken before (answer with the sale as it
/// is, refund nothing again), `Ok(false)` a new refund, or the key was used for another
/// refund ([`Code::PosIdempotencyMismatch`]).
///
/// A key is the register's own ([`refund_key_of`]): registers make their keys each for
/// itself, so another register's request under the same key is no request of this one. It
/// is not answered (that would tell of another register's refund) nor refused (the register
/// did nothing wrong): this refund is new, as a sale is ([`decide_create`]).
pub fn decide_refund(
    order_ref: &str,
    amount_jpy: u64,
    register: &str,
    known: Option<&PosRefundKey>,
) -> Result<bool, Code> {
    match known.filter(|k| refund_key_of(k, register)) {
        None => Ok(false),
        Some(k) if k.order_ref == order_ref && k.amount_jpy == amount_jpy => Ok(true),
        Some(_) => Err(Code::PosIdempotencyMismatch),
    }
}

#[cfg(test)]
mod tests;
