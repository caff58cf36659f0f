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
