//! Eligibility checks: the machine's `RecordCheck` upserted by check id, read back as core
//! records, listed by the time of the visit.

use counter_core::Code;
use counter_core::eligibility::record::VALIDITY_FALLBACK;
use counter_core::eligibility::{CheckDetails, CheckSource, RecheckDecision};
use counter_store::{CheckRecord, RecheckState, StoreError};

use crate::records::{
    ADDRESS, NAME, answered, answered_recheck, failure, fallback, presented, request,
};
use crate::{DAY1_9AM, fresh};

#[test]
fn upsert_replaces_a_check_and_keeps_its_place() {
    let (_dir, mut store) = fresh();
    store
        .upsert_check(&answered("chk-a", DAY1_9AM, NAME, ADDRESS, 1))
        .unwrap();
    store
        .upsert_check(&failure("chk-b", DAY1_9AM.plus_secs(60)))
        .unwrap();
    let files = vec![
        "OQSsiquc01res_chk-a.xml".to_owned(),
        "OQSsiquc01res_chk-a.json".to_owned(),
    ];
    store.set_check_exports("chk-a", &files).unwrap();

    // Staff chose another record later: the machine records the check again.
    let mut again = answered("chk-a", DAY1_9AM.plus_secs(500), NAME, ADDRESS, 2);
    again.details.chosen_record = Some(1);
    store.upsert_check(&again).unwrap();

    let row = store.check("chk-a").unwrap().unwrap();
    assert_eq!(row.at, DAY1_9AM, "the row keeps the time of the visit");
    assert_eq!(row.export_files, files, "and the files written for it");
    assert_eq!(row.mode, "reception");
    assert_eq!(row.validity, "1");
    assert_eq!(store.check_record("chk-a").unwrap(), Some(again.clone()));
    assert_eq!(row.summary().unwrap().at, DAY1_9AM.plus_secs(500));
    let listed: Vec<String> = store
        .checks_between(DAY1_9AM, DAY1_9AM.plus_secs(61))
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, ["chk-a", "chk-b"]);
    assert!(
        store
            .checks_between(DAY1_9AM.plus_secs(1), DAY1_9AM.plus_secs(60))
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.check("chk-z").unwrap(), None);
    assert_eq!(store.check_record("chk-z").unwrap(), None);
}

#[test]
fn a_failure_its_fallback_and_the_recheck_result_replace_each_other() {
    let (_dir, mut store) = fresh();
    let at = DAY1_9AM;
    store.upsert_check(&failure("chk-1", at)).unwrap();
    assert_eq!(store.check("chk-1").unwrap().unwrap().validity, "failed");

    let shown = presented(NAME, 3);
    let fb = fallback("chk-1", at.plus_secs(120), &shown);
    store.upsert_check(&fb).unwrap();
    let rq = request("chk-1", at.plus_secs(120), &shown);
    store.enqueue_recheck(&rq).unwrap();
    assert_eq!(store.check_record("chk-1").unwrap(), Some(fb));
    assert_eq!(
        store.check("chk-1").unwrap().unwrap().validity,
        VALIDITY_FALLBACK
    );

    let now = rq.next_at;
    let due = store.due_rechecks(now).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].request, rq);
    let decision = answered_recheck(&rq, "1", ADDRESS, now);
    let RecheckDecision::Done(done) = &decision else {
        panic!("expected done, got {decision:?}");
    };
    assert!(done.contradictions.is_empty(), "{done:?}");
    assert!(
        store
            .record_recheck_decision(&due[0], &decision, None, None)
            .unwrap()
    );

    let after = store.check_record("chk-1").unwrap().unwrap();
    assert_eq!(after, done.record);
    assert_eq!(after.summary.source, CheckSource::Recheck);
    let row = store.check("chk-1").unwrap().unwrap();
    assert_eq!((row.at, row.validity.as_str()), (at, "1"));
    let item = store.recheck("chk-1").unwrap().unwrap();
    assert_eq!(item.state, RecheckState::Done);
    assert_eq!(item.reception_number, None);
    let result: serde_json::Value =
        serde_json::from_str(item.result_json.as_deref().unwrap()).unwrap();
    assert_eq!(
        result["code"],
        serde_json::to_value(Code::EligibilityValid).unwrap()
    );
    assert_eq!(result["contradictions"], serde_json::json!([]));
    assert!(
        store
            .due_rechecks(now.plus_secs(86_400))
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.pending_recheck_count().unwrap(), 0);
}

#[test]
fn a_purged_check_reads_back_with_its_summary_only() {
    let (_dir, mut store) = fresh();
    let rec = answered("chk-1", DAY1_9AM, NAME, ADDRESS, 1);
    store.upsert_check(&rec).unwrap();
    store.purge_details_before(DAY1_9AM.plus_secs(1)).unwrap();
    let row: CheckRecord = store.check("chk-1").unwrap().unwrap();
    assert_eq!(row.details().unwrap(), None);
    let back = store.check_record("chk-1").unwrap().unwrap();
    assert_eq!(back.summary, rec.summary);
    assert_eq!(back.details, CheckDetails::default());
}

#[test]
fn exports_of_an_unknown_check_are_not_found() {
    let (_dir, mut store) = fresh();
    assert!(matches!(
        store.set_check_exports("chk-404", &["a.xml".to_owned()]),
        Err(StoreError::NotFound { what: "check", .. })
    ));
}
