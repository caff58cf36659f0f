//! The offline re-check queue and settings.

use counter_store::{CheckRecord, RecheckItem, RecheckState, Store, StoreError};

use crate::{DAY1_9AM, db_path, fresh};

pub fn fallback_check(id: &str, at: i64) -> CheckRecord {
    CheckRecord {
        id: id.to_owned(),
        at,
        mode: "reception".to_owned(),
        patient_ref: Some("P-000123".to_owned()),
        validity: "fallback".to_owned(),
        summary_json: r#"{"validity":"fallback","ratio":null,"insurer":"06139999"}"#.to_owned(),
        details_json: None,
        export_files: Vec::new(),
    }
}

pub fn item(id: &str, check: Option<&str>, created_at: i64, next_at: i64) -> RecheckItem {
    RecheckItem {
        id: id.to_owned(),
        created_at,
        check_id: check.map(str::to_owned),
        fallback_kind: "eligibility_certificate".to_owned(),
        presented_json: Some(r#"{"insurer":"06139999","symbol":"12","number":"345"}"#.to_owned()),
        state: RecheckState::Pending,
        attempts: 0,
        next_at,
        last_error: None,
        result_json: None,
    }
}

#[test]
fn due_items_come_oldest_first_and_leave_when_done() {
    let (_dir, mut store) = fresh();
    store
        .insert_check(&fallback_check("chk-1", DAY1_9AM))
        .unwrap();
    let newer = item("rq-2", None, DAY1_9AM + 20, DAY1_9AM + 100);
    let older = item("rq-1", Some("chk-1"), DAY1_9AM + 10, DAY1_9AM + 100);
    let later = item("rq-3", None, DAY1_9AM + 5, DAY1_9AM + 900);
    for i in [&newer, &older, &later] {
        store.enqueue_recheck(i).unwrap();
    }
    assert_eq!(store.pending_recheck_count().unwrap(), 3);
    assert!(store.due_rechecks(DAY1_9AM + 99).unwrap().is_empty());
    assert_eq!(
        store.due_rechecks(DAY1_9AM + 100).unwrap(),
        [older.clone(), newer.clone()]
    );

    let mut done = older;
    done.state = RecheckState::Done;
    done.attempts = 2;
    done.result_json = Some(r#"{"validity":"1"}"#.to_owned());
    store.update_recheck(&done).unwrap();
    let mut retry = newer;
    retry.attempts = 1;
    retry.next_at = DAY1_9AM + 400;
    retry.last_error = Some("insurer_unavailable".to_owned());
    store.update_recheck(&retry).unwrap();

    assert_eq!(store.recheck("rq-1").unwrap(), Some(done));
    assert_eq!(store.pending_recheck_count().unwrap(), 2);
    assert!(store.due_rechecks(DAY1_9AM + 100).unwrap().is_empty());
    assert_eq!(store.due_rechecks(DAY1_9AM + 1000).unwrap(), [later, retry]);
}

#[test]
fn unknown_items_and_checks_are_not_found() {
    let (_dir, mut store) = fresh();
    assert!(matches!(
        store.update_recheck(&item("rq-9", None, DAY1_9AM, DAY1_9AM)),
        Err(StoreError::NotFound {
            what: "re-check",
            ..
        })
    ));
    assert!(matches!(
        store.enqueue_recheck(&item("rq-1", Some("chk-404"), DAY1_9AM, DAY1_9AM)),
        Err(StoreError::NotFound { what: "check", .. })
    ));
    store
        .enqueue_recheck(&item("rq-1", None, DAY1_9AM, DAY1_9AM))
        .unwrap();
    assert!(matches!(
        store.enqueue_recheck(&item("rq-1", None, DAY1_9AM, DAY1_9AM)),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert!(matches!(
        store
            .insert_check(&fallback_check("chk-1", DAY1_9AM))
            .and_then(|()| { store.insert_check(&fallback_check("chk-1", DAY1_9AM)) }),
        Err(StoreError::AlreadyExists { what: "check", .. })
    ));
}

#[test]
fn the_schema_refuses_an_unknown_recheck_state() {
    let (dir, mut store) = fresh();
    store
        .enqueue_recheck(&item("rq-1", None, DAY1_9AM, DAY1_9AM))
        .unwrap();
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    // The table's CHECK constraint refuses it, so the schema itself guards the states.
    assert!(
        raw.execute("UPDATE rechecks SET state = 'later'", [])
            .is_err()
    );
    assert_eq!(store.due_rechecks(DAY1_9AM).unwrap().len(), 1);
}

#[test]
fn checks_round_trip_and_list_by_time() {
    let (_dir, mut store) = fresh();
    let mut a = fallback_check("chk-a", DAY1_9AM);
    a.export_files = vec![
        "20260401_0001.xml".to_owned(),
        "20260401_0001.csv".to_owned(),
    ];
    a.details_json = Some(r#"{"name":"山田　太郎"}"#.to_owned());
    let b = fallback_check("chk-b", DAY1_9AM + 60);
    store.insert_check(&a).unwrap();
    store.insert_check(&b).unwrap();
    assert_eq!(store.check("chk-a").unwrap(), Some(a.clone()));
    assert_eq!(store.check("chk-z").unwrap(), None);
    assert_eq!(
        store.checks_between(DAY1_9AM, DAY1_9AM + 61).unwrap(),
        [a.clone(), b]
    );
    assert_eq!(store.checks_between(DAY1_9AM, DAY1_9AM + 60).unwrap(), [a]);
}

#[test]
fn settings_are_replaced_and_survive_a_restart() {
    let (dir, mut store) = fresh();
    assert_eq!(store.setting("acquirer_url").unwrap(), None);
    store
        .set_setting("acquirer_url", "https://a.example")
        .unwrap();
    store
        .set_setting("acquirer_url", "https://b.example")
        .unwrap();
    store.set_setting("mode", "pharmacy").unwrap();
    drop(store);
    let store = Store::open(db_path(&dir)).unwrap();
    assert_eq!(
        store.setting("acquirer_url").unwrap().as_deref(),
        Some("https://b.example")
    );
    assert_eq!(store.setting("mode").unwrap().as_deref(), Some("pharmacy"));
}
