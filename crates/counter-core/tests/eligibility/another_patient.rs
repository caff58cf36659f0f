//! After a person mismatch with the expected patient, staff may say the person at the
//! counter is another patient (docs/domain/eligibility.md §5 R7): the check becomes theirs,
//! without the expected patient's chart id, and the expected patient leaves the check.

use counter_core::Code;
use counter_core::eligibility::view::{PersonCheck, StaffAction};
use counter_core::eligibility::{
    AuditAction, CardHolder, CheckError, ClinicRecord, EligibilityCheck, ExportState, Input,
};

use crate::support::*;

/// The expected patient: sato-hanako's husband, on another insurance number.
fn husband() -> ClinicRecord {
    ClinicRecord {
        patient_id: Some("P-0077".into()),
        name: Some("佐藤 太郎".into()),
        kana: Some("サトウ タロウ".into()),
        birth_date: Some("1983-02-01".into()),
        number: Some("10002".into()),
        ..chart_for_sato()
    }
}

/// A check that expected the husband, answered with sato-hanako's record, acknowledged.
fn acknowledged(export: bool) -> EligibilityCheck {
    let mut c = start(export, Some(husband()), None);
    let fx = answered(&mut c, answer("1", vec![sato()], None));
    assert!(exports(&fx).is_empty(), "held back by the mismatch");
    let first = &records(&fx)[0].summary.warnings;
    assert!(first.contains(&Code::InsuranceChanged), "{first:?}");
    assert!(matches!(
        c.handle(Input::ConfirmAnotherPatient, NOW.plus_secs(8)),
        Err(CheckError::DetailsWithheld)
    ));
    c.handle(Input::AcknowledgeWarnings, NOW.plus_secs(9))
        .unwrap();
    c
}

#[test]
fn another_patient_takes_the_check_and_its_files_without_the_expected_chart() {
    let mut c = acknowledged(true);
    let v = c.staff_view();
    assert_eq!(v.person, PersonCheck::Different);
    assert!(v.actions.contains(&StaffAction::Export));
    assert!(v.actions.contains(&StaffAction::ConfirmAnotherPatient));
    // Another patient may still be named over the answer (compared afresh).
    assert!(v.takes_expected);

    let fx = c
        .handle(Input::ConfirmAnotherPatient, NOW.plus_secs(10))
        .unwrap();
    let audits = audits(&fx);
    assert_eq!(audits[0], AuditAction::AnotherPatientConfirmed);
    assert!(
        matches!(audits[1], AuditAction::Exported { .. }),
        "{audits:?}"
    );
    // The record is the card's person's: no chart id; the mismatch stays as shown, the
    // chart's insurance (the husband's number) is no longer compared.
    let records = records(&fx);
    assert_eq!(records.len(), 1);
    let summary = &records[0].summary;
    assert_eq!(summary.patient_ref, None);
    assert!(summary.warnings.contains(&Code::PersonMismatch));
    assert!(
        !summary.warnings.contains(&Code::InsuranceChanged),
        "{summary:?}"
    );
    // The result files are written, for the receipt system to find the chart by the
    // result's own name, birth date and insurance: no ReferenceNumber.
    let files = exports(&fx);
    assert_eq!(files.len(), 2);
    for f in &files {
        let text = String::from_utf8_lossy(&f.contents);
        assert!(
            !text.contains("ReferenceNumber") && !text.contains("P-0077"),
            "{text}"
        );
        assert!(
            text.contains("chk-1") && text.contains("佐藤　花子"),
            "{text}"
        );
    }
    // The expected patient left the check; the view says whose result it is.
    assert_eq!(c.expected(), None);
    let v = c.staff_view();
    assert_eq!(v.person, PersonCheck::AnotherPatient);
    assert_eq!(v.export, ExportState::Pending);
    assert!(!v.actions.contains(&StaffAction::ConfirmAnotherPatient));
    // Staff said whose result it is: no patient is named over it any more.
    assert!(!v.takes_expected);
    assert!(matches!(
        c.handle(Input::Expect(chart_for_sato()), NOW.plus_secs(10)),
        Err(CheckError::NotNow { .. })
    ));
    assert!(
        v.actions.contains(&StaffAction::Export),
        "written again if needed"
    );
    assert!(c.has_result());
    // Said twice (a double click): nothing more.
    assert_eq!(
        c.handle(Input::ConfirmAnotherPatient, NOW.plus_secs(11))
            .unwrap(),
        vec![]
    );
}

#[test]
fn without_export_the_check_is_still_the_other_patients() {
    let mut c = acknowledged(false);
    let fx = c
        .handle(Input::ConfirmAnotherPatient, NOW.plus_secs(10))
        .unwrap();
    assert_eq!(audits(&fx), vec![AuditAction::AnotherPatientConfirmed]);
    assert_eq!(records(&fx)[0].summary.patient_ref, None);
    assert!(exports(&fx).is_empty());
}

#[test]
fn only_after_a_mismatch_with_the_expected_patient_and_before_any_file() {
    // Staff exported first: the files named the husband's chart; that was their decision.
    let mut c = acknowledged(true);
    c.handle(Input::Export, NOW.plus_secs(10)).unwrap();
    // The files named the husband's chart: no other patient is named over the answer.
    assert!(!c.staff_view().takes_expected);
    assert!(
        !c.staff_view()
            .actions
            .contains(&StaffAction::ConfirmAnotherPatient)
    );
    assert!(matches!(
        c.handle(Input::ConfirmAnotherPatient, NOW.plus_secs(11)),
        Err(CheckError::NotNow { .. })
    ));
    assert!(c.expected().is_some());

    // The answer names the expected patient: nobody else to speak of.
    let mut c = start(true, Some(chart_for_sato()), None);
    answered(&mut c, answer("1", vec![sato()], None));
    assert!(matches!(
        c.handle(Input::ConfirmAnotherPatient, NOW.plus_secs(10)),
        Err(CheckError::NotNow { .. })
    ));

    // Only the card holder's enrolled name differs: no expected patient to set apart.
    let holder = CardHolder {
        name: Some("佐藤　花江".into()),
        ..CardHolder::default()
    };
    let mut c = start(true, None, Some(holder));
    answered(&mut c, answer("1", vec![sato()], None));
    c.handle(Input::AcknowledgeWarnings, NOW.plus_secs(9))
        .unwrap();
    assert!(matches!(&c.staff_view().actions[..], [StaffAction::Export]));
    assert!(matches!(
        c.handle(Input::ConfirmAnotherPatient, NOW.plus_secs(10)),
        Err(CheckError::NotNow { .. })
    ));

    // Before an answer.
    let mut c = start(true, Some(husband()), None);
    assert!(c.staff_view().takes_expected);
    assert!(matches!(
        c.handle(Input::ConfirmAnotherPatient, NOW),
        Err(CheckError::NotNow { .. })
    ));
}
