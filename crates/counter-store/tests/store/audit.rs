//! The audit trail: append, read a time range, and nothing else.

use counter_core::Code;
use counter_core::UnixTime;
use counter_core::eligibility::{self, AuditAction, FallbackDocument, FallbackReason};
use counter_store::AuditEvent;

use crate::{DAY1_9AM, db_path, fresh};

fn event(at: UnixTime, action: &str, subject: Option<&str>) -> AuditEvent {
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
        event(DAY1_9AM.plus_secs(10), "eligibility_viewed", Some("chk-1")),
        event(
            DAY1_9AM.plus_secs(10),
            "payment_authorised",
            Some("T-0001-1"),
        ),
        AuditEvent {
            detail: Some("journal matched the acquirer".to_owned()),
            auth_method: None,
            ..event(DAY1_9AM.plus_secs(3600), "daily_close", None)
        },
    ];
    for e in &events {
        store.append_audit(e).unwrap();
    }
    assert_eq!(
        store
            .audit_between(DAY1_9AM, DAY1_9AM.plus_secs(3601))
            .unwrap(),
        events
    );
    assert_eq!(
        store
            .audit_between(DAY1_9AM.plus_secs(10), DAY1_9AM.plus_secs(3600))
            .unwrap(),
        events[1..3],
        "ties keep the order they were appended in; `to` is exclusive"
    );
    assert!(
        store
            .audit_between(UnixTime::EPOCH, DAY1_9AM)
            .unwrap()
            .is_empty()
    );
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
    assert_eq!(
        store
            .audit_between(UnixTime::EPOCH, UnixTime::from_secs(i64::MAX))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_eligibility_machines_events_become_trail_lines_without_personal_details() {
    let (_dir, mut store) = fresh();
    let core = |at: UnixTime, action: AuditAction| eligibility::AuditEvent {
        at,
        check_id: "chk-1".to_owned(),
        action,
    };
    let events = [
        core(DAY1_9AM, AuditAction::EligibilityRequested),
        core(
            DAY1_9AM.plus_secs(1),
            AuditAction::EligibilityFailed {
                code: Code::InsurerUnavailable,
            },
        ),
        core(
            DAY1_9AM.plus_secs(60),
            AuditAction::FallbackRecorded {
                document: FallbackDocument::EligibilityNotice,
                reason: FallbackReason::InsurerUnavailable,
            },
        ),
    ];
    for e in &events {
        store
            .append_audit(&AuditEvent::from_eligibility(e, "staff-07").unwrap())
            .unwrap();
    }
    let trail = store
        .audit_between(DAY1_9AM, DAY1_9AM.plus_secs(61))
        .unwrap();
    let line = |at: UnixTime, action: &str, detail: Option<&str>| AuditEvent {
        at,
        staff: "staff-07".to_owned(),
        action: action.to_owned(),
        subject: Some("chk-1".to_owned()),
        auth_method: None,
        detail: detail.map(str::to_owned),
    };
    assert_eq!(
        trail,
        [
            line(DAY1_9AM, "eligibility_requested", None),
            line(
                DAY1_9AM.plus_secs(1),
                "eligibility_failed",
                Some(r#"{"code":"insurer_unavailable"}"#)
            ),
            line(
                DAY1_9AM.plus_secs(60),
                "fallback_recorded",
                Some(r#"{"document":"eligibility_notice","reason":"insurer_unavailable"}"#)
            ),
        ]
    );
}
