//! Retention: personal details older than the cutoff leave every file; rows stay.

use counter_core::eligibility::RecheckDecision;
use counter_store::RecheckState;
use counter_store::scan::{Needle, scan_files};

use crate::records::{BIRTH, answered, answered_recheck, fallback, presented, request};
use crate::{DAY1_9AM, fresh};

const PURGED_NAME: &str = "佐藤　花子";
const PURGED_ADDRESS: &str = "東京都千代田区霞が関一丁目九番九号";
const KEPT_NAME: &str = "鈴木　一郎";
const PENDING_NAME: &str = "田中　太郎";

#[test]
fn details_before_the_cutoff_are_purged_from_every_file() {
    let (_dir, mut store) = fresh();
    // Two old checks, the second with its answer padded past a page so that the text also
    // lives in overflow pages; one recent.
    let old_small = answered("chk-old-1", DAY1_9AM, PURGED_NAME, PURGED_ADDRESS, 1);
    let old_large = answered(
        "chk-old-2",
        DAY1_9AM.plus_secs(1),
        PURGED_NAME,
        PURGED_ADDRESS,
        40,
    );
    let new = answered(
        "chk-new",
        DAY1_9AM.plus_secs(86_400),
        KEPT_NAME,
        "大阪府",
        1,
    );
    for c in [&old_small, &old_large, &new] {
        store.upsert_check(c).unwrap();
    }
    store
        .set_check_exports("chk-old-1", &["chk-old-1.xml".to_owned()])
        .unwrap();
    // An old fallback re-checked (done), and one whose re-check is still pending.
    let shown = presented(PURGED_NAME, 3);
    store
        .upsert_check(&fallback("chk-fb", DAY1_9AM, &shown))
        .unwrap();
    let done_rq = request("chk-fb", DAY1_9AM, &shown);
    store.enqueue_recheck(&done_rq).unwrap();
    let due = store.due_rechecks(done_rq.next_at).unwrap();
    let decision = answered_recheck(&done_rq, "1", PURGED_ADDRESS, done_rq.next_at);
    assert!(matches!(decision, RecheckDecision::Done(_)));
    assert!(
        store
            .record_recheck_decision(&due[0], &decision, None, None)
            .unwrap()
    );
    let pending_shown = presented(PENDING_NAME, 3);
    store
        .upsert_check(&fallback(
            "chk-pending",
            DAY1_9AM.plus_secs(7200),
            &pending_shown,
        ))
        .unwrap();
    let mut pending_rq = request("chk-pending", DAY1_9AM, &pending_shown);
    pending_rq.next_at = DAY1_9AM.plus_secs(99_999);
    store.enqueue_recheck(&pending_rq).unwrap();

    // Before the purge, the scanner sees them (it can find what we look for).
    let needles = [
        Needle::text("purged name", PURGED_NAME),
        Needle::text("purged birth date", BIRTH),
        Needle::text("purged address", PURGED_ADDRESS),
    ];
    assert!(!scan_files(&store.files(), &needles).is_empty());

    let cutoff = DAY1_9AM.plus_secs(3600);
    // chk-old-1, chk-old-2, chk-fb, and chk-fb's re-check.
    assert_eq!(store.purge_details_before(cutoff).unwrap(), 4);
    assert_eq!(store.purge_details_before(cutoff).unwrap(), 0, "idempotent");

    for old in [&old_small, &old_large] {
        let after = store.check(&old.summary.check_id).unwrap().unwrap();
        assert_eq!(after.details_json, None);
        assert_eq!(after.summary().unwrap(), old.summary, "the summary stays");
    }
    assert_eq!(
        store.check("chk-old-1").unwrap().unwrap().export_files,
        ["chk-old-1.xml"]
    );
    assert_eq!(store.check_record("chk-new").unwrap(), Some(new));
    let done_after = store.recheck("chk-fb").unwrap().unwrap();
    assert_eq!(done_after.state, RecheckState::Done);
    assert_eq!(
        (
            done_after.presented_json,
            done_after.request_json,
            done_after.result_json
        ),
        (None, None, None)
    );
    assert_eq!(done_after.fallback_kind, "eligibility_notice");
    let pending_after = store.recheck("chk-pending").unwrap().unwrap();
    assert_eq!(pending_after.request().unwrap(), Some(pending_rq));

    // Birth dates are not needles here: the pending request keeps the same one.
    let findings = scan_files(&store.files(), &[needles[0].clone(), needles[2].clone()]);
    assert!(
        findings.is_empty(),
        "purged text survives:\n{}",
        findings
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Positive control: what was kept is still readable on disk.
    for kept in [KEPT_NAME, PENDING_NAME] {
        assert!(
            !scan_files(&store.files(), &[Needle::text("kept", kept)]).is_empty(),
            "{kept}"
        );
    }
}
