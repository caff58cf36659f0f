//! The payment journal: round trips, the event trail, doubt, search, refunds, sequences.

use counter_core::payment::{PaymentState, RefundState};
use counter_store::{PaymentQuery, Store, StoreError};

use crate::{DAY1_9AM, db_path, fresh, refund, sale};

#[test]
fn every_state_round_trips_by_id_and_by_key() {
    let (_dir, mut store) = fresh();
    for (n, state) in (1..).zip(PaymentState::ALL) {
        let p = sale(n, state, DAY1_9AM.plus_secs(i64::from(n)));
        store.insert_payment(&p).unwrap();
        assert_eq!(
            store.payment(&p.id).unwrap().as_ref(),
            Some(&p),
            "{state:?}"
        );
        assert_eq!(
            store.payment_by_key(&p.idempotency_key).unwrap().as_ref(),
            Some(&p)
        );
    }
    assert_eq!(store.payment("T-0001-999").unwrap(), None);
    assert_eq!(store.payment_by_key("no-such-key").unwrap(), None);
}

#[test]
fn an_update_rewrites_the_whole_row() {
    let (_dir, mut store) = fresh();
    let mut p = sale(1, PaymentState::Authorising, DAY1_9AM);
    store.insert_payment(&p).unwrap();
    p = sale(1, PaymentState::Captured, DAY1_9AM);
    p.updated_at = DAY1_9AM.plus_secs(30);
    p.recovered = true;
    p.refunded_jpy = 200;
    store.update_payment(&mut p).unwrap();
    assert_eq!(store.payment(&p.id).unwrap(), Some(p));
}

#[test]
fn updating_an_unknown_sale_is_not_found_and_writes_nothing() {
    let (_dir, mut store) = fresh();
    let mut p = sale(7, PaymentState::Authorised, DAY1_9AM);
    let err = store.update_payment(&mut p).unwrap_err();
    assert!(
        matches!(&err, StoreError::NotFound { what: "payment", id } if id == "T-0001-7"),
        "{err:?}"
    );
    assert_eq!(store.payment(&p.id).unwrap(), None);
    assert!(store.payment_history(&p.id).unwrap().is_empty());
}

#[test]
fn an_update_from_a_stale_read_is_a_conflict_and_writes_nothing() {
    let (_dir, mut store) = fresh();
    let mut p = sale(1, PaymentState::Authorising, DAY1_9AM);
    store.insert_payment(&p).unwrap();
    assert_eq!(p.version, 0);
    // Two tasks read the same row.
    let mut first = store.payment(&p.id).unwrap().unwrap();
    let mut second = first.clone();
    first.state = PaymentState::Authorised;
    first.updated_at = first.updated_at.plus_secs(5);
    store.update_payment(&mut first).unwrap();
    assert_eq!(first.version, 1);
    // The second one's write is refused: it would overwrite the first's transition.
    second.state = PaymentState::Reversing;
    second.updated_at = second.updated_at.plus_secs(9);
    let err = store.update_payment(&mut second).unwrap_err();
    match &err {
        StoreError::Conflict {
            what: "payment",
            id,
            expected: 0,
            found: 1,
            state,
        } => {
            assert_eq!((id.as_str(), state.as_str()), ("T-0001-1", "authorised"));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(err.to_string().contains("re-read it"), "{err}");
    assert_eq!(
        second.version, 0,
        "a refused write leaves the version as read"
    );
    assert_eq!(store.payment(&p.id).unwrap(), Some(first.clone()));
    assert_eq!(store.payment_history(&p.id).unwrap().len(), 2);
    // Re-read, the second task may write.
    let mut fresh = store.payment(&p.id).unwrap().unwrap();
    fresh.state = PaymentState::Capturing;
    store.update_payment(&mut fresh).unwrap();
    assert_eq!(fresh.version, 2);
    p.version = 99;
    assert!(matches!(
        store.update_payment(&mut p),
        Err(StoreError::Conflict { found: 2, .. })
    ));
}

#[test]
fn a_refund_and_its_sale_are_written_together_or_not_at_all() {
    let (_dir, mut store) = fresh();
    let mut p = sale(1, PaymentState::Captured, DAY1_9AM);
    store.insert_payment(&p).unwrap();
    let mut r = refund(
        1,
        &p.id,
        RefundState::Refunding,
        "2026-04-01",
        DAY1_9AM.plus_secs(60),
    );
    store.insert_refund(&r).unwrap();
    let stale_sale = p.clone();
    r.state = RefundState::Refunded;
    p.refunded_jpy = 500;
    store.update_refund_with_payment(&mut r, &mut p).unwrap();
    assert_eq!((r.version, p.version), (1, 1));
    assert_eq!(store.refunds_of(&p.id).unwrap(), [r.clone()]);
    assert_eq!(store.payment(&p.id).unwrap(), Some(p.clone()));
    // A stale copy of the sale makes the whole write fail: the refund is not written
    // either.
    let mut stale = stale_sale;
    let mut r2 = r.clone();
    r2.reason = Some("changed".into());
    assert!(matches!(
        store.update_refund_with_payment(&mut r2, &mut stale),
        Err(StoreError::Conflict {
            what: "payment",
            ..
        })
    ));
    assert_eq!(r2.version, 1);
    assert_eq!(store.refunds_of(&p.id).unwrap(), [r.clone()]);
    // And a stale refund likewise leaves the sale as it was.
    let mut r_stale = r.clone();
    r_stale.version = 0;
    let mut p2 = p.clone();
    p2.refunded_jpy = 1;
    assert!(matches!(
        store.update_refund_with_payment(&mut r_stale, &mut p2),
        Err(StoreError::Conflict {
            what: "refund",
            expected: 0,
            found: 1,
            ..
        })
    ));
    assert_eq!(store.payment(&p.id).unwrap(), Some(p));
}

#[test]
fn a_second_insert_of_the_same_id_or_key_is_refused() {
    let (_dir, mut store) = fresh();
    let p = sale(1, PaymentState::Authorising, DAY1_9AM);
    store.insert_payment(&p).unwrap();
    assert!(matches!(
        store.insert_payment(&p),
        Err(StoreError::AlreadyExists {
            what: "payment",
            ..
        })
    ));
    let mut same_key = sale(2, PaymentState::Authorising, DAY1_9AM);
    same_key.idempotency_key = p.idempotency_key.clone();
    assert!(matches!(
        store.insert_payment(&same_key),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert_eq!(store.payment_history(&p.id).unwrap().len(), 1);
}

#[test]
fn the_history_lists_every_transition_in_order() {
    let (_dir, mut store) = fresh();
    let mut p = sale(1, PaymentState::Authorising, DAY1_9AM);
    store.insert_payment(&p).unwrap();
    let steps = [
        (PaymentState::Authorising, 5, Some("acquirer_timeout")),
        (PaymentState::Authorised, 9, None),
        (PaymentState::Capturing, 20, None),
        (PaymentState::Captured, 21, None),
    ];
    for (state, dt, error) in steps {
        p.state = state;
        p.updated_at = DAY1_9AM.plus_secs(dt);
        p.last_error = error.map(str::to_owned);
        store.update_payment(&mut p).unwrap();
    }
    let history = store.payment_history(&p.id).unwrap();
    let seen: Vec<(PaymentState, i64, Option<&str>)> = history
        .iter()
        .map(|e| (e.state, e.at.secs_since(DAY1_9AM), e.last_error.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (PaymentState::Authorising, 0, Some("acquirer_timeout")),
            (PaymentState::Authorising, 5, Some("acquirer_timeout")),
            (PaymentState::Authorised, 9, None),
            (PaymentState::Capturing, 20, None),
            (PaymentState::Captured, 21, None),
        ]
    );
}

#[test]
fn the_event_trail_refuses_rewrites() {
    let (dir, mut store) = fresh();
    store
        .insert_payment(&sale(1, PaymentState::Authorising, DAY1_9AM))
        .unwrap();
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    for sql in [
        "UPDATE payment_events SET state = 'captured'",
        "DELETE FROM payment_events",
    ] {
        let err = raw.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

#[test]
fn unfinished_lists_every_sale_not_final_oldest_first() {
    let (_dir, mut store) = fresh();
    // Inserted newest first, to see the ordering.
    for (n, state) in (1..).zip(PaymentState::ALL.into_iter().rev()) {
        store
            .insert_payment(&sale(n, state, DAY1_9AM.minus_secs(i64::from(n))))
            .unwrap();
    }
    let doubt = store.unfinished_payments().unwrap();
    let states: Vec<PaymentState> = doubt.iter().map(|p| p.state).collect();
    let expected: Vec<PaymentState> = PaymentState::ALL
        .into_iter()
        .filter(|s| !s.is_final())
        .collect();
    assert_eq!(
        states, expected,
        "every in-doubt state, and approved-not-captured"
    );
    assert!(states.iter().filter(|s| s.in_doubt()).count() == 4);
    assert!(doubt.windows(2).all(|w| w[0].created_at <= w[1].created_at));
}

#[test]
fn search_by_each_criterion_newest_first() {
    let (_dir, mut store) = fresh();
    for n in 1..=5 {
        let mut p = sale(
            n,
            PaymentState::Captured,
            DAY1_9AM.plus_secs(i64::from(n) * 60),
        );
        if n == 5 {
            p.business_date = "2026-04-02".to_owned();
        }
        store.insert_payment(&p).unwrap();
    }
    let ids = |q: PaymentQuery| -> Vec<String> {
        store
            .search_payments(&q)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect()
    };
    let text = |t: &str| PaymentQuery {
        text: Some(t.to_owned()),
        ..PaymentQuery::default()
    };
    assert_eq!(
        ids(PaymentQuery::default()),
        ["T-0001-5", "T-0001-4", "T-0001-3", "T-0001-2", "T-0001-1"]
    );
    assert_eq!(
        ids(PaymentQuery {
            business_date: Some("2026-04-01".to_owned()),
            ..PaymentQuery::default()
        }),
        ["T-0001-4", "T-0001-3", "T-0001-2", "T-0001-1"]
    );
    assert_eq!(ids(text("ord-2026-00003")), ["T-0001-3"], "order ref");
    assert_eq!(ids(text("70002")), ["T-0001-2"], "slip number");
    assert_eq!(ids(text("4004")), ["T-0001-4"], "last 4");
    assert_eq!(ids(text("¥1,010")), ["T-0001-1"], "amount");
    assert_eq!(ids(text("t-0001-5")), ["T-0001-5"], "local id");
    assert_eq!(ids(text("  ")).len(), 5, "blank text matches all");
    assert!(ids(text("nothing like this")).is_empty());
    assert_eq!(
        ids(PaymentQuery {
            business_date: Some("2026-04-02".to_owned()),
            text: Some("ORD-2026-00001".to_owned()),
            ..PaymentQuery::default()
        }),
        Vec::<String>::new(),
        "both criteria must match"
    );
    assert_eq!(
        ids(PaymentQuery {
            limit: 2,
            ..PaymentQuery::default()
        }),
        ["T-0001-5", "T-0001-4"]
    );
}

#[test]
fn refunds_round_trip_and_doubt() {
    let (_dir, mut store) = fresh();
    let p = sale(1, PaymentState::Captured, DAY1_9AM);
    store.insert_payment(&p).unwrap();
    let mut r1 = refund(
        1,
        &p.id,
        RefundState::Refunding,
        "2026-04-01",
        DAY1_9AM.plus_secs(60),
    );
    let r2 = refund(
        2,
        &p.id,
        RefundState::Refused,
        "2026-04-01",
        DAY1_9AM.plus_secs(120),
    );
    // The rounds whose outcome stayed unknown are journaled with the refund.
    r1.attempts = 2;
    store.insert_refund(&r1).unwrap();
    store.insert_refund(&r2).unwrap();
    assert_eq!(store.refunds_of(&p.id).unwrap(), [r1.clone(), r2.clone()]);
    assert_eq!(store.refunds_in_doubt().unwrap(), [r1.clone()]);
    // One refund by its id; an id the journal does not hold is none.
    assert_eq!(store.refund(&r2.id).unwrap(), Some(r2.clone()));
    assert_eq!(store.refund("no-such-refund").unwrap(), None);

    r1.attempts = 3;
    assert_eq!(r1.version, 0);
    store.update_refund(&mut r1).unwrap();
    assert_eq!(store.refunds_in_doubt().unwrap(), [r1.clone()]);
    r1.state = RefundState::Refunded;
    r1.updated_at = r1.updated_at.plus_secs(5);
    store.update_refund(&mut r1).unwrap();
    assert_eq!(store.refunds_of(&p.id).unwrap(), [r1.clone(), r2]);
    assert!(store.refunds_in_doubt().unwrap().is_empty());

    let orphan = refund(
        3,
        "T-0001-404",
        RefundState::Refunding,
        "2026-04-01",
        DAY1_9AM,
    );
    assert!(matches!(
        store.insert_refund(&orphan),
        Err(StoreError::NotFound {
            what: "payment",
            ..
        })
    ));
    let mut unknown = refund(4, &p.id, RefundState::Refunded, "2026-04-01", DAY1_9AM);
    assert!(matches!(
        store.update_refund(&mut unknown),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.insert_refund(&r1),
        Err(StoreError::AlreadyExists { what: "refund", .. })
    ));
}

#[test]
fn the_days_journal_holds_every_sale_with_an_operation_that_day() {
    let (_dir, mut store) = fresh();
    let day2 = DAY1_9AM.plus_secs(86_400);
    // Authorised on day 1, captured on day 2 by a recovery.
    let mut late_capture = sale(1, PaymentState::Captured, DAY1_9AM);
    late_capture.captured_date = Some("2026-04-02".to_owned());
    // Captured on day 1, refunded on day 2.
    let refunded = sale(2, PaymentState::Captured, DAY1_9AM.plus_secs(10));
    // Authorised on day 1, voided on day 2.
    let mut voided = sale(3, PaymentState::Voided, DAY1_9AM.plus_secs(20));
    voided.cancelled_date = Some("2026-04-02".to_owned());
    // Day 1 only.
    let day1_only = sale(4, PaymentState::Captured, DAY1_9AM.plus_secs(30));
    // Day 2 sale.
    let mut day2_sale = sale(5, PaymentState::Declined, day2);
    day2_sale.business_date = "2026-04-02".to_owned();
    for p in [&late_capture, &refunded, &voided, &day1_only, &day2_sale] {
        store.insert_payment(p).unwrap();
    }
    let r = refund(
        1,
        &refunded.id,
        RefundState::Refunded,
        "2026-04-02",
        day2.plus_secs(5),
    );
    store.insert_refund(&r).unwrap();

    let (sales, refunds) = store.journal_for_day("2026-04-02").unwrap();
    let ids: Vec<&str> = sales.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["T-0001-1", "T-0001-2", "T-0001-3", "T-0001-5"]);
    assert_eq!(refunds, [r]);

    let (sales, refunds) = store.journal_for_day("2026-04-01").unwrap();
    assert_eq!(sales.len(), 4);
    assert!(refunds.is_empty());
}

#[test]
fn sequences_count_up_across_restarts() {
    let (dir, mut store) = fresh();
    assert_eq!(store.next_sequence("sale").unwrap(), 1);
    assert_eq!(store.next_sequence("sale").unwrap(), 2);
    assert_eq!(store.next_sequence("refund").unwrap(), 1);
    drop(store);
    let mut store = Store::open(db_path(&dir)).unwrap();
    assert_eq!(store.next_sequence("sale").unwrap(), 3);
    assert_eq!(store.next_sequence("refund").unwrap(), 2);
}

#[test]
fn a_row_with_an_unknown_state_is_reported_corrupt() {
    let (dir, mut store) = fresh();
    store
        .insert_payment(&sale(1, PaymentState::Authorised, DAY1_9AM))
        .unwrap();
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    raw.execute("UPDATE payments SET state = 'paid'", [])
        .unwrap();
    let err = store.payment("T-0001-1").unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { what: "payment state", detail } if detail.contains("paid")),
        "{err:?}"
    );
}
