//! Injected faults and the recoveries the payments note prescribes: a response dropped
//! after commit is recovered by status query with no double charge; an unknown outcome is
//! reversed.

use std::time::Duration;

use counter_api::acquirer::{CaptureMode, FaultKind, FaultPlan, ReversalReason, ReversalRequest};

use crate::support::*;

fn once(kind: FaultKind) -> FaultPlan {
    FaultPlan {
        kind,
        delay_ms: 0,
        times: Some(1),
    }
}

#[tokio::test]
async fn a_response_dropped_after_commit_is_recovered_without_a_double_charge() {
    let env = Env::start().await;
    set_faults(&env, once(FaultKind::DropResponse)).await;
    let key = new_key();
    let req = env.authorise_req(3_300, TOK_VISA, CaptureMode::Automatic);
    let c = env.client(Some(T1));
    // No status line arrives: the connection closes before any answer.
    let lost = c
        .post(env.url("/v1/payments"))
        .header("Idempotency-Key", &key)
        .json(&req)
        .send()
        .await;
    assert!(
        lost.is_err(),
        "the answer should have been dropped: {lost:?}"
    );
    // The terminal queries the status: the payment is there.
    let st = ok(&get(
        &c,
        &env.url(&format!("/v1/payments/by-idempotency-key/{key}")),
    )
    .await);
    assert_eq!(st["status"], "captured");
    // And a retry with the same key gets the same payment, not a second charge.
    let again = ok(&authorise(&env, &key, &req).await);
    assert_eq!(again["payment_id"], st["payment_id"]);
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
    assert_eq!(env.count("SELECT SUM(captured_jpy) FROM payments"), 3_300);
}

#[tokio::test]
async fn a_server_error_stores_nothing_and_the_retry_proceeds() {
    let env = Env::start().await;
    // In-process mode: the fault plan is set on the running server directly.
    env.running
        .acquirer()
        .set_faults(once(FaultKind::ServerError));
    let key = new_key();
    let req = env.authorise_req(100, TOK_VISA, CaptureMode::Automatic);
    assert_problem(&authorise(&env, &key, &req).await, 503, "unavailable");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
    ok(&authorise(&env, &key, &req).await);
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
}

#[tokio::test]
async fn an_injected_in_progress_answer_is_resolved_by_status_query() {
    let env = Env::start().await;
    set_faults(&env, once(FaultKind::InProgress)).await;
    let key = new_key();
    let req = env.authorise_req(100, TOK_VISA, CaptureMode::Manual);
    assert_problem(
        &authorise(&env, &key, &req).await,
        409,
        "request_in_progress",
    );
    let st = ok(&get(
        &env.client(Some(T1)),
        &env.url(&format!("/v1/payments/by-idempotency-key/{key}")),
    )
    .await);
    assert_eq!(st["status"], "authorised");
    assert_eq!(
        ok(&authorise(&env, &key, &req).await)["payment_id"],
        st["payment_id"]
    );
}

#[tokio::test]
async fn faults_are_set_by_admin_terminals_only_and_checked() {
    let env = Env::start().await;
    let r = env
        .client(Some(T2))
        .put(env.url("/v1/admin/faults"))
        .json(&once(FaultKind::ServerError))
        .send()
        .await
        .unwrap();
    assert_problem(&read(r).await, 403, "forbidden");
    let too_long = FaultPlan {
        kind: FaultKind::Delay,
        delay_ms: 60_001,
        times: None,
    };
    let r = env
        .client(Some(T1))
        .put(env.url("/v1/admin/faults"))
        .json(&too_long)
        .send()
        .await
        .unwrap();
    assert_problem(&read(r).await, 422, "invalid_field");
}

async fn reverse(env: &Env, key: &str, original: &str) -> Got {
    let body = ReversalRequest {
        original_idempotency_key: original.into(),
        reason: ReversalReason::Timeout,
    };
    post_key(&env.client(Some(T1)), &env.url("/v1/reversals"), key, &body).await
}

#[tokio::test]
async fn an_unknown_outcome_is_reversed_idempotently() {
    let env = Env::start().await;
    set_faults(&env, once(FaultKind::DropResponse)).await;
    let key = new_key();
    let req = env.authorise_req(2_000, TOK_VISA, CaptureMode::Automatic);
    let c = env.client(Some(T1));
    let lost = async {
        c.post(env.url("/v1/payments"))
            .header("Idempotency-Key", &key)
            .json(&req)
            .send()
            .await?
            .text()
            .await
    }
    .await;
    assert!(lost.is_err());
    let rk = new_key();
    let r = ok(&reverse(&env, &rk, &key).await);
    assert_eq!(
        (r["found"].as_bool(), r["payment"]["status"].as_str()),
        (Some(true), Some("reversed"))
    );
    assert_eq!(ok(&reverse(&env, &rk, &key).await), r);
    // A second reversal (another key) finds it already reversed.
    assert_eq!(
        ok(&reverse(&env, &new_key(), &key).await)["payment"]["status"],
        "reversed"
    );
    let st = ok(&get(
        &c,
        &env.url(&format!("/v1/payments/by-idempotency-key/{key}")),
    )
    .await);
    assert_eq!(st["status"], "reversed");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
}

#[tokio::test]
async fn reversing_a_key_that_never_arrived_blocks_a_late_authorisation() {
    let env = Env::start().await;
    let key = new_key();
    let r = ok(&reverse(&env, &new_key(), &key).await);
    assert_eq!(r["found"], false);
    let late = authorise(
        &env,
        &key,
        &env.authorise_req(500, TOK_VISA, CaptureMode::Automatic),
    )
    .await;
    assert_problem(&late, 409, "invalid_payment_state");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
}

#[tokio::test]
async fn a_reversal_waits_for_an_authorisation_in_progress() {
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
    let first = {
        let (c, url, key, req) = (
            env.client(Some(T1)),
            env.url("/v1/payments"),
            key.clone(),
            env.authorise_req(10, TOK_VISA, CaptureMode::Manual),
        );
        tokio::spawn(async move { post_key(&c, &url, &key, &req).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rk = new_key();
    assert_problem(&reverse(&env, &rk, &key).await, 409, "request_in_progress");
    ok(&first.await.unwrap());
    // The same reversal key works once the authorisation is done (nothing was stored).
    assert_eq!(
        ok(&reverse(&env, &rk, &key).await)["payment"]["status"],
        "reversed"
    );
}

#[tokio::test]
async fn a_claim_left_by_a_crash_is_taken_over_after_the_lease() {
    let env = Env::start().await;
    let key = new_key();
    let mut req = env.authorise_req(900, TOK_VISA, CaptureMode::Automatic);
    // A request that claimed its key and died before committing (the process crashed):
    // only the claim is in the database, nothing was charged.
    let fp = backend_acquirer::operations::Operation::Authorise(req.clone()).fingerprint();
    let db = rusqlite::Connection::open(env.dir.path().join("acquirer.sqlite")).unwrap();
    db.execute(
        "INSERT INTO idempotency (terminal_id, idempotency_key, fingerprint, state, started_at)
         VALUES (?1, ?2, ?3, 'in_progress', ?4)",
        rusqlite::params![T1, key, fp, env.now()],
    )
    .unwrap();
    assert_problem(
        &authorise(&env, &key, &req).await,
        409,
        "request_in_progress",
    );
    let lease = backend_acquirer::config::DEFAULT_CLAIM_LEASE_SECS;
    env.clock.advance(lease + 1);
    // The terminal retries with the same key (a fresh assertion: the first one expired).
    req.assertion = env.assertion(T1, SHOP_A, 900, TOK_VISA);
    let p = ok(&authorise(&env, &key, &req).await);
    assert_eq!(p["status"], "captured");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
}

#[tokio::test]
async fn payments_keys_and_used_assertions_survive_a_restart() {
    let mut env = Env::start().await;
    let key = new_key();
    let req = env.authorise_req(1_500, TOK_VISA, CaptureMode::Automatic);
    let first = ok(&authorise(&env, &key, &req).await);
    let s = settings(
        env.dir.path(),
        &env.server_ca,
        &env.terminal_ca,
        &env.signer,
    );
    let clock = env.clock.clone();
    let old = std::mem::replace(
        &mut env.running,
        backend_acquirer::start_in_process(s, std::sync::Arc::new(clock))
            .await
            .unwrap(),
    );
    old.shutdown().await;
    env.base = format!("https://localhost:{}", env.running.addr().port());
    let st = ok(&get(
        &env.client(Some(T1)),
        &env.url(&format!("/v1/payments/by-idempotency-key/{key}")),
    )
    .await);
    assert_eq!(st, first);
    assert_eq!(ok(&authorise(&env, &key, &req).await), first);
    assert_problem(
        &authorise(&env, &new_key(), &req).await,
        409,
        "assertion_replayed",
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
}
