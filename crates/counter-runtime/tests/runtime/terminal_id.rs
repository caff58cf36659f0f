//! A terminal id with `:`, which the backends allow (`counter_api::ident`): the sale's
//! idempotency key is made of it, and the status query that resolves an unknown outcome
//! must carry that key to the real acquirer (percent-encoded in the URL path).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use counter_api::acquirer::{FaultKind, FaultPlan};
use counter_api::assertion::{AssertionClaims, AssertionContext};
use counter_api::platform::{ChallengePurpose, ServiceData};
use counter_core::Code;
use counter_core::payment::PaymentState;
use counter_runtime::clock::{Clock, SystemClock};
use counter_runtime::payments::{Payments, RetryPolicy};
use counter_store::Store;

use crate::support::*;

const COLON_TERMINAL: &str = "clinic:till-1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_authorisation_at_a_terminal_id_with_a_colon_is_resolved_by_status_query() {
    let env = Env::start_as(COLON_TERMINAL).await;
    env.link_token("sub-colon").await;
    // The configuration check takes the id (the backends' rule).
    let cfg = env.config();
    assert_eq!(cfg.file.terminal_id, COLON_TERMINAL);
    let t = &cfg.file.tls;
    let read = |p: &std::path::Path| std::fs::read(p).unwrap();
    let tls =
        counter_runtime::tls::client_config(&read(&t.ca), &read(&t.certificate), &read(&t.key))
            .unwrap();
    let mut endpoints = env.backends().endpoints().clone();
    endpoints.timeout = Duration::from_millis(400);
    let backends = counter_runtime::http::Backends::new(tls, endpoints).unwrap();
    let store = Arc::new(Mutex::new(Store::open(env.db()).unwrap()));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let payments = Payments::new(store, backends, clock.clone(), COLON_TERMINAL, MERCHANT)
        .with_policy(RetryPolicy {
            max_rounds: 30,
            first_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(200),
        });

    let amount = 1_200;
    let now = clock.now();
    let claims = AssertionClaims {
        iss: PLATFORM.into(),
        aud: ACQUIRER.into(),
        sub: "sub-colon".into(),
        jti: "jti-colon-1".into(),
        iat: now,
        exp: now.plus_secs(120),
        ctx: AssertionContext {
            purpose: ChallengePurpose::Payment,
            terminal_id: COLON_TERMINAL.into(),
            challenge_id: "chl_colon_1".into(),
            merchant_id: Some(MERCHANT.into()),
            amount_jpy: Some(amount),
            federated_from: None,
        },
        svc: ServiceData::Payment {
            card_token_ref: TOKEN.into(),
        },
    };
    let assertion = backend_platform::test_support::assertion_signer(PLATFORM)
        .unwrap()
        .sign(&claims)
        .unwrap();
    // The acquirer holds the authorisation past the client's timeout, then approves it:
    // the terminal does not learn the outcome from the answer. The authorisation is
    // never sent again (its assertion is live only for the first send), so only the
    // status query under the key can find the approval.
    env.set_faults(FaultPlan {
        kind: FaultKind::Delay,
        delay_ms: 600,
        times: Some(1),
    });
    let report = payments
        .sell(amount, Some("colon-1".into()), assertion)
        .await
        .unwrap();

    assert!(
        report.record.idempotency_key.starts_with("clinic:till-1-"),
        "{}",
        report.record.idempotency_key
    );
    assert_eq!(
        (report.record.state, report.code),
        (PaymentState::Captured, Code::PaymentApproved),
        "{:?}",
        report.record
    );
    assert_eq!(
        acquirer_payments(&env, "colon-1"),
        vec![("captured".to_string(), amount as i64)]
    );
    // The delay was spent on the authorisation (the first payment request), whose
    // answer the 400 ms timeout lost.
    assert_eq!(env.acquirer.acquirer().next_fault().kind, FaultKind::None);
}
