//! The payment operations: their field rules, their fingerprints, and their execution in
//! one transaction with the answer stored for the key.

use backend_kit::ApiError;
use counter_api::acquirer::{
    AuthoriseRequest, CaptureMode, CaptureRequest, PaymentStatus, RefundRequest, Reversal,
    ReversalRequest,
};
use counter_api::ident::check_id;
use counter_api::platform::{ChallengePurpose, ServiceData};
use counter_api::{Problem, ProblemCode};
use rusqlite::{Connection, Transaction};

use crate::acquirer::{Acquirer, Answer, DeferredReplay, approval_code, random_id};
use crate::core::idempotency::{REVERSED_TOMBSTONE, Stored, check_key, fingerprint};
use crate::core::payment::{self, Amounts, IssuerAnswer, Refusal};
use crate::core::settlement::business_date;
use crate::http::Terminal;
use crate::store::{self, NewPayment};

/// The largest amount accepted (yen): a counter payment above a billion yen is a typo.
pub const MAX_AMOUNT_JPY: u64 = 1_000_000_000;

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
}

fn field(name: &str, detail: impl Into<String>) -> ApiError {
    ApiError::from(Problem::new(ProblemCode::InvalidField, detail).with_field(name))
}

fn check_amount(name: &str, a: u64) -> Result<(), ApiError> {
    if a == 0 || a > MAX_AMOUNT_JPY {
        return Err(field(name, "the amount is 1 to 1,000,000,000 yen"));
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

/// Runs `op` for terminal `t` under `key` (already claimed) in one transaction that also
/// stores the answer.
pub fn execute(
    a: &Acquirer,
    conn: &mut Connection,
    t: &Terminal,
    key: &str,
    op: &Operation,
    now: i64,
) -> rusqlite::Result<Executed> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let result = match op {
        Operation::Authorise(r) => authorise(a, &tx, t, key, r, now)?,
        Operation::Capture(id, r) => change(&tx, t, key, id, now, "capture", |p, _| {
            payment::capture(p, r.amount_jpy).map(|n| (n, n.captured))
        })?,
        Operation::Void(id) => change(&tx, t, key, id, now, "void", |p, same_day| {
            payment::void(p, same_day).map(|n| (n, 0))
        })?,
        Operation::Refund(id, r) => change(&tx, t, key, id, now, "refund", |p, _| {
            payment::refund(p, r.amount_jpy).map(|n| (n, r.amount_jpy))
        })?,
        Operation::Reverse(r) => match reverse(&tx, t, key, r, now)? {
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
    store::finish(
        &tx,
        &t.id,
        key,
        &op.fingerprint(),
        answer.status,
        &answer.body,
        payment_id.as_deref(),
        now,
    )?;
    tx.commit()?;
    Ok(Executed::Final(answer, payment_id))
}

type Outcome = Result<(Answer, Option<String>), ApiError>;

fn forbidden(field: &str, reason: &str, detail: &str) -> ApiError {
    ApiError::from(
        Problem::new(ProblemCode::Forbidden, detail)
            .with_field(field)
            .with_reason(reason),
    )
}

fn authorise(
    a: &Acquirer,
    tx: &Transaction<'_>,
    t: &Terminal,
    key: &str,
    r: &AuthoriseRequest,
    now: i64,
) -> rusqlite::Result<Outcome> {
    let claims = match a.verifier.verify(&r.assertion, now, &mut DeferredReplay) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Err(ApiError::from(
                Problem::new(e.problem_code(), e.to_string()).with_field("assertion"),
            )));
        }
    };
    let ctx = &claims.ctx;
    let refusal = if ctx.purpose != ChallengePurpose::Payment {
        Some(forbidden(
            "assertion",
            "assertion_not_for_payment",
            "the assertion was not issued for a payment",
        ))
    } else if ctx.terminal_id != t.id {
        Some(forbidden(
            "assertion",
            "assertion_other_terminal",
            "the assertion was issued to another terminal",
        ))
    } else if ctx.merchant_id.as_deref() != Some(r.merchant_id.as_str()) {
        Some(forbidden(
            "merchant_id",
            "assertion_context_mismatch",
            "the merchant differs from the one the customer agreed to pay",
        ))
    } else if ctx.amount_jpy != Some(r.amount_jpy) {
        Some(forbidden(
            "amount_jpy",
            "assertion_context_mismatch",
            "the amount differs from the one the customer agreed to",
        ))
    } else if r.merchant_id != t.merchant_id {
        Some(forbidden(
            "merchant_id",
            "merchant_not_of_terminal",
            "this terminal takes payments for another merchant",
        ))
    } else {
        None
    };
    if let Some(e) = refusal {
        return Ok(Err(e));
    }
    let ServiceData::Payment { card_token_ref } = &claims.svc else {
        return Ok(Err(forbidden(
            "assertion",
            "assertion_not_for_payment",
            "the assertion carries no card token",
        )));
    };
    if !store::first_use(tx, &claims.iss, &claims.jti, claims.exp + 60, now)? {
        return Ok(Err(ApiError::from(
            Problem::new(
                ProblemCode::AssertionReplayed,
                "this assertion was used for another payment: identify the customer again",
            )
            .with_field("assertion"),
        )));
    }
    let Some(token) = store::token(tx, card_token_ref)? else {
        return Ok(Err(ApiError::from(
            Problem::new(
                ProblemCode::NotEnrolled,
                "the card token linked to this customer is not registered at this acquirer",
            )
            .with_reason("card_token_unknown"),
        )));
    };
    let ids = random_id("pay_").and_then(|id| approval_code().map(|c| (id, c)));
    let (payment_id, code) = match ids {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let answer = payment::issuer_answer(token.blocked, token.limit_jpy, r.amount_jpy);
    let amounts = match (&answer, r.capture) {
        (IssuerAnswer::Declined(_), _) => Amounts {
            status: PaymentStatus::Declined,
            amount: r.amount_jpy,
            captured: 0,
            refunded: 0,
        },
        (IssuerAnswer::Approved, CaptureMode::Manual) => Amounts {
            status: PaymentStatus::Authorised,
            amount: r.amount_jpy,
            captured: 0,
            refunded: 0,
        },
        (IssuerAnswer::Approved, CaptureMode::Automatic) => Amounts {
            status: PaymentStatus::Captured,
            amount: r.amount_jpy,
            captured: r.amount_jpy,
            refunded: 0,
        },
    };
    let approved = matches!(answer, IssuerAnswer::Approved);
    store::insert_payment(
        tx,
        &NewPayment {
            payment_id: &payment_id,
            terminal_id: &t.id,
            idempotency_key: key,
            merchant_id: &r.merchant_id,
            order_ref: &r.order_ref,
            subject: &claims.sub,
            card_token_ref,
            token: &token,
            amounts,
            approval_code: approved.then_some(code.as_str()),
            business_date: &business_date(now),
            now,
        },
    )?;
    let captured = amounts.captured;
    store::apply(
        tx,
        &payment_id,
        amounts,
        if approved { "authorise" } else { "decline" },
        r.amount_jpy,
        key,
        now,
    )?;
    if let IssuerAnswer::Declined(reason) = answer {
        let e = ApiError::from(
            Problem::new(
                ProblemCode::PaymentDeclined,
                format!("the issuer declined payment {payment_id}; ask for another payment method"),
            )
            .with_reason(reason),
        );
        return Ok(Ok((Answer::problem(&e), Some(payment_id))));
    }
    if captured > 0 {
        store::apply(tx, &payment_id, amounts, "capture", captured, key, now)?;
    }
    let Some((p, _)) = store::payment(tx, &payment_id)? else {
        return Err(rusqlite::Error::QueryReturnedNoRows);
    };
    Ok(Ok((Answer::ok(&p), Some(payment_id))))
}

/// Loads the terminal merchant's payment `id`, applies `f` (new amounts and the amount of
/// the operation) and answers the payment.
fn change(
    tx: &Transaction<'_>,
    t: &Terminal,
    key: &str,
    id: &str,
    now: i64,
    kind: &str,
    f: impl FnOnce(Amounts, bool) -> Result<(Amounts, u64), Refusal>,
) -> rusqlite::Result<Outcome> {
    let Some((p, date)) = store::payment(tx, id)?.filter(|(p, _)| p.merchant_id == t.merchant_id)
    else {
        return Ok(Err(ApiError::from(
            Problem::new(
                ProblemCode::NotFound,
                "no payment of this merchant has this id",
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

/// `None`: the authorisation is still in progress (transient).
fn reverse(
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
