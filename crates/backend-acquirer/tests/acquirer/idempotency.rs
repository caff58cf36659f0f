//! Idempotency over the wire: retried, concurrent and mismatched requests.

use std::time::Duration;

use counter_api::acquirer::{CaptureMode, CaptureRequest, FaultKind, FaultPlan};

use crate::support::*;

#[tokio::test]
async fn a_retry_gets_the_first_answer_and_charges_once() {
    let env = Env::start().await;
    let key = new_key();
    let req = env.authorise_req(1_200, TOK_VISA, CaptureMode::Automatic);
    let first = ok(&authorise(&env, &key, &req).await);
    let again = ok(&authorise(&env, &key, &req).await);
    assert_eq!(first, again);
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
    // A capture retried is captured once.
    let m = ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(300, TOK_VISA, CaptureMode::Manual),
    )
    .await);
    let url = env.url(&format!(
        "/v1/payments/{}/capture",
        m["payment_id"].as_str().unwrap()
    ));
    let ck = new_key();
    let c = env.client(Some(T1));
    let a = ok(&post_key(&c, &url, &ck, &CaptureRequest { amount_jpy: None }).await);
    let b = ok(&post_key(&c, &url, &ck, &CaptureRequest { amount_jpy: None }).await);
    assert_eq!(a, b);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM operations WHERE kind = 'capture'"),
        2
    );
}

#[tokio::test]
async fn errors_are_replayed_too() {
    let env = Env::start().await;
    let key = new_key();
    let req = env.authorise_req(100, TOK_BLOCKED, CaptureMode::Automatic);
    let first = authorise(&env, &key, &req).await;
    assert_problem(&first, 402, "payment_declined");
    assert_eq!(authorise(&env, &key, &req).await.2, first.2);
    // A refusal of the assertion is stored as well: the retry gets it, not a new check.
    let key = new_key();
    let mut bad = env.authorise_req(100, TOK_VISA, CaptureMode::Automatic);
    bad.amount_jpy = 99;
    let first = authorise(&env, &key, &bad).await;
    assert_problem(&first, 403, "forbidden");
    assert_eq!(authorise(&env, &key, &bad).await.2, first.2);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM payments WHERE status != 'declined'"),
        0
    );
}

#[tokio::test]
async fn the_same_key_with_other_parameters_is_refused() {
    let env = Env::start().await;
    let key = new_key();
    ok(&authorise(
        &env,
        &key,
        &env.authorise_req(1_000, TOK_VISA, CaptureMode::Automatic),
    )
    .await);
    let other = env.authorise_req(1_001, TOK_VISA, CaptureMode::Automatic);
    assert_problem(
        &authorise(&env, &key, &other).await,
        422,
        "idempotency_key_mismatch",
    );
    // The key of an authorisation reused for a capture is another request too.
    let p = ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(10, TOK_VISA, CaptureMode::Manual),
    )
    .await);
    let url = env.url(&format!(
        "/v1/payments/{}/capture",
        p["payment_id"].as_str().unwrap()
    ));
    let got = post_key(
        &env.client(Some(T1)),
        &url,
        &key,
        &CaptureRequest { amount_jpy: None },
    )
    .await;
    assert_problem(&got, 422, "idempotency_key_mismatch");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 2);
}

#[tokio::test]
async fn concurrent_duplicates_charge_once() {
    let env = Env::start().await;
    set_faults(
        &env,
        FaultPlan {
            kind: FaultKind::Delay,
            delay_ms: 1_000,
            times: None,
        },
    )
    .await;
    let key = new_key();
    let req = env.authorise_req(4_000, TOK_VISA, CaptureMode::Automatic);
    let c = env.client(Some(T1));
    let url = env.url("/v1/payments");
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (c, url, key, req) = (c.clone(), url.clone(), key.clone(), req.clone());
        tasks.push(tokio::spawn(
            async move { post_key(&c, &url, &key, &req).await },
        ));
    }
    let mut approved = Vec::new();
    let mut in_progress = 0;
    for t in tasks {
        let got = t.await.unwrap();
        if got.0.as_u16() == 200 {
            approved.push(got.2["payment_id"].as_str().unwrap().to_owned());
        } else {
            assert_problem(&got, 409, "request_in_progress");
            in_progress += 1;
        }
    }
    assert!(
        !approved.is_empty() && in_progress > 0,
        "{approved:?} {in_progress}"
    );
    approved.dedup();
    assert_eq!(approved.len(), 1);
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
    assert_eq!(
        env.count("SELECT COALESCE(SUM(captured_jpy), 0) FROM payments"),
        4_000
    );
}

#[tokio::test]
async fn in_progress_is_not_a_decline_and_status_follows() {
    let env = Env::start().await;
    set_faults(
        &env,
        FaultPlan {
            kind: FaultKind::Delay,
            delay_ms: 2_000,
            times: Some(1),
        },
    )
    .await;
    let key = new_key();
    let req = env.authorise_req(700, TOK_VISA, CaptureMode::Automatic);
    let first = {
        let (c, url, key, req) = (
            env.client(Some(T1)),
            env.url("/v1/payments"),
            key.clone(),
            req.clone(),
        );
        tokio::spawn(async move { post_key(&c, &url, &key, &req).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_problem(
        &authorise(&env, &key, &req).await,
        409,
        "request_in_progress",
    );
    let status_url = env.url(&format!("/v1/payments/by-idempotency-key/{key}"));
    let c = env.client(Some(T1));
    assert_problem(&get(&c, &status_url).await, 409, "request_in_progress");
    let p = ok(&first.await.unwrap());
    let st = ok(&get(&c, &status_url).await);
    assert_eq!(
        (st["payment_id"].clone(), st["status"].as_str()),
        (p["payment_id"].clone(), Some("captured"))
    );
    // A key nothing arrived under: nothing was charged.
    let nothing = get(&c, &env.url("/v1/payments/by-idempotency-key/never-sent")).await;
    assert_problem(&nothing, 404, "not_found");
    // Keys are per terminal: another terminal's status query does not see it.
    assert_problem(
        &get(&env.client(Some(T2)), &status_url).await,
        404,
        "not_found",
    );
}
