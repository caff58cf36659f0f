//! The sale's state machine over its journal record (docs/domain/payments-and-eid-clients.md §1.10).
//!
//! # Calling contract
//!
//! The shell loops:
//! 1. `let action = next_action(&record, live)`; `None` → the sale is settled, stop.
//! 2. If the action begins a step ([`Action::Capture`] with a fresh key, [`Action::Void`],
//!    [`Action::Reverse`]), call the matching `begin_*` first, and **journal the record
//!    (durably) before sending anything**. [`begin`] itself makes the `Authorising` record
//!    that must be journaled before the authorisation leaves.
//! 3. Send the request, feed the answer to the matching `on_*`, journal the record.
//!
//! `live` is true only while the shell still holds the customer's assertion, i.e. during
//! the sale itself and before the first answer; a recovered record is never re-authorised,
//! only queried (the assertion is not journaled, §1.10 rule 1, and has expired anyway).
//!
//! A record marked [`PaymentRecord::recovered`] is one whose live drive ended without the
//! counter showing an outcome (the terminal crashed, a journal write failed, the sale was
//! left in doubt): the shell's recovery sets the mark before it drives the record, and
//! never drives a sale another task is driving live.
//!
//! Rules kept here (§1.10 rules 2–5):
//! - an unknown outcome never becomes a decline: the state stays in doubt and the next
//!   action is a status query (or the same-key retry for capture, void, refund); a sale
//!   that is not final is reported in doubt ([`report_code`]), whatever its last round met;
//! - only the acquirer's `invalid_payment_state` means that a void or a reversal cannot be
//!   made ([`cannot_cancel`]); any other refusal (not sent, 401/403, a 4xx without a
//!   problem document) is the same step again later, the sale's reason left as it was;
//! - a void staff asked for ([`void_asked`]) is never followed by a capture: while the
//!   acquirer still holds the approval (it refused the void, its status says approved) the
//!   same void is sent again, each such round counted as failed, and staff read
//!   [`Code::VoidPending`] until it is made (or [`Code::PaymentUnresolved`] after
//!   [`super::MAX_RESOLVE_ATTEMPTS`] rounds);
//! - a definite refusal of the authorisation is a decline only when it is about the card
//!   or its holder ([`holder_refusal`]); one for the terminal's fault (its credentials, a
//!   request the acquirer could not take) charged nothing and is
//!   [`PaymentState::NotAccepted`] ([`Code::PaymentNotAccepted`]: staff call support);
//! - an authorisation answered "not now" (408, 429: [`super::not_taken`]) was not
//!   processed: the live drive sends it again under its key, and if it is never taken the
//!   sale ends [`PaymentState::NotSent`] ([`super::end_live_drive`]: nothing was charged);
//! - an authorisation the acquirer does not know is **reversed** (a tombstone under its
//!   key), so a late arrival cannot charge; nothing is ever re-sent under a new key;
//! - an approval found during the live sale (a lost answer, a status query) is completed
//!   (captured): the customer is still at the counter and is shown the outcome;
//! - an approval found **by recovery** is **reversed** ([`APPROVAL_FOUND_ON_RECOVERY`],
//!   [`Code::ApprovalReversedOnRecovery`]), never silently captured: the counter showed no
//!   approval (it crashed, or it reported a failure), so the customer may well have paid
//!   another way, and capturing would charge them twice. If it cannot be reversed any
//!   more (captured on an earlier, settled business day), it is kept and staff are told
//!   to check with the customer and refund ([`Code::ApprovalSettledOnRecovery`]).

use counter_api::acquirer::{
    AuthoriseRequest, CaptureMode, CaptureRequest, Payment, PaymentStatus, Reversal,
    ReversalReason, ReversalRequest,
};
use madoguchi_time::jst;

use super::drive_end::not_taken;
use super::record::{PaymentMark, PaymentRecord, PaymentState};
use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;

/// [`PaymentRecord::decline_reason`] of a sale whose approval recovery found and reversed.
pub const APPROVAL_FOUND_ON_RECOVERY: &str =
    "approval_found_on_recovery: the counter had not shown it, so it was reversed";

/// [`PaymentRecord::decline_reason`] of a sale whose approval recovery found but could not
/// reverse any more (settled on an earlier business day).
pub const APPROVAL_SETTLED_ON_RECOVERY: &str = "approval_found_on_recovery: already settled, could not be reversed; refund it if the \
     customer paid another way";

/// What the shell must do next for a sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send the authorisation (live only) with [`authorise_request`].
    Authorise,
    /// `GET /v1/payments/by-idempotency-key/{idempotency_key}`; feed [`on_status`].
    QueryStatus,
    /// Capture: call [`begin_capture`] (new key) when the record has none, then
    /// `POST /v1/payments/{payment_id}/capture` with the capture key; feed [`on_payment`].
    Capture,
    /// Void: retry `POST /v1/payments/{payment_id}/void` with the void key; feed
    /// [`on_payment`]. (A void is begun only by staff, [`begin_void`].)
    Void,
    /// Reversal: call [`begin_reversal`] (new key) when the record has none, then
    /// `POST /v1/reversals`; feed [`on_reversal`].
    Reverse,
}

/// What a sale looks like to the people at the counter after an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Still in doubt: keep going (the shell retries with backoff).
    Pending,
    /// Settled in `state`; `code` says what to show.
    Settled {
        /// The final or stable state.
        state: PaymentState,
        /// What to tell staff.
        code: Code,
    },
    /// The operation was refused and the sale is unchanged (e.g. a void after its day).
    Refused {
        /// What to tell staff.
        code: Code,
    },
}

/// The data of a new sale, chosen by the shell before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSale {
    /// Local id.
    pub id: String,
    /// The authorisation's idempotency key.
    pub idempotency_key: String,
    /// Order reference.
    pub order_ref: String,
    /// Merchant id (bound in the assertion).
    pub merchant_id: String,
    /// This terminal.
    pub terminal_id: String,
    /// Amount the customer confirmed.
    pub amount_jpy: u64,
    /// The visit (check id) of a co-payment.
    pub visit_id: Option<String>,
}

/// The `Authorising` record to journal before the authorisation leaves.
pub fn begin(sale: NewSale, now: UnixTime) -> PaymentRecord {
    PaymentRecord {
        id: sale.id,
        idempotency_key: sale.idempotency_key,
        order_ref: sale.order_ref,
        visit_id: sale.visit_id,
        merchant_id: sale.merchant_id,
        terminal_id: sale.terminal_id,
        amount_jpy: sale.amount_jpy,
        state: PaymentState::Authorising,
        payment_id: None,
        approval_code: None,
        slip_number: None,
        brand: None,
        last4: None,
        captured_jpy: 0,
        refunded_jpy: 0,
        capture_key: None,
        void_key: None,
        reversal_key: None,
        captured_date: None,
        cancelled_date: None,
        decline_reason: None,
        business_date: jst::business_date(now),
        attempts: 0,
        last_error: None,
        mark: None,
        recovered: false,
        shown_at: None,
        created_at: now,
        updated_at: now,
        version: 0,
    }
}

/// The authorisation request for `record` with the customer's `assertion` (manual capture:
/// the terminal captures once the approval is journaled).
pub fn authorise_request(record: &PaymentRecord, assertion: String) -> AuthoriseRequest {
    AuthoriseRequest {
        assertion,
        merchant_id: record.merchant_id.clone(),
        amount_jpy: record.amount_jpy,
        order_ref: record.order_ref.clone(),
        capture: CaptureMode::Manual,
    }
}

/// The next thing to do for `record`, `None` when nothing is left.
pub fn next_action(record: &PaymentRecord, live: bool) -> Option<Action> {
    match record.state {
        // Staff asked for the void: it is sent again until the acquirer settles the sale,
        // never followed by a capture (a row an older build left approved with the void's
        // key included).
        PaymentState::Authorised if void_asked(record) => Some(Action::Void),
        // Not sent yet, or every answer so far said "not now" (`not_taken`): the same key.
        PaymentState::Authorising if live && record.attempts == 0 => Some(Action::Authorise),
        PaymentState::Authorising => Some(Action::QueryStatus),
        // Recovery never completes an approval the counter did not show.
        PaymentState::Authorised | PaymentState::Capturing if record.recovered => {
            Some(Action::Reverse)
        }
        PaymentState::Authorised | PaymentState::Capturing => Some(Action::Capture),
        PaymentState::Voiding => Some(Action::Void),
        PaymentState::Reversing => Some(Action::Reverse),
        PaymentState::Captured
        | PaymentState::Voided
        | PaymentState::Declined
        | PaymentState::Reversed
        | PaymentState::NotSent
        | PaymentState::NotAccepted => None,
    }
}

/// Journals the capture step: `Authorised` → `Capturing` with `key` (kept when one is
/// already set, so a retry reuses it). Returns the request.
pub fn begin_capture(record: &mut PaymentRecord, key: String, now: UnixTime) -> CaptureRequest {
    transition(record, PaymentState::Capturing, now);
    if record.capture_key.is_none() {
        record.capture_key = Some(key);
    }
    CaptureRequest {
        amount_jpy: Some(record.amount_jpy),
    }
}

/// Whether staff may void `record` now: approved, nothing refunded, and still on its
/// authorisation's business day (after that the acquirer has settled it: refund instead).
pub fn can_void(record: &PaymentRecord, now: UnixTime) -> Result<(), Code> {
    match record.state {
        PaymentState::Authorised | PaymentState::Captured
            if record.refunded_jpy == 0 && record.business_date == jst::business_date(now) =>
        {
            Ok(())
        }
        s if s.in_doubt() => Err(Code::PaymentInDoubt),
        _ => Err(Code::InvalidPaymentState),
    }
}

/// Whether staff asked to void `record` and the acquirer has not settled it since: its void
/// key is journaled ([`begin_void`]) and it is approved or voiding. Such a sale is never
/// captured by the terminal: the void is sent again (same key) while the acquirer still
/// holds the approval, each round that leaves it approved counted as a failed one.
pub fn void_asked(record: &PaymentRecord) -> bool {
    record.void_key.is_some()
        && matches!(
            record.state,
            PaymentState::Authorised | PaymentState::Voiding
        )
}

/// Journals the void step (after [`can_void`]): → `Voiding` with `key`.
pub fn begin_void(record: &mut PaymentRecord, key: String, now: UnixTime) -> Result<(), Code> {
    can_void(record, now)?;
    transition(record, PaymentState::Voiding, now);
    record.void_key = Some(key);
    Ok(())
}

/// Why the shell reverses `record`: 4021 (timeout) when the terminal never learned the
/// authorisation's outcome, 4020 (the response could not be used) when it knows of an
/// approval it will not complete (recovery; docs/domain/payments-and-eid-clients.md §1.5).
pub fn reversal_reason(record: &PaymentRecord) -> ReversalReason {
    if record.payment_id.is_some() {
        ReversalReason::InvalidResponse
    } else {
        ReversalReason::Timeout
    }
}

/// Journals the reversal step: → `Reversing` with `key` (kept when already set). From an
/// approval (recovery), the record says why ([`APPROVAL_FOUND_ON_RECOVERY`]).
pub fn begin_reversal(
    record: &mut PaymentRecord,
    key: String,
    reason: ReversalReason,
    now: UnixTime,
) -> ReversalRequest {
    if matches!(
        record.state,
        PaymentState::Authorised | PaymentState::Capturing
    ) {
        record.decline_reason = Some(APPROVAL_FOUND_ON_RECOVERY.to_owned());
    }
    transition(record, PaymentState::Reversing, now);
    if record.reversal_key.is_none() {
        record.reversal_key = Some(key);
    }
    ReversalRequest {
        original_idempotency_key: record.idempotency_key.clone(),
        reason,
    }
}

/// The answer to an authorisation, capture or void: the acquirer's payment, or a failure.
pub fn on_payment(
    record: &mut PaymentRecord,
    answer: Result<Payment, BackendFailure>,
    now: UnixTime,
) -> Resolution {
    match answer {
        Ok(p) => adopt(record, &p, now),
        Err(f) if f.outcome_unknown() => unknown(record, &f, now),
        Err(f) => refused(record, &f, now),
    }
}

/// The answer to a status query: `Ok(Some)` the payment, `Ok(None)` the acquirer has
/// nothing under the key (404 `not_found`).
pub fn on_status(
    record: &mut PaymentRecord,
    answer: Result<Option<Payment>, BackendFailure>,
    now: UnixTime,
) -> Resolution {
    match answer {
        Ok(Some(p)) if record.recovered && record.state == PaymentState::Authorising => {
            // Recovery found an answer the counter never showed.
            let res = adopt(record, &p, now);
            if matches!(
                record.state,
                PaymentState::Authorised | PaymentState::Captured
            ) {
                record.decline_reason = Some(APPROVAL_FOUND_ON_RECOVERY.to_owned());
                transition(record, PaymentState::Reversing, now);
                return Resolution::Pending;
            }
            res
        }
        Ok(Some(p)) => adopt(record, &p, now),
        Ok(None) if record.state == PaymentState::Authorising => {
            // Never arrived, or still on its way: reverse it so a late arrival cannot charge.
            record.attempts = 0;
            transition(record, PaymentState::Reversing, now);
            Resolution::Pending
        }
        Ok(None) => unknown(
            record,
            &BackendFailure::Malformed {
                detail: "the acquirer does not know a payment it approved".into(),
            },
            now,
        ),
        Err(f) => unknown(record, &f, now),
    }
}

/// The answer to a reversal.
pub fn on_reversal(
    record: &mut PaymentRecord,
    answer: Result<Reversal, BackendFailure>,
    now: UnixTime,
) -> Resolution {
    match answer {
        Ok(Reversal {
            payment: Some(p), ..
        }) => adopt(record, &p, now),
        Ok(Reversal { found: false, .. }) => {
            settle(record, PaymentState::Reversed, now);
            Resolution::Settled {
                state: PaymentState::Reversed,
                code: outcome_code(record),
            }
        }
        Err(f) if cannot_cancel(&f) => {
            // The acquirer says it cannot be reversed (settled: captured on an earlier
            // business day, or no longer in a state to reverse). The shell learns the
            // truth by a status query; an approval recovery found is then kept, and staff
            // are told.
            if record.decline_reason.as_deref() == Some(APPROVAL_FOUND_ON_RECOVERY) {
                record.decline_reason = Some(APPROVAL_SETTLED_ON_RECOVERY.to_owned());
            }
            met(record, failure_name(&f), Some(PaymentMark::CannotCancel));
            record.updated_at = now;
            Resolution::Refused {
                code: refusal_code(&f),
            }
        }
        Ok(Reversal { .. }) => unknown(
            record,
            &BackendFailure::Malformed {
                detail: "a found reversal without its payment".into(),
            },
            now,
        ),
        // Unknown, or refused for a reason that says nothing of the payment (not sent, a
        // 401/403, a 4xx without a problem document): the same reversal again later.
        Err(f) => unknown(record, &f, now),
    }
}

/// Whether `f` is the acquirer saying that the payment cannot be voided or reversed: its
/// problem `invalid_payment_state` (409; docs/DECISIONS.md "Void and reversal of a capture
/// are allowed on its JST business day only"). Nothing else says so: a request not sent,
/// a refusal of the caller (401, 403), or a 4xx/5xx without a problem document leaves the
/// payment as it was, and the step is tried again.
pub fn cannot_cancel(f: &BackendFailure) -> bool {
    matches!(f, BackendFailure::Problem { code, .. } if code == "invalid_payment_state")
}

/// Takes the acquirer's view of the payment as the truth, once it is this sale's
/// ([`super::answer::mismatch`]); an answer about anything else is one that could not be
/// used: the sale stays as it was, in doubt, and the round counts as failed.
pub fn adopt(record: &mut PaymentRecord, p: &Payment, now: UnixTime) -> Resolution {
    if let Some(detail) = super::answer::mismatch(record, p) {
        let res = unknown(
            record,
            &BackendFailure::Malformed {
                detail: String::new(),
            },
            now,
        );
        // What differed is what staff name when they call the acquirer.
        met(record, format!("malformed_answer: {detail}"), None);
        return res;
    }
    adopt_matching(record, p, now)
}

/// [`adopt`] of an answer already found to be this sale's ([`super::answer::mismatch`]
/// said nothing differs), for a caller that checked it first and handled a mismatch its own
/// way (a refund's answer, [`super::on_refund`]): the check is made once.
pub(super) fn adopt_matching(record: &mut PaymentRecord, p: &Payment, now: UnixTime) -> Resolution {
    let today = jst::business_date(now);
    record.payment_id = Some(p.payment_id.clone());
    record.approval_code = p.approval_code.clone().or(record.approval_code.take());
    record.slip_number = Some(p.slip_number);
    record.brand = Some(p.card.brand.clone());
    record.last4 = Some(p.card.last4.clone());
    record.captured_jpy = p.captured_jpy;
    record.refunded_jpy = p.refunded_jpy;
    let state = match p.status {
        PaymentStatus::Authorised => PaymentState::Authorised,
        PaymentStatus::Captured | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded => {
            if record.captured_date.is_none() {
                record.captured_date = Some(today.clone());
            }
            PaymentState::Captured
        }
        PaymentStatus::Voided => PaymentState::Voided,
        PaymentStatus::Reversed => PaymentState::Reversed,
        PaymentStatus::Declined => PaymentState::Declined,
    };
    if matches!(state, PaymentState::Voided | PaymentState::Reversed)
        && record.cancelled_date.is_none()
    {
        record.cancelled_date = Some(today);
    }
    if state == PaymentState::Authorised && void_asked(record) {
        // Staff asked for the void and the acquirer still holds the approval (it refused
        // the void, or has not made it yet): the void again, same key, never the capture.
        // The round did not move the sale on: it counts as failed.
        record.state = PaymentState::Voiding;
        record.attempts += 1;
        record.updated_at = now;
        return Resolution::Pending;
    }
    if state == PaymentState::Authorised && record.state == PaymentState::Capturing {
        // The capture has not happened yet; stay in the capture step (same key).
        record.attempts += 1;
        record.updated_at = now;
        return Resolution::Pending;
    }
    if state == PaymentState::Authorised {
        // On to the capture (or, recovered, the reversal). Back from a void or a reversal
        // the acquirer could not make, this is a failed round, not progress.
        transition(record, state, now);
        return Resolution::Pending;
    }
    settle(record, state, now);
    Resolution::Settled {
        state,
        code: outcome_code(record),
    }
}

/// What staff read about `record` once it settled: [`settled_code`] of its state, or the
/// recovery codes when recovery reversed (or could not reverse) an approval the counter
/// had not shown, or [`Code::VoidNotMade`] for a sale staff asked to void that stayed
/// captured (the acquirer could not void it: it is settled). Staff who asked for a void
/// must read that it was not made and that a refund undoes the sale now, never "the
/// payment went through" ([`Code::PaymentApproved`]) as the answer to their void.
pub fn outcome_code(record: &PaymentRecord) -> Code {
    match (record.state, record.decline_reason.as_deref()) {
        (PaymentState::Reversed, Some(APPROVAL_FOUND_ON_RECOVERY)) => {
            Code::ApprovalReversedOnRecovery
        }
        (PaymentState::Captured, Some(APPROVAL_SETTLED_ON_RECOVERY)) => {
            Code::ApprovalSettledOnRecovery
        }
        (PaymentState::Captured, _) if record.void_key.is_some() => Code::VoidNotMade,
        (state, _) => settled_code(state),
    }
}

/// What staff read about `record` at the end of a drive or a recovery: its outcome once it
/// is final ([`outcome_code`]); until then [`Code::VoidPending`] for a void staff asked for
/// ([`void_asked`]: the void is not made yet, so the customer stays charged until it is; a
/// sale not yet captured is not captured meanwhile), otherwise
/// [`Code::PaymentInDoubt`], whatever the last round met. A refusal of a capture, void or
/// reversal met on the way (it stays in [`PaymentRecord::last_error`]) does not say the
/// customer was not charged: shown as "declined" or "unreachable", it would send them to
/// pay another way while the sale may still be charged (§1.10 rule 2: an unknown outcome
/// is never shown as declined).
pub fn report_code(record: &PaymentRecord) -> Code {
    if record.state.is_final() {
        outcome_code(record)
    } else if void_asked(record) {
        Code::VoidPending
    } else {
        Code::PaymentInDoubt
    }
}

/// What staff read after a recovery that drove `records`: while any of them is not final,
/// [`Code::VoidPending`] when each of those is a void staff asked for ([`void_asked`]: the
/// recovery is what sends it again, and staff keep reading what they read when they asked,
/// [`super::void_held`]), [`Code::PaymentInDoubt`] otherwise; [`Code::NothingInDoubt`] when
/// there was none, [`Code::PaymentsRecovered`] otherwise.
pub fn recovery_code<'a>(records: impl IntoIterator<Item = &'a PaymentRecord>) -> Code {
    let mut any = false;
    let mut open = None;
    for r in records {
        any = true;
        if !r.state.is_final() {
            open = match (open, void_asked(r)) {
                (None | Some(Code::VoidPending), true) => Some(Code::VoidPending),
                _ => Some(Code::PaymentInDoubt),
            };
        }
    }
    match (open, any) {
        (Some(code), _) => code,
        (None, true) => Code::PaymentsRecovered,
        (None, false) => Code::NothingInDoubt,
    }
}

/// What staff read when a sale settles in `state`.
pub fn settled_code(state: PaymentState) -> Code {
    match state {
        PaymentState::Captured => Code::PaymentApproved,
        PaymentState::Declined => Code::PaymentDeclined,
        PaymentState::Voided => Code::PaymentVoided,
        PaymentState::Reversed => Code::PaymentReversed,
        PaymentState::NotSent => Code::PaymentNotSent,
        PaymentState::NotAccepted => Code::PaymentNotAccepted,
        _ => Code::PaymentInDoubt,
    }
}

fn unknown(record: &mut PaymentRecord, f: &BackendFailure, now: UnixTime) -> Resolution {
    record.attempts += 1;
    met(record, failure_name(f), None);
    record.updated_at = now;
    Resolution::Pending
}

fn refused(record: &mut PaymentRecord, f: &BackendFailure, now: UnixTime) -> Resolution {
    let code = refusal_code(f);
    match record.state {
        PaymentState::Authorising
            if matches!(f, BackendFailure::Unreachable { sent: false, .. }) =>
        {
            // Nothing reached the acquirer: nothing was charged, and nobody declined it.
            // Journaled as not sent, so that neither the journal nor the register reads
            // a decline (staff: try again or another way to pay).
            record.decline_reason = Some(failure_reason(f));
            settle(record, PaymentState::NotSent, now);
            Resolution::Settled {
                state: PaymentState::NotSent,
                code: Code::PaymentNotSent,
            }
        }
        PaymentState::Authorising if not_taken(f) => {
            // "Not now" (408, 429): the acquirer did not take the authorisation, so nothing
            // was processed and the same key is safe to send again. The count stays at 0
            // (nothing is in doubt), so the live drive sends it again (`next_action`); the
            // mark lets `end_live_drive` settle it as not sent if it is never taken.
            met(record, failure_reason(f), Some(PaymentMark::NotTaken));
            record.updated_at = now;
            Resolution::Pending
        }
        PaymentState::Authorising if !holder_refusal(f) => {
            // Refused, but not for the card: the terminal's credentials, or a request the
            // acquirer could not take. Nothing was charged and nobody declined the card;
            // journaled as such, so that staff call support instead of telling the
            // customer their card was declined.
            record.decline_reason = Some(failure_reason(f));
            settle(record, PaymentState::NotAccepted, now);
            Resolution::Settled {
                state: PaymentState::NotAccepted,
                code: Code::PaymentNotAccepted,
            }
        }
        PaymentState::Authorising => {
            // The card's (or its holder's) definite refusal: nothing was charged.
            record.decline_reason = Some(failure_reason(f));
            settle(record, PaymentState::Declined, now);
            Resolution::Settled {
                state: PaymentState::Declined,
                code,
            }
        }
        PaymentState::Voiding | PaymentState::Authorised
            if void_asked(record) && !cannot_cancel(f) =>
        {
            // Refused for a reason that says nothing of the payment: the same void (same
            // key) again later, never taken as "cannot be voided".
            unknown(record, f, now)
        }
        _ => {
            // A capture refused, or a void the acquirer cannot make: learn the truth by a
            // status query.
            let mark = cannot_cancel(f).then_some(PaymentMark::CannotCancel);
            met(record, failure_name(f), mark);
            record.updated_at = now;
            Resolution::Refused { code }
        }
    }
}

/// Whether the definite refusal `f` of an authorisation is about the card or its holder:
/// the issuer declined it (`payment_declined`, 402), the customer's confirmation expired or
/// was used (`assertion_expired`, `assertion_replayed`), or the card's payment link is not
/// the holder's (`link_not_owned`). Only these settle a sale as
/// [`PaymentState::Declined`]; any other refusal (the terminal's credentials, a request
/// the acquirer could not take, a code this version does not know) is
/// [`PaymentState::NotAccepted`].
pub fn holder_refusal(f: &BackendFailure) -> bool {
    match f {
        BackendFailure::Problem { status, code, .. } => {
            *status == 402
                || matches!(
                    code.as_str(),
                    "payment_declined"
                        | "assertion_expired"
                        | "assertion_replayed"
                        | "link_not_owned"
                )
        }
        _ => false,
    }
}

/// The code staff see for a definite refusal.
pub fn refusal_code(f: &BackendFailure) -> Code {
    match f {
        BackendFailure::Problem { code, .. } => match code.as_str() {
            "payment_declined" => Code::PaymentDeclined,
            "assertion_expired" | "assertion_replayed" => Code::AssertionExpired,
            "link_not_owned" => Code::LinkNotOwned,
            "invalid_payment_state" => Code::InvalidPaymentState,
            "amount_exceeded" => Code::RefundExceedsCaptured,
            _ => Code::PaymentDeclined,
        },
        BackendFailure::Unreachable { .. } => Code::AcquirerUnavailable,
        BackendFailure::Malformed { .. } | BackendFailure::AnswerLost { .. } => {
            Code::PaymentInDoubt
        }
    }
}

fn failure_name(f: &BackendFailure) -> String {
    match f {
        BackendFailure::Unreachable { sent: true, .. } => "unreachable_after_send".into(),
        BackendFailure::Unreachable { sent: false, .. } => "unreachable".into(),
        BackendFailure::Problem { code, status, .. } => format!("{code} ({status})"),
        BackendFailure::Malformed { .. } => "malformed_answer".into(),
        BackendFailure::AnswerLost { .. } => "answer_lost".into(),
    }
}

pub(super) fn failure_reason(f: &BackendFailure) -> String {
    match f {
        BackendFailure::Problem {
            code,
            reason: Some(r),
            ..
        } => format!("{code}: {r}"),
        other => failure_name(other),
    }
}

/// Moves `record` to `state`. Only a move on starts the count of failed rounds again
/// ([`PaymentRecord::attempts`] back to 0): a move back counts as one more failed round,
/// and a return to a step the sale already left keeps the count ([`moves`]). Without this,
/// a sale the acquirer keeps between two states (a reversal refused as
/// `invalid_payment_state` whose status says `Authorised`, then the reversal again) would
/// reset its count at every round and never reach [`super::MAX_RESOLVE_ATTEMPTS`].
fn transition(record: &mut PaymentRecord, state: PaymentState, now: UnixTime) {
    match moves(record, state) {
        Move::Stays | Move::Returns => {}
        Move::On => {
            record.attempts = 0;
            record.last_error = None;
            record.mark = None;
        }
        Move::Back => record.attempts += 1,
    }
    record.state = state;
    record.updated_at = now;
}

/// What a move of `record` to `state` is to the count of failed rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Move {
    /// Same state: the caller counts (an unknown outcome) or not.
    Stays,
    /// A step the sale had not taken yet, or out of a final state (a step staff begin, a
    /// void), or into one: progress.
    On,
    /// To a state of an earlier stage than the current one (from a void, a reversal or
    /// a capture back to `Authorised`): the round failed.
    Back,
    /// Into a step the sale already took and left (its key is set): not progress.
    Returns,
}

fn moves(record: &PaymentRecord, state: PaymentState) -> Move {
    let from = record.state;
    if from == state {
        Move::Stays
    } else if from.is_final() || state.is_final() {
        Move::On
    } else if stage(state) < stage(from) {
        Move::Back
    } else if step_key(record, state).is_some() {
        Move::Returns
    } else {
        Move::On
    }
}

/// How far along a sale that is not final is: authorising, then approved, then a step on
/// the approval (capture, void, reversal).
fn stage(state: PaymentState) -> u8 {
    match state {
        PaymentState::Authorising => 0,
        PaymentState::Authorised => 1,
        _ => 2,
    }
}

/// The key of step `state`, set when the sale first entered it.
fn step_key(record: &PaymentRecord, state: PaymentState) -> Option<&String> {
    match state {
        PaymentState::Capturing => record.capture_key.as_ref(),
        PaymentState::Voiding => record.void_key.as_ref(),
        PaymentState::Reversing => record.reversal_key.as_ref(),
        _ => None,
    }
}

pub(super) fn settle(record: &mut PaymentRecord, state: PaymentState, now: UnixTime) {
    transition(record, state, now);
    record.attempts = 0;
    record.last_error = None;
    record.mark = None;
}

/// Records what an attempt on `record` met: `error` for people, `mark` for the rules that
/// decide by it (none when no rule does), always together.
fn met(record: &mut PaymentRecord, error: String, mark: Option<PaymentMark>) {
    record.last_error = Some(error);
    record.mark = mark;
}
