//! A refund in doubt older than the terminal's 14-day recovery horizon, through the real
//! acquirer: it is never sent again (the acquirer may have forgotten its key and would make
//! it twice), it holds back neither a new sale nor anything but the daily close; the
//! counter resolves it from the acquirer's own record of the sale when it can reach it,
//! and staff settle it otherwise, an answer that record contradicts refused.

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
    let acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    let sale = till.sell(2_000, "held-refund-sale").await.unwrap().record;
    assert_eq!(sale.state, PaymentState::Captured);
    // A refund journaled 14 days ago, its outcome never learnt (the counter stayed off
    // over a closure): the journal holds it `refunding`.
    let journaled = SystemClock.now().plus_secs(-RECOVERY_HORIZON_SECS);
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

    // Recovery does not send it; the acquirer cannot be asked, so it stays in doubt for
    // staff.
    acquirer.shutdown().await;
    till.payments
        .recover(counter_core::payment::RecoveryPass::Staff)
        .await
        .unwrap();
    let _acquirer = rig.start_in_process().await;
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

    // A mis-heard "refunded": the acquirer's own record of the sale shows none, so the
    // answer is refused and nothing changes.
    let contradicted = till
        .payments
        .settle_held_refund(&old.id, AcquirerSaid::Refunded)
        .await;
    assert!(
        matches!(
            contradicted,
            Err(RuntimeError::Refused(Code::HeldRefundAnswerContradicted))
        ),
        "{contradicted:?}"
    );
    assert_eq!(
        till.payments.unfinished().unwrap().1,
        std::slice::from_ref(&old)
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
            row[0].reason.as_deref().unwrap().contains("staff recorded")
                && row[0].reason.as_deref().unwrap().ends_with("record agreed"),
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
    // Settled once: a second answer is refused and changes nothing; it reads as recorded
    // not refunded (the customer may still be owed: a new refund of the sale pays them),
    // not "do not refund again".
    for said in [AcquirerSaid::Refunded, AcquirerSaid::NotRefunded] {
        let again = till.payments.settle_held_refund(&old.id, said).await;
        assert!(
            matches!(
                again,
                Err(RuntimeError::Refused(Code::RefundSettledNotRefunded))
            ),
            "{again:?}"
        );
    }
    // Nothing left in doubt: the journal is the acquirer's and the day closes.
    till.assert_journal_is_the_acquirers(&db);
    till.assert_close_matches().await;
}

/// A held refund the acquirer did make (its answer was lost): staff's mis-heard "not
/// refunded" is refused (a new refund would pay the customer twice), and the recovery
/// resolves it as made from the acquirer's record of the sale, sending nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_refund_the_acquirer_made_is_resolved_by_its_record_not_by_staffs_word() {
    let rig = Rig::new(120, 5_000);
    let _acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    let sale = till.sell(2_000, "held-made-sale").await.unwrap().record;
    let journaled = SystemClock.now().plus_secs(-RECOVERY_HORIZON_SECS);
    let old = begin_refund(
        &sale,
        &[],
        "held-R000002".into(),
        format!("{}-refund-made", sale.id),
        700,
        journaled,
    )
    .unwrap();
    till.store.lock().unwrap().insert_refund(&old).unwrap();
    // It reached the acquirer and was made; the answer never came back.
    let backends = counter_runtime::config::Config::load(&rig.terminal_config)
        .unwrap()
        .backends()
        .unwrap();
    let made = backends
        .refund(
            sale.payment_id.as_deref().unwrap(),
            &old.idempotency_key,
            &counter_core::payment::refund_request(&old),
        )
        .await
        .unwrap();
    assert_eq!(made.refunded_jpy, 700);
    let db = rig.acquirer_db();
    let refunds_sent = || count(&db, "SELECT COUNT(*) FROM journal WHERE action = 'refund'");
    assert_eq!(refunds_sent(), 1);

    // Staff mis-hear "not refunded": the acquirer's record says otherwise.
    let refused = till
        .payments
        .settle_held_refund(&old.id, AcquirerSaid::NotRefunded)
        .await;
    assert!(
        matches!(
            refused,
            Err(RuntimeError::Refused(Code::HeldRefundAnswerContradicted))
        ),
        "{refused:?}"
    );
    assert_eq!(
        till.payments.unfinished().unwrap().1,
        std::slice::from_ref(&old)
    );

    // The recovery asks the acquirer's record and settles it made, sending nothing.
    till.payments
        .recover(counter_core::payment::RecoveryPass::Staff)
        .await
        .unwrap();
    assert_eq!(refunds_sent(), 1, "the held refund was sent again");
    assert!(till.payments.unfinished().unwrap().1.is_empty());
    {
        let store = till.store.lock().unwrap();
        let row = store.refunds_of(&sale.id).unwrap();
        assert_eq!(row[0].state, RefundState::Refunded);
        let reason = row[0].reason.as_deref().unwrap();
        assert!(
            reason.starts_with(counter_core::payment::RECORD_REFUNDED),
            "{reason}"
        );
        assert_eq!(store.payment(&sale.id).unwrap().unwrap().refunded_jpy, 700);
    }
    // (No close here: the test made the refund at the acquirer today, while its journal
    // day is 14 days ago, so today's totals differ by construction.)
    till.assert_journal_is_the_acquirers(&db);
}

/// When the acquirer's record of a held refund's sale is asked: never on the pass a new
/// sale runs first (the sale must not wait on it), at most once an hour from the timer,
/// always when staff press Recover; a refund it settles is what staff read; an id the
/// journal does not hold reads as unknown, not as settled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_refund_is_asked_about_when_due_and_never_before_a_sale() {
    use counter_core::payment::{NewSale, RecoveryPass, begin};
    let rig = Rig::new(120, 5_000);
    let acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    let sale = till.sell(2_000, "held-asked-sale").await.unwrap().record;
    let journaled = SystemClock.now().plus_secs(-RECOVERY_HORIZON_SECS);
    let old = begin_refund(
        &sale,
        &[],
        "held-R000003".into(),
        format!("{}-refund-asked", sale.id),
        700,
        journaled,
    )
    .unwrap();
    till.store.lock().unwrap().insert_refund(&old).unwrap();
    // The acquirer made it; the answer never came back.
    let backends = counter_runtime::config::Config::load(&rig.terminal_config)
        .unwrap()
        .backends()
        .unwrap();
    backends
        .refund(
            sale.payment_id.as_deref().unwrap(),
            &old.idempotency_key,
            &counter_core::payment::refund_request(&old),
        )
        .await
        .unwrap();
    let still_held = || till.payments.unfinished().unwrap().1 == std::slice::from_ref(&old);

    // The timer's pass asks while the acquirer is down: nothing learnt, it stays held.
    acquirer.shutdown().await;
    let (code, settled) = till
        .payments
        .recover_reported(RecoveryPass::Timed, SystemClock.now())
        .await
        .unwrap();
    assert_eq!(code, Code::PaymentUnresolved);
    assert!(settled.is_empty(), "{settled:?}");
    assert!(still_held());
    let _acquirer = rig.start_in_process().await;

    // A sale left in doubt holds back the next one, whose pass resolves it first; that pass
    // does not ask about the held refund (its record would settle it).
    let blocking = {
        let mut store = till.store.lock().unwrap();
        let id = format!("T-held-{:06}", store.next_sequence("sale").unwrap());
        let record = begin(
            NewSale {
                id: id.clone(),
                idempotency_key: format!("{id}-auth-key"),
                order_ref: "held-asked-doubt".into(),
                merchant_id: sale.merchant_id.clone(),
                terminal_id: sale.terminal_id.clone(),
                amount_jpy: 300,
                visit_id: None,
            },
            SystemClock.now(),
        );
        store.insert_payment(&record).unwrap();
        id
    };
    let next = till.sell(900, "held-asked-next").await.unwrap();
    assert_eq!(next.record.state, PaymentState::Captured, "{next:?}");
    let resolved = till
        .store
        .lock()
        .unwrap()
        .payment(&blocking)
        .unwrap()
        .unwrap();
    assert!(resolved.state.is_final(), "{resolved:?}");
    assert!(
        still_held(),
        "the pass before a sale asked about the held refund"
    );

    // The timer asked within the hour: it does not ask again.
    let (code, settled) = till
        .payments
        .recover_reported(RecoveryPass::Timed, SystemClock.now())
        .await
        .unwrap();
    assert_eq!(code, Code::PaymentUnresolved);
    assert!(settled.is_empty(), "{settled:?}");
    assert!(still_held(), "the timer asked twice within the hour");

    // Staff press Recover: asked at once, settled as made, and named for staff (refund,
    // sale, amount) apart from the pass's report.
    let (_, settled) = till
        .payments
        .recover_reported(RecoveryPass::Staff, SystemClock.now())
        .await
        .unwrap();
    assert_eq!(
        settled,
        [counter_core::payment::HeldSettled {
            refund_id: old.id.clone(),
            sale_id: old.payment.clone(),
            amount_jpy: old.amount_jpy,
            made: true,
        }]
    );
    assert!(till.payments.unfinished().unwrap().1.is_empty());
    let db = rig.acquirer_db();
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM journal WHERE action = 'refund'"),
        1,
        "the held refund was sent again"
    );

    // Staff's answer for a refund the journal does not hold: unknown, not "settled".
    let unknown = till
        .payments
        .settle_held_refund("held-R999999", AcquirerSaid::NotRefunded)
        .await;
    assert!(
        matches!(unknown, Err(RuntimeError::Refused(Code::RefundUnknown))),
        "{unknown:?}"
    );
    let e = Code::RefundUnknown.entry();
    assert!(e.next_en.contains("Reload the list"), "{}", e.next_en);
    assert!(!e.next_en.contains("do not refund"), "{}", e.next_en);
}

/// The hour between the timer's status queries of a held refund counts from the counter's
/// own time for the pass (`JournalOp::Recover`'s `at`), which is also when the counter
/// noted it asked: counted from the shell's later clock instead, the counter's next
/// hourly pass found the refund a few seconds short of due and it waited another hour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hour_between_held_queries_counts_from_the_counters_time() {
    use counter_core::payment::{HELD_QUERY_EVERY_SECS, RecoveryPass};
    let rig = Rig::new(120, 5_000);
    let acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    let sale = till.sell(2_000, "held-clock-sale").await.unwrap().record;
    let journaled = SystemClock.now().plus_secs(-RECOVERY_HORIZON_SECS);
    let old = begin_refund(
        &sale,
        &[],
        "held-R000005".into(),
        format!("{}-refund-clock", sale.id),
        700,
        journaled,
    )
    .unwrap();
    till.store.lock().unwrap().insert_refund(&old).unwrap();

    // The counter started its timed pass a little before the shell reached the refund
    // (the acquirer is down: nothing learnt).
    let at = SystemClock.now().plus_secs(-30);
    acquirer.shutdown().await;
    let (_, settled) = till
        .payments
        .recover_reported(RecoveryPass::Timed, at)
        .await
        .unwrap();
    assert!(settled.is_empty(), "{settled:?}");
    let _acquirer = rig.start_in_process().await;

    // The counter's next timed pass, an hour after its own time for the last: due, asked,
    // and the acquirer's record (no refund made) settles it.
    let (_, settled) = till
        .payments
        .recover_reported(RecoveryPass::Timed, at.plus_secs(HELD_QUERY_EVERY_SECS))
        .await
        .unwrap();
    assert_eq!(
        settled,
        [counter_core::payment::HeldSettled {
            refund_id: old.id.clone(),
            sale_id: sale.id.clone(),
            amount_jpy: 700,
            made: false,
        }],
        "the pass an hour after the counter's last did not ask"
    );
    assert!(till.payments.unfinished().unwrap().1.is_empty());
}
