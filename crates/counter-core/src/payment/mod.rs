//! Payments: the journal's records and the state machine over them
//! (docs/domain/payments-and-eid-clients.md §1.10).

pub mod cashier;
pub mod close;
mod machine;
pub mod receipt;
mod record;
mod refund;
pub mod shown;

pub use record::{PaymentRecord, PaymentState, RefundRecord, RefundState};

/// Failed attempts to resolve one in-doubt step before staff are asked to look
/// (PayEx escalates after 6 reversal attempts, docs/domain/payments-and-eid-clients.md §1.5).
pub const MAX_RESOLVE_ATTEMPTS: u32 = 6;
pub use machine::*;
pub use refund::{begin_refund, on_refund, refund_request};
pub use shown::UnshownSale;

/// Whether staff must call the acquirer (or support) about `record`
/// ([`crate::Code::PaymentUnresolved`]): it is not final, and its current step has failed
/// [`MAX_RESOLVE_ATTEMPTS`] rounds in a row ([`PaymentRecord::attempts`], which a step
/// that moves on sets back to 0). The counter keeps resolving it meanwhile: this only
/// decides what staff are told.
pub fn unresolved(record: &PaymentRecord) -> bool {
    !record.state.is_final() && record.attempts >= MAX_RESOLVE_ATTEMPTS
}
