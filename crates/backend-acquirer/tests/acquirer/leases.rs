//! Claims with a lease everywhere: a claim whose request died (the acquirer was killed
//! inside it, or it outlived its lease) is "not done" for the status query and the
//! reversal once its lease ends, a reversal leaves its tombstone so the late request can
//! charge nothing, and a restart resolves every claim left by the previous process.

use counter_api::acquirer::{
    AuthoriseRequest, CaptureMode, FaultKind, FaultPlan, ReversalReason, ReversalRequest,
};

use crate::support::*;

/// The claim a request leaves when the acquirer dies inside it: claimed (committed at
/// once), never answered. Written as the dead process left it.
fn dead_claim(env: &Env, terminal: &str, key: &str, started_at: madoguchi_time::UnixTime) {
    let c = rusqlite::Connection::open(env.dir.path().join("acquirer.sqlite")).unwrap();
    c.execute(
        "INSERT INTO idempotency (terminal_id, idempotency_key, fingerprint, state, started_at)
         VALUES (?1, ?2, 'f-dead', 'in_progress', ?3)",
        rusqlite::params![terminal, key, started_at],
    )
    .unwrap();
}

fn status_url(env: &Env, key: &str) -> String {
    env.url(&format!("/v1/payments/by-idempotency-key/{key}"))
}

#[tokio::test]
async fn a_dead_claim_is_not_done_once_its_lease_ends_and_a_reversal_tombstones_it() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let key = new_key();
    dead_claim(&env, T1, &key, env.now());
    // Inside the lease the request may still be running: "in progress", not a decline.
    assert_problem(
        &get(&c, &status_url(&env, &key)).await,
        409,
        "request_in_progress",
    );
    env.clock.advance(120);
    // Past the lease nothing can commit under it any more: nothing was charged.
    let gone = assert_problem(&get(&c, &status_url(&env, &key)).await, 404, "not_found");
    assert_eq!(gone["reason"], "claim_expired", "{gone}");
    let reversal = ReversalRequest {
        original_idempotency_key: key.clone(),
        reason: ReversalReason::Timeout,
    };
    let rev = ok(&post_key(&c, &env.url("/v1/reversals"), &new_key(), &reversal).await);
    assert_eq!(rev["found"], false, "{rev}");
    // The tombstone: a late authorisation under the key charges nothing.
    let late = env.authorise_req(500, TOK_VISA, CaptureMode::Automatic);
    assert_problem(
        &authorise(&env, &key, &late).await,
        409,
        "invalid_payment_state",
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
}

#[tokio::test]
async fn a_reversal_of_a_dead_claim_past_its_lease_leaves_a_tombstone() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let key = new_key();
    dead_claim(&env, T1, &key, env.now().minus_secs(121));
    let reversal = ReversalRequest {
        original_idempotency_key: key.clone(),
        reason: ReversalReason::Timeout,
    };
    let rev = ok(&post_key(&c, &env.url("/v1/reversals"), &new_key(), &reversal).await);
    assert_eq!(rev["found"], false, "{rev}");
    let late = env.authorise_req(500, TOK_VISA, CaptureMode::Automatic);
    assert_problem(
        &authorise(&env, &key, &late).await,
        409,
        "invalid_payment_state",
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
}

#[tokio::test]
async fn a_restart_resolves_the_claims_the_dead_process_left() {
    let mut env = Env::start().await;
    let key = new_key();
    dead_claim(&env, T1, &key, env.now());
    let s = env.settings();
    env.restart(s).await;
    // No lease to wait for: the process that held the claim is gone, and so is the claim.
    assert_eq!(
        env.count("SELECT COUNT(*) FROM journal WHERE action = 'claims_released_at_start'"),
        1
    );
    assert_problem(
        &get(&env.client(Some(T1)), &status_url(&env, &key)).await,
        404,
        "not_found",
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM idempotency WHERE state = 'in_progress'"),
        0
    );
}

/// Sends `req` under `key` in the background (a Delay fault holds it), and waits until
/// its claim is in the database.
async fn held(env: &Env, key: &str, req: &AuthoriseRequest) -> tokio::task::JoinHandle<Got> {
    set_faults(
        env,
        FaultPlan {
            kind: FaultKind::Delay,
            delay_ms: 1_500,
            times: Some(1),
        },
    )
    .await;
    let (c, url, key2, req) = (
        env.client(Some(T1)),
        env.url("/v1/payments"),
        key.to_owned(),
        req.clone(),
    );
    let task = tokio::spawn(async move { post_key(&c, &url, &key2, &req).await });
    let sql = format!(
        "SELECT COUNT(*) FROM idempotency WHERE idempotency_key = '{key}' AND state = 'in_progress'"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while env.count(&sql) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the claim never appeared"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    task
}

#[tokio::test]
async fn a_request_that_outlives_its_lease_commits_nothing_after_a_reversal() {
    let env = Env::start().await;
    let key = new_key();
    let slow = held(
        &env,
        &key,
        &env.authorise_req(700, TOK_VISA, CaptureMode::Manual),
    )
    .await;
    env.clock.advance(120);
    let reversal = ReversalRequest {
        original_idempotency_key: key.clone(),
        reason: ReversalReason::Timeout,
    };
    let c = env.client(Some(T1));
    let rev = ok(&post_key(&c, &env.url("/v1/reversals"), &new_key(), &reversal).await);
    assert_eq!(rev["found"], false, "{rev}");
    // The slow request wakes, does its work, and fails its compare-and-set: it answers
    // with the tombstone, and its payment, operations and used assertion are rolled back.
    assert_problem(&slow.await.unwrap(), 409, "invalid_payment_state");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM operations"), 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM used_assertions"), 0);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM journal WHERE outcome = 'lease_lost'"),
        1
    );
}

#[tokio::test]
async fn a_status_query_past_the_lease_is_a_promise_that_nothing_was_charged() {
    let env = Env::start().await;
    let key = new_key();
    let slow = held(
        &env,
        &key,
        &env.authorise_req(800, TOK_VISA, CaptureMode::Manual),
    )
    .await;
    env.clock.advance(120);
    let c = env.client(Some(T1));
    let gone = assert_problem(&get(&c, &status_url(&env, &key)).await, 404, "not_found");
    assert_eq!(gone["reason"], "claim_expired", "{gone}");
    // The slow request cannot make that answer false: it commits nothing and says so with
    // an outcome the terminal resolves by a status query (503), never a decline.
    assert_problem(&slow.await.unwrap(), 503, "unavailable");
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 0);
    assert_problem(&get(&c, &status_url(&env, &key)).await, 404, "not_found");
}

#[tokio::test]
async fn a_retry_that_takes_an_expired_claim_over_is_the_only_one_to_charge() {
    let env = Env::start().await;
    let key = new_key();
    let req = env.authorise_req(900, TOK_VISA, CaptureMode::Manual);
    let slow = held(&env, &key, &req).await;
    env.clock.advance(120);
    // The retry: same parameters, a fresh assertion (the first one expired meanwhile).
    let mut retry = req.clone();
    retry.assertion = env.assertion(T1, SHOP_A, 900, TOK_VISA);
    let p = ok(&authorise(&env, &key, &retry).await);
    assert_eq!(p["status"], "authorised");
    // The slow one lost its claim: it answers what the key holds, the same payment.
    assert_eq!(ok(&slow.await.unwrap()), p);
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
}

#[tokio::test]
async fn keys_and_tombstones_are_pruned_after_the_retention_and_payments_stay_found() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let paid = new_key();
    let req = env.authorise_req(1_000, TOK_VISA, CaptureMode::Automatic);
    let payment = ok(&authorise(&env, &paid, &req).await);
    let unknown = new_key();
    let reversal = ReversalRequest {
        original_idempotency_key: unknown.clone(),
        reason: ReversalReason::Timeout,
    };
    ok(&post_key(&c, &env.url("/v1/reversals"), &new_key(), &reversal).await);
    assert_eq!(env.count("SELECT COUNT(*) FROM idempotency"), 3);
    // Inside the retention nothing goes (the check runs at most hourly, on requests).
    env.clock.advance(34 * 86_400);
    ok(&get(&c, &status_url(&env, &paid)).await);
    ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(10, TOK_VISA, CaptureMode::Automatic),
    )
    .await);
    assert_eq!(env.count("SELECT COUNT(*) FROM idempotency"), 4);
    env.clock.advance(2 * 86_400);
    ok(&authorise(
        &env,
        &new_key(),
        &env.authorise_req(20, TOK_VISA, CaptureMode::Automatic),
    )
    .await);
    // The three keys older than 35 days are gone: the payment's, the reversal's and the
    // tombstone; the two recent ones stay.
    assert_eq!(env.count("SELECT COUNT(*) FROM idempotency"), 2);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM journal WHERE action = 'keys_pruned' AND reason = '3'"),
        1
    );
    // The payment is still found by its key, and its key cannot charge again.
    let st = ok(&get(&c, &status_url(&env, &paid)).await);
    assert_eq!(st["payment_id"], payment["payment_id"]);
    let mut again = req.clone();
    again.assertion = env.assertion(T1, SHOP_A, 1_000, TOK_VISA);
    assert_problem(
        &authorise(&env, &paid, &again).await,
        422,
        "idempotency_key_mismatch",
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM payments WHERE amount_jpy = 1000"),
        1
    );
}
