//! An approval found on recovery for a sale the counter did not show as
//! approved is reversed, never silently captured. The case that charged customers twice:
//! the journal write failed once the approval had arrived, the counter reported a
//! failure, the customer paid cash, and recovery on the next start captured the approval.

use std::process::{Command, Stdio};
use std::time::Duration;

use counter_core::Code;
use counter_core::payment::{APPROVAL_FOUND_ON_RECOVERY, PaymentState};
use counter_runtime::payments::RetryPolicy;

use crate::till::*;

const POLICY: RetryPolicy = RetryPolicy {
    max_rounds: 40,
    first_backoff: Duration::from_millis(20),
    max_backoff: Duration::from_millis(200),
};

/// Makes SQLite refuse to journal any sale as approved, as a full disk would: a trigger
/// the test adds to the file (the store's code is the shipping code, no hook in it).
fn disk_full_at_the_approval(db: &std::path::Path) {
    rusqlite::Connection::open(db)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER test_disk_full BEFORE UPDATE OF state ON payments
             WHEN NEW.state = 'authorised'
             BEGIN SELECT RAISE(ABORT, 'database or disk is full (injected by the test)'); END;",
        )
        .unwrap();
}

fn disk_repaired(db: &std::path::Path) {
    rusqlite::Connection::open(db)
        .unwrap()
        .execute_batch("DROP TRIGGER test_disk_full;")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_whose_journal_write_failed_is_reversed_on_restart_not_captured() {
    let rig = Rig::new(120, 2_000);
    let _acquirer = rig.start_in_process().await;
    rig.link_token().await;
    let till = rig.till(POLICY);
    // One sale before, so the close has a capture too.
    till.sell(900, "w-before").await.unwrap();
    disk_full_at_the_approval(&rig.terminal_db());
    let err = till.sell(3_000, "w-failed").await.unwrap_err();
    // The counter showed a failure; the acquirer approved; the journal could not say so.
    assert_eq!(err.code(), Code::StorageFailure, "{err}");
    let db = rig.acquirer_db();
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM payments WHERE order_ref = 'w-failed' AND status = 'authorised'"
        ),
        1
    );
    let journaled = till.store.lock().unwrap().unfinished_payments().unwrap();
    assert_eq!(journaled.len(), 1);
    assert_eq!(journaled[0].state, PaymentState::Authorising);
    drop(till);

    // The customer paid cash. The disk is repaired and the terminal restarts: the headless
    // driver's recovery, a process of its own on the same files.
    disk_repaired(&rig.terminal_db());
    let out = tokio::task::spawn_blocking({
        let config = rig.terminal_config.clone();
        move || {
            Command::new(env!("CARGO_BIN_EXE_madoguchi-counter"))
                .arg("--config")
                .arg(config)
                .arg("recover")
                .stdin(Stdio::null())
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(out.status.success(), "{report}");
    let recovered = report["recovered"].as_array().unwrap();
    assert_eq!(recovered.len(), 1, "{report}");
    let sale = &recovered[0];
    // Reversed, not captured, and staff are told why.
    assert_eq!(sale["record"]["state"], "reversed", "{report}");
    assert_eq!(sale["code"], "approval_reversed_on_recovery", "{report}");
    assert_eq!(sale["record"]["decline_reason"], APPROVAL_FOUND_ON_RECOVERY);
    let entry = Code::ApprovalReversedOnRecovery.entry();
    assert_eq!(sale["message"], entry.en);
    assert_eq!(sale["next_ja"], entry.next_ja);
    assert!(entry.en.contains("not charged") && entry.ja.contains("請求はありません"));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM payments WHERE order_ref = 'w-failed' AND status = 'reversed' \
             AND captured_jpy = 0"
        ),
        1
    );
    // The journal and the acquirer agree, and so does the day's close.
    let till = rig.till(POLICY);
    let sales = till.assert_journal_is_the_acquirers(&db);
    assert_eq!(sales.len(), 2);
    till.assert_close_matches().await;
}
