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
