//! One owner per sale's journal row: payment work on one sale used to run in
//! several tasks that each rewrote the row from their own copy. A Recover pressed during a
//! sale drove the live sale too (a second capture under another key, the row marked
//! recovered); a refund answered after a void rewrote the voided row as captured. Now the
//! work on a sale is serialised (one lock per sale; recovery leaves a sale its owner is
//! driving) and the journal refuses a write from a stale copy.

use std::time::Duration;

use counter_api::acquirer::{FaultKind, FaultPlan};
use counter_core::Code;
use counter_core::payment::PaymentState;
use counter_runtime::RuntimeError;
use counter_runtime::payments::RetryPolicy;

use crate::support::TERMINAL;
use crate::till::*;

const POLICY: RetryPolicy = RetryPolicy {
    max_rounds: 60,
    first_backoff: Duration::from_millis(20),
    max_backoff: Duration::from_millis(200),
};

fn hold(ms: u64) -> FaultPlan {
    FaultPlan {
        kind: FaultKind::Delay,
        delay_ms: ms,
        times: Some(1),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recover_pressed_while_a_sale_is_paying_leaves_it_to_its_owner() {
    // The terminal waits longer than the acquirer holds the authorisation: the live sale
    // gets its answer.
    let rig = Rig::new(120, 5_000);
    let _acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    rig.set_faults(hold(1_500)).await;
    let live = {
        let (payments, assertion) = (till.payments.clone(), till.assertion(4_200));
        tokio::spawn(async move {
            payments
                .sell(4_200, Some("race-live".into()), assertion)
                .await
        })
    };
    rig.wait_for_claim(&format!("{TERMINAL}-%-auth-%")).await;
    // The journal holds the live sale as authorising; staff press Recover.
    let unfinished = till.payments.unfinished().unwrap().0;
    assert_eq!(unfinished.len(), 1);
    assert!(till.payments.busy(&unfinished[0].id));
    let recovered = till
        .payments
        .recover(counter_core::payment::RecoveryPass::Staff)
        .await
        .unwrap()
        .sales;
    assert!(
        recovered.is_empty(),
        "recovery drove a live sale: {recovered:?}"
    );

    let report = live.await.unwrap().unwrap();
    assert_eq!(report.record.state, PaymentState::Captured, "{report:?}");
    assert_eq!(report.code, Code::PaymentApproved);
    let row = till
        .store
        .lock()
        .unwrap()
        .payment(&report.record.id)
        .unwrap()
        .unwrap();
    assert!(!row.recovered, "recovery wrote the live sale's row");
    // One owner, one capture request.
    let db = rig.acquirer_db();
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(DISTINCT idempotency_key) FROM journal WHERE action = 'capture'"
        ),
        1
    );
    till.assert_journal_is_the_acquirers(&db);
    till.assert_close_matches().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_void_racing_a_refund_on_the_same_sale() {
    let rig = Rig::new(120, 5_000);
    let _acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    let sale = till.sell(2_000, "race-refund-first").await.unwrap().record;
    // The refund is held inside the acquirer when staff void the sale.
    rig.set_faults(hold(1_000)).await;
    let refund = {
        let (payments, id) = (till.payments.clone(), sale.id.clone());
        tokio::spawn(async move { payments.refund(&id, 500).await })
    };
    rig.wait_for_claim(&format!("{}-refund-%", sale.id)).await;
    let void = till.payments.void(&sale.id).await;
    // The void waited for the refund, then saw a refunded sale: not voidable.
    assert!(
        matches!(void, Err(RuntimeError::Refused(Code::InvalidPaymentState))),
        "{void:?}"
    );
    let (refund, code) = refund.await.unwrap().unwrap();
    assert_eq!(code, Code::RefundDone);
    assert_eq!(refund.amount_jpy, 500);
    let sales = till.assert_journal_is_the_acquirers(&rig.acquirer_db());
    assert_eq!(
        (sales[0].state, sales[0].refunded_jpy),
        (PaymentState::Captured, 500)
    );
    till.assert_close_matches().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_racing_a_void_on_the_same_sale() {
    let rig = Rig::new(120, 5_000);
    let _acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    let sale = till.sell(3_000, "race-void-first").await.unwrap().record;
    rig.set_faults(hold(1_000)).await;
    let void = {
        let (payments, id) = (till.payments.clone(), sale.id.clone());
        tokio::spawn(async move { payments.void(&id).await })
    };
    rig.wait_for_claim(&format!("{}-void-%", sale.id)).await;
    let refund = till.payments.refund(&sale.id, 800).await;
    // The refund waited for the void, then saw a voided sale: nothing to refund.
    assert!(
        matches!(
            refund,
            Err(RuntimeError::Refused(Code::InvalidPaymentState))
        ),
        "{refund:?}"
    );
    let voided = void.await.unwrap().unwrap();
    assert_eq!(voided.record.state, PaymentState::Voided);
    let sales = till.assert_journal_is_the_acquirers(&rig.acquirer_db());
    assert_eq!(sales[0].state, PaymentState::Voided);
    till.assert_close_matches().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_copy_is_refused_by_the_journal_and_re_read_never_written() {
    let rig = Rig::new(120, 5_000);
    let _acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    // A copy of the sale as journaled before its authorisation (what a task outside this
    // process, reading early, would hold).
    let sale = till.sell(1_500, "stale-copy").await.unwrap().record;
    let mut stale = sale.clone();
    stale.state = PaymentState::Authorising;
    stale.version = 0;
    let events = till
        .store
        .lock()
        .unwrap()
        .payment_history(&sale.id)
        .unwrap()
        .len();
    let report = till.payments.drive(stale, None).await.unwrap();
    // The drive asked the acquirer, could not write from its copy, re-read the row and
    // stopped: the row is as the owner left it.
    assert_eq!(report.record, sale);
    assert_eq!(report.code, Code::PaymentApproved);
    let store = till.store.lock().unwrap();
    assert_eq!(store.payment(&sale.id).unwrap().unwrap(), sale);
    assert_eq!(store.payment_history(&sale.id).unwrap().len(), events);
}
