//! One visit: a co-payment journaled with its reception check, found by the check, listed
//! with it for the day, and kept through every rewrite of the sale.

use counter_core::counter::{Visit, VisitResult};
use counter_core::eligibility::{self, AuditAction};
use counter_core::payment::PaymentState;
use counter_core::{Code, UnixTime};
use counter_store::{AuditEvent, PaymentQuery, StoreError};

use crate::records::{ADDRESS, NAME, answered, failure};
use crate::{DAY1_9AM, fresh, sale};

#[test]
fn a_co_payment_is_journaled_with_its_visit_and_listed_with_the_check() {
    let (_dir, mut store) = fresh();
    store
        .upsert_check(&answered("chk-a", DAY1_9AM, NAME, ADDRESS, 1))
        .unwrap();
    store
        .upsert_check(&failure("chk-b", DAY1_9AM.plus_secs(60)))
        .unwrap();

    // The counter reads the check before it takes the co-payment.
    let check = store.visit_check("chk-a").unwrap().unwrap();
    assert_eq!(check.visited_at, DAY1_9AM);
    let visit = Visit::of(&check, DAY1_9AM.plus_secs(600)).unwrap();
    assert_eq!(visit.check_id, "chk-a");
    assert_eq!(visit.result, VisitResult::Valid);
    assert_eq!(store.visit_check("chk-z").unwrap(), None);

    // A declined attempt, then the co-payment that went through; and a till sale.
    let mut declined = sale(1, PaymentState::Declined, DAY1_9AM.plus_secs(700));
    declined.visit_id = Some("chk-a".into());
    store.insert_payment(&declined).unwrap();
    let mut paying = sale(2, PaymentState::Authorising, DAY1_9AM.plus_secs(800));
    paying.visit_id = Some("chk-a".into());
    store.insert_payment(&paying).unwrap();
    store
        .insert_payment(&sale(3, PaymentState::Captured, DAY1_9AM.plus_secs(900)))
        .unwrap();

    // Its rewrites keep the visit, even from a copy without it.
    let mut captured = sale(2, PaymentState::Captured, DAY1_9AM.plus_secs(800));
    captured.version = paying.version;
    captured.visit_id = None;
    store.update_payment(&mut captured).unwrap();
    let read = store.payment("T-0001-2").unwrap().unwrap();
    assert_eq!(read.state, PaymentState::Captured);
    assert_eq!(read.visit_id.as_deref(), Some("chk-a"));
    assert_eq!(store.payment("T-0001-3").unwrap().unwrap().visit_id, None);

    let visits = store
        .visits_between(DAY1_9AM, DAY1_9AM.plus_secs(86_400))
        .unwrap();
    let listed: Vec<(String, Vec<String>)> = visits
        .iter()
        .map(|v| {
            (
                v.check.id.clone(),
                v.payments.iter().map(|p| p.id.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                "chk-a".to_owned(),
                vec!["T-0001-1".to_owned(), "T-0001-2".to_owned()]
            ),
            ("chk-b".to_owned(), vec![]),
        ]
    );

    // The journal's search finds the co-payments by the visit.
    let found: Vec<String> = store
        .search_payments(&PaymentQuery {
            text: Some("CHK-A".into()),
            ..PaymentQuery::default()
        })
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(found, ["T-0001-2", "T-0001-1"]);
}

#[test]
fn a_visit_must_be_a_stored_check() {
    let (_dir, mut store) = fresh();
    let mut orphan = sale(1, PaymentState::Authorising, DAY1_9AM);
    orphan.visit_id = Some("chk-nowhere".into());
    let err = store.insert_payment(&orphan).unwrap_err();
    assert!(!matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");
    assert_eq!(store.payment("T-0001-1").unwrap(), None);
}

#[test]
fn a_visit_says_whether_staff_acknowledged_its_warnings() {
    let (_dir, mut store) = fresh();
    let mut check = answered("chk-a", DAY1_9AM, NAME, ADDRESS, 1);
    check.summary.warnings = vec![Code::PersonMismatch];
    store.upsert_check(&check).unwrap();
    let acknowledged = |id: &str, at: UnixTime| {
        let event = eligibility::AuditEvent {
            at,
            check_id: id.to_owned(),
            action: AuditAction::WarningsAcknowledged {
                codes: vec![Code::PersonMismatch],
            },
        };
        AuditEvent::from_eligibility(&event, "staff-07").unwrap()
    };
    let said = |store: &counter_store::Store| {
        let check = store.visit_check("chk-a").unwrap().unwrap();
        let day = store
            .visits_between(DAY1_9AM, DAY1_9AM.plus_secs(86_400))
            .unwrap();
        (check.warnings_acknowledged, day[0].warnings_acknowledged)
    };
    assert_eq!(said(&store), (false, false));
    // Another check's acknowledgement, or one from before this check was answered, is
    // not this one's.
    store
        .append_audit(&acknowledged("chk-b", DAY1_9AM.plus_secs(30)))
        .unwrap();
    store
        .append_audit(&acknowledged("chk-a", DAY1_9AM.minus_secs(1)))
        .unwrap();
    assert_eq!(said(&store), (false, false));
    store
        .append_audit(&acknowledged("chk-a", DAY1_9AM.plus_secs(30)))
        .unwrap();
    assert_eq!(said(&store), (true, true));
    let visit = Visit::of(
        &store.visit_check("chk-a").unwrap().unwrap(),
        DAY1_9AM.plus_secs(60),
    );
    assert_eq!(visit.map(|v| v.check_id).as_deref(), Ok("chk-a"));
}
