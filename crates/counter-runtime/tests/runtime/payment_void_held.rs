//! A void the acquirer refuses while it still holds the approval: staff read
//! `void_pending` from the first round, and the void is made later by the recovery, under
//! the key staff's void was journaled with.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use counter_api::acquirer::{FaultKind, FaultPlan, PaymentStatus};
use counter_api::assertion::{AssertionClaims, AssertionContext};
use counter_api::platform::{ChallengePurpose, ServiceData};
use counter_core::Code;
use counter_core::payment::{self, NewSale, PaymentState};
use counter_runtime::clock::{Clock, SystemClock};
use counter_runtime::payments::{Payments, RetryPolicy};
use counter_store::Store;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_void_refused_while_approved_reads_void_pending_at_once_and_is_made_later() {
    let env = Env::start().await;
    env.link_token("sub-void-held").await;
    let signer = backend_platform::test_support::assertion_signer(PLATFORM).unwrap();
    let store = Arc::new(Mutex::new(Store::open(env.db()).unwrap()));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let backends = env.backends();
    let payments = Payments::new(
        store.clone(),
        backends.clone(),
        clock.clone(),
        TERMINAL,
        MERCHANT,
    )
    .with_policy(RetryPolicy {
        max_rounds: 40,
        first_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
    });

    // A sale approved and not captured yet (the customer is still at the counter), as the
    // shell journals it: the record first, then the authorisation.
    let amount = 1_500;
    let now = clock.now();
    let mut record = payment::begin(
        NewSale {
            id: format!("{TERMINAL}-900001"),
            idempotency_key: "void-held-auth".into(),
            order_ref: "void-held".into(),
            merchant_id: MERCHANT.into(),
            terminal_id: TERMINAL.into(),
            amount_jpy: amount,
            visit_id: None,
        },
        now,
    );
    store.lock().unwrap().insert_payment(&record).unwrap();
    let claims = AssertionClaims {
        iss: PLATFORM.into(),
        aud: ACQUIRER.into(),
        sub: "sub-void-held".into(),
        jti: "jti-void-held".into(),
        iat: now,
        exp: now.plus_secs(120),
        ctx: AssertionContext {
            purpose: ChallengePurpose::Payment,
            terminal_id: TERMINAL.into(),
            challenge_id: "chl_void_held".into(),
            merchant_id: Some(MERCHANT.into()),
            amount_jpy: Some(amount),
            federated_from: None,
        },
        svc: ServiceData::Payment {
            card_token_ref: TOKEN.into(),
        },
    };
    let req = payment::authorise_request(&record, signer.sign(&claims).unwrap());
    let answer = backends.authorise(&record.idempotency_key, &req).await;
    payment::on_payment(&mut record, answer, clock.now());
    assert_eq!(record.state, PaymentState::Authorised);
    store.lock().unwrap().update_payment(&mut record).unwrap();

    // Staff void it; the acquirer refuses the void once (its status still says approved).
    env.set_faults(FaultPlan {
        kind: FaultKind::CannotCancel,
        delay_ms: 0,
        times: Some(1),
    });
    let report = payments.void(&record.id).await.unwrap();
    // Staff read that the void is not made yet, from this first round: the drive did not
    // spend its policy sending the void again (the second would have been made).
    assert_eq!(report.code, Code::VoidPending, "{:?}", report.record);
    assert_eq!(report.record.state, PaymentState::Voiding);
    assert_eq!(report.record.attempts, 1);
    assert!(payment::void_held(&report.record));
    let theirs = backends.status("void-held-auth").await.unwrap().unwrap();
    assert_eq!(
        theirs.status,
        PaymentStatus::Authorised,
        "not captured meanwhile"
    );
    let void_key = report.record.void_key.clone();
    assert!(void_key.is_some());

    // The background recovery sends the same void: made.
    let recovered = payments
        .recover(counter_core::payment::RecoveryPass::Timed)
        .await
        .unwrap()
        .sales;
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0].record.state, PaymentState::Voided);
    assert_eq!(recovered[0].code, Code::PaymentVoided);
    assert_eq!(recovered[0].record.void_key, void_key);
    assert_eq!(
        payment::recovery_code(recovered.iter().map(|r| &r.record)),
        Code::PaymentsRecovered
    );
    let theirs = backends.status("void-held-auth").await.unwrap().unwrap();
    assert_eq!(theirs.status, PaymentStatus::Voided);
    assert_eq!(acquirer_payments(&env, "void-held").len(), 1, "one payment");
}
