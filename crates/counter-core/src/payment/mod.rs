//! Payments: the journal's records and the state machine over them
//! (docs/domain/payments-and-eid-clients.md §1.10).

pub mod cashier;
pub mod close;
mod machine;
pub mod receipt;
mod record;
mod refund;

pub use record::{PaymentRecord, PaymentState, RefundRecord, RefundState};

/// Failed attempts to resolve one in-doubt step before staff are asked to look
/// (PayEx escalates after 6 reversal attempts, docs/domain/payments-and-eid-clients.md §1.5).
pub const MAX_RESOLVE_ATTEMPTS: u32 = 6;
pub use machine::*;
pub use refund::{begin_refund, on_refund, refund_request};

/// Whether staff must call the acquirer (or support) about `record`
/// ([`crate::Code::PaymentUnresolved`]): it is not final, and it has failed
/// [`MAX_RESOLVE_ATTEMPTS`] rounds in a row without moving on ([`PaymentRecord::attempts`],
/// which only a step the sale had not taken yet sets back to 0; a move back, such as a
/// reversal the acquirer cannot make whose status says approved, counts as a failed
/// round). The counter keeps resolving it meanwhile: this only decides what staff are told.
pub fn unresolved(record: &PaymentRecord) -> bool {
    !record.state.is_final() && record.attempts >= MAX_RESOLVE_ATTEMPTS
}
