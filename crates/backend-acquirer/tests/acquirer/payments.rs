//! Authorise / capture / void / refund / decline and the settlement totals.

use counter_api::acquirer::{CaptureMode, CaptureRequest, RefundRequest, SettlementTotals};
use serde_json::json;

use crate::support::*;

fn today(env: &Env) -> String {
    backend_acquirer::core::settlement::business_date(env.now())
}

async fn settlement(env: &Env, terminal: &str) -> SettlementTotals {
    settlement_of(env, terminal, &today(env)).await
}

async fn settlement_of(env: &Env, terminal: &str, date: &str) -> SettlementTotals {
    let got = get(
        &env.client(Some(terminal)),
        &env.url(&format!("/v1/settlements/{date}")),
    )
    .await;
    serde_json::from_value(ok(&got)).unwrap()
}

#[tokio::test]
async fn authorise_capture_then_settlement_totals() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let req = env.authorise_req(1_000, TOK_VISA, CaptureMode::Manual);
    let p = ok(&authorise(&env, &new_key(), &req).await);
    assert_eq!(p["status"], "authorised");
    assert_eq!(
        (p["amount_jpy"].as_u64(), p["captured_jpy"].as_u64()),
        (Some(1_000), Some(0))
    );
    assert_eq!(p["card"], json!({"brand": "VISA", "last4": "4242"}));
    assert_eq!(p["terminal_id"], T1);
    assert_eq!(p["approval_code"].as_str().unwrap().len(), 6);
    let id = p["payment_id"].as_str().unwrap();
    assert_eq!(settlement(&env, T1).await.pending_authorisations, 1);

    let url = env.url(&format!("/v1/payments/{id}/capture"));
    let p = ok(&post_key(
        &c,
        &url,
        &new_key(),
        &CaptureRequest {
            amount_jpy: Some(600),
        },
    )
    .await);
    assert_eq!(
        (p["status"].as_str(), p["captured_jpy"].as_u64()),
        (Some("captured"), Some(600))
    );

    let auto = env.authorise_req(2_500, TOK_JCB, CaptureMode::Automatic);
    let p2 = ok(&authorise(&env, &new_key(), &auto).await);
    assert_eq!(
        (p2["status"].as_str(), p2["captured_jpy"].as_u64()),
        (Some("captured"), Some(2_500))
    );
    assert!(p2["slip_number"].as_u64() > p["slip_number"].as_u64());

    let s = settlement(&env, T2).await;
    assert_eq!(s.merchant_id, SHOP_A);
    assert_eq!(s.pending_authorisations, 0);
    let brands: Vec<_> = s
        .brands
        .iter()
        .map(|b| (b.brand.as_str(), b.debit_count, b.debit_jpy))
        .collect();
    assert_eq!(brands, vec![("JCB", 1, 2_500), ("VISA", 1, 600)]);
    // Another merchant sees none of it.
    assert!(settlement(&env, T3).await.brands.is_empty());
    // The journal recorded each step.
    assert!(env.count("SELECT COUNT(*) FROM journal WHERE outcome = 'ok'") >= 3);
}

#[tokio::test]
async fn void_an_authorisation_and_a_same_day_capture() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let a = ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(800, TOK_VISA, CaptureMode::Manual),
    )
    .await);
    let id = a["payment_id"].as_str().unwrap();
    let void = |id: &str| env.url(&format!("/v1/payments/{id}/void"));
    let v = read(
        c.post(void(id))
            .header("Idempotency-Key", new_key())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ok(&v)["status"], "voided");
    let cap = post_key(
        &c,
        &env.url(&format!("/v1/payments/{id}/capture")),
        &new_key(),
        &CaptureRequest { amount_jpy: None },
    )
    .await;
    assert_problem(&cap, 409, "invalid_payment_state");

    let b = ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(900, TOK_VISA, CaptureMode::Automatic),
    )
    .await);
    let id = b["payment_id"].as_str().unwrap();
    let v = read(
        c.post(void(id))
            .header("Idempotency-Key", new_key())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ok(&v)["status"], "voided");
    let s = settlement(&env, T1).await;
    assert_eq!(
        (s.brands[0].cancelled_count, s.brands[0].debit_count),
        (2, 0)
    );
}

#[tokio::test]
async fn refunds_partial_then_full_never_more_than_captured() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let p = ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(1_000, TOK_VISA, CaptureMode::Automatic),
    )
    .await);
    let url = env.url(&format!(
        "/v1/payments/{}/refunds",
        p["payment_id"].as_str().unwrap()
    ));
    let r = ok(&post_key(&c, &url, &new_key(), &RefundRequest { amount_jpy: 300 }).await);
    assert_eq!(
        (r["status"].as_str(), r["refunded_jpy"].as_u64()),
        (Some("partially_refunded"), Some(300))
    );
    let over = post_key(&c, &url, &new_key(), &RefundRequest { amount_jpy: 701 }).await;
    assert_eq!(
        assert_problem(&over, 422, "amount_exceeded")["field"],
        "amount_jpy"
    );
    let r = ok(&post_key(&c, &url, &new_key(), &RefundRequest { amount_jpy: 700 }).await);
    assert_eq!(
        (r["status"].as_str(), r["refunded_jpy"].as_u64()),
        (Some("refunded"), Some(1_000))
    );
    assert_problem(
        &post_key(&c, &url, &new_key(), &RefundRequest { amount_jpy: 1 }).await,
        409,
        "invalid_payment_state",
    );
    // An authorisation not captured cannot be refunded.
    let a = ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(50, TOK_VISA, CaptureMode::Manual),
    )
    .await);
    let url = env.url(&format!(
        "/v1/payments/{}/refunds",
        a["payment_id"].as_str().unwrap()
    ));
    assert_problem(
        &post_key(&c, &url, &new_key(), &RefundRequest { amount_jpy: 50 }).await,
        409,
        "invalid_payment_state",
    );
    let s = settlement(&env, T1).await;
    assert_eq!(
        (s.brands[0].credit_count, s.brands[0].credit_jpy),
        (2, 1_000)
    );
}

/// (debit count, debit yen, credit count, credit yen, cancelled) of the only brand, or
/// zeros when the day has none.
fn money(s: &SettlementTotals) -> (u32, u64, u32, u64, u32) {
    assert!(s.brands.len() <= 1, "{s:?}");
    s.brands.first().map_or((0, 0, 0, 0, 0), |b| {
        (
            b.debit_count,
            b.debit_jpy,
            b.credit_count,
            b.credit_jpy,
            b.cancelled_count,
        )
    })
}

#[tokio::test]
async fn each_operation_counts_on_the_business_day_it_happened() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    // Day D: authorise 1,000 yen (manual capture).
    let d = today(&env);
    let p = ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(1_000, TOK_VISA, CaptureMode::Manual),
    )
    .await);
    let id = p["payment_id"].as_str().unwrap().to_owned();
    let s = settlement_of(&env, T1, &d).await;
    assert_eq!((money(&s), s.pending_authorisations), ((0, 0, 0, 0, 0), 1));

    // Day D+1: capture 800 yen.
    env.clock.advance(86_400);
    let d1 = today(&env);
    assert_ne!(d1, d);
    let got = post_key(
        &c,
        &env.url(&format!("/v1/payments/{id}/capture")),
        &new_key(),
        &CaptureRequest {
            amount_jpy: Some(800),
        },
    )
    .await;
    assert_eq!(ok(&got)["captured_jpy"], 800);

    // Day D+2: refund 300 yen.
    env.clock.advance(86_400);
    let d2 = today(&env);
    let got = post_key(
        &c,
        &env.url(&format!("/v1/payments/{id}/refunds")),
        &new_key(),
        &RefundRequest { amount_jpy: 300 },
    )
    .await;
    assert_eq!(ok(&got)["status"], "partially_refunded");

    // D: no money moved; the authorisation was still open at the end of D.
    let s = settlement_of(&env, T1, &d).await;
    assert_eq!((money(&s), s.pending_authorisations), ((0, 0, 0, 0, 0), 1));
    // D+1: the debit, nothing open at its end.
    let s = settlement_of(&env, T2, &d1).await;
    assert_eq!(
        (money(&s), s.pending_authorisations),
        ((1, 800, 0, 0, 0), 0)
    );
    // D+2: the credit only.
    let s = settlement_of(&env, T1, &d2).await;
    assert_eq!(
        (money(&s), s.pending_authorisations),
        ((0, 0, 1, 300, 0), 0)
    );
}

#[tokio::test]
async fn declines_are_final_and_visible_by_status_query() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let key = new_key();
    let got = authorise(
        &env,
        &key,
        &env.authorise_req(100, TOK_BLOCKED, CaptureMode::Automatic),
    )
    .await;
    assert_eq!(
        assert_problem(&got, 402, "payment_declined")["reason"],
        "do_not_honour"
    );
    let st = ok(&get(
        &c,
        &env.url(&format!("/v1/payments/by-idempotency-key/{key}")),
    )
    .await);
    assert_eq!(st["status"], "declined");
    assert!(st.get("approval_code").is_none());
    let got = authorise(
        &env,
        &new_key(),
        &env.authorise_req(5_001, TOK_JCB, CaptureMode::Automatic),
    )
    .await;
    assert_eq!(
        assert_problem(&got, 402, "payment_declined")["reason"],
        "insufficient_funds"
    );
    let s = settlement(&env, T1).await;
    assert_eq!(s.brands.iter().map(|b| b.declined_count).sum::<u32>(), 2);
}

#[tokio::test]
async fn another_merchants_payment_is_not_found() {
    let env = Env::start().await;
    let p = ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(100, TOK_VISA, CaptureMode::Manual),
    )
    .await);
    let url = env.url(&format!(
        "/v1/payments/{}/capture",
        p["payment_id"].as_str().unwrap()
    ));
    let got = post_key(
        &env.client(Some(T3)),
        &url,
        &new_key(),
        &CaptureRequest { amount_jpy: None },
    )
    .await;
    assert_problem(&got, 404, "not_found");
    let got = post_key(
        &env.client(Some(T1)),
        &env.url("/v1/payments/pay_nope/capture"),
        &new_key(),
        &CaptureRequest { amount_jpy: None },
    )
    .await;
    assert_problem(&got, 404, "not_found");
}

#[tokio::test]
async fn card_tokens_are_registered_by_admin_terminals_only() {
    let env = Env::start().await;
    let t = token("tok_new_1", "MASTERCARD", "4444", None, false);
    let got = read(
        env.client(Some(T2))
            .post(env.url("/v1/admin/card-tokens"))
            .json(&t)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(&got, 403, "forbidden");
    let bad = token("tok_new_2", "VISA", "42424242", None, false);
    let got = read(
        env.client(Some(T1))
            .post(env.url("/v1/admin/card-tokens"))
            .json(&bad)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(assert_problem(&got, 422, "invalid_field")["field"], "last4");
    // A token is registered with its cardholder, a valid one.
    let mut no_birth = token("tok_new_3", "VISA", "4242", None, false);
    no_birth.holder.birth_date = "12 April 1985".into();
    let got = post(
        &env.client(Some(T1)),
        &env.url("/v1/admin/card-tokens"),
        &no_birth,
    )
    .await;
    assert_eq!(
        assert_problem(&got, 422, "invalid_field")["field"],
        "holder.birth_date"
    );
    let mut no_holder = serde_json::to_value(&t).unwrap();
    no_holder.as_object_mut().unwrap().remove("holder");
    let got = post(
        &env.client(Some(T1)),
        &env.url("/v1/admin/card-tokens"),
        &no_holder,
    )
    .await;
    let p = assert_problem(&got, 400, "malformed_request");
    assert!(p["detail"].as_str().unwrap().contains("holder"), "{p}");
    let got = read(
        env.client(Some(T1))
            .post(env.url("/v1/admin/card-tokens"))
            .json(&t)
            .send()
            .await
            .unwrap(),
    )
    .await;
    // The answer never carries the cardholder back.
    assert_eq!(
        ok(&got),
        json!({"card_token_ref": "tok_new_1", "brand": "MASTERCARD", "last4": "4444",
               "blocked": false, "link_dropped": false})
    );
    // A new token pays once the platform has linked it to the holder.
    let req = env.authorise_req(10, "tok_new_1", CaptureMode::Automatic);
    let got = authorise(&env, &new_key(), &req).await;
    assert_problem(&got, 403, "link_not_owned");
    env.link_ok("tok_new_1", SUB).await;
    let p = ok(&authorise(&env, &new_key(), &req).await);
    assert_eq!(p["card"], json!({"brand": "MASTERCARD", "last4": "4444"}));
}
