//! The register's orders: journaled before anything else, linked to their payment and
//! refunds in the same transaction, read back after a reopen.

use counter_api::pos::CreateSale;
use counter_core::Code;
use counter_core::payment::{PaymentState, RefundState};
use counter_core::pos::{PosCreate, PosOrder, PosOrderState, PosRefundKey};
use counter_store::{Store, StoreError};

use crate::{DAY1_9AM, db_path, fresh, refund, sale};

fn order(order_ref: &str, key: &str) -> PosOrder {
    let request = PosCreate::new(
        CreateSale {
            amount_jpy: 1_010,
            order_ref: order_ref.into(),
        },
        key,
    )
    .unwrap();
    PosOrder::open(&request, REGISTER_1, DAY1_9AM)
}

/// The register of [`order`].
const REGISTER_1: &str = "cert:CN=register-1";
const REGISTER_2: &str = "cert:CN=register-2";

/// Order `order_ref` of `register`, paid by a captured sale, with a refund of ¥100 under
/// the register's key `key` (refund number `n`).
fn refunded(store: &mut Store, register: &str, order_ref: &str, key: &str, n: u32) -> PosRefundKey {
    let request = PosCreate::new(
        CreateSale {
            amount_jpy: 1_010,
            order_ref: order_ref.into(),
        },
        &format!("k-{order_ref}"),
    )
    .unwrap();
    store
        .insert_pos_order(&PosOrder::open(&request, register, DAY1_9AM))
        .unwrap();
    let mut p = sale(n, PaymentState::Captured, DAY1_9AM.plus_secs(5));
    p.order_ref = order_ref.into();
    store.insert_payment_for_pos_order(&p, order_ref).unwrap();
    let r = refund(
        n,
        &p.id,
        RefundState::Refunding,
        "2026-04-01",
        DAY1_9AM.plus_secs(8),
    );
    let key = PosRefundKey {
        register: Some(register.into()),
        idempotency_key: key.into(),
        order_ref: order_ref.into(),
        amount_jpy: 100,
        refund_id: r.id.clone(),
    };
    store.insert_refund_for_pos(&r, &key).unwrap();
    key
}

#[test]
fn two_registers_journal_refunds_under_the_same_key_each_reading_its_own() {
    let (dir, mut store) = fresh();
    // Each register makes its keys itself: both send `rk-1`.
    let first = refunded(&mut store, REGISTER_1, "R-1", "rk-1", 1);
    let second = refunded(&mut store, REGISTER_2, "R-2", "rk-1", 2);
    drop(store);
    let mut store = Store::open(db_path(&dir)).unwrap();
    assert_eq!(
        store.pos_refund_key(REGISTER_1, "rk-1").unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.pos_refund_key(REGISTER_2, "rk-1").unwrap(),
        Some(second)
    );
    assert_eq!(
        store.pos_refund_key("cert:CN=register-3", "rk-1").unwrap(),
        None,
        "another register's key is never read"
    );
    // Within one register a key stays one request: the second refund is not written.
    let r = refund(
        3,
        "T-0001-1",
        RefundState::Refunding,
        "2026-04-01",
        DAY1_9AM,
    );
    assert!(matches!(
        store.insert_refund_for_pos(&r, &first),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert_eq!(store.refunds_of("T-0001-1").unwrap().len(), 1);
}

#[test]
fn an_order_is_found_by_reference_and_key_and_linked_to_its_payment_atomically() {
    let (dir, mut store) = fresh();
    let o = order("R-1", "k-1");
    store.insert_pos_order(&o).unwrap();
    // The same reference or key again: refused.
    for again in [order("R-1", "k-2"), order("R-2", "k-1")] {
        assert!(matches!(
            store.insert_pos_order(&again),
            Err(StoreError::AlreadyExists { .. })
        ));
    }
    assert_eq!(store.pos_order("R-1").unwrap(), Some(o.clone()));
    assert_eq!(
        store.pos_order_by_key(REGISTER_1, "k-1").unwrap(),
        Some(o.clone())
    );
    assert_eq!(store.open_pos_orders().unwrap(), vec![o.clone()]);
    let j = store.pos_journal("R-1").unwrap().unwrap();
    assert_eq!((j.payment, j.refunds.len()), (None, 0));

    // Its payment and the link: one transaction.
    let mut p = sale(1, PaymentState::Authorising, DAY1_9AM.plus_secs(5));
    p.order_ref = "R-1".into();
    store.insert_payment_for_pos_order(&p, "R-1").unwrap();
    let j = store
        .pos_journal_by_key(REGISTER_1, "k-1")
        .unwrap()
        .unwrap();
    assert_eq!(j.order.state, PosOrderState::Paying);
    assert_eq!(j.order.sale_id.as_deref(), Some(p.id.as_str()));
    assert_eq!(j.payment.as_ref(), Some(&p));
    // A second payment for the same order: refused, and nothing of it is written.
    let p2 = sale(2, PaymentState::Authorising, DAY1_9AM.plus_secs(6));
    assert!(matches!(
        store.insert_payment_for_pos_order(&p2, "R-1"),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.payment(&p2.id).unwrap(), None);
    // A paid order is never closed as unpaid.
    assert!(
        !store
            .close_pos_order("R-1", Code::Cancelled, DAY1_9AM.plus_secs(7))
            .unwrap()
    );

    // A refund with the register's key: one transaction, found again by the key.
    let mut captured = store.payment(&p.id).unwrap().unwrap();
    captured.state = PaymentState::Captured;
    store.update_payment(&mut captured).unwrap();
    let r = refund(
        1,
        &p.id,
        RefundState::Refunding,
        "2026-04-01",
        DAY1_9AM.plus_secs(8),
    );
    let key = PosRefundKey {
        register: Some(REGISTER_1.into()),
        idempotency_key: "rk-1".into(),
        order_ref: "R-1".into(),
        amount_jpy: 500,
        refund_id: r.id.clone(),
    };
    store.insert_refund_for_pos(&r, &key).unwrap();
    // The same key again: refused, the second refund not written.
    let r2 = refund(
        2,
        &p.id,
        RefundState::Refunding,
        "2026-04-01",
        DAY1_9AM.plus_secs(9),
    );
    assert!(store.insert_refund_for_pos(&r2, &key).is_err());
    assert_eq!(store.refunds_of(&p.id).unwrap(), vec![r.clone()]);
    drop(store);

    // After a reopen, everything reads back.
    let store = Store::open(db_path(&dir)).unwrap();
    assert_eq!(store.pos_refund_key(REGISTER_1, "rk-1").unwrap(), Some(key));
    assert_eq!(store.pos_refund_key(REGISTER_1, "rk-2").unwrap(), None);
    let j = store.pos_journal("R-1").unwrap().unwrap();
    assert_eq!(j.refunds, vec![r]);
    assert_eq!(store.pos_journal("R-9").unwrap(), None);
}

#[test]
fn orders_left_open_are_closed_with_their_reason_but_the_one_served() {
    let (_dir, mut store) = fresh();
    for (r, k) in [("R-1", "k-1"), ("R-2", "k-2"), ("R-3", "k-3")] {
        store.insert_pos_order(&order(r, k)).unwrap();
    }
    assert!(
        store
            .close_pos_order("R-1", Code::CardRemoved, DAY1_9AM.plus_secs(1))
            .unwrap()
    );
    assert!(
        !store
            .close_pos_order("R-1", Code::Cancelled, DAY1_9AM.plus_secs(2))
            .unwrap()
    );
    assert_eq!(
        store
            .close_open_pos_orders(Some("R-3"), Code::PosInterrupted, DAY1_9AM.plus_secs(3))
            .unwrap(),
        1
    );
    let read = |r: &str| {
        let o = store.pos_order(r).unwrap().unwrap();
        (o.state, o.reason)
    };
    assert_eq!(
        read("R-1"),
        (PosOrderState::Unpaid, Some(Code::CardRemoved))
    );
    assert_eq!(
        read("R-2"),
        (PosOrderState::Unpaid, Some(Code::PosInterrupted))
    );
    assert_eq!(read("R-3"), (PosOrderState::Open, None));
    // A paid order cannot be closed, and a closed one takes no payment.
    let p = sale(1, PaymentState::Authorising, DAY1_9AM.plus_secs(4));
    assert!(store.insert_payment_for_pos_order(&p, "R-1").is_err());
    assert_eq!(
        store
            .close_open_pos_orders(None, Code::PosInterrupted, DAY1_9AM.plus_secs(5))
            .unwrap(),
        1
    );
    assert!(store.open_pos_orders().unwrap().is_empty());
}

#[test]
fn a_sale_key_is_its_registers_own() {
    let (_dir, mut store) = fresh();
    let mine = order("R-1", "0001");
    store.insert_pos_order(&mine).unwrap();
    // Register 2 numbers its keys as register 1 does: its `0001` is another sale.
    let theirs = PosOrder {
        register: Some(REGISTER_2.into()),
        ..order("S-1", "0001")
    };
    store.insert_pos_order(&theirs).unwrap();
    assert_eq!(
        store.pos_order_by_key(REGISTER_1, "0001").unwrap(),
        Some(mine)
    );
    assert_eq!(
        store.pos_order_by_key(REGISTER_2, "0001").unwrap(),
        Some(theirs)
    );
    assert_eq!(store.pos_order_by_key("api-key", "0001").unwrap(), None);
    // Within a register a key is one sale; an order reference is one on the terminal.
    for again in [
        order("R-2", "0001"),
        PosOrder {
            register: Some(REGISTER_2.into()),
            ..order("R-1", "0002")
        },
    ] {
        assert!(
            matches!(
                store.insert_pos_order(&again),
                Err(StoreError::AlreadyExists { .. })
            ),
            "{again:?}"
        );
    }
}
