//! A power cut: the process dies with the store open (no checkpoint, no clean close). What
//! the disk holds at that moment is the database file and its write-ahead log.

use counter_core::payment::PaymentState;
use counter_store::Store;

use crate::{DAY1_9AM, fresh, sale};

#[test]
fn a_journaled_sale_survives_a_power_cut() {
    let (dir, mut store) = fresh();
    let mut p = sale(1, PaymentState::Authorising, DAY1_9AM);
    store.insert_payment(&p).unwrap();
    p.state = PaymentState::Authorised;
    p.updated_at = p.updated_at.plus_secs(3);
    store.update_payment(&mut p).unwrap();
    assert_eq!(store.next_sequence("sale").unwrap(), 1);

    // Copy what is on disk while the store is still open: the database and its -wal,
    // never the -shm (shared memory is lost with the power).
    let files = store.files();
    let wal_len = std::fs::metadata(&files[1]).unwrap().len();
    assert!(
        wal_len > 0,
        "the writes must still be in the WAL for this test to mean anything"
    );
    let after = tempfile::tempdir().unwrap();
    let copy = after.path().join("restored.sqlite");
    std::fs::copy(&files[0], &copy).unwrap();
    std::fs::copy(&files[1], after.path().join("restored.sqlite-wal")).unwrap();

    let mut restored = Store::open(&copy).unwrap();
    assert_eq!(restored.payment(&p.id).unwrap(), Some(p.clone()));
    assert_eq!(restored.payment_history(&p.id).unwrap().len(), 2);
    assert_eq!(restored.next_sequence("sale").unwrap(), 2);
    drop(store);
    drop(dir);
}
