//! A refund in doubt older than the terminal's 14-day recovery horizon, through the real
//! acquirer: it is never sent again (the acquirer may have forgotten its key and would make
//! it twice), it holds back neither a new sale nor anything but the daily close, and
//! staff settle it with what the acquirer told them, journaled and audited.

use std::time::Duration;

use counter_core::Code;
use counter_core::payment::{
    AcquirerSaid, PaymentState, RECOVERY_HORIZON_SECS, RefundState, begin_refund,
};
use counter_runtime::RuntimeError;
use counter_runtime::clock::{Clock, SystemClock};
use counter_runtime::payments::RetryPolicy;

use crate::till::*;

const POLICY: RetryPolicy = RetryPolicy {
    max_rounds: 3,
    first_backoff: Duration::from_millis(20),
    max_backoff: Duration::from_millis(100),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_refund_is_not_sent_a_new_sale_goes_and_staff_settle_it() {
    let rig = Rig::new(120, 5_000);
    let _acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    let sale = till.sell(2_000, "held-refund-sale").await.unwrap().record;
    assert_eq!(sale.state, PaymentState::Captured);
    // A refund journaled 14 days and a second ago, its outcome never learnt (the counter
    // stayed off over a closure): the journal holds it `refunding`.
    let journaled = SystemClock.now().plus_secs(-(RECOVERY_HORIZON_SECS + 1));
    let old = begin_refund(
        &sale,
        &[],
        "held-R000001".into(),
        format!("{}-refund-held", sale.id),
        700,
        journaled,
    )
    .unwrap();
    till.store.lock().unwrap().insert_refund(&old).unwrap();

    // Recovery does not send it; it stays in doubt for staff.
    till.payments.recover().await.unwrap();
    let db = rig.acquirer_db();
    let refunds_sent = || count(&db, "SELECT COUNT(*) FROM journal WHERE action = 'refund'");
    assert_eq!(refunds_sent(), 0, "a held refund was sent again");
    let in_doubt = till.payments.unfinished().unwrap().1;
    assert_eq!(in_doubt.len(), 1);
    assert_eq!(in_doubt[0].state, RefundState::Refunding);

    // A new sale goes: nothing is sent for the held refund, so nothing races it.
    let next = till.sell(900, "held-refund-next").await.unwrap();
    assert_eq!(next.record.state, PaymentState::Captured, "{next:?}");
    assert_eq!(
        refunds_sent(),
        0,
        "the new sale's recovery sent the held refund"
    );

    // The daily close names it and the action instead of waiting for ever.
    let date = madoguchi_time::jst::business_date(SystemClock.now());
    let close = till.payments.close_day(&date).await;
    assert!(
        matches!(
            close,
            Err(RuntimeError::Refused(Code::CloseRefusedRefundHeld))
        ),
        "{close:?}"
    );

    // Staff record what the acquirer said: nothing was refunded.
    let (settled, code) = till
        .payments
        .settle_held_refund(&old.id, AcquirerSaid::NotRefunded)
        .await
        .unwrap();
    assert_eq!(code, Code::HeldRefundRecordedNotRefunded);
    assert_eq!(settled.state, RefundState::Refused);
    assert_eq!(refunds_sent(), 0, "settling sent something");
    {
        let store = till.store.lock().unwrap();
        let row = store.refunds_of(&sale.id).unwrap();
        assert_eq!(row.len(), 1);
        assert_eq!(row[0].state, RefundState::Refused);
        assert!(
            row[0].reason.as_deref().unwrap().contains("staff recorded"),
            "{:?}",
            row[0].reason
        );
        // Audited like the other staff actions: this terminal, when, what, on which refund.
        let now = SystemClock.now();
        let audit = store
            .audit_between(now.plus_secs(-60), now.plus_secs(60))
            .unwrap();
        let line = audit
            .iter()
            .find(|e| e.action == "held_refund_settled")
            .expect("an audit line for staff's answer");
        assert_eq!(line.subject.as_deref(), Some(old.id.as_str()));
        assert_eq!(line.staff, crate::support::TERMINAL);
    }
    // Settled once: a second answer is refused and changes nothing.
    let again = till
        .payments
        .settle_held_refund(&old.id, AcquirerSaid::Refunded)
        .await;
    assert!(
        matches!(again, Err(RuntimeError::Refused(Code::InvalidPaymentState))),
        "{again:?}"
    );
    // Nothing left in doubt: the journal is the acquirer's and the day closes.
    till.assert_journal_is_the_acquirers(&db);
    till.assert_close_matches().await;
}
