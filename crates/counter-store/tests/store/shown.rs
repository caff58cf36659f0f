//! The mark that a captured sale's outcome was shown: set once, outside the sale's
//! transitions, and the list of today's captured sales nobody saw; old rows migrate as
//! shown.

use counter_core::payment::PaymentState;
use counter_store::{Store, StoreError};

use crate::{DAY1_9AM, db_path, fresh, sale};

const DAY1: &str = "2026-04-01";

#[test]
fn a_sale_is_marked_once_without_a_transition() {
    let (_dir, mut store) = fresh();
    let p = sale(1, PaymentState::Captured, DAY1_9AM);
    store.insert_payment(&p).unwrap();
    let stored = store.payment(&p.id).unwrap().unwrap();
    assert_eq!(stored.shown_at, None, "a new sale was shown to nobody");
    let events = store.payment_history(&p.id).unwrap().len();

    let at = DAY1_9AM.plus_secs(5);
    assert!(store.mark_shown(&p.id, at).unwrap());
    assert!(
        !store.mark_shown(&p.id, at.plus_secs(60)).unwrap(),
        "the first mark stays"
    );
    let marked = store.payment(&p.id).unwrap().unwrap();
    assert_eq!(marked.shown_at, Some(at));
    assert_eq!(
        marked.version, stored.version,
        "no transition: no new version"
    );
    assert_eq!(store.payment_history(&p.id).unwrap().len(), events);

    // A drive that read the row before the mark still writes (no conflict), and its
    // rewrite keeps the mark.
    let mut stale = stored;
    stale.refunded_jpy = 100;
    store.update_payment(&mut stale).unwrap();
    assert_eq!(store.payment(&p.id).unwrap().unwrap().shown_at, Some(at));

    assert!(matches!(
        store.mark_shown("T-0001-404", at),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn the_unshown_list_holds_the_days_captured_sales_nobody_saw_oldest_first() {
    let (_dir, mut store) = fresh();
    let mut rows = vec![
        sale(1, PaymentState::Captured, DAY1_9AM.plus_secs(20)),
        sale(2, PaymentState::Captured, DAY1_9AM.plus_secs(10)),
        sale(3, PaymentState::Voided, DAY1_9AM),
        sale(4, PaymentState::Captured, DAY1_9AM),
        sale(5, PaymentState::Capturing, DAY1_9AM),
    ];
    rows[3].business_date = "2026-03-31".into();
    for p in &rows {
        store.insert_payment(p).unwrap();
    }
    let ids = |store: &Store| -> Vec<String> {
        store
            .captured_not_shown(DAY1)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect()
    };
    assert_eq!(ids(&store), ["T-0001-2", "T-0001-1"]);
    store
        .mark_shown("T-0001-2", DAY1_9AM.plus_secs(30))
        .unwrap();
    assert_eq!(ids(&store), ["T-0001-1"]);
}

#[test]
fn rows_from_before_the_mark_migrate_as_shown_unless_unfinished() {
    let dir = tempfile::tempdir().unwrap();
    let raw = crate::migrations::schema_7_file(&dir);
    for (id, state) in [
        ("T-1", "captured"),
        ("T-2", "voided"),
        ("T-3", "declined"),
        ("T-4", "capturing"),
    ] {
        raw.execute(
            "INSERT INTO payments (id, idempotency_key, order_ref, merchant_id, terminal_id, \
             amount_jpy, state, captured_jpy, refunded_jpy, business_date, attempts, \
             recovered, created_at, updated_at) VALUES (?1, ?1, 'o', 'm', 't', 100, ?2, 0, 0, \
             '2026-04-01', 0, 0, 1, 7)",
            (id, state),
        )
        .unwrap();
    }
    drop(raw);
    let store = Store::open(db_path(&dir)).unwrap();
    let shown = |id: &str| store.payment(id).unwrap().unwrap().shown_at;
    for id in ["T-1", "T-2", "T-3"] {
        assert_eq!(
            shown(id),
            Some(counter_core::UnixTime::from_secs(7)),
            "{id}: finished before the mark existed"
        );
    }
    assert_eq!(shown("T-4"), None, "unfinished: nobody saw how it ends");
    assert!(store.captured_not_shown(DAY1).unwrap().is_empty());
}
