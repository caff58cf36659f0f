//! The finished re-checks staff must see: listed from the queue until staff confirm each;
//! a re-check that confirmed what was presented is never listed, a new request for the
//! check takes it off until its own outcome.

use counter_core::Code;
use counter_core::counter::Visit;
use counter_core::eligibility::RecheckDecision;
use counter_core::eligibility::recheck::Contradiction;
use counter_store::StoreError;

use crate::queue::queue;
use crate::records::{ADDRESS, answered_recheck};
use crate::{DAY1_9AM, db_path, fresh};

fn listed(store: &counter_store::Store) -> Vec<(String, Code)> {
    store
        .rechecks_to_confirm()
        .unwrap()
        .into_iter()
        .map(|r| (r.check_id, r.code))
        .collect()
}

#[test]
fn contradicted_and_given_up_rechecks_are_listed_until_staff_confirm_each() {
    let (_dir, mut store) = fresh();
    let t = DAY1_9AM;
    let confirmed = queue(&mut store, "chk-1", t);
    let contradicted = queue(&mut store, "chk-2", t.plus_secs(1));
    queue(&mut store, "chk-3", t.plus_secs(2));
    queue(&mut store, "chk-4", t.plus_secs(3));
    let now = t.plus_secs(600);
    let due = store.due_rechecks(now).unwrap();
    assert_eq!(due.len(), 4);
    store
        .record_recheck_decision(
            &due[0],
            &answered_recheck(&confirmed, "1", ADDRESS, now),
            None,
            None,
        )
        .unwrap();
    store
        .record_recheck_decision(
            &due[1],
            &answered_recheck(&contradicted, "2", ADDRESS, now),
            None,
            None,
        )
        .unwrap();
    let gave_up = RecheckDecision::GaveUp {
        check_id: "chk-3".into(),
        code: Code::RecheckGaveUp,
    };
    store
        .record_recheck_decision(&due[2], &gave_up, None, None)
        .unwrap();
    // chk-4 stays pending: not finished, not listed.

    let list = store.rechecks_to_confirm().unwrap();
    assert_eq!(
        listed(&store),
        [
            ("chk-2".to_owned(), Code::RecheckContradiction),
            ("chk-3".to_owned(), Code::RecheckGaveUp)
        ]
    );
    assert_eq!(list[0].patient_ref.as_deref(), Some("P-000123"));
    assert_eq!(list[0].visit_date.as_deref(), Some("20260401"));
    assert!(
        matches!(&list[0].contradictions[..], [Contradiction::Validity { validity }] if validity == "2"),
        "{:?}",
        list[0].contradictions
    );

    assert!(store.confirm_recheck("chk-2", now.plus_secs(5)).unwrap());
    assert!(
        !store.confirm_recheck("chk-2", now.plus_secs(9)).unwrap(),
        "once"
    );
    assert_eq!(listed(&store), [("chk-3".to_owned(), Code::RecheckGaveUp)]);

    // A still pending or unknown re-check cannot be confirmed.
    for id in ["chk-4", "chk-9"] {
        assert!(
            matches!(
                store.confirm_recheck(id, now),
                Err(StoreError::NotFound { .. })
            ),
            "{id}"
        );
    }
}

#[test]
fn a_new_request_for_the_check_makes_its_outcome_news_again() {
    let (_dir, mut store) = fresh();
    let rq = queue(&mut store, "chk-1", DAY1_9AM);
    let now = DAY1_9AM.plus_secs(600);
    let due = store.due_rechecks(now).unwrap();
    store
        .record_recheck_decision(
            &due[0],
            &answered_recheck(&rq, "2", ADDRESS, now),
            None,
            None,
        )
        .unwrap();
    store.confirm_recheck("chk-1", now).unwrap();
    assert!(listed(&store).is_empty());

    // Staff record the fallback again: a new request; while it runs nothing is listed, and
    // its contradiction is listed again though the earlier one was confirmed.
    store.enqueue_recheck(&rq).unwrap();
    assert!(listed(&store).is_empty());
    let due = store.due_rechecks(now.plus_secs(600)).unwrap();
    store
        .record_recheck_decision(
            &due[0],
            &answered_recheck(&rq, "2", ADDRESS, now),
            None,
            None,
        )
        .unwrap();
    assert_eq!(
        listed(&store),
        [("chk-1".to_owned(), Code::RecheckContradiction)]
    );
}

#[test]
fn a_visit_whose_recheck_contradicts_the_document_says_whether_staff_confirmed_it() {
    let (_dir, mut store) = fresh();
    let rq = queue(&mut store, "chk-1", DAY1_9AM);
    let now = DAY1_9AM.plus_secs(600);
    let said = |store: &counter_store::Store| {
        let check = store.visit_check("chk-1").unwrap().unwrap();
        let day = store
            .visits_between(DAY1_9AM, DAY1_9AM.plus_secs(86_400))
            .unwrap();
        (check.recheck_confirmed, day[0].recheck_confirmed)
    };
    // Pending: nothing to confirm yet.
    assert_eq!(said(&store), (false, false));
    let due = store.due_rechecks(now).unwrap();
    store
        .record_recheck_decision(
            &due[0],
            &answered_recheck(&rq, "2", ADDRESS, now),
            None,
            None,
        )
        .unwrap();
    assert_eq!(said(&store), (false, false));
    // The check's record now carries the contradiction: no co-payment on it yet.
    let check = store.visit_check("chk-1").unwrap().unwrap();
    assert_eq!(
        check.record.summary.warnings,
        [Code::RecheckContradiction],
        "the re-check's record"
    );
    assert_eq!(Visit::of(&check, now), Err(Code::RecheckContradiction));

    store.confirm_recheck("chk-1", now.plus_secs(5)).unwrap();
    assert_eq!(said(&store), (true, true));
    let check = store.visit_check("chk-1").unwrap().unwrap();
    assert_eq!(
        Visit::of(&check, now).map(|v| v.check_id).as_deref(),
        Ok("chk-1")
    );

    // A new request for the check makes it unconfirmed again.
    store.enqueue_recheck(&rq).unwrap();
    assert_eq!(said(&store), (false, false));
}

#[test]
fn a_done_recheck_whose_result_cannot_be_read_is_listed_as_given_up() {
    let (dir, mut store) = fresh();
    let first = queue(&mut store, "chk-1", DAY1_9AM);
    let second = queue(&mut store, "chk-2", DAY1_9AM.plus_secs(1));
    let now = DAY1_9AM.plus_secs(600);
    let due = store.due_rechecks(now).unwrap();
    for (due, rq) in due.iter().zip([&first, &second]) {
        store
            .record_recheck_decision(due, &answered_recheck(rq, "2", ADDRESS, now), None, None)
            .unwrap();
    }
    // Schema 1 kept free-form text as a done re-check's result, and a request of another
    // shape.
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    raw.execute(
        "UPDATE rechecks SET result_json = 'confirmed by phone: 3割', \
         request_json = '{\"visit\":\"x\"}' WHERE check_id = 'chk-1'",
        [],
    )
    .unwrap();
    drop(raw);

    // It is listed for a re-check by hand, and the other row still with what it found.
    assert_eq!(
        listed(&store),
        [
            ("chk-1".to_owned(), Code::RecheckGaveUp),
            ("chk-2".to_owned(), Code::RecheckContradiction)
        ]
    );
    let list = store.rechecks_to_confirm().unwrap();
    assert_eq!(list[0].visit_date, None, "the request is unreadable");
    assert_eq!(list[0].patient_ref.as_deref(), Some("P-000123"));
    // Staff confirm it like any other.
    assert!(store.confirm_recheck("chk-1", now).unwrap());
    assert_eq!(
        listed(&store),
        [("chk-2".to_owned(), Code::RecheckContradiction)]
    );
}

#[test]
fn an_unconfirmed_recheck_stays_listed_after_the_purge_without_its_details() {
    let (dir, mut store) = fresh();
    let t = DAY1_9AM;
    let contradicted = queue(&mut store, "chk-1", t);
    let confirmed = queue(&mut store, "chk-2", t.plus_secs(1));
    let valid = queue(&mut store, "chk-3", t.plus_secs(2));
    queue(&mut store, "chk-4", t.plus_secs(3));
    let fifth = queue(&mut store, "chk-5", t.plus_secs(4));
    let now = t.plus_secs(600);
    let due = store.due_rechecks(now).unwrap();
    for (due, (rq, validity)) in
        due.iter()
            .zip([(&contradicted, "2"), (&confirmed, "2"), (&valid, "1")])
    {
        store
            .record_recheck_decision(
                due,
                &answered_recheck(rq, validity, ADDRESS, now),
                None,
                None,
            )
            .unwrap();
    }
    let gave_up = RecheckDecision::GaveUp {
        check_id: "chk-4".into(),
        code: Code::RecheckGaveUp,
    };
    store
        .record_recheck_decision(&due[3], &gave_up, None, None)
        .unwrap();
    store
        .record_recheck_decision(
            &due[4],
            &answered_recheck(&fifth, "2", ADDRESS, now),
            None,
            None,
        )
        .unwrap();
    store.confirm_recheck("chk-2", now).unwrap();
    // chk-5's result as schema 1 kept it: listed as given up.
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    raw.execute(
        "UPDATE rechecks SET result_json = 'confirmed by phone: 3割' WHERE check_id = 'chk-5'",
        [],
    )
    .unwrap();
    drop(raw);
    let before = [
        ("chk-1".to_owned(), Code::RecheckContradiction),
        ("chk-4".to_owned(), Code::RecheckGaveUp),
        ("chk-5".to_owned(), Code::RecheckGaveUp),
    ];
    assert_eq!(listed(&store), before);

    let cutoff = now.plus_secs(86_400);
    // The five checks' details and the five re-checks.
    assert_eq!(store.purge_details_before(cutoff).unwrap(), 10);
    assert_eq!(store.purge_details_before(cutoff).unwrap(), 0, "idempotent");

    // Still listed alike, with nothing of what differed or of the request.
    assert_eq!(listed(&store), before);
    let list = store.rechecks_to_confirm().unwrap();
    assert!(list[0].contradictions.is_empty(), "{:?}", list[0]);
    assert_eq!(list[0].visit_date, None, "the request went");
    assert_eq!(
        list[0].patient_ref.as_deref(),
        Some("P-000123"),
        "the check's"
    );
    for id in ["chk-1", "chk-2", "chk-3", "chk-4", "chk-5"] {
        let row = store.recheck(id).unwrap().unwrap();
        assert_eq!((row.presented_json, row.request_json), (None, None), "{id}");
        let kept = row.result_json.is_some();
        assert_eq!(
            kept,
            ["chk-1", "chk-4", "chk-5"].contains(&id),
            "{id}: {kept}"
        );
    }
    // The status bar is told which of them lost their details with the purge: every one
    // listed, the one listed by its given-up state too (its visit day went).
    let purged: Vec<(String, bool)> = list
        .iter()
        .map(|r| (r.check_id.clone(), r.details_purged))
        .collect();
    assert_eq!(
        purged,
        [
            ("chk-1".to_owned(), true),
            ("chk-4".to_owned(), true),
            ("chk-5".to_owned(), true)
        ]
    );
    // Staff confirm it like any other, and the next purge takes the rest.
    assert!(store.confirm_recheck("chk-1", now).unwrap());
    assert_eq!(
        listed(&store),
        [
            ("chk-4".to_owned(), Code::RecheckGaveUp),
            ("chk-5".to_owned(), Code::RecheckGaveUp)
        ]
    );
    assert_eq!(store.purge_details_before(cutoff).unwrap(), 1);
    assert_eq!(store.recheck("chk-1").unwrap().unwrap().result_json, None);

    // A given-up one an earlier build's purge emptied (no mark): the next purge marks it.
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    raw.execute(
        "UPDATE rechecks SET result_json = NULL WHERE check_id = 'chk-4'",
        [],
    )
    .unwrap();
    drop(raw);
    let purged_4 = |store: &counter_store::Store| {
        store
            .rechecks_to_confirm()
            .unwrap()
            .into_iter()
            .find(|r| r.check_id == "chk-4")
            .map(|r| (r.code, r.details_purged))
    };
    assert_eq!(purged_4(&store), Some((Code::RecheckGaveUp, false)));
    assert_eq!(store.purge_details_before(cutoff).unwrap(), 1);
    assert_eq!(purged_4(&store), Some((Code::RecheckGaveUp, true)));
    assert_eq!(store.purge_details_before(cutoff).unwrap(), 0, "idempotent");
}
