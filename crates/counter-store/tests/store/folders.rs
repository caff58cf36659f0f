//! The folder ledger: each step only from the one before it, rows per content, and the
//! rows survive a reopen (what a restarted worker reads).

use counter_core::folders::ledger::{Disposition, LedgerState, Step, digest, next_step};
use counter_store::{Store, StoreError};

use crate::{DAY1_9AM, db_path, fresh};

const NAME: &str = "OQSsiquc01req_1.xml";

#[test]
fn received_prepared_answered_in_order_and_across_a_reopen() {
    let (dir, mut store) = fresh();
    let d = digest(b"first");
    assert_eq!(
        next_step(&store.folder_requests(NAME).unwrap(), &d),
        Step::Receive
    );
    store
        .receive_folder_request(NAME, &d, "single", false, DAY1_9AM)
        .unwrap();
    // Receiving again (a worker that crashed after the commit) changes nothing.
    store
        .receive_folder_request(NAME, &d, "single", false, DAY1_9AM.plus_secs(5))
        .unwrap();
    assert_eq!(
        next_step(&store.folder_requests(NAME).unwrap(), &d),
        Step::Process
    );
    // Answering before preparing is refused.
    assert!(matches!(
        store.answer_folder_request(NAME, &d, DAY1_9AM),
        Err(StoreError::Mismatch { .. })
    ));
    store
        .prepare_folder_request(NAME, &d, "OQSsiquc01res_1.xml", Disposition::Done)
        .unwrap();
    // Preparing the same answer again is harmless; another answer is refused.
    store
        .prepare_folder_request(NAME, &d, "OQSsiquc01res_1.xml", Disposition::Done)
        .unwrap();
    assert!(
        store
            .prepare_folder_request(NAME, &d, "other.xml", Disposition::Done)
            .is_err()
    );
    drop(store);
    let mut store = Store::open(db_path(&dir)).unwrap();
    let rows = store.folder_requests(NAME).unwrap();
    assert_eq!(next_step(&rows, &d), Step::FinishRename);
    assert_eq!(rows[0].answer_name.as_deref(), Some("OQSsiquc01res_1.xml"));
    assert_eq!(rows[0].disposition, Some(Disposition::Done));
    store
        .answer_folder_request(NAME, &d, DAY1_9AM.plus_secs(1))
        .unwrap();
    store
        .answer_folder_request(NAME, &d, DAY1_9AM.plus_secs(9))
        .unwrap();
    let rows = store.folder_requests(NAME).unwrap();
    assert_eq!(rows[0].state, LedgerState::Answered);
    assert_eq!(next_step(&rows, &d), Step::Archive);
    // Preparing an answered request again is refused: it cannot be answered twice.
    assert!(
        store
            .prepare_folder_request(NAME, &d, "OQSsiquc01res_1.xml", Disposition::Done)
            .is_err()
    );
}

#[test]
fn other_contents_under_the_same_name_get_their_own_row() {
    let (_dir, mut store) = fresh();
    let (a, b) = (digest(b"a"), digest(b"b"));
    store
        .receive_folder_request(NAME, &a, "single", false, DAY1_9AM)
        .unwrap();
    assert_eq!(
        next_step(&store.folder_requests(NAME).unwrap(), &b),
        Step::ReceiveDuplicate
    );
    store
        .receive_folder_request(NAME, &b, "single", true, DAY1_9AM.plus_secs(1))
        .unwrap();
    store
        .prepare_folder_request(NAME, &b, "OQSsiquc01req_1.err", Disposition::Rejected)
        .unwrap();
    let rows = store.folder_requests(NAME).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(next_step(&rows, &a), Step::Process);
    assert_eq!(next_step(&rows, &b), Step::FinishRename);
    assert!(matches!(
        store.answer_folder_request("other.xml", &a, DAY1_9AM),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn answered_requests_past_the_retention_are_forgotten_and_open_ones_stay() {
    let (_dir, mut store) = fresh();
    let answered = |store: &mut Store, name: &str, bytes: &[u8], at| {
        let d = digest(bytes);
        store
            .receive_folder_request(name, &d, "single", false, at)
            .unwrap();
        store
            .prepare_folder_request(name, &d, "OQSsiquc01res_x.xml", Disposition::Done)
            .unwrap();
        store.answer_folder_request(name, &d, at).unwrap();
    };
    answered(&mut store, "OQSsiquc01req_old.xml", b"old", DAY1_9AM);
    answered(
        &mut store,
        "OQSsiquc01req_new.xml",
        b"new",
        DAY1_9AM.plus_secs(3600),
    );
    // Received long ago but never answered: work left, kept whatever its age.
    store
        .receive_folder_request(
            "OQSsiquc01req_open.xml",
            &digest(b"open"),
            "single",
            false,
            DAY1_9AM,
        )
        .unwrap();

    let cutoff = DAY1_9AM.plus_secs(60);
    assert_eq!(store.forget_folder_requests_before(cutoff).unwrap(), 1);
    assert_eq!(
        store.forget_folder_requests_before(cutoff).unwrap(),
        0,
        "idempotent"
    );
    assert!(
        store
            .folder_requests("OQSsiquc01req_old.xml")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .folder_requests("OQSsiquc01req_new.xml")
            .unwrap()
            .len(),
        1
    );
    let open = store.folder_requests("OQSsiquc01req_open.xml").unwrap();
    assert_eq!(open[0].state, LedgerState::Received);
    // A request written again after it was forgotten is a new request.
    assert_eq!(
        next_step(
            &store.folder_requests("OQSsiquc01req_old.xml").unwrap(),
            &digest(b"old")
        ),
        Step::Receive
    );
}

#[test]
fn a_bulk_submissions_reception_number_is_kept_until_it_is_answered() {
    const BULK: &str = "OQSmuquc01req_1.xml";
    let (dir, mut store) = fresh();
    let d = digest(b"bulk");
    // Not received yet: nothing to record it on.
    let accepted_at = DAY1_9AM.plus_secs(5);
    assert!(matches!(
        store.submit_folder_request(BULK, &d, "R-1", accepted_at),
        Err(StoreError::NotFound { .. })
    ));
    store
        .receive_folder_request(BULK, &d, "bulk_submit", false, DAY1_9AM)
        .unwrap();
    assert_eq!(
        store.folder_requests(BULK).unwrap()[0].reception_number,
        None
    );
    store
        .submit_folder_request(BULK, &d, "R-1", accepted_at)
        .unwrap();
    // Again with the same number is harmless and keeps the first time; another number is
    // refused: the answer must carry the one the insurer gave first.
    store
        .submit_folder_request(BULK, &d, "R-1", accepted_at.plus_secs(60))
        .unwrap();
    assert!(matches!(
        store.submit_folder_request(BULK, &d, "R-2", accepted_at),
        Err(StoreError::Mismatch { .. })
    ));
    // A restarted worker reads it back, with the step it had.
    drop(store);
    let mut store = Store::open(db_path(&dir)).unwrap();
    let rows = store.folder_requests(BULK).unwrap();
    assert_eq!(rows[0].reception_number.as_deref(), Some("R-1"));
    assert_eq!(rows[0].reception_at, Some(accepted_at));
    assert_eq!(next_step(&rows, &d), Step::Process);
    store
        .prepare_folder_request(BULK, &d, "OQSmuquc01res_1.xml", Disposition::Done)
        .unwrap();
    assert!(
        store
            .submit_folder_request(BULK, &d, "R-1", accepted_at)
            .is_err(),
        "prepared: past the submission"
    );
    assert_eq!(
        store.folder_requests(BULK).unwrap()[0]
            .reception_number
            .as_deref(),
        Some("R-1")
    );
}

#[test]
fn a_duplicate_stays_one_when_the_clock_was_set_back() {
    use counter_core::folders::ledger::is_duplicate;
    let (_dir, mut store) = fresh();
    let (a, b) = (digest(b"a"), digest(b"b"));
    store
        .receive_folder_request(NAME, &a, "single", false, DAY1_9AM)
        .unwrap();
    let rows = store.folder_requests(NAME).unwrap();
    assert!(is_duplicate(&rows, &b));
    // The second request arrives after the clock was set back an hour: its row sorts
    // first, and is still the duplicate.
    store
        .receive_folder_request(NAME, &b, "single", true, DAY1_9AM.minus_secs(3600))
        .unwrap();
    let rows = store.folder_requests(NAME).unwrap();
    assert_eq!(rows[0].digest, b, "ordered by the clock at receipt");
    assert_eq!(
        (rows[0].duplicate, rows[1].duplicate),
        (Some(true), Some(false))
    );
    assert!(is_duplicate(&rows, &b));
    assert!(!is_duplicate(&rows, &a));
}
