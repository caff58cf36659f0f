//! Where a drive of a sale stops before the sale is final, and what it leaves behind
//! (docs/domain/payments-and-eid-clients.md §1.10): an authorisation the acquirer never took
//! ends as not sent when the live drive gives up ([`end_live_drive`]); a void the acquirer
//! refused while it still holds the approval is shown to staff at once and sent again by
//! the background recovery ([`void_held`]).

use super::machine::{settle, void_asked};
use super::record::{PaymentRecord, PaymentState};
use crate::UnixTime;
use crate::backend::BackendFailure;

/// The start of [`PaymentRecord::last_error`] of a sale whose every authorisation so far was
/// answered "not now" ([`not_taken`]): nothing was processed.
pub const NOT_TAKEN: &str = "not_taken: ";

/// Whether `f` says the acquirer did not take the request now: a problem of status 408
/// (Request Timeout, RFC 9110 §15.5.9) or 429 (Too Many Requests, RFC 6585 §4) whose
/// outcome is not unknown ([`BackendFailure::outcome_unknown`]). Nothing was processed and
/// the same key is safe to send again; it is never read as the terminal's fault
/// ([`PaymentState::NotAccepted`]), which sends staff to support about credentials.
pub fn not_taken(f: &BackendFailure) -> bool {
    matches!(
        f,
        BackendFailure::Problem {
            status: 408 | 429,
            ..
        }
    ) && !f.outcome_unknown()
}

/// Ends the live drive of `record` (the shell's retry policy ran out, the customer's
/// assertion is dropped): an authorisation that every answer so far called "not now"
/// ([`not_taken`]: the count is still 0 and the mark [`NOT_TAKEN`] is set) was never
/// processed, so the sale settles as [`PaymentState::NotSent`] ([`crate::Code::PaymentNotSent`]:
/// nothing was charged, try again in a moment); the register reads `not_charged`. Returns
/// whether `record` changed (the shell journals it). Any other record is left as it is.
pub fn end_live_drive(record: &mut PaymentRecord, now: UnixTime) -> bool {
    let Some(why) = record.last_error.as_deref() else {
        return false;
    };
    if record.state != PaymentState::Authorising || record.attempts != 0 {
        return false;
    }
    let Some(why) = why.strip_prefix(NOT_TAKEN) else {
        return false;
    };
    record.decline_reason = Some(format!(
        "{why}: not taken by the acquirer, nothing processed"
    ));
    settle(record, PaymentState::NotSent, now);
    true
}

/// Whether the drive of `record` stops here, its sale not final, and leaves the void to the
/// counter's background recovery: staff asked for the void ([`void_asked`]), the acquirer
/// refused it as one it cannot make (`invalid_payment_state`, [`super::cannot_cancel`]) and
/// its status still says approved, so the record is `Voiding` again after a failed round.
/// Sent again at once, the void meets the same answer; staff read [`crate::Code::VoidPending`]
/// now ([`super::report_code`]) instead of after the whole retry policy, and the recovery
/// sends the same void (same key) on each of its rounds until it is made or
/// [`super::unresolved`] asks staff to call the acquirer.
pub fn void_held(record: &PaymentRecord) -> bool {
    record.state == PaymentState::Voiding
        && void_asked(record)
        && record.attempts > 0
        && record
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("invalid_payment_state"))
}
