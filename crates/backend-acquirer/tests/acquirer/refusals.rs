//! Each assertion refusal, terminal authentication, and malformed input (4xx problems,
//! never a 500).

use counter_api::acquirer::CaptureMode;
use counter_api::platform::ChallengePurpose;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn assertion_refusals_have_their_codes() {
    let env = Env::start().await;
    let mut req = env.authorise_req(1_000, TOK_VISA, CaptureMode::Automatic);

    let mut claims = env.claims(T1, SHOP_A, 1_000, TOK_VISA);
    claims.aud = "acq-other".into();
    req.assertion = env.signer.sign(&claims).unwrap();
    assert_problem(
        &authorise(&env, &new_key(), &req).await,
        403,
        "assertion_wrong_audience",
    );

    req.assertion = env
        .other_signer
        .sign(&env.claims(T1, SHOP_A, 1_000, TOK_VISA))
        .unwrap();
    assert_problem(
        &authorise(&env, &new_key(), &req).await,
        403,
        "assertion_untrusted_issuer",
    );

    req.assertion = "not.a.jws".into();
    assert_problem(
        &authorise(&env, &new_key(), &req).await,
        401,
        "assertion_invalid",
    );

    req.assertion = env.assertion(T1, SHOP_A, 1_000, TOK_VISA);
    env.clock.advance(200);
    assert_problem(
        &authorise(&env, &new_key(), &req).await,
        401,
        "assertion_expired",
    );
    env.clock.advance(-200);

    // Replay: the same assertion under a second key.
    req.assertion = env.assertion(T1, SHOP_A, 1_000, TOK_VISA);
    ok(&authorise(&env, &new_key(), &req).await);
    assert_problem(
        &authorise(&env, &new_key(), &req).await,
        409,
        "assertion_replayed",
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
}

#[tokio::test]
async fn the_assertion_must_match_merchant_amount_terminal_and_purpose() {
    let env = Env::start().await;
    let base = env.authorise_req(1_000, TOK_VISA, CaptureMode::Automatic);
    let check = |field: &'static str, reason: &'static str| {
        move |got: Got| {
            let p = assert_problem(&got, 403, "forbidden");
            assert_eq!(
                (p["field"].as_str(), p["reason"].as_str()),
                (Some(field), Some(reason)),
                "{p}"
            );
        }
    };
    let mut r = base.clone();
    r.amount_jpy = 1_001;
    check("amount_jpy", "assertion_context_mismatch")(authorise(&env, &new_key(), &r).await);
    let mut r = base.clone();
    r.assertion = env.assertion(T1, SHOP_B, 1_000, TOK_VISA);
    check("merchant_id", "assertion_context_mismatch")(authorise(&env, &new_key(), &r).await);
    let mut r = base.clone();
    r.assertion = env.assertion(T2, SHOP_A, 1_000, TOK_VISA);
    check("assertion", "assertion_other_terminal")(authorise(&env, &new_key(), &r).await);
    let mut claims = env.claims(T1, SHOP_A, 1_000, TOK_VISA);
    claims.ctx.purpose = ChallengePurpose::Identify;
    let mut r = base.clone();
    r.assertion = env.signer.sign(&claims).unwrap();
    check("assertion", "assertion_not_for_payment")(authorise(&env, &new_key(), &r).await);
    // A terminal of shop-b paying to shop-a with an assertion made for shop-a.
    let mut r = base.clone();
    r.assertion = env.assertion(T3, SHOP_A, 1_000, TOK_VISA);
    let got = post_key(
        &env.client(Some(T3)),
        &env.url("/v1/payments"),
        &new_key(),
        &r,
    )
    .await;
    check("merchant_id", "merchant_not_of_terminal")(got);
    // A card token this acquirer does not hold.
    let r = env.authorise_req(1_000, "tok_unknown", CaptureMode::Automatic);
    assert_problem(&authorise(&env, &new_key(), &r).await, 404, "not_enrolled");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
    // The refused assertion of a mismatch was not used up: the right request goes through.
    ok(&authorise(&env, &new_key(), &base).await);
}

#[tokio::test]
async fn terminals_are_authenticated_by_client_certificate() {
    let env = Env::start().await;
    let req = env.authorise_req(1, TOK_VISA, CaptureMode::Automatic);
    let got = post_key(
        &env.client(None),
        &env.url("/v1/payments"),
        &new_key(),
        &req,
    )
    .await;
    assert_problem(&got, 401, "terminal_unauthenticated");
    let got = post_key(
        &env.client(Some("stranger")),
        &env.url("/v1/payments"),
        &new_key(),
        &req,
    )
    .await;
    assert_problem(&got, 403, "terminal_unknown");
    assert!(env.count("SELECT COUNT(*) FROM journal WHERE outcome = 'terminal_unknown'") >= 1);
}

#[tokio::test]
async fn malformed_input_gets_4xx_problems() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let url = env.url("/v1/payments");
    let req = env.authorise_req(1, TOK_VISA, CaptureMode::Automatic);
    let got = read(c.post(&url).json(&req).send().await.unwrap()).await;
    assert_problem(&got, 400, "idempotency_key_missing");
    let got = post_key(&c, &url, "has space", &req).await;
    assert_problem(&got, 400, "idempotency_key_missing");
    let got = post_key(&c, &url, &"k".repeat(256), &req).await;
    assert_problem(&got, 400, "idempotency_key_missing");
    let send = |body: &'static str, ct: &'static str| {
        let c = c.clone();
        let url = url.clone();
        async move {
            read(
                c.post(&url)
                    .header("Idempotency-Key", new_key())
                    .header("content-type", ct)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    assert_problem(
        &send("{", "application/json").await,
        400,
        "malformed_request",
    );
    assert_problem(
        &send("{}", "application/json").await,
        400,
        "malformed_request",
    );
    assert_problem(
        &send("{}", "text/plain").await,
        415,
        "unsupported_media_type",
    );
    let mut v = serde_json::to_value(&req).unwrap();
    v["surprise"] = json!(1);
    assert_problem(
        &post_key(&c, &url, &new_key(), &v).await,
        400,
        "malformed_request",
    );
    let mut v = serde_json::to_value(&req).unwrap();
    v["amount_jpy"] = json!(-5);
    assert_problem(
        &post_key(&c, &url, &new_key(), &v).await,
        400,
        "malformed_request",
    );
    for (field, value) in [
        ("amount_jpy", json!(0)),
        ("amount_jpy", json!(1_000_000_001u64)),
        ("merchant_id", json!("shop a")),
        ("order_ref", json!("")),
        ("assertion", json!("")),
    ] {
        let mut v = serde_json::to_value(&req).unwrap();
        v[field] = value;
        let p = assert_problem(
            &post_key(&c, &url, &new_key(), &v).await,
            422,
            "invalid_field",
        );
        assert_eq!(p["field"], field);
    }
    let huge = json!({"assertion": "x".repeat(20_000), "merchant_id": SHOP_A, "amount_jpy": 1, "order_ref": "o", "capture": "automatic"});
    assert_problem(
        &post_key(&c, &url, &new_key(), &huge).await,
        413,
        "payload_too_large",
    );
    let got = post_key(
        &c,
        &env.url("/v1/payments/pay_x/refunds"),
        &new_key(),
        &json!({"amount_jpy": 0}),
    )
    .await;
    assert_problem(&got, 422, "invalid_field");
    let got = post_key(
        &c,
        &env.url("/v1/payments/pay_x/capture"),
        &new_key(),
        &json!({"amount_jpy": "ten"}),
    )
    .await;
    assert_problem(&got, 400, "malformed_request");
    let got = post_key(
        &c,
        &env.url("/v1/reversals"),
        &new_key(),
        &json!({"original_idempotency_key": "", "reason": "timeout"}),
    )
    .await;
    assert_problem(&got, 422, "invalid_field");
    let got = post_key(
        &c,
        &env.url("/v1/reversals"),
        &new_key(),
        &json!({"original_idempotency_key": "k", "reason": "bored"}),
    )
    .await;
    assert_problem(&got, 400, "malformed_request");
    // The last does not decode to text: refused like the others, with the field named.
    for bad in ["2026-13-01", "yesterday", "2026-1-1", "%FF%FE"] {
        let got = get(&c, &env.url(&format!("/v1/settlements/{bad}"))).await;
        assert_eq!(assert_problem(&got, 422, "invalid_field")["field"], "date");
    }
    // Nor do these a payment id or a key: no such payment, nothing under that key.
    let void = env.url("/v1/payments/%FF/void");
    assert_problem(
        &post_key(&c, &void, &new_key(), &json!({})).await,
        404,
        "not_found",
    );
    let status = env.url("/v1/payments/by-idempotency-key/%FF");
    assert_problem(&get(&c, &status).await, 404, "not_found");
    assert_problem(&get(&c, &env.url("/v1/nowhere")).await, 404, "not_found");
    assert_problem(&get(&c, &url).await, 405, "method_not_allowed");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM idempotency"), 0);
}
