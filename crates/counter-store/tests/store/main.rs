//! Integration tests of the store, through real SQLite files in temporary directories.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use counter_core::UnixTime;

mod appointments;
mod audit;
mod checks;
mod durability;
mod folders;
mod journal;
mod migrations;
mod pos;
mod queue;
mod recheck_confirm;
mod records;
mod retention;
mod secrets;
mod shown;
mod visits;

use std::path::PathBuf;

use counter_core::payment::{PaymentRecord, PaymentState, RefundRecord, RefundState};
use counter_store::Store;
use tempfile::TempDir;

/// 2026-04-01 09:00 JST.
pub const DAY1_9AM: UnixTime = UnixTime::from_secs(1_775_001_600);

/// A fresh store in its own temporary directory (kept alive by the returned guard).
pub fn fresh() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(db_path(&dir)).unwrap();
    (dir, store)
}

/// The database file's path inside `dir`.
pub fn db_path(dir: &TempDir) -> PathBuf {
    dir.path().join("madoguchi.sqlite")
}

/// A sale in `state`, authorised at `at`, with every optional field filled in once the
/// state implies it.
pub fn sale(n: u32, state: PaymentState, at: UnixTime) -> PaymentRecord {
    let approved = !matches!(
        state,
        PaymentState::Authorising
            | PaymentState::Declined
            | PaymentState::Reversing
            | PaymentState::Reversed
            | PaymentState::NotSent
            | PaymentState::NotAccepted
    );
    let captured = matches!(state, PaymentState::Captured);
    PaymentRecord {
        id: format!("T-0001-{n}"),
        idempotency_key: format!("auth-key-{n:04}"),
        order_ref: format!("ORD-2026-{n:05}"),
        visit_id: None,
        merchant_id: "M-CLINIC-01".to_owned(),
        terminal_id: "T-0001".to_owned(),
        amount_jpy: 1_000 + u64::from(n) * 10,
        state,
        payment_id: approved.then(|| format!("pay_{n}")),
        approval_code: approved.then(|| format!("{:06}", 100_000 + n)),
        slip_number: approved.then_some(u64::from(70_000 + n)),
        brand: approved.then(|| "VISA".to_owned()),
        last4: approved.then(|| format!("{:04}", 4000 + n)),
        captured_jpy: if captured {
            1_000 + u64::from(n) * 10
        } else {
            0
        },
        refunded_jpy: 0,
        capture_key: captured.then(|| format!("cap-key-{n:04}")),
        void_key: matches!(state, PaymentState::Voiding | PaymentState::Voided)
            .then(|| format!("void-key-{n:04}")),
        reversal_key: matches!(state, PaymentState::Reversing | PaymentState::Reversed)
            .then(|| format!("rev-key-{n:04}")),
        captured_date: captured.then(|| "2026-04-01".to_owned()),
        cancelled_date: matches!(state, PaymentState::Voided | PaymentState::Reversed)
            .then(|| "2026-04-01".to_owned()),
        decline_reason: (state == PaymentState::Declined)
            .then(|| "payment_declined: insufficient funds".to_owned()),
        business_date: "2026-04-01".to_owned(),
        attempts: u32::from(state.in_doubt()),
        last_error: state.in_doubt().then(|| "acquirer_timeout".to_owned()),
        mark: None,
        recovered: false,
        shown_at: None,
        created_at: at,
        updated_at: at,
        version: 0,
    }
}

/// A refund of `payment`.
pub fn refund(n: u32, payment: &str, state: RefundState, date: &str, at: UnixTime) -> RefundRecord {
    RefundRecord {
        id: format!("R-0001-{n}"),
        payment: payment.to_owned(),
        idempotency_key: format!("refund-key-{n:04}"),
        amount_jpy: 500,
        state,
        business_date: date.to_owned(),
        reason: (state == RefundState::Refused).then(|| "refund_exceeds_capture".to_owned()),
        created_at: at,
        updated_at: at,
        attempts: 0,
        version: 0,
    }
}
