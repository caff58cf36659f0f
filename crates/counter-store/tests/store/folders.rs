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
        .receive_folder_request(NAME, &d, "single", DAY1_9AM)
        .unwrap();
    // Receiving again (a worker that crashed after the commit) changes nothing.
    store
        .receive_folder_request(NAME, &d, "single", DAY1_9AM.plus_secs(5))
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
        .receive_folder_request(NAME, &a, "single", DAY1_9AM)
        .unwrap();
    assert_eq!(
        next_step(&store.folder_requests(NAME).unwrap(), &b),
        Step::ReceiveDuplicate
    );
    store
        .receive_folder_request(NAME, &b, "single", DAY1_9AM.plus_secs(1))
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
