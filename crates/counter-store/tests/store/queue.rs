//! The offline re-check queue (one re-check per check, replaced by a new request; the
//! worker's writes guarded by the request they ran) and settings.

use counter_core::Code;
use counter_core::UnixTime;
use counter_core::eligibility::{RecheckDecision, RecheckRequest};
use counter_store::{DueRecheck, RecheckState, Store, StoreError};

use crate::records::{NAME, fallback, presented, request};
use crate::{DAY1_9AM, db_path, fresh};

/// Stores the fallback of `check_id` made at `at` and queues its re-check.
pub fn queue(store: &mut Store, check_id: &str, at: UnixTime) -> RecheckRequest {
    let shown = presented(NAME, 3);
    store.upsert_check(&fallback(check_id, at, &shown)).unwrap();
    let rq = request(check_id, at, &shown);
    store.enqueue_recheck(&rq).unwrap();
    rq
}

fn due_one(store: &Store, check_id: &str, now: UnixTime) -> DueRecheck {
    store
        .due_rechecks(now)
        .unwrap()
        .into_iter()
        .find(|d| d.request.check_id == check_id)
        .unwrap()
}

fn retry(check_id: &str, attempts: u32, next_at: UnixTime) -> RecheckDecision {
    RecheckDecision::RetryAt {
        check_id: check_id.to_owned(),
        attempts,
        next_at,
    }
}

#[test]
fn due_items_come_oldest_first_and_leave_when_finished() {
    let (_dir, mut store) = fresh();
    let newer = queue(&mut store, "chk-2", DAY1_9AM.plus_secs(20));
    let older = queue(&mut store, "chk-1", DAY1_9AM.plus_secs(10));
    let mut later = queue(&mut store, "chk-3", DAY1_9AM.plus_secs(5));
    later.next_at = DAY1_9AM.plus_secs(900);
    store.enqueue_recheck(&later).unwrap();
    assert_eq!(store.pending_recheck_count().unwrap(), 3);
    assert!(
        store
            .due_rechecks(DAY1_9AM.plus_secs(69))
            .unwrap()
            .is_empty()
    );
    let due = store.due_rechecks(DAY1_9AM.plus_secs(80)).unwrap();
    let requests: Vec<&RecheckRequest> = due.iter().map(|d| &d.request).collect();
    assert_eq!(requests, [&older, &newer]);
    assert!(due.iter().all(|d| d.reception_number.is_none()));

    let gave_up = RecheckDecision::GaveUp {
        check_id: "chk-1".to_owned(),
        code: Code::RecheckGaveUp,
    };
    assert!(
        store
            .record_recheck_decision(&due[0], &gave_up, None, None)
            .unwrap()
    );
    let next = DAY1_9AM.plus_secs(400);
    assert!(
        store
            .record_recheck_decision(
                &due[1],
                &retry("chk-2", 1, next),
                None,
                Some("insurer_unavailable")
            )
            .unwrap()
    );

    let row = store.recheck("chk-1").unwrap().unwrap();
    assert_eq!(row.state, RecheckState::GaveUp);
    assert_eq!(row.last_error.as_deref(), Some("recheck_gave_up"));
    let row = store.recheck("chk-2").unwrap().unwrap();
    assert_eq!(
        (row.state, row.attempts, row.next_at),
        (RecheckState::Pending, 1, next)
    );
    assert_eq!(row.last_error.as_deref(), Some("insurer_unavailable"));
    assert_eq!(store.pending_recheck_count().unwrap(), 2);
    assert!(
        store
            .due_rechecks(DAY1_9AM.plus_secs(399))
            .unwrap()
            .is_empty()
    );
    let due: Vec<(String, u32)> = store
        .due_rechecks(DAY1_9AM.plus_secs(1000))
        .unwrap()
        .into_iter()
        .map(|d| (d.request.check_id, d.request.attempts))
        .collect();
    assert_eq!(due, [("chk-3".to_owned(), 0), ("chk-2".to_owned(), 1)]);
}

#[test]
fn the_reception_number_is_kept_until_a_decision_clears_it() {
    let (_dir, mut store) = fresh();
    let rq = queue(&mut store, "chk-1", DAY1_9AM);
    let now = rq.next_at;
    let item = due_one(&store, "chk-1", now);
    assert_eq!(store.set_recheck_reception(&[&item], "R0001").unwrap(), 1);
    // A worker that stopped here finds the submission to fetch.
    let again = due_one(&store, "chk-1", now);
    assert_eq!(again.reception_number.as_deref(), Some("R0001"));

    let fetch = RecheckDecision::FetchAgain {
        check_id: "chk-1".to_owned(),
        at: now.plus_secs(60),
    };
    assert!(
        store
            .record_recheck_decision(&again, &fetch, Some("R0001"), None)
            .unwrap()
    );
    let row = store.recheck("chk-1").unwrap().unwrap();
    assert_eq!((row.attempts, row.next_at), (0, now.plus_secs(60)));
    assert_eq!(row.reception_number.as_deref(), Some("R0001"));

    let item = due_one(&store, "chk-1", now.plus_secs(60));
    assert!(
        store
            .record_recheck_decision(
                &item,
                &retry("chk-1", 1, now.plus_secs(120)),
                None,
                Some("bulk_failed")
            )
            .unwrap()
    );
    let row = store.recheck("chk-1").unwrap().unwrap();
    assert_eq!(row.reception_number, None, "the next attempt submits anew");
}

#[test]
fn a_new_request_replaces_the_checks_recheck_and_outdates_the_old_one() {
    let (_dir, mut store) = fresh();
    let first = queue(&mut store, "chk-1", DAY1_9AM);
    let running = due_one(&store, "chk-1", first.next_at);
    store.set_recheck_reception(&[&running], "R0001").unwrap();
    assert!(
        store
            .record_recheck_decision(
                &running,
                &retry("chk-1", 1, DAY1_9AM.plus_secs(600)),
                None,
                None
            )
            .unwrap()
    );

    // Staff record the document again (the share corrected): the machine queues anew.
    let second = request("chk-1", DAY1_9AM.plus_secs(300), &presented(NAME, 2));
    store.enqueue_recheck(&second).unwrap();
    assert_eq!(store.pending_recheck_count().unwrap(), 1);
    let row = store.recheck("chk-1").unwrap().unwrap();
    assert_eq!(row.id, "chk-1");
    assert_eq!(
        (row.state, row.attempts, row.created_at),
        (RecheckState::Pending, 0, DAY1_9AM.plus_secs(300))
    );
    assert_eq!((&row.reception_number, &row.last_error), (&None, &None));
    assert_eq!(row.request().unwrap(), Some(second.clone()));

    // The worker's outcome for the first request is dropped, not applied to the second.
    let gave_up = RecheckDecision::GaveUp {
        check_id: "chk-1".to_owned(),
        code: Code::RecheckGaveUp,
    };
    assert!(
        !store
            .record_recheck_decision(&running, &gave_up, None, None)
            .unwrap()
    );
    assert_eq!(
        store.set_recheck_reception(&[&running], "R0002").unwrap(),
        0
    );
    let due = store.due_rechecks(second.next_at).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (&due[0].request, &due[0].reception_number),
        (&second, &None)
    );

    // A finished re-check is replaced the same way.
    assert!(
        store
            .record_recheck_decision(&due[0], &gave_up, None, None)
            .unwrap()
    );
    store.enqueue_recheck(&first).unwrap();
    assert_eq!(
        store.recheck("chk-1").unwrap().unwrap().state,
        RecheckState::Pending
    );
}

#[test]
fn unknown_checks_and_mismatched_decisions_are_refused() {
    let (_dir, mut store) = fresh();
    let shown = presented(NAME, 3);
    assert!(matches!(
        store.enqueue_recheck(&request("chk-404", DAY1_9AM, &shown)),
        Err(StoreError::NotFound { what: "check", .. })
    ));
    let rq = queue(&mut store, "chk-1", DAY1_9AM);
    let item = due_one(&store, "chk-1", rq.next_at);
    let err = store
        .record_recheck_decision(
            &item,
            &retry("chk-2", 1, rq.next_at.plus_secs(60)),
            None,
            None,
        )
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Mismatch { expected, found, .. } if expected == "chk-1" && found == "chk-2"),
        "{err:?}"
    );
    assert_eq!(store.recheck("chk-1").unwrap().unwrap().attempts, 0);
}

#[test]
fn the_schema_refuses_an_unknown_recheck_state_and_a_second_row_per_check() {
    let (dir, mut store) = fresh();
    queue(&mut store, "chk-1", DAY1_9AM);
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    // The table's CHECK constraint refuses it, so the schema itself guards the states.
    assert!(
        raw.execute("UPDATE rechecks SET state = 'later'", [])
            .is_err()
    );
    // And its unique index keeps one re-check per check.
    assert!(
        raw.execute(
            "INSERT INTO rechecks (id, created_at, check_id, fallback_kind, state, attempts, \
             next_at) VALUES ('rq-2', 0, 'chk-1', 'self_declaration', 'gave_up', 0, 0)",
            [],
        )
        .is_err()
    );
    assert_eq!(store.due_rechecks(DAY1_9AM.plus_secs(60)).unwrap().len(), 1);
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

#[test]
fn a_cancelled_recheck_is_given_up_and_its_running_attempt_lands_nowhere() {
    let (_dir, mut store) = fresh();
    let rq = queue(&mut store, "chk-1", DAY1_9AM);
    let now = DAY1_9AM.plus_secs(600);
    // The worker took the request; staff then record the fallback again without numbers.
    let running = due_one(&store, "chk-1", now);
    let corrected = store.check_record("chk-1").unwrap().unwrap();
    assert!(
        store
            .cancel_recheck("chk-1", "recorded again", now)
            .unwrap()
    );
    let row = store.recheck("chk-1").unwrap().unwrap();
    assert_eq!(row.state, RecheckState::GaveUp);
    assert_eq!(row.last_error.as_deref(), Some("recorded again"));
    assert_eq!(store.pending_recheck_count().unwrap(), 0);
    assert!(
        store.rechecks_to_confirm().unwrap().is_empty(),
        "staff did it: nothing to confirm"
    );

    // The attempt that was running finishes: its answer (about the old numbers) is dropped.
    let answer = crate::records::answered_recheck(&rq, "2", crate::records::ADDRESS, now);
    assert!(
        !store
            .record_recheck_decision(&running, &answer, None, None)
            .unwrap()
    );
    assert_eq!(store.check_record("chk-1").unwrap().unwrap(), corrected);
    assert_eq!(
        store.recheck("chk-1").unwrap().unwrap().state,
        RecheckState::GaveUp
    );
    assert!(
        !store.cancel_recheck("chk-1", "again", now).unwrap(),
        "nothing pending any more"
    );
    assert!(!store.cancel_recheck("chk-9", "unknown", now).unwrap());
}
