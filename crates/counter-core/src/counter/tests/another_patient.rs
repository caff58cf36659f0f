//! After a person mismatch, "it is another patient": the check and its co-payment are the
//! person's whose card was read, nothing is written under the expected patient's chart id,
//! and the expected patient is expected again for the next card.

use super::*;
use crate::counter::StaffScreen;
use crate::eligibility::{AuditAction, ClinicRecord, CustomerConsents, PersonCheck};

/// The booked patient reception expects: sato-hanako's husband (the world's insurer always
/// answers with her record).
fn husband() -> ClinicRecord {
    ClinicRecord {
        patient_id: Some("P-0077".into()),
        name: Some("佐藤　太郎".into()),
        kana: Some("ｻﾄｳ ﾀﾛｳ".into()),
        birth_date: Some("19830201".into()),
        sex: Some(counter_api::platform::Sex::Male),
        insurer_number: Some("06139999".into()),
        symbol: Some("千代".into()),
        number: Some("10002".into()),
        branch: Some("01".into()),
    }
}

/// A card placed, its PIN typed and consents given; the world answers. Returns what the
/// world left (store writes, audits).
fn check_card(d: &mut Desk) -> Vec<Effect> {
    d.place();
    d.type_pin();
    let mut left = d.customer(CustomerAction::ChooseService {
        service_id: "kenpo".into(),
    });
    left = d.world(left);
    let e = d.customer(CustomerAction::Consent {
        consents: CustomerConsents {
            blanket: true,
            ..CustomerConsents::default()
        },
    });
    left.extend(d.world(e));
    left
}

fn person(d: &Desk) -> PersonCheck {
    match d.m.screens().staff {
        StaffScreen::Check { view, .. } => view.person,
        other => panic!("not a check: {other:?}"),
    }
}

#[test]
fn another_patient_keeps_the_expected_patient_for_the_next_card() {
    let mut d = Desk::new(CounterMode::Reception);
    d.staff(StaffAction::ExpectAppointment { appointment_id: 7 });
    d.send(Input::AppointmentLoaded {
        appointment_id: 7,
        record: Ok(husband()),
    });
    // His wife's card comes first.
    check_card(&mut d);
    assert_eq!(person(&d), PersonCheck::Different);
    let r = d.refuse(Input::Staff(StaffAction::ConfirmAnotherPatient));
    assert_eq!(
        r,
        Refused::Action(Code::PersonMismatch),
        "acknowledge first"
    );
    d.staff(StaffAction::AcknowledgeWarnings);

    let e = d.staff(StaffAction::ConfirmAnotherPatient);
    let audited: Vec<&AuditAction> = e
        .iter()
        .filter_map(|e| match e {
            Effect::CheckAudit(a) => Some(&a.action),
            _ => None,
        })
        .collect();
    assert_eq!(audited[0], &AuditAction::AnotherPatientConfirmed);
    let record = e
        .iter()
        .find_map(|e| match e {
            Effect::RecordCheck(r) => Some(r),
            _ => None,
        })
        .expect("the check is recorded again");
    assert_eq!(record.summary.patient_ref, None, "not under his chart id");
    let files = e
        .iter()
        .find_map(|e| match e {
            Effect::Export { files, .. } => Some(files),
            _ => None,
        })
        .expect("her result is written for the receipt system");
    assert!(
        files
            .iter()
            .all(|f| !String::from_utf8_lossy(&f.contents).contains("ReferenceNumber"))
    );
    d.world(e);
    // Her visit: the co-payment may be taken for this check; he is still expected.
    let StaffScreen::Check {
        view, co_payment, ..
    } = d.m.screens().staff
    else {
        panic!("not a check")
    };
    assert_eq!(view.person, PersonCheck::AnotherPatient);
    assert!(co_payment);
    assert_eq!(d.m.screens().expected, Some(husband()));

    // Done with her; his own card is compared with him.
    d.staff(StaffAction::Finish);
    assert_eq!(d.m.screens().expected, Some(husband()));
    d.send(Input::Reader(ReaderEvent::Removed));
    check_card(&mut d);
    assert!(d.m.expected.is_none(), "the next check took him");
    assert_eq!(d.m.screens().expected, Some(husband()));
    assert_eq!(person(&d), PersonCheck::Different, "compared with him");
}

/// sato-hanako herself, booked too (the insurer's record names her).
fn wife() -> ClinicRecord {
    ClinicRecord {
        patient_id: Some("P-0078".into()),
        name: Some("佐藤　花子".into()),
        kana: Some("ｻﾄｳ ﾊﾅｺ".into()),
        birth_date: Some("19850412".into()),
        sex: Some(counter_api::platform::Sex::Female),
        insurer_number: Some("06139999".into()),
        symbol: Some("千代".into()),
        number: Some("10001".into()),
        branch: Some("01".into()),
    }
}

/// The appointment `id` of `record` becomes the expected patient; what the counter did.
fn expect_booked(d: &mut Desk, id: u64, record: ClinicRecord) -> Vec<Effect> {
    d.staff(StaffAction::ExpectAppointment { appointment_id: id });
    d.send(Input::AppointmentLoaded {
        appointment_id: id,
        record: Ok(record),
    })
}

#[test]
fn the_expected_patient_changed_over_the_answer_is_compared_afresh() {
    let mut d = Desk::new(CounterMode::Reception);
    expect_booked(&mut d, 7, husband());
    // Her card comes: the answer names her, not him; the details wait (R7).
    check_card(&mut d);
    assert_eq!(person(&d), PersonCheck::Different);

    // Staff had picked the wrong booking: hers, named now, is compared with the answer on
    // screen, with no Finish and no new check.
    let generation = d.m.generation();
    let e = expect_booked(&mut d, 8, wife());
    assert_eq!(d.m.generation(), generation, "the same check");
    assert_eq!(person(&d), PersonCheck::Same);
    assert_eq!(d.m.screens().expected, Some(wife()));
    let record = e
        .iter()
        .find_map(|e| match e {
            Effect::RecordCheck(r) => Some(r),
            _ => None,
        })
        .expect("the check is recorded again");
    assert_eq!(record.summary.patient_ref.as_deref(), Some("P-0078"));
    let files = e
        .iter()
        .find_map(|e| match e {
            Effect::Export { files, .. } => Some(files),
            _ => None,
        })
        .expect("nothing blocks: her result is written, under her chart");
    assert!(
        files
            .iter()
            .any(|f| String::from_utf8_lossy(&f.contents).contains("P-0078"))
    );
    d.world(e);
    let StaffScreen::Check { co_payment, .. } = d.m.screens().staff else {
        panic!("not a check")
    };
    assert!(co_payment, "her result stands");

    // Written, the files name her chart: another patient named now is the next check's
    // (staff finish first).
    let r = d.refuse(Input::Staff(StaffAction::ExpectPatient {
        name: "佐藤　太郎".into(),
        birth_date: "1983-02-01".into(),
    }));
    assert_eq!(r.code(), Code::FinishFirst);
    assert_eq!(person(&d), PersonCheck::Same);
    d.staff(StaffAction::Finish);
    d.staff(StaffAction::ExpectPatient {
        name: "佐藤　太郎".into(),
        birth_date: "1983-02-01".into(),
    });
    assert!(d.m.expected.is_some(), "the next check's");
}
