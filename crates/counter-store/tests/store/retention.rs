//! Retention: personal details older than the cutoff leave every file; rows stay.

use counter_store::scan::{Needle, scan_files};
use counter_store::{CheckRecord, RecheckState};

use crate::queue::item;
use crate::{DAY1_9AM, fresh};

const PURGED_NAME: &str = "佐藤　花子";
const PURGED_BIRTH: &str = "19850412";
const PURGED_ADDRESS: &str = "東京都千代田区霞が関一丁目九番九号";
const KEPT_NAME: &str = "鈴木　一郎";
const PENDING_NAME: &str = "田中　太郎";

fn details(name: &str, birth: &str, address: &str, pad: usize) -> String {
    // Padded past a page so that the text also lives in overflow pages.
    format!(
        r#"{{"name":"{name}","kana":"サトウ　ハナコ","birth":"{birth}","address":"{address}","history":"{}"}}"#,
        format!("{address}／{name}／").repeat(pad)
    )
}

fn check(id: &str, at: i64, details_json: String) -> CheckRecord {
    CheckRecord {
        id: id.to_owned(),
        at,
        mode: "reception".to_owned(),
        patient_ref: Some(format!("P-{id}")),
        validity: "1".to_owned(),
        summary_json: r#"{"validity":"1","ratio":3,"insurer":"06139999"}"#.to_owned(),
        details_json: Some(details_json),
        export_files: vec![format!("{id}.xml")],
    }
}

#[test]
fn details_before_the_cutoff_are_purged_from_every_file() {
    let (_dir, mut store) = fresh();
    let old_small = check(
        "chk-old-1",
        DAY1_9AM,
        details(PURGED_NAME, PURGED_BIRTH, PURGED_ADDRESS, 0),
    );
    let old_large = check(
        "chk-old-2",
        DAY1_9AM + 1,
        details(PURGED_NAME, PURGED_BIRTH, PURGED_ADDRESS, 200),
    );
    let new = check(
        "chk-new",
        DAY1_9AM + 86_400,
        details(KEPT_NAME, "19700101", "大阪府", 0),
    );
    for c in [&old_small, &old_large, &new] {
        store.insert_check(c).unwrap();
    }
    let presented = |name: &str| {
        Some(format!(
            r#"{{"insurer":"06139999","name":"{name}","birth":"{PURGED_BIRTH}"}}"#
        ))
    };
    let mut done = item("rq-done", Some("chk-old-1"), DAY1_9AM, DAY1_9AM);
    done.presented_json = presented(PURGED_NAME);
    done.state = RecheckState::Done;
    done.result_json = Some(details(PURGED_NAME, PURGED_BIRTH, PURGED_ADDRESS, 3));
    let mut pending = item("rq-pending", None, DAY1_9AM, DAY1_9AM + 600);
    pending.presented_json = Some(format!(r#"{{"name":"{PENDING_NAME}"}}"#));
    store.enqueue_recheck(&done).unwrap();
    store.enqueue_recheck(&pending).unwrap();

    // Before the purge, the scanner sees the name (it can find what we look for).
    let needles = [
        Needle::text("purged name", PURGED_NAME),
        Needle::text("purged birth date", PURGED_BIRTH),
        Needle::text("purged address", PURGED_ADDRESS),
    ];
    assert!(!scan_files(&store.files(), &needles).is_empty());

    let cutoff = DAY1_9AM + 3600;
    assert_eq!(store.purge_details_before(cutoff).unwrap(), 3);
    assert_eq!(store.purge_details_before(cutoff).unwrap(), 0, "idempotent");

    for old in [&old_small, &old_large] {
        let after = store.check(&old.id).unwrap().unwrap();
        assert_eq!(after.details_json, None);
        assert_eq!(
            CheckRecord {
                details_json: old.details_json.clone(),
                ..after
            },
            *old,
            "everything but the details stays"
        );
    }
    assert_eq!(store.check(&new.id).unwrap(), Some(new));
    let done_after = store.recheck("rq-done").unwrap().unwrap();
    assert_eq!(
        (done_after.presented_json, done_after.result_json),
        (None, None)
    );
    assert_eq!(store.recheck("rq-pending").unwrap(), Some(pending));

    let findings = scan_files(&store.files(), &needles);
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
