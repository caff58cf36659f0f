//! Where a drive of a sale stops before the sale is final, and what it leaves behind
//! (docs/domain/payments-and-eid-clients.md §1.10): an authorisation the acquirer never took
//! ends as not sent when the live drive gives up ([`end_live_drive`]); a void the acquirer
//! refused while it still holds the approval is shown to staff at once and sent again by
//! the background recovery ([`void_held`]).

use super::machine::{settle, void_asked};
use super::record::{PaymentMark, PaymentRecord, PaymentState};
use crate::UnixTime;
use crate::backend::BackendFailure;

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
/// ([`not_taken`]: the count is still 0 and the mark is [`PaymentMark::NotTaken`]) was never
/// processed, so the sale settles as [`PaymentState::NotSent`] ([`crate::Code::PaymentNotSent`]:
/// nothing was charged, try again in a moment); the register reads `not_charged`. Returns
/// whether `record` changed (the shell journals it). Any other record is left as it is.
pub fn end_live_drive(record: &mut PaymentRecord, now: UnixTime) -> bool {
    if record.state != PaymentState::Authorising
        || record.attempts != 0
        || record.mark != Some(PaymentMark::NotTaken)
    {
        return false;
    }
    // The answer's text, for people; the mark is set with it, so it is there.
    let why = record.last_error.as_deref().unwrap_or("not_taken");
    record.decline_reason = Some(format!(
        "{why}: not taken by the acquirer, nothing processed"
    ));
    settle(record, PaymentState::NotSent, now);
    true
}

/// Whether the drive of `record` stops here, its sale not final, and leaves the void to the
/// counter's background recovery: staff asked for the void ([`void_asked`]), the acquirer
/// refused it as one it cannot make (`invalid_payment_state`, [`super::cannot_cancel`]: the
/// mark [`PaymentMark::CannotCancel`]) and its status still says approved, so the record is
/// `Voiding` again after a failed round.
/// Sent again at once, the void meets the same answer; staff read [`crate::Code::VoidPending`]
/// now ([`super::report_code`]) instead of after the whole retry policy, and the recovery
/// sends the same void (same key) on each of its rounds until it is made or
/// [`super::unresolved`] asks staff to call the acquirer.
pub fn void_held(record: &PaymentRecord) -> bool {
    record.state == PaymentState::Voiding
        && void_asked(record)
        && record.attempts > 0
        && record.mark == Some(PaymentMark::CannotCancel)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::backend::problem;
    use crate::payment::{NewSale, begin, on_payment};

    const NOW: UnixTime = UnixTime::from_secs(1_796_605_200);

    fn sale() -> PaymentRecord {
        begin(
            NewSale {
                id: "t-1-000001".into(),
                idempotency_key: "k-1".into(),
                order_ref: "o-1".into(),
                merchant_id: "m".into(),
                terminal_id: "t-1".into(),
                amount_jpy: 1_000,
                visit_id: None,
            },
            NOW,
        )
    }

    /// A void staff asked for, refused after its first round (the state the drive leaves).
    fn voiding_again() -> PaymentRecord {
        let mut r = sale();
        r.state = PaymentState::Voiding;
        r.void_key = Some("v-1".into());
        r.attempts = 1;
        r
    }

    #[test]
    fn a_not_now_answer_marks_the_sale_and_the_mark_alone_ends_it_as_not_sent() {
        let mut r = sale();
        on_payment(&mut r, Err(problem(429, "rate_limited")), NOW);
        assert_eq!(r.mark, Some(PaymentMark::NotTaken));
        assert_eq!(r.last_error.as_deref(), Some("rate_limited (429)"));
        let mut ended = r.clone();
        assert!(end_live_drive(&mut ended, NOW));
        assert_eq!(ended.state, PaymentState::NotSent);

        // Whatever the text says, without the mark the sale is left as it is.
        let mut unmarked = r.clone();
        unmarked.mark = None;
        unmarked.last_error = Some("not_taken: rate_limited (429)".into());
        assert!(!end_live_drive(&mut unmarked, NOW));
        assert_eq!(unmarked.state, PaymentState::Authorising);
        // And with it, whatever the text.
        let mut marked = r;
        marked.last_error = Some("anything".into());
        assert!(end_live_drive(&mut marked, NOW));
        assert_eq!(
            marked.decline_reason.as_deref(),
            Some("anything: not taken by the acquirer, nothing processed")
        );
    }

    #[test]
    fn a_later_answer_of_another_kind_clears_the_mark_with_the_text() {
        let mut r = sale();
        on_payment(&mut r, Err(problem(429, "rate_limited")), NOW);
        on_payment(&mut r, Err(problem(503, "unavailable")), NOW);
        assert_eq!((r.mark, r.attempts), (None, 1), "{:?}", r.last_error);
        assert!(!end_live_drive(&mut r, NOW));
    }

    #[test]
    fn a_void_is_held_by_the_mark_not_by_the_text() {
        let mut held = voiding_again();
        held.last_error = Some("refused".into());
        held.mark = Some(PaymentMark::CannotCancel);
        assert!(void_held(&held));

        let mut unmarked = voiding_again();
        unmarked.last_error = Some("invalid_payment_state (409)".into());
        assert!(!void_held(&unmarked));

        let mut not_taken = held.clone();
        not_taken.mark = Some(PaymentMark::NotTaken);
        assert!(!void_held(&not_taken));
    }
}
