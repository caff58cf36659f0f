//! Reversal of an authorisation whose outcome the terminal did not learn
//! (docs/domain/payments-and-eid-clients.md §1.10, rules 3-5).
//!
//! The original key may hold: nothing (the authorisation never arrived, or its answer was
//! pruned), a claim inside its lease (still running: transient `409`), a claim past its
//! lease (it died or is too slow: nothing was committed), a refusal, or a payment. In the
//! first and third cases the reversal leaves a **tombstone** under the original key, so
//! that the late authorisation (or the slow one, at its compare-and-set) charges nothing.

use backend_kit::ApiError;
use counter_api::ProblemCode;
use counter_api::acquirer::{Reversal, ReversalRequest};
use madoguchi_time::UnixTime;
use rusqlite::Transaction;

use super::{Outcome, refusal_problem};
use crate::acquirer::Answer;
use crate::config::KeyRules;
use crate::core::idempotency::{ClaimView, Stored, view};
use crate::core::payment::{self, Amounts};
use crate::core::settlement::business_date;
use crate::http::Terminal;
use crate::store;

/// `None`: the authorisation is still in progress inside its lease (transient).
pub(super) fn reverse(
    tx: &Transaction<'_>,
    t: &Terminal,
    key: &str,
    r: &ReversalRequest,
    now: UnixTime,
    rules: KeyRules,
) -> rusqlite::Result<Option<Outcome>> {
    let original = &r.original_idempotency_key;
    let not_found = Reversal {
        original_idempotency_key: original.clone(),
        found: false,
        payment: None,
    };
    let tombstone = || -> rusqlite::Result<Option<Outcome>> {
        // A late (or slow) authorisation under that key must not charge.
        let late = Answer::problem(&ApiError::new(
            ProblemCode::InvalidPaymentState,
            "this authorisation was reversed before it completed; nothing was charged",
        ));
        store::tombstone(tx, &t.id, original, late.status, &late.body, now)?;
        Ok(Some(Ok((Answer::ok(&not_found), None))))
    };
    let payment_id = match store::stored(tx, &t.id, original)? {
        Some((Stored::InProgress { started_at, .. }, _)) => {
            match view(started_at, now, rules.claim_lease_secs) {
                ClaimView::Running => return Ok(None),
                ClaimView::Expired => return tombstone(),
            }
        }
        None => match store::payment_by_key(tx, &t.id, original)? {
            // The key's answer was pruned; its payment is still here.
            Some(pid) => pid,
            None => return tombstone(),
        },
        Some((Stored::Done { .. }, None)) => return Ok(Some(Ok((Answer::ok(&not_found), None)))),
        Some((Stored::Done { .. }, Some(pid))) => pid,
    };
    let Some((p, date)) = store::payment(tx, &payment_id)? else {
        return Ok(Some(Ok((Answer::ok(&not_found), None))));
    };
    let amounts = Amounts {
        status: p.status,
        amount: p.amount_jpy,
        captured: p.captured_jpy,
        refunded: p.refunded_jpy,
    };
    let next = match payment::reverse(amounts, date == business_date(now)) {
        Ok(n) => n,
        Err(e) => return Ok(Some(Err(refusal_problem(&e)))),
    };
    if next != amounts {
        store::apply(
            tx,
            &payment_id,
            next,
            "reversal",
            p.captured_jpy.max(p.amount_jpy),
            key,
            now,
        )?;
    }
    let payment = store::payment(tx, &payment_id)?.map(|(p, _)| p);
    Ok(Some(Ok((
        Answer::ok(&Reversal {
            original_idempotency_key: original.clone(),
            found: true,
            payment,
        }),
        Some(payment_id),
    ))))
}
