//! The acquirer killed inside an authorisation. Its claim on the key used
//! to stay "in progress" for good (the status query and the reversal answered 409 however
//! old it was), leaving the sale in doubt for ever. Now a claim is a lease: the sale is
//! resolved within the lease plus one status round, nothing is charged twice, and the
//! daily close matches.

use std::time::{Duration, Instant};

use counter_api::acquirer::{FaultKind, FaultPlan};
use counter_core::Code;
use counter_core::payment::PaymentState;
use counter_runtime::payments::RetryPolicy;

use crate::support::TERMINAL;
use crate::till::*;

/// The terminal's request timeout (ms) and its retry policy: one status round is at most
/// one timeout plus one backoff.
const TIMEOUT_MS: u64 = 1_000;
const POLICY: RetryPolicy = RetryPolicy {
    max_rounds: 1_000,
    first_backoff: Duration::from_millis(50),
    max_backoff: Duration::from_millis(300),
};

fn status_round() -> Duration {
    Duration::from_millis(TIMEOUT_MS) + POLICY.max_backoff
}

/// A Delay fault on the next payment request, to hold it inside the acquirer.
fn hold(ms: u64) -> FaultPlan {
    FaultPlan {
        kind: FaultKind::Delay,
        delay_ms: ms,
        times: Some(1),
    }
}

fn key_of(db: &std::path::Path, order: &str) -> Option<(String, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(
        "SELECT state, fingerprint FROM idempotency WHERE idempotency_key = ?1",
        [order],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_acquirer_killed_inside_an_authorisation_and_restarted() {
    const LEASE: i64 = 3;
    let rig = Rig::new(LEASE, TIMEOUT_MS);
    let acquirer = AcquirerProcess::spawn(&rig.acquirer_config);
    rig.wait_ready().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    let before = till.sell(1_000, "kill-before").await.unwrap();
    assert_eq!(before.record.state, PaymentState::Captured);

    // The authorisation is held inside the acquirer (its key claimed, nothing committed)
    // when the acquirer is killed.
    rig.set_faults(hold(30_000)).await;
    let live = {
        let (payments, assertion) = (till.payments.clone(), till.assertion(2_500));
        tokio::spawn(async move {
            let r = payments
                .sell(2_500, Some("kill-inside".into()), assertion)
                .await;
            (r, Instant::now())
        })
    };
    rig.wait_for_claim(&format!("{TERMINAL}-%-auth-%")).await;
    acquirer.kill();
    let db = rig.acquirer_db();
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM idempotency WHERE state = 'in_progress'"
        ),
        1,
        "the killed request's claim is what the file holds"
    );
    assert!(
        !live.is_finished(),
        "the terminal keeps the sale in doubt meanwhile"
    );

    let acquirer = AcquirerProcess::spawn(&rig.acquirer_config);
    rig.wait_ready().await;
    let ready = Instant::now();
    let (report, resolved) = live.await.unwrap();
    let report = report.unwrap();
    // Nothing was charged under the key: the sale is reversed, staff ask to pay again.
    assert_eq!(report.record.state, PaymentState::Reversed, "{report:?}");
    assert_eq!(report.code, Code::PaymentReversed);
    let took = resolved.saturating_duration_since(ready);
    let bound = Duration::from_secs(LEASE as u64) + status_round();
    assert!(
        took <= bound,
        "resolved {took:?} after the restart, more than the lease plus one status round ({bound:?})"
    );
    // The key holds the reversal's tombstone: the killed request can never charge.
    let (state, fingerprint) = key_of(&db, &report.record.idempotency_key).unwrap();
    assert_eq!(
        (state.as_str(), fingerprint.as_str()),
        ("done", "reversed-before-arrival")
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM idempotency WHERE state = 'in_progress'"
        ),
        0
    );

    let after = till.sell(700, "kill-after").await.unwrap();
    assert_eq!(after.record.state, PaymentState::Captured);
    let sales = till.assert_journal_is_the_acquirers(&db);
    assert_eq!(sales.len(), 3);
    till.assert_close_matches().await;
    acquirer.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_slower_than_its_lease_is_resolved_and_charges_nothing() {
    const LEASE: i64 = 2;
    let rig = Rig::new(LEASE, TIMEOUT_MS);
    let _acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    // The acquirer stays up but the authorisation takes longer than its lease.
    rig.set_faults(hold(6_000)).await;
    let started = Instant::now();
    let report = till.sell(1_200, "slow-1").await.unwrap();
    let took = started.elapsed();
    assert_eq!(report.record.state, PaymentState::Reversed, "{report:?}");
    let bound = Duration::from_secs(LEASE as u64) + 2 * status_round();
    assert!(
        took <= bound,
        "resolved after {took:?}: more than the lease, the timed-out request and one status \
         round ({bound:?})"
    );
    // The slow request wakes, does its work and fails its compare-and-set: nothing stays.
    let db = rig.acquirer_db();
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(
        &db,
        "SELECT COUNT(*) FROM journal WHERE outcome = 'lease_lost'",
    ) == 0
    {
        assert!(Instant::now() < deadline, "the slow request never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM payments WHERE order_ref = 'slow-1'"
        ),
        0
    );
    till.assert_journal_is_the_acquirers(&db);
    till.assert_close_matches().await;
}
