//! The audit trail: append, read a time range, and nothing else.

use counter_store::AuditEvent;

use crate::{DAY1_9AM, db_path, fresh};

fn event(at: i64, action: &str, subject: Option<&str>) -> AuditEvent {
    AuditEvent {
        at,
        staff: "staff-07".to_owned(),
        action: action.to_owned(),
        subject: subject.map(str::to_owned),
        auth_method: Some("pin_pad".to_owned()),
        detail: None,
    }
}

#[test]
fn events_come_back_in_order_within_a_half_open_range() {
    let (_dir, mut store) = fresh();
    let events = [
        event(DAY1_9AM, "identified", Some("idn_01HV")),
        event(DAY1_9AM + 10, "eligibility_viewed", Some("chk-1")),
        event(DAY1_9AM + 10, "payment_authorised", Some("T-0001-1")),
        AuditEvent {
            detail: Some("journal matched the acquirer".to_owned()),
            auth_method: None,
            ..event(DAY1_9AM + 3600, "daily_close", None)
        },
    ];
    for e in &events {
        store.append_audit(e).unwrap();
    }
    assert_eq!(
        store.audit_between(DAY1_9AM, DAY1_9AM + 3601).unwrap(),
        events
    );
    assert_eq!(
        store.audit_between(DAY1_9AM + 10, DAY1_9AM + 3600).unwrap(),
        events[1..3],
        "ties keep the order they were appended in; `to` is exclusive"
    );
    assert!(store.audit_between(0, DAY1_9AM).unwrap().is_empty());
}

#[test]
fn the_trail_refuses_update_and_delete_from_any_connection() {
    let (dir, mut store) = fresh();
    store
        .append_audit(&event(DAY1_9AM, "void", Some("T-0001-1")))
        .unwrap();
    let raw = rusqlite::Connection::open(db_path(&dir)).unwrap();
    for sql in [
        "UPDATE audit SET staff = 'someone else'",
        "DELETE FROM audit",
    ] {
        let err = raw.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(store.audit_between(0, i64::MAX).unwrap().len(), 1);
}
