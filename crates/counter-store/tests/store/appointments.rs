//! Booked patients: one row per patient and day, the pre-check's state, the purge of past
//! days.

use counter_api::insurer::{BulkPrecheckItem, ProcessingResult};
use counter_core::Code;
use counter_core::appointments::{AppointmentSource, NewAppointment, Precheck};
use counter_core::eligibility::ClinicRecord;

use crate::{DAY1_9AM, fresh};

fn booked(date: &str, number: &str) -> NewAppointment {
    NewAppointment {
        visit_date: date.into(),
        record: ClinicRecord {
            patient_id: Some("P-1".into()),
            name: Some("佐藤　花子".into()),
            birth_date: Some("19850412".into()),
            insurer_number: Some("06139999".into()),
            symbol: Some("千代".into()),
            number: Some(number.into()),
            ..ClinicRecord::default()
        },
        ratio_tenths: Some(3),
        source: AppointmentSource::ReceiptSystem,
    }
}

#[test]
fn one_row_per_patient_and_day_and_the_precheck_kept_while_nothing_changed() {
    let (_dir, mut store) = fresh();
    let a = store
        .upsert_appointment(&booked("20260402", "10001"), DAY1_9AM)
        .unwrap();
    let b = store
        .upsert_appointment(&booked("20260402", "10002"), DAY1_9AM)
        .unwrap();
    let c = store
        .upsert_appointment(&booked("20260403", "10001"), DAY1_9AM)
        .unwrap();
    assert!(a != b && a != c);
    let submitted = Precheck::Submitted {
        reception_number: "R-1".into(),
        reference: "P-1".into(),
        at: DAY1_9AM,
    };
    store
        .set_appointment_precheck(a, &submitted, DAY1_9AM)
        .unwrap();
    // The same request read again: the same row, its pre-check kept.
    let again = store
        .upsert_appointment(&booked("20260402", "10001"), DAY1_9AM)
        .unwrap();
    assert_eq!(again, a);
    let day = store.appointments_on("20260402").unwrap();
    assert_eq!(day.iter().map(|x| x.id).collect::<Vec<_>>(), [a, b]);
    assert_eq!(day[0].precheck, submitted);
    assert_eq!(store.appointments_waiting().unwrap().len(), 1);
    // Typed again with another ratio: the same row, its pre-check starts over.
    let mut typed = booked("20260402", "10001");
    typed.ratio_tenths = Some(2);
    typed.source = AppointmentSource::Typed;
    assert_eq!(store.upsert_appointment(&typed, DAY1_9AM).unwrap(), a);
    let got = store.appointment(a).unwrap().unwrap();
    assert_eq!(got.precheck, Precheck::NotSubmitted);
    assert_eq!(
        (got.ratio_tenths, got.source),
        (Some(2), AppointmentSource::Typed)
    );
    assert!(store.appointments_waiting().unwrap().is_empty());
}

#[test]
fn answers_and_failures_are_kept_with_the_appointment() {
    let (_dir, mut store) = fresh();
    let id = store
        .upsert_appointment(&booked("20260402", "10001"), DAY1_9AM)
        .unwrap();
    let item = BulkPrecheckItem {
        reference: id.to_string(),
        processing_result: ProcessingResult {
            status: "1".into(),
            code: None,
            message: None,
        },
        qualification_validity: "4".into(),
        results: vec![],
    };
    let answered = Precheck::Answered {
        item: Box::new(item),
        at: DAY1_9AM,
    };
    store
        .set_appointment_precheck(id, &answered, DAY1_9AM)
        .unwrap();
    assert_eq!(store.appointment(id).unwrap().unwrap().precheck, answered);
    let failed = Precheck::Failed {
        code: Code::InsurerUnavailable,
        at: DAY1_9AM,
    };
    store
        .set_appointment_precheck(id, &failed, DAY1_9AM)
        .unwrap();
    assert_eq!(store.appointment(id).unwrap().unwrap().precheck, failed);
    assert!(
        store
            .set_appointment_precheck(id + 9, &failed, DAY1_9AM)
            .is_err()
    );
    assert_eq!(store.appointment(id + 9).unwrap(), None);
}

#[test]
fn appointments_of_past_days_are_deleted() {
    let (_dir, mut store) = fresh();
    store
        .upsert_appointment(&booked("20260401", "10001"), DAY1_9AM)
        .unwrap();
    let kept = store
        .upsert_appointment(&booked("20260402", "10001"), DAY1_9AM)
        .unwrap();
    assert_eq!(store.purge_appointments_before("20260402").unwrap(), 1);
    assert_eq!(
        store.purge_appointments_before("20260402").unwrap(),
        0,
        "idempotent"
    );
    assert!(store.appointments_on("20260401").unwrap().is_empty());
    assert_eq!(store.appointments_on("20260402").unwrap()[0].id, kept);
}

#[test]
fn a_receipt_systems_request_after_staff_typed_keeps_the_typed_patient() {
    use counter_core::folders::SearchInfo;
    let (_dir, mut store) = fresh();
    // Staff type tomorrow's patient: name, kana, sex, 3割.
    let typed = NewAppointment {
        visit_date: "20260402".into(),
        record: ClinicRecord {
            name: Some("佐藤　花子".into()),
            kana: Some("サトウ　ハナコ".into()),
            sex: Some(counter_api::platform::Sex::Female),
            birth_date: Some("19850412".into()),
            insurer_number: Some("06139999".into()),
            symbol: Some("千代".into()),
            number: Some("10001".into()),
            branch: Some("01".into()),
            ..ClinicRecord::default()
        },
        ratio_tenths: Some(3),
        source: AppointmentSource::Typed,
    };
    let id = store.upsert_appointment(&typed, DAY1_9AM).unwrap();
    // That evening the receipt system's OQSmuquc01req lists the same patient.
    let entry = SearchInfo {
        insurer_number: "06139999".into(),
        symbol: Some("千代".into()),
        number: "10001".into(),
        branch: Some("01".into()),
        birth_date: "19850412".into(),
        limit_certificate_consent: false,
        arbitrary_identifier: Some("P-1".into()),
    };
    let (bulk, _) = counter_core::appointments::from_bulk_request("20260402", &[entry])
        .pop()
        .unwrap();
    assert_eq!(
        store
            .upsert_appointment(&bulk, DAY1_9AM.plus_secs(60))
            .unwrap(),
        id
    );
    let got = store.appointment(id).unwrap().unwrap();
    assert_eq!(got.record.name.as_deref(), Some("佐藤　花子"));
    assert_eq!(got.record.kana.as_deref(), Some("サトウ　ハナコ"));
    assert_eq!(got.record.sex, Some(counter_api::platform::Sex::Female));
    assert_eq!(got.ratio_tenths, Some(3));
    assert_eq!(got.source, AppointmentSource::Typed);
    assert_eq!(got.record.patient_id.as_deref(), Some("P-1"));
    // The same request read again changes nothing: its pre-check is kept.
    let submitted = Precheck::Submitted {
        reception_number: "R-1".into(),
        reference: "P-1".into(),
        at: DAY1_9AM,
    };
    store
        .set_appointment_precheck(id, &submitted, DAY1_9AM)
        .unwrap();
    store
        .upsert_appointment(&bulk, DAY1_9AM.plus_secs(90))
        .unwrap();
    let again = store.appointment(id).unwrap().unwrap();
    assert_eq!((again.record, again.precheck), (got.record, submitted));
}
