//! Authorisation: the platform's payment assertion checked against the request and the
//! terminal, the token owned by the assertion's subject, its `jti` used once, the demo
//! issuer's answer, the payment written.

use backend_kit::ApiError;
use counter_api::acquirer::{AuthoriseRequest, CaptureMode, PaymentStatus};
use counter_api::platform::{ChallengePurpose, ServiceData};
use counter_api::{Problem, ProblemCode};
use madoguchi_time::UnixTime;
use rusqlite::Transaction;

use super::Outcome;
use crate::acquirer::{Answer, DeferredReplay, approval_code, random_id};
use crate::core::ownership::may_pay;
use crate::core::payment::{self, Amounts, IssuerAnswer};
use crate::core::settlement::business_date;
use crate::http::Terminal;
use crate::store::{self, NewPayment};

fn forbidden(field: &str, reason: &str, detail: &str) -> ApiError {
    ApiError::from(
        Problem::new(ProblemCode::Forbidden, detail)
            .with_field(field)
            .with_reason(reason),
    )
}

pub(super) fn authorise(
    tx: &Transaction<'_>,
    t: &Terminal,
    key: &str,
    r: &AuthoriseRequest,
    now: UnixTime,
) -> rusqlite::Result<Outcome> {
    if let Some(pid) = store::payment_by_key(tx, &t.id, key)? {
        // The key's stored answer was pruned (older than the retention), its payment is
        // still here: never a second payment under one key.
        return Ok(Err(ApiError::new(
            ProblemCode::IdempotencyKeyMismatch,
            format!(
                "this idempotency key was used for payment {pid} longer ago than the acquirer \
                 keeps answers: use a new key for a new payment"
            ),
        )));
    }
    let claims = match t
        .in_force
        .verifier
        .verify(&r.assertion, now, &mut DeferredReplay)
    {
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
    // The token must be linked to this holder on this platform. Checked before
    // the `jti` is recorded: a refused request does not use the customer's assertion up.
    // An unknown token keeps its answer below (after the `jti`, as before).
    let token = store::token(tx, card_token_ref)?;
    if let Some(t) = &token
        && !may_pay(t.owner.as_ref(), &claims.sub, &claims.iss)
    {
        return Ok(Err(ApiError::from(
            Problem::new(
                ProblemCode::LinkNotOwned,
                "the card token this customer named is not linked to them (never confirmed \
                 for them, linked to another holder since, or released): the card must be \
                 enrolled again at the counter",
            )
            .with_field("assertion")
            .with_reason("token_not_owned"),
        )));
    }
    if !store::first_use(tx, &claims.iss, &claims.jti, claims.exp.plus_secs(60), now)? {
        return Ok(Err(ApiError::from(
            Problem::new(
                ProblemCode::AssertionReplayed,
                "this assertion was used for another payment: identify the customer again",
            )
            .with_field("assertion"),
        )));
    }
    let Some(token) = token else {
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
