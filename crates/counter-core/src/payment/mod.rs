//! Payments: the journal's records and the state machine over them
//! (docs/domain/payments-and-eid-clients.md §1.10).

pub mod answer;
pub mod cashier;
pub mod close;
mod drive_end;
mod held;
mod held_query;
mod horizon;
mod machine;
pub mod receipt;
mod record;
mod refund;
pub mod rendered;
pub mod shown;

pub use record::{PaymentMark, PaymentRecord, PaymentState, RefundRecord, RefundState};

/// Failed attempts to resolve one in-doubt step before staff are asked to look
/// (PayEx escalates after 6 reversal attempts, docs/domain/payments-and-eid-clients.md §1.5).
pub const MAX_RESOLVE_ATTEMPTS: u32 = 6;
pub use drive_end::{end_live_drive, not_taken, void_held};
pub use held::{
    AcquirerSaid, RECORD_REFUNDED, RECORD_SHOWS_NONE, STAFF_NOT_REFUNDED, STAFF_REFUNDED,
    SettleRefused, acquirer_record_shows, blocking_ids, held_refunds, resolve_held_by_record,
    settle_held_refund,
};
pub use held_query::{
    HELD_QUERY_EVERY_SECS, HeldQueries, HeldSettled, RecoveryPass, held_query_due,
    held_settled_code, interval_passed, settled_by_record,
};
pub use horizon::{
    RECOVERY_HORIZON_DAYS, RECOVERY_HORIZON_SECS, past_horizon, refund_held, retry_refund,
};
pub use machine::*;
pub use refund::{
    begin_refund, on_refund, recovery_report_code, refund_refusal_code, refund_report_code,
    refund_request,
};
pub use shown::UnshownSale;

use crate::UnixTime;

/// Whether staff must call the acquirer (or support) about `record`
/// ([`crate::Code::PaymentUnresolved`]): it is not final, and it has failed
/// [`MAX_RESOLVE_ATTEMPTS`] rounds in a row without moving on ([`PaymentRecord::attempts`],
/// which only a step the sale had not taken yet sets back to 0; a move back, such as a
/// reversal the acquirer cannot make whose status says approved, counts as a failed
/// round). The counter keeps resolving it meanwhile: this only decides what staff are told.
pub fn unresolved(record: &PaymentRecord) -> bool {
    !record.state.is_final() && record.attempts >= MAX_RESOLVE_ATTEMPTS
}

/// As [`unresolved`], for a refund at `now`: still `Refunding` after [`MAX_RESOLVE_ATTEMPTS`]
/// rounds that did not settle it (outcome unknown, or not sent: [`RefundRecord::attempts`]),
/// or held past the recovery horizon ([`refund_held`]) whatever its count. Staff call the
/// acquirer (or support, when it was never sent) about it; the counter keeps retrying it
/// with the same key meanwhile, except a held one, which it never sends again.
pub fn refund_unresolved(refund: &RefundRecord, now: UnixTime) -> bool {
    refund.state == RefundState::Refunding
        && (refund.attempts >= MAX_RESOLVE_ATTEMPTS || refund_held(refund, now))
}

/// The ids staff must call the acquirer about at `now` (the status bar's unresolved list,
/// [`crate::Code::PaymentUnresolved`]): the sales of `sales` that are [`unresolved`], then
/// the refunds of `refunds` that are [`refund_unresolved`], each in the order given.
pub fn unresolved_ids(
    sales: &[PaymentRecord],
    refunds: &[RefundRecord],
    now: UnixTime,
) -> Vec<String> {
    let sales = sales.iter().filter(|p| unresolved(p)).map(|p| p.id.clone());
    let refunds = refunds
        .iter()
        .filter(|r| refund_unresolved(r, now))
        .map(|r| r.id.clone());
    sales.chain(refunds).collect()
}
