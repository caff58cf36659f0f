//! Opening: fresh files, reopening, files from a newer build, files that are not SQLite.

use counter_core::UnixTime;
use counter_core::payment::{self, PaymentMark, PaymentState};
use counter_store::{RecheckState, SCHEMA_VERSION, Store, StoreError};

use crate::queue::queue;
use crate::{DAY1_9AM, db_path, fresh};

/// Schema 1 as it shipped.
const SCHEMA_1: &str = include_str!("../../migrations/0001_init.sql");

#[test]
fn a_fresh_file_gets_the_whole_schema_in_wal_mode() {
    let (dir, store) = fresh();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    drop(store);
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let tables: Vec<String> = raw
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in [
        "appointments",
        "audit",
        "checks",
        "payment_events",
        "payments",
        "rechecks",
        "refunds",
        "sequences",
        "settings",
    ] {
        assert!(tables.iter().any(|x| x == t), "{t} missing from {tables:?}");
    }
}

#[test]
fn reopening_keeps_data_and_applies_nothing_twice() {
    let (dir, mut store) = fresh();
    store.set_setting("terminal_id", "T-0001").unwrap();
    drop(store);
    for _ in 0..3 {
        let store = Store::open(db_path(&dir)).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(
            store.setting("terminal_id").unwrap().as_deref(),
            Some("T-0001")
        );
    }
}

#[test]
fn a_file_from_a_newer_build_is_refused_with_what_to_do() {
    let (dir, store) = fresh();
    drop(store);
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 3)
        .unwrap();
    drop(raw);
    let err = Store::open(db_path(&dir)).unwrap_err();
    match &err {
        StoreError::TooNew { found, supported } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 3, SCHEMA_VERSION));
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("newer Madoguchi"), "{msg}");
    assert!(msg.contains("update the terminal"), "{msg}");
}

#[test]
fn a_text_file_is_refused_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is a shopping list, not a database\n".repeat(50),
    )
    .unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(&err, StoreError::Open { path: p, .. } if *p == path),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("notes.txt"), "{msg}");
    // The file is left as it was.
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("this is a shopping list")
    );
}

#[test]
fn a_missing_directory_is_a_private_file_error_naming_the_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("db.sqlite");
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Private(_)), "{err:?}");
    // The file is named once, with what was tried and what to check.
    let msg = err.to_string();
    assert_eq!(msg.matches("db.sqlite").count(), 1, "{msg}");
    assert!(
        msg.starts_with("cannot open the terminal's database: cannot create "),
        "{msg}"
    );
    assert!(msg.contains("check that the disk is mounted"), "{msg}");
    assert!(!dir.path().join("no-such-dir").exists());
}

#[test]
fn a_schema_1_file_migrates_to_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    raw.execute_batch(SCHEMA_1).unwrap();
    raw.pragma_update(None, "user_version", 1).unwrap();
    raw.execute_batch(
        "INSERT INTO checks (id, at, mode, patient_ref, validity, summary_json, details_json, \
         export_files) VALUES \
         ('chk-1', 100, 'reception', NULL, 'fallback', '{}', NULL, '[]'), \
         ('chk-2', 100, 'reception', NULL, 'fallback', '{}', NULL, '[]'); \
         INSERT INTO rechecks (id, created_at, check_id, fallback_kind, presented_json, state, \
         attempts, next_at, last_error, result_json) VALUES \
         ('rq-old', 100, 'chk-1', 'eligibility_notice', '{\"name\":\"x\"}', 'done', 1, 100, NULL, NULL), \
         ('rq-new', 200, 'chk-1', 'eligibility_notice', '{\"name\":\"y\"}', 'pending', 0, 300, NULL, NULL), \
         ('rq-free', 150, NULL, 'self_declaration', NULL, 'pending', 2, 300, NULL, NULL);",
    )
    .unwrap();
    drop(raw);

    let mut store = Store::open(db_path(&dir)).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 18);
    // The newest row of chk-1 stays; schema 1's pending rows cannot run (no request) and
    // leave the queue for staff.
    let kept = store.recheck("chk-1").unwrap().unwrap();
    assert_eq!(kept.id, "rq-new");
    assert_eq!(kept.state, RecheckState::GaveUp);
    assert!(
        kept.last_error
            .as_deref()
            .unwrap()
            .contains("re-check by hand")
    );
    assert_eq!((&kept.request_json, &kept.reception_number), (&None, &None));
    assert_eq!(kept.request().unwrap(), None);
    assert_eq!(store.pending_recheck_count().unwrap(), 0);
    assert!(
        store
            .due_rechecks(UnixTime::from_secs(i64::MAX))
            .unwrap()
            .is_empty()
    );

    // The migrated file takes new requests: chk-1's replaces its old row, chk-2 gets one.
    let rq1 = queue(&mut store, "chk-1", DAY1_9AM);
    let rq2 = queue(&mut store, "chk-2", DAY1_9AM.plus_secs(1));
    let replaced = store.recheck("chk-1").unwrap().unwrap();
    assert_eq!(replaced.id, "rq-new");
    assert_eq!(replaced.state, RecheckState::Pending);
    let due: Vec<_> = store
        .due_rechecks(DAY1_9AM.plus_secs(3600))
        .unwrap()
        .into_iter()
        .map(|d| d.request)
        .collect();
    assert_eq!(due, [rq1, rq2]);
    drop(store);

    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    let rows: i64 = raw
        .query_row("SELECT count(*) FROM rechecks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        rows, 3,
        "chk-1's row, chk-2's row and the row without a check"
    );
}

#[test]
fn a_schema_2_journal_gets_row_versions() {
    let dir = tempfile::tempdir().unwrap();
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    raw.execute_batch(SCHEMA_1).unwrap();
    raw.execute_batch(include_str!("../../migrations/0002_recheck_requests.sql"))
        .unwrap();
    raw.pragma_update(None, "user_version", 2).unwrap();
    raw.execute_batch(
        "INSERT INTO payments (id, idempotency_key, order_ref, merchant_id, terminal_id, \
         amount_jpy, state, captured_jpy, refunded_jpy, business_date, attempts, recovered, \
         created_at, updated_at) VALUES ('T-1', 'k-1', 'o-1', 'm', 't', 100, 'authorising', \
         0, 0, '2026-04-01', 0, 0, 1, 1);",
    )
    .unwrap();
    drop(raw);
    let mut store = Store::open(db_path(&dir)).unwrap();
    let mut p = store.payment("T-1").unwrap().unwrap();
    assert_eq!(p.version, 0);
    p.state = counter_core::payment::PaymentState::Authorised;
    store.update_payment(&mut p).unwrap();
    assert_eq!(store.payment("T-1").unwrap().unwrap().version, 1);
}

/// A journal file at schema 7 (the last schema before the registers' orders, refund
/// attempts, the shown mark and the folders' reception numbers), raw, for a test to fill
/// before it opens it.
pub fn schema_7_file(dir: &tempfile::TempDir) -> rusqlite::Connection {
    let raw = rusqlite::Connection::open(db_path(dir)).unwrap();
    for schema in [
        SCHEMA_1,
        include_str!("../../migrations/0002_recheck_requests.sql"),
        include_str!("../../migrations/0003_row_versions.sql"),
        include_str!("../../migrations/0004_folder_requests.sql"),
        include_str!("../../migrations/0005_pos_orders.sql"),
        include_str!("../../migrations/0006_visits.sql"),
        include_str!("../../migrations/0007_appointments.sql"),
    ] {
        raw.execute_batch(schema).unwrap();
    }
    raw.pragma_update(None, "user_version", 7).unwrap();
    raw
}

#[test]
fn the_registers_orders_of_before_keep_no_register() {
    let dir = tempfile::tempdir().unwrap();
    let raw = schema_7_file(&dir);
    raw.execute_batch(
        "INSERT INTO pos_orders (order_ref, idempotency_key, amount_jpy, state, reason, \
         sale_id, created_at, updated_at) VALUES ('R-1', 'k-1', 500, 'open', NULL, NULL, 1, 1);",
    )
    .unwrap();
    drop(raw);
    let store = Store::open(db_path(&dir)).unwrap();
    let order = store.pos_order("R-1").unwrap().unwrap();
    assert_eq!(order.register, None);
    assert!(counter_core::pos::owned_by(&order, "api-key"));
}

#[test]
fn a_schema_7_journal_gets_refund_attempts_and_tells_not_sent_from_declined() {
    let dir = tempfile::tempdir().unwrap();
    let raw = schema_7_file(&dir);
    raw.execute_batch(
        "INSERT INTO payments (id, idempotency_key, order_ref, merchant_id, terminal_id, \
         amount_jpy, state, captured_jpy, refunded_jpy, business_date, attempts, recovered, \
         created_at, updated_at) VALUES ('T-1', 'k-1', 'o-1', 'm', 't', 100, 'captured', \
         100, 0, '2026-04-01', 0, 0, 1, 1); \
         INSERT INTO payments (id, idempotency_key, order_ref, merchant_id, terminal_id, \
         amount_jpy, state, captured_jpy, refunded_jpy, decline_reason, business_date, \
         attempts, recovered, created_at, updated_at) VALUES \
         ('T-2', 'k-2', 'o-2', 'm', 't', 100, 'declined', 0, 0, 'unreachable', '2026-04-01', \
          0, 0, 1, 1), \
         ('T-3', 'k-3', 'o-3', 'm', 't', 100, 'declined', 0, 0, 'payment_declined', \
          '2026-04-01', 0, 0, 1, 1); \
         INSERT INTO refunds (id, payment, idempotency_key, amount_jpy, state, business_date, \
         reason, created_at, updated_at) VALUES ('R-1', 'T-1', 'rk-1', 50, 'refunding', \
         '2026-04-01', NULL, 2, 2);",
    )
    .unwrap();
    drop(raw);
    let mut store = Store::open(db_path(&dir)).unwrap();
    let mut r = store.refunds_in_doubt().unwrap().pop().unwrap();
    assert_eq!((r.id.as_str(), r.attempts), ("R-1", 0));
    r.attempts = 1;
    store.update_refund(&mut r).unwrap();
    assert_eq!(store.refunds_of("T-1").unwrap(), [r]);
    // Schema 7 journaled an authorisation never sent as declined, reason `unreachable`.
    let never_sent = store.payment("T-2").unwrap().unwrap();
    assert_eq!(never_sent.state, PaymentState::NotSent);
    assert_eq!(never_sent.decline_reason.as_deref(), Some("unreachable"));
    assert_eq!(never_sent.version, 1);
    // The change is in the sale's history (the auditor's trail) like any write of it.
    let history = store.payment_history("T-2").unwrap();
    assert_eq!(history.last().map(|e| e.state), Some(PaymentState::NotSent));
    assert!(store.payment_history("T-3").unwrap().is_empty());
    let declined = store.payment("T-3").unwrap().unwrap();
    assert_eq!(declined.state, PaymentState::Declined);
}

#[test]
fn a_schema_12_ledger_gets_its_digests_in_letters() {
    let dir = tempfile::tempdir().unwrap();
    let raw = schema_12_file(&dir);
    // SHA-256("abc") in hex, as schema 12 kept it.
    raw.execute_batch(
        "INSERT INTO folder_requests (name, digest, kind, state, received_at, duplicate) \
         VALUES ('OQSsiquc01req_1.xml', \
         'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', \
         'single', 'received', 1, 0);",
    )
    .unwrap();
    drop(raw);
    let store = Store::open(db_path(&dir)).unwrap();
    let rows = store.folder_requests("OQSsiquc01req_1.xml").unwrap();
    assert_eq!(rows.len(), 1);
    // The same content read again after the upgrade is recognised as that row.
    assert_eq!(
        rows[0].digest,
        counter_core::folders::ledger::digest(b"abc")
    );
}

#[test]
fn a_schema_12_ledger_keeps_its_reception_numbers_with_the_time_of_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let raw = schema_12_file(&dir);
    // Digests in letters (migration 13 leaves k to p as they are).
    let d = |c: char| c.to_string().repeat(64);
    raw.execute(
        "INSERT INTO folder_requests (name, digest, kind, state, received_at, duplicate, \
         reception_number) VALUES ('OQSmuquc01req_1.xml', ?1, 'bulk_submit', 'received', \
         100, 0, 'R-1'), ('OQSsiquc01req_2.xml', ?2, 'single', 'received', 200, 0, NULL)",
        [d('k'), d('l')],
    )
    .unwrap();
    drop(raw);
    let mut store = Store::open(db_path(&dir)).unwrap();
    // A number recorded before the time was: the time its request was received.
    let bulk = store.folder_requests("OQSmuquc01req_1.xml").unwrap();
    assert_eq!(bulk[0].reception_number.as_deref(), Some("R-1"));
    assert_eq!(bulk[0].reception_at, Some(UnixTime::from_secs(100)));
    // No number, no time.
    let single = store.folder_requests("OQSsiquc01req_2.xml").unwrap();
    assert_eq!(single[0].reception_at, None);
    // Numbers recorded from now on carry their own time.
    store
        .submit_folder_request(
            "OQSsiquc01req_2.xml",
            &d('l'),
            "R-2",
            UnixTime::from_secs(250),
        )
        .unwrap();
    let single = store.folder_requests("OQSsiquc01req_2.xml").unwrap();
    assert_eq!(single[0].reception_at, Some(UnixTime::from_secs(250)));
}

/// A journal file at schema 12 (before the digests in letters and the reception times),
/// raw, for a test to fill before it opens it.
fn schema_12_file(dir: &tempfile::TempDir) -> rusqlite::Connection {
    let raw = schema_7_file(dir);
    for schema in [
        include_str!("../../migrations/0008_refund_attempts_not_sent.sql"),
        include_str!("../../migrations/0009_payment_shown.sql"),
        include_str!("../../migrations/0010_pos_order_register.sql"),
        include_str!("../../migrations/0011_folder_reception.sql"),
        include_str!("../../migrations/0012_folder_duplicate.sql"),
    ] {
        raw.execute_batch(schema).unwrap();
    }
    raw.pragma_update(None, "user_version", 12).unwrap();
    raw
}

#[test]
fn a_schema_15_refund_key_still_answers_its_registers_retry_and_no_other_register() {
    let dir = tempfile::tempdir().unwrap();
    let raw = schema_12_file(&dir);
    for schema in [
        include_str!("../../migrations/0013_folder_digest_letters.sql"),
        include_str!("../../migrations/0014_folder_reception_time.sql"),
        include_str!("../../migrations/0015_recheck_confirmed.sql"),
    ] {
        raw.execute_batch(schema).unwrap();
    }
    raw.pragma_update(None, "user_version", 15).unwrap();
    // Register 1's order R-1 refunded under `rk-1`, and R-0 of before registers were told
    // apart (no register) refunded under `rk-0`, each with its refund.
    raw.execute_batch(
        "INSERT INTO payments (id, idempotency_key, order_ref, merchant_id, terminal_id, \
         amount_jpy, state, captured_jpy, refunded_jpy, business_date, attempts, recovered, \
         created_at, updated_at) VALUES \
         ('T-1', 'k-1', 'R-1', 'm', 't', 1000, 'captured', 1000, 0, '2026-04-01', 0, 0, 1, 1), \
         ('T-0', 'k-0', 'R-0', 'm', 't', 1000, 'captured', 1000, 0, '2026-04-01', 0, 0, 1, 1); \
         INSERT INTO pos_orders (order_ref, idempotency_key, amount_jpy, state, reason, \
         sale_id, created_at, updated_at, register) VALUES \
         ('R-1', 'k-1', 1000, 'paying', NULL, 'T-1', 1, 1, 'cert:CN=register-1'), \
         ('R-0', 'k-0', 1000, 'paying', NULL, 'T-0', 1, 1, NULL); \
         INSERT INTO refunds (id, payment, idempotency_key, amount_jpy, state, business_date, \
         reason, created_at, updated_at) VALUES \
         ('RF-1', 'T-1', 'ak-1', 100, 'refunded', '2026-04-01', NULL, 2, 2), \
         ('RF-0', 'T-0', 'ak-0', 100, 'refunded', '2026-04-01', NULL, 2, 2); \
         INSERT INTO pos_refunds (idempotency_key, order_ref, amount_jpy, refund_id, \
         created_at) VALUES ('rk-1', 'R-1', 100, 'RF-1', 2), ('rk-0', 'R-0', 100, 'RF-0', 2);",
    )
    .unwrap();
    drop(raw);

    let mut store = Store::open(db_path(&dir)).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    // The row of before is register 1's (the register of its order): its retry is answered
    // as the refund made, never made again.
    let known = store
        .pos_refund_key("cert:CN=register-1", "rk-1")
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            known.register.as_deref(),
            known.order_ref.as_str(),
            known.refund_id.as_str()
        ),
        (Some("cert:CN=register-1"), "R-1", "RF-1")
    );
    assert_eq!(
        counter_core::pos::decide_refund("R-1", 100, "cert:CN=register-1", Some(&known)),
        Ok(true)
    );
    // Register 2's own `rk-1` is another request: not read, and journaled beside it.
    assert_eq!(
        store.pos_refund_key("cert:CN=register-2", "rk-1").unwrap(),
        None
    );
    let mut p = crate::sale(2, PaymentState::Captured, DAY1_9AM);
    p.order_ref = "R-2".into();
    let order = counter_core::pos::PosOrder {
        order_ref: "R-2".into(),
        idempotency_key: "k-2".into(),
        register: Some("cert:CN=register-2".into()),
        amount_jpy: p.amount_jpy,
        state: counter_core::pos::PosOrderState::Open,
        reason: None,
        sale_id: None,
        created_at: DAY1_9AM,
        updated_at: DAY1_9AM,
    };
    store.insert_pos_order(&order).unwrap();
    store.insert_payment_for_pos_order(&p, "R-2").unwrap();
    let r = crate::refund(
        2,
        &p.id,
        counter_core::payment::RefundState::Refunding,
        "2026-04-01",
        DAY1_9AM,
    );
    let theirs = counter_core::pos::PosRefundKey {
        register: Some("cert:CN=register-2".into()),
        idempotency_key: "rk-1".into(),
        order_ref: "R-2".into(),
        amount_jpy: 100,
        refund_id: r.id.clone(),
    };
    store.insert_refund_for_pos(&r, &theirs).unwrap();
    assert_eq!(
        store.pos_refund_key("cert:CN=register-2", "rk-1").unwrap(),
        Some(theirs)
    );
    assert_eq!(
        store
            .pos_refund_key("cert:CN=register-1", "rk-1")
            .unwrap()
            .map(|k| k.refund_id),
        Some("RF-1".to_owned())
    );
    // The refund of an order without register stays every register's, as its order does.
    for register in ["cert:CN=register-1", "api-key"] {
        let old = store.pos_refund_key(register, "rk-0").unwrap().unwrap();
        assert_eq!(
            (old.register, old.refund_id.as_str()),
            (None, "RF-0"),
            "{register}"
        );
    }
}

#[test]
fn a_schema_16_file_gets_the_marks_its_rows_gave() {
    let dir = tempfile::tempdir().unwrap();
    let raw = schema_12_file(&dir);
    for schema in [
        include_str!("../../migrations/0013_folder_digest_letters.sql"),
        include_str!("../../migrations/0014_folder_reception_time.sql"),
        include_str!("../../migrations/0015_recheck_confirmed.sql"),
        include_str!("../../migrations/0016_pos_refund_keys_per_register.sql"),
    ] {
        raw.execute_batch(schema).unwrap();
    }
    raw.pragma_update(None, "user_version", 16).unwrap();
    // As schema 16 wrote them: an authorisation answered "not now" (the mark a start of its
    // text), a void the acquirer cannot make held for the recovery, a sale in doubt.
    raw.execute_batch(
        "INSERT INTO payments (id, idempotency_key, order_ref, merchant_id, terminal_id, \
         amount_jpy, state, captured_jpy, refunded_jpy, business_date, attempts, last_error, \
         void_key, recovered, created_at, updated_at) VALUES \
         ('T-1', 'k-1', 'o-1', 'm', 't', 1000, 'authorising', 0, 0, '2026-04-01', 0, \
          'not_taken: rate_limited: too many requests', NULL, 0, 1, 1), \
         ('T-2', 'k-2', 'o-2', 'm', 't', 1000, 'voiding', 1000, 0, '2026-04-01', 1, \
          'invalid_payment_state (409)', 'v-2', 0, 1, 1), \
         ('T-3', 'k-3', 'o-3', 'm', 't', 1000, 'authorising', 0, 0, '2026-04-01', 0, \
          'unreachable_after_send', NULL, 0, 1, 1); \
         INSERT INTO checks (id, at, mode, patient_ref, validity, summary_json, details_json, \
         export_files) VALUES \
         ('chk-1', 100, 'reception', 'P-1', 'fallback', '{}', NULL, '[]'), \
         ('chk-2', 100, 'reception', 'P-2', 'fallback', '{}', NULL, '[]'); \
         INSERT INTO rechecks (id, created_at, check_id, fallback_kind, presented_json, state, \
         attempts, next_at, last_error, result_json) VALUES \
         ('chk-1', 100, 'chk-1', 'eligibility_notice', NULL, 'done', 1, 100, NULL, \
          '{\"code\":\"recheck_contradiction\",\"contradictions\":[]}'), \
         ('chk-2', 101, 'chk-2', 'eligibility_notice', '{}', 'done', 1, 100, NULL, \
          '{\"code\":\"recheck_contradiction\",\"contradictions\":[]}');",
    )
    .unwrap();
    drop(raw);

    let mut store = Store::open(db_path(&dir)).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let read = |id: &str| store.payment(id).unwrap().unwrap();
    let (not_taken, held, in_doubt) = (read("T-1"), read("T-2"), read("T-3"));
    assert_eq!(not_taken.mark, Some(PaymentMark::NotTaken));
    assert_eq!(
        not_taken.last_error.as_deref(),
        Some("rate_limited: too many requests"),
        "the text stays for people, without the start that was the mark"
    );
    assert_eq!(held.mark, Some(PaymentMark::CannotCancel));
    assert_eq!(
        held.last_error.as_deref(),
        Some("invalid_payment_state (409)")
    );
    assert_eq!(in_doubt.mark, None);
    assert_eq!(
        in_doubt.last_error.as_deref(),
        Some("unreachable_after_send")
    );

    // The machine decides on them as the build that wrote them did.
    assert!(payment::void_held(&held));
    assert!(!payment::void_held(&in_doubt));
    let mut ended = not_taken.clone();
    assert!(payment::end_live_drive(&mut ended, UnixTime::from_secs(2)));
    assert_eq!(ended.state, PaymentState::NotSent);
    assert_eq!(
        ended.decline_reason.as_deref(),
        Some("rate_limited: too many requests: not taken by the acquirer, nothing processed")
    );
    let mut left = in_doubt.clone();
    assert!(!payment::end_live_drive(&mut left, UnixTime::from_secs(2)));

    // Written back, the mark stays.
    let mut again = not_taken;
    store.update_payment(&mut again).unwrap();
    let reread = store.payment("T-1").unwrap().unwrap();
    assert_eq!(reread.mark, Some(PaymentMark::NotTaken));

    // A re-check schema 16's purge kept as its code alone is listed as purged; one whose
    // presented document is still there was not purged.
    let listed: Vec<(String, bool)> = store
        .rechecks_to_confirm()
        .unwrap()
        .into_iter()
        .map(|r| (r.check_id, r.details_purged))
        .collect();
    assert_eq!(
        listed,
        [("chk-1".to_owned(), true), ("chk-2".to_owned(), false)]
    );
}

#[test]
fn a_schema_17_journal_keeps_its_orders_and_takes_the_same_key_from_another_register() {
    let dir = tempfile::tempdir().unwrap();
    let raw = schema_12_file(&dir);
    for schema in [
        include_str!("../../migrations/0013_folder_digest_letters.sql"),
        include_str!("../../migrations/0014_folder_reception_time.sql"),
        include_str!("../../migrations/0015_recheck_confirmed.sql"),
        include_str!("../../migrations/0016_pos_refund_keys_per_register.sql"),
        include_str!("../../migrations/0017_typed_marks.sql"),
    ] {
        raw.execute_batch(schema).unwrap();
    }
    raw.pragma_update(None, "user_version", 17).unwrap();
    // Register 1's order R-1 under key `0001`, paid and refunded under `rk-1`, and R-0 of
    // before registers were told apart (no register) under `0000`.
    raw.execute_batch(
        "INSERT INTO payments (id, idempotency_key, order_ref, merchant_id, terminal_id, \
         amount_jpy, state, captured_jpy, refunded_jpy, business_date, attempts, recovered, \
         created_at, updated_at) VALUES \
         ('T-1', 'k-1', 'R-1', 'm', 't', 1000, 'captured', 1000, 0, '2026-04-01', 0, 0, 1, 1); \
         INSERT INTO pos_orders (order_ref, idempotency_key, amount_jpy, state, reason, \
         sale_id, created_at, updated_at, register) VALUES \
         ('R-1', '0001', 1000, 'paying', NULL, 'T-1', 1, 1, 'cert:CN=register-1'), \
         ('R-0', '0000', 500, 'unpaid', 'cancelled', NULL, 1, 1, NULL); \
         INSERT INTO refunds (id, payment, idempotency_key, amount_jpy, state, business_date, \
         reason, created_at, updated_at) VALUES \
         ('RF-1', 'T-1', 'ak-1', 100, 'refunded', '2026-04-01', NULL, 2, 2); \
         INSERT INTO pos_refunds (register, idempotency_key, order_ref, amount_jpy, \
         refund_id, created_at) VALUES ('cert:CN=register-1', 'rk-1', 'R-1', 100, 'RF-1', 2);",
    )
    .unwrap();
    drop(raw);

    let mut store = Store::open(db_path(&dir)).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    // Everything of before is there, found as before.
    let j = store
        .pos_journal_by_key("cert:CN=register-1", "0001")
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            j.order.order_ref.as_str(),
            j.order.amount_jpy,
            j.refunds.len()
        ),
        ("R-1", 1000, 1)
    );
    assert_eq!(
        store
            .pos_refund_key("cert:CN=register-1", "rk-1")
            .unwrap()
            .map(|k| k.refund_id),
        Some("RF-1".to_owned())
    );
    // The order without register stays every register's, its key too.
    for register in ["cert:CN=register-2", "api-key"] {
        let old = store.pos_order_by_key(register, "0000").unwrap().unwrap();
        assert_eq!(
            (old.order_ref.as_str(), old.register, old.reason),
            ("R-0", None, Some(counter_core::Code::Cancelled)),
            "{register}"
        );
    }
    // Register 2's own `0001` is another sale: journaled beside register 1's.
    assert_eq!(
        store
            .pos_order_by_key("cert:CN=register-2", "0001")
            .unwrap(),
        None
    );
    let theirs = counter_core::pos::PosOrder {
        order_ref: "S-1".into(),
        idempotency_key: "0001".into(),
        register: Some("cert:CN=register-2".into()),
        amount_jpy: 700,
        state: counter_core::pos::PosOrderState::Open,
        reason: None,
        sale_id: None,
        created_at: DAY1_9AM,
        updated_at: DAY1_9AM,
    };
    store.insert_pos_order(&theirs).unwrap();
    assert_eq!(
        store
            .pos_order_by_key("cert:CN=register-2", "0001")
            .unwrap(),
        Some(theirs)
    );
    drop(store);
    // The refunds still refer to the orders, and every reference holds.
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    let refunds_sql: String = raw
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'pos_refunds'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        refunds_sql.contains("REFERENCES \"pos_orders\"")
            || refunds_sql.contains("REFERENCES pos_orders"),
        "{refunds_sql}"
    );
    let dangling: i64 = raw
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(dangling, 0);
}
