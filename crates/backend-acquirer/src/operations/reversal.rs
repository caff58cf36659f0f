//! Reversal of an authorisation whose outcome the terminal did not learn
//! (payments-and-eid-clients.md §1.10, rules 3-5).

use backend_kit::ApiError;
use counter_api::ProblemCode;
use counter_api::acquirer::{Reversal, ReversalRequest};
use rusqlite::Transaction;

use super::{Outcome, refusal_problem};
use crate::acquirer::Answer;
use crate::core::idempotency::{REVERSED_TOMBSTONE, Stored};
use crate::core::payment::{self, Amounts};
use crate::core::settlement::business_date;
use crate::http::Terminal;
use crate::store;

/// `None`: the authorisation is still in progress (transient).
pub(super) fn reverse(
    tx: &Transaction<'_>,
    t: &Terminal,
    key: &str,
    r: &ReversalRequest,
    now: i64,
) -> rusqlite::Result<Option<Outcome>> {
    let original = &r.original_idempotency_key;
    let not_found = Reversal {
        original_idempotency_key: original.clone(),
        found: false,
        payment: None,
    };
    let payment_id = match store::stored(tx, &t.id, original)? {
        Some((Stored::InProgress { .. }, _)) => return Ok(None),
        None => {
            // Nothing arrived under that key: a late authorisation under it must not charge.
            let late = Answer::problem(&ApiError::new(
                ProblemCode::InvalidPaymentState,
                "this authorisation was reversed before it arrived; nothing was charged",
            ));
            store::finish(
                tx,
                &t.id,
                original,
                REVERSED_TOMBSTONE,
                late.status,
                &late.body,
                None,
                now,
            )?;
            return Ok(Some(Ok((Answer::ok(&not_found), None))));
        }
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
