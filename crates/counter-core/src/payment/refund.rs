//! Refunds of captured sales: each refund its own record and idempotency key, the sum of
//! refunds never above what was captured (docs/domain/payments-and-eid-clients.md §1.10 "settled →
//! REFUND_PENDING (each refund its own key; Σrefunds ≤ captured)").
//!
//! Contract: [`begin_refund`] checks and makes the `Refunding` record, which the shell
//! journals before sending `POST /v1/payments/{payment_id}/refunds` with the record's key;
//! the answer goes to [`on_refund`]. A record left `Refunding` is retried with the same key
//! (idempotent at the acquirer) until the answer is definite; a refund that was never sent
//! (the connection failed before it left) is retried the same way, never refused. Each
//! round that does not settle it counts ([`RefundRecord::attempts`]), and after
//! [`super::MAX_RESOLVE_ATTEMPTS`] of them staff are asked to call the acquirer
//! ([`super::refund_unresolved`]). A refund still unsettled past the terminal's recovery
//! horizon is never sent again: the acquirer may have forgotten its key, and it would be
//! made twice ([`super::retry_refund`], `horizon`'s module documentation).

use counter_api::acquirer::{Payment, RefundRequest};
use madoguchi_time::jst;

use super::machine::adopt_matching;
use super::record::{PaymentRecord, PaymentState, RefundRecord, RefundState};
use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;

/// Checks a refund of `amount_jpy` on `payment` (with the refunds already journaled) and
/// returns the record to journal.
pub fn begin_refund(
    payment: &PaymentRecord,
    existing: &[RefundRecord],
    id: String,
    key: String,
    amount_jpy: u64,
    now: UnixTime,
) -> Result<RefundRecord, Code> {
    if payment.state != PaymentState::Captured {
        return Err(if payment.state.in_doubt() {
            Code::PaymentInDoubt
        } else {
            Code::InvalidPaymentState
        });
    }
    if existing.iter().any(|r| r.state == RefundState::Refunding) {
        return Err(Code::PaymentBusy);
    }
    let already: u64 = existing
        .iter()
        .filter(|r| r.state == RefundState::Refunded)
        .map(|r| r.amount_jpy)
        .sum::<u64>()
        .max(payment.refunded_jpy);
    if amount_jpy == 0 || amount_jpy > payment.captured_jpy.saturating_sub(already) {
        return Err(Code::RefundExceedsCaptured);
    }
    Ok(RefundRecord {
        id,
        payment: payment.id.clone(),
        idempotency_key: key,
        amount_jpy,
        state: RefundState::Refunding,
        business_date: jst::business_date(now),
        reason: None,
        created_at: now,
        updated_at: now,
        attempts: 0,
        version: 0,
    })
}

/// The request for a journaled refund.
pub fn refund_request(refund: &RefundRecord) -> RefundRequest {
    RefundRequest {
        amount_jpy: refund.amount_jpy,
    }
}

/// The answer to a refund: the refund settles (or stays in doubt) and the sale takes the
/// acquirer's refunded total. Returns the code to show, `None` while in doubt.
pub fn on_refund(
    refund: &mut RefundRecord,
    payment: &mut PaymentRecord,
    answer: Result<Payment, BackendFailure>,
    now: UnixTime,
) -> Option<Code> {
    refund.updated_at = now;
    match answer {
        Ok(p) => match super::answer::mismatch(payment, &p) {
            Some(detail) => {
                // Not this sale's payment: the refund's outcome is still unknown.
                refund.attempts += 1;
                refund.reason = Some(format!("{detail}; retrying with the same key"));
                None
            }
            None => {
                adopt_matching(payment, &p, now);
                refund.state = RefundState::Refunded;
                refund.reason = None;
                Some(Code::RefundDone)
            }
        },
        Err(BackendFailure::Unreachable { sent: false, .. }) => {
            // The request never left (the connection failed before any of it reached the
            // acquirer): nothing was refunded, and the same key is safe to send again. So it
            // stays pending and is retried, never a final refusal; counted as a round that
            // did not settle it, so that a connection that stays refused reaches staff
            // (`refund_unresolved`).
            refund.attempts += 1;
            refund.reason = Some(
                "not sent (the connection failed before it left); retrying with the same key"
                    .into(),
            );
            None
        }
        Err(f) if f.outcome_unknown() => {
            // Counted, so that staff are asked to call the acquirer once it has stayed
            // unknown too long (`refund_unresolved`); retried meanwhile.
            refund.attempts += 1;
            refund.reason = Some("outcome unknown; retrying with the same key".into());
            None
        }
        Err(f) if !f.refused() => {
            // "Not now" (408, 429) or a server's error that refused nothing
            // (`BackendFailure::refused`): sent again unchanged it may be made, so the same
            // key again later, counted like an unknown outcome; never a final refusal.
            refund.attempts += 1;
            refund.reason = Some(match &f {
                BackendFailure::Problem { status, code, .. } => {
                    format!("{code} ({status}): not now; retrying with the same key")
                }
                other => format!("{other:?}; retrying with the same key"),
            });
            None
        }
        Err(f) => {
            let code = refund_refusal_code(&f);
            refund.state = RefundState::Refused;
            refund.reason = Some(match &f {
                BackendFailure::Problem { code, detail, .. } => format!("{code}: {detail}"),
                other => format!("{other:?}"),
            });
            Some(code)
        }
    }
}

/// What staff read when the acquirer refused a refund for good ([`BackendFailure::refused`]):
/// the refusal's problem code read through `refused_refund_code`. A failure that is never
/// a refusal for good (retried, not shown) is named [`Code::RefundNotAccepted`] so that the
/// table has an answer for every failure.
pub fn refund_refusal_code(f: &BackendFailure) -> Code {
    match f {
        BackendFailure::Problem { code, .. } => refused_refund_code(code),
        BackendFailure::Unreachable { .. }
        | BackendFailure::Malformed { .. }
        | BackendFailure::AnswerLost { .. } => Code::RefundNotAccepted,
    }
}

/// The one table from a refused refund's code (the acquirer's problem code, or the code
/// staff's answer is journaled under) to what staff read: a refusal about the sale says so
/// (`invalid_payment_state`: already refunded, voided or not refundable; `amount_exceeded`:
/// more than what is left of the capture); staff's "not refunded" for a held refund
/// ([`super::STAFF_NOT_REFUNDED`]) is [`Code::HeldRefundRecordedNotRefunded`], the
/// acquirer's record showing none ([`super::RECORD_SHOWS_NONE`]) is
/// [`Code::HeldRefundFoundNotRefunded`]; any other
/// (the terminal's credentials, 401/403, a request the acquirer could not take, a code this
/// version does not know) is [`Code::RefundNotAccepted`]: nothing was refunded and the sale
/// stays charged, which "declined" would not tell staff (a refund is never the card's
/// decline).
fn refused_refund_code(code: &str) -> Code {
    match code {
        "invalid_payment_state" => Code::InvalidPaymentState,
        "amount_exceeded" => Code::RefundExceedsCaptured,
        super::STAFF_NOT_REFUNDED => Code::HeldRefundRecordedNotRefunded,
        super::RECORD_SHOWS_NONE => Code::HeldRefundFoundNotRefunded,
        _ => Code::RefundNotAccepted,
    }
}

/// What staff read about `refund` at the end of a drive that did not settle it, or when the
/// drive yields it to another writer: [`Code::RefundDone`] once made; its refusal's code
/// once refused (read from [`RefundRecord::reason`], which [`on_refund`] starts with the
/// acquirer's problem code); while still `Refunding`, [`Code::PaymentUnresolved`] once it is
/// [`super::refund_unresolved`] at `now` (staff call the acquirer, naming it; a refund past
/// the recovery horizon is one, [`super::refund_held`]) and [`Code::RefundPending`] before.
/// Never [`Code::PaymentInDoubt`]: its advice ("do not ask the customer to pay again") is
/// about a sale, not a refund.
pub fn refund_report_code(refund: &RefundRecord, now: UnixTime) -> Code {
    match refund.state {
        RefundState::Refunded => Code::RefundDone,
        RefundState::Refunding if super::refund_unresolved(refund, now) => Code::PaymentUnresolved,
        RefundState::Refunding => Code::RefundPending,
        RefundState::Refused => {
            let code = refund
                .reason
                .as_deref()
                .and_then(|r| r.split_once(':'))
                .map_or("", |(code, _)| code);
            refused_refund_code(code)
        }
    }
}

/// What staff read after a recovery that drove `sales` (each sale's record after it), when
/// `refunds_before` refunds were in doubt before it and `refunds_open` are still `Refunding`
/// after it, at `now`: the sales' code ([`super::recovery_code`]) while a sale is open; else, while a
/// refund is open, a refund's ([`refund_report_code`]: [`Code::PaymentUnresolved`] when one
/// is unresolved, else [`Code::RefundPending`]), never [`Code::NothingInDoubt`] beside a
/// refund staff were told is pending (they might pay it back another way); else
/// [`Code::PaymentsRecovered`] when it drove a sale or a refund, [`Code::NothingInDoubt`]
/// when there was nothing to drive.
pub fn recovery_report_code<'a>(
    sales: impl IntoIterator<Item = &'a PaymentRecord>,
    refunds_before: usize,
    refunds_open: &[RefundRecord],
    now: UnixTime,
) -> Code {
    let code = super::recovery_code(sales);
    if code != Code::PaymentsRecovered && code != Code::NothingInDoubt {
        return code;
    }
    let open = refunds_open
        .iter()
        .filter(|r| r.state == RefundState::Refunding)
        .map(|r| refund_report_code(r, now))
        .max_by_key(|c| *c == Code::PaymentUnresolved);
    match open {
        Some(code) => code,
        None if refunds_before > 0 => Code::PaymentsRecovered,
        None => code,
    }
}
