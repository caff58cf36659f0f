//! The payment operations: their field rules, their fingerprints, and their execution in
//! one transaction with the answer stored for the key.

use backend_kit::ApiError;
use counter_api::acquirer::{
    AuthoriseRequest, CaptureRequest, Payment, RefundRequest, ReversalRequest,
};
use counter_api::ident::check_id;
use counter_api::{Problem, ProblemCode};
use madoguchi_time::UnixTime;
use rusqlite::{Connection, Transaction};

use crate::acquirer::{Acquirer, Answer};
use crate::core::idempotency::{check_key, fingerprint};
use crate::core::payment::{self, Amounts, Refusal};
use crate::core::settlement::business_date;
use crate::http::Terminal;
use crate::store;

/// The largest amount accepted (yen): the most a payment challenge can bind (the
/// contract's [`counter_api::platform::MAX_AMOUNT_JPY`]), so no capture or refund above what
/// an authorisation can hold passes the field rules.
pub const MAX_AMOUNT_JPY: u64 = counter_api::platform::MAX_AMOUNT_JPY;

/// A payment request that changes money, with its key.
#[derive(Clone, Debug)]
pub enum Operation {
    /// `POST /v1/payments`.
    Authorise(AuthoriseRequest),
    /// `POST /v1/payments/{id}/capture`.
    Capture(String, CaptureRequest),
    /// `POST /v1/payments/{id}/void`.
    Void(String),
    /// `POST /v1/payments/{id}/refunds`.
    Refund(String, RefundRequest),
    /// `POST /v1/reversals`.
    Reverse(ReversalRequest),
}

/// What running an operation gave.
#[derive(Clone, Debug)]
pub enum Executed {
    /// Stored for the key and committed.
    Final(Answer, Option<String>),
    /// Nothing stored: the key's claim is released and a retry runs again.
    Transient(Answer),
    /// The request lost its claim before it could commit (its lease ended and the key
    /// was released, tombstoned or taken over): everything it did is rolled back.
    LeaseLost,
}

pub(crate) fn field(name: &str, detail: impl Into<String>) -> ApiError {
    ApiError::from(Problem::new(ProblemCode::InvalidField, detail).with_field(name))
}

fn check_amount(name: &str, a: u64) -> Result<(), ApiError> {
    if a == 0 || a > MAX_AMOUNT_JPY {
        return Err(field(
            name,
            format!("the amount is 1 to {MAX_AMOUNT_JPY} yen"),
        ));
    }
    Ok(())
}

impl Operation {
    /// The journal name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Authorise(_) => "authorise",
            Self::Capture(..) => "capture",
            Self::Void(_) => "void",
            Self::Refund(..) => "refund",
            Self::Reverse(_) => "reversal",
        }
    }

    /// Field rules (a refusal here is not stored for the key).
    pub fn validate(&self) -> Result<(), ApiError> {
        match self {
            Self::Authorise(r) => {
                if r.assertion.is_empty() || r.assertion.len() > 8192 {
                    return Err(field(
                        "assertion",
                        "the platform's assertion (compact JWS, at most 8 KiB)",
                    ));
                }
                check_id("merchant_id", &r.merchant_id)
                    .map_err(|e| field("merchant_id", e.to_string()))?;
                check_amount("amount_jpy", r.amount_jpy)?;
                if r.order_ref.is_empty()
                    || r.order_ref.len() > 64
                    || r.order_ref.chars().any(char::is_control)
                {
                    return Err(field(
                        "order_ref",
                        "the order reference is 1-64 bytes without control characters",
                    ));
                }
            }
            Self::Capture(id, r) => {
                check_payment_id(id)?;
                if let Some(a) = r.amount_jpy {
                    check_amount("amount_jpy", a)?;
                }
            }
            Self::Void(id) => check_payment_id(id)?,
            Self::Refund(id, r) => {
                check_payment_id(id)?;
                check_amount("amount_jpy", r.amount_jpy)?;
            }
            Self::Reverse(r) => check_key(&r.original_idempotency_key)
                .map_err(|e| field("original_idempotency_key", e))?,
        }
        Ok(())
    }

    /// The request's fingerprint (parameters without the assertion).
    pub fn fingerprint(&self) -> String {
        match self {
            Self::Authorise(r) => fingerprint(
                "authorise",
                "",
                &(&r.merchant_id, r.amount_jpy, &r.order_ref, r.capture),
            ),
            Self::Capture(id, r) => fingerprint("capture", id, r),
            Self::Void(id) => fingerprint("void", id, &()),
            Self::Refund(id, r) => fingerprint("refund", id, r),
            Self::Reverse(r) => fingerprint("reversal", "", r),
        }
    }
}

fn check_payment_id(id: &str) -> Result<(), ApiError> {
    check_id("payment_id", id).map_err(|e| {
        ApiError::from(Problem::new(ProblemCode::NotFound, e.to_string()).with_field("payment_id"))
    })
}

/// Runs `op` for terminal `t` under `key` (claimed with the token `claim`) in one
/// transaction that also stores the answer, if the claim is still ours when it commits.
pub fn execute(
    a: &Acquirer,
    conn: &mut Connection,
    t: &Terminal,
    key: &str,
    claim: i64,
    op: &Operation,
    now: UnixTime,
) -> rusqlite::Result<Executed> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let result = match op {
        Operation::Authorise(r) => authorise::authorise(&tx, t, key, r, now)?,
        Operation::Capture(id, r) => change(&tx, t, key, id, now, "capture", |p, _| {
            payment::capture(p, r.amount_jpy).map(|n| (n, n.captured))
        })?,
        Operation::Void(id) => change(&tx, t, key, id, now, "void", |p, same_day| {
            payment::void(p, same_day).map(|n| (n, 0))
        })?,
        Operation::Refund(id, r) => change(&tx, t, key, id, now, "refund", |p, _| {
            payment::refund(p, r.amount_jpy).map(|n| (n, r.amount_jpy))
        })?,
        Operation::Reverse(r) => match reversal::reverse(&tx, t, key, r, now, a.keys)? {
            Some(done) => done,
            None => {
                drop(tx);
                return Ok(Executed::Transient(Answer::problem(&ApiError::new(
                    ProblemCode::RequestInProgress,
                    "the authorisation to reverse is still being processed: query its status, then reverse",
                ))));
            }
        },
    };
    let (answer, payment_id) = match result {
        Ok((answer, pid)) => (answer, pid),
        Err(e) => (Answer::problem(&e), None),
    };
    let ours = store::finish(
        &tx,
        &t.id,
        key,
        claim,
        answer.status,
        &answer.body,
        payment_id.as_deref(),
        now,
    )?;
    if !ours {
        // Dropping `tx` rolls back the payment, its operations and the used `jti`.
        return Ok(Executed::LeaseLost);
    }
    tx.commit()?;
    Ok(Executed::Final(answer, payment_id))
}

/// An operation's answer and the payment it concerns, or its refusal.
pub(crate) type Outcome = Result<(Answer, Option<String>), ApiError>;

mod authorise;
mod reversal;

/// Whether terminal `t` may change payment `p`: the terminal that authorised it, or any
/// terminal of its merchant.
///
/// The terminal that made a payment keeps it when a reload moves the terminal to another
/// merchant: the reversal and the status query find it by the terminal's key, and a
/// sale in doubt at that moment is captured, voided or refunded through the same terminal.
/// The operation stays the payment's merchant's (the payment row keeps its merchant, and
/// settlement counts the operation there), which is where the money was authorised.
fn may_change(p: &Payment, t: &Terminal) -> bool {
    p.terminal_id == t.id || p.merchant_id == t.merchant_id
}

/// Loads payment `id` if the terminal may change it ([`may_change`]), applies `f` (new
/// amounts and the amount of the operation) and answers the payment.
fn change(
    tx: &Transaction<'_>,
    t: &Terminal,
    key: &str,
    id: &str,
    now: UnixTime,
    kind: &str,
    f: impl FnOnce(Amounts, bool) -> Result<(Amounts, u64), Refusal>,
) -> rusqlite::Result<Outcome> {
    let Some((p, date)) = store::payment(tx, id)?.filter(|(p, _)| may_change(p, t)) else {
        return Ok(Err(ApiError::from(
            Problem::new(
                ProblemCode::NotFound,
                "no payment of this terminal or of its merchant has this id: check the \
                 payment id the authorisation answered",
            )
            .with_field("payment_id"),
        )));
    };
    let amounts = Amounts {
        status: p.status,
        amount: p.amount_jpy,
        captured: p.captured_jpy,
        refunded: p.refunded_jpy,
    };
    let (next, amount) = match f(amounts, date == business_date(now)) {
        Ok(v) => v,
        Err(r) => return Ok(Err(refusal_problem(&r))),
    };
    store::apply(tx, id, next, kind, amount, key, now)?;
    let Some((p, _)) = store::payment(tx, id)? else {
        return Err(rusqlite::Error::QueryReturnedNoRows);
    };
    Ok(Ok((Answer::ok(&p), Some(p.payment_id))))
}

/// The problem of a state-machine refusal.
pub fn refusal_problem(r: &Refusal) -> ApiError {
    match r {
        Refusal::InvalidState { .. } | Refusal::Settled => {
            ApiError::new(ProblemCode::InvalidPaymentState, r.to_string())
        }
        Refusal::AmountExceeded { .. } => ApiError::from(
            Problem::new(ProblemCode::AmountExceeded, r.to_string()).with_field("amount_jpy"),
        ),
        Refusal::ZeroAmount => field("amount_jpy", r.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use counter_api::acquirer::{CaptureMode, ReversalReason};
    use proptest::prelude::*;

    use super::*;
    use crate::core::settlement::check_date;

    proptest! {
        /// Outside input never panics the field rules, and the fingerprint is a function of
        /// the parameters alone (not of the assertion).
        #[test]
        fn field_rules_never_panic(
            merchant in ".{0,80}",
            order in ".{0,80}",
            assertion in ".{0,40}",
            key in ".{0,300}",
            amount in any::<u64>(),
        ) {
            let r = AuthoriseRequest {
                assertion: assertion.clone(),
                merchant_id: merchant.clone(),
                amount_jpy: amount,
                order_ref: order.clone(),
                capture: CaptureMode::Manual,
            };
            let _ = Operation::Authorise(r.clone()).validate();
            let other = AuthoriseRequest { assertion: format!("{assertion}x"), ..r.clone() };
            prop_assert_eq!(
                Operation::Authorise(r).fingerprint(),
                Operation::Authorise(other).fingerprint()
            );
            let _ = Operation::Capture(merchant.clone(), CaptureRequest { amount_jpy: Some(amount) }).validate();
            let _ = Operation::Refund(order.clone(), RefundRequest { amount_jpy: amount }).validate();
            let _ = Operation::Void(key.clone()).validate();
            let _ = Operation::Reverse(ReversalRequest {
                original_idempotency_key: key.clone(),
                reason: ReversalReason::Timeout,
            })
            .validate();
            let _ = check_key(&key);
            let _ = check_date(&key);
        }
    }
}
