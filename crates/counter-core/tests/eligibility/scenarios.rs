//! A check from the menu to the result, for every `QualificationValidity` and every
//! warning of docs/domain/eligibility.md §1.4 and §5 R2, R3, R7.

use counter_api::platform::Sex;
use counter_core::Code;
use counter_core::eligibility::view::{Details, StaffAction, StaffStep};
use counter_core::eligibility::warnings::{KnownSource, NameField, PersonField};
use counter_core::eligibility::{
    AuditAction, CardHolder, CheckError, ConsentsOffered, CustomerConsents, CustomerView,
    EligibilityCheck, ExportState, Input, Mode, PrescriptionFormat, Ratio, RatioSource, Validity,
    Warning,
};
use serde_json::json;

use crate::support::*;

fn codes(c: &EligibilityCheck) -> Vec<Code> {
    c.staff_view().warnings.iter().map(|w| w.code).collect()
}

#[test]
fn only_insurance_services_with_an_assertion_are_offered() {
    let c = start(false, None, None);
    let CustomerView::ChooseService { services } = c.customer_view() else {
        panic!("{:?}", c.customer_view())
    };
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].service_id, "kenpo");
    let mut c2 = start(false, None, None);
    let e = c2.handle(
        Input::ChooseService {
            service_id: "kokuho".into(),
        },
        NOW,
    );
    assert!(matches!(e, Err(CheckError::UnknownService { .. })));
}

#[test]
fn no_insurance_service_sends_staff_to_a_fallback() {
    let menu = menu()
        .into_iter()
        .filter(|m| m.service_id == "acq")
        .collect();
    let c =
        EligibilityCheck::new("chk-1", Mode::Pharmacy, settings(false), menu, None, None).unwrap();
    let v = c.staff_view();
    assert_eq!(v.headline.unwrap().code, Code::NotEnrolled);
    assert_eq!(v.actions, vec![StaffAction::RecordFallback]);
    assert_eq!(
        c.customer_view(),
        CustomerView::AskStaff {
            code: Code::NotEnrolled
        }
    );
}

#[test]
fn request_carries_date_institution_correlation_and_limit_consent() {
    let mut c = start(false, None, None);
    let r = to_request(&mut c, blanket());
    assert_eq!(r.assertion, "eyJ.kenpo.sig");
    assert_eq!(r.qualification_confirmation_date, TODAY);
    assert_eq!(r.medical_institution_code, INSTITUTION);
    assert_eq!(r.arbitrary_identifier.as_deref(), Some("chk-1"));
    assert!(
        r.limit_certificate_consent,
        "no separate screen since 2024-10: the flag is 1"
    );

    let mut offered = ConsentsOffered::pharmacy_default();
    offered.limit_certificate_screen = true;
    let mut s = settings(false);
    s.consents_offered = offered;
    let mut c =
        EligibilityCheck::new("chk-2", Mode::Pharmacy, s.clone(), menu(), None, None).unwrap();
    assert!(!to_request(&mut c, blanket()).limit_certificate_consent);
    let mut c = EligibilityCheck::new("chk-3", Mode::Pharmacy, s, menu(), None, None).unwrap();
    let yes = CustomerConsents {
        limit_certificate: true,
        ..blanket()
    };
    assert!(to_request(&mut c, yes).limit_certificate_consent);
}

#[test]
fn valid_result_shows_ratio_and_exports() {
    let mut c = start(true, Some(chart_for_sato()), None);
    let consents = CustomerConsents {
        prescription: Some(PrescriptionFormat::Electronic),
        ..blanket()
    };
    to_request(&mut c, consents);
    let fx = c
        .handle(
            Input::EligibilityAnswered(Ok(answer("1", vec![sato()], None))),
            NOW.plus_secs(7),
        )
        .unwrap();
    let actions = audits(&fx);
    assert!(actions.contains(&AuditAction::DetailsShown));
    assert_eq!(exports(&fx).len(), 2);
    let rec = &records(&fx)[0];
    assert_eq!(
        (rec.summary.validity.as_str(), rec.summary.ratio_tenths),
        ("1", Some(3))
    );
    let v = c.staff_view();
    assert!(v.warnings.is_empty());
    let h = v.headline.unwrap();
    assert_eq!(
        h.ratio,
        Ratio::Tenths {
            tenths: 3,
            source: RatioSource::Insured
        }
    );
    assert_eq!(
        (h.validity, h.code),
        (Some(Validity::Valid), Code::EligibilityValid)
    );
    assert!(matches!(v.details, Details::Shown { .. }));
    assert_eq!(v.records[0].matches_known, Some(true));
    assert_eq!(c.customer_view(), CustomerView::Done);
    assert!(
        c.handle(Input::ExportWritten, NOW.plus_secs(8))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn qualification_starting_today_warns_with_the_insurer_message() {
    let tanaka = person(
        json!({"name": "田中　由紀", "name_kana": "ﾀﾅｶ ﾕｷ", "insured_name": null,
        "birth_date": "19921130", "qualification_date": TODAY}),
    );
    let msg = (
        "MDGW0001",
        "資格取得日が本日です。保険者のデータ反映が遅れている場合があります。",
    );
    let mut c = start(false, None, None);
    answered(&mut c, answer("1", vec![tanaka], Some(msg)));
    assert_eq!(
        codes(&c),
        vec![Code::QualificationStartsToday, Code::InsurerMessage]
    );
    let v = c.staff_view();
    assert!(
        matches!(&v.warnings[1].warning, Warning::InsurerMessage { message, .. } if message == msg.1)
    );
    assert!(
        matches!(v.details, Details::Shown { .. }),
        "not a blocking warning"
    );
    c.handle(Input::AcknowledgeWarnings, NOW.plus_secs(9))
        .unwrap();
    assert!(c.staff_view().warnings.is_empty());
}

#[test]
fn invalid_with_new_qualification_heads_with_the_new_record() {
    let lost = person(
        json!({"name": "鈴木　一郎", "name_kana": "ｽｽﾞｷ ｲﾁﾛｳ", "symbol": "大阪",
        "number": "10002", "sex1": "1", "birth_date": "19580303", "qualification_date": "19800401",
        "disqualification_date": "20250401", "reason_of_loss": "03"}),
    );
    let new = person(
        json!({"name": "鈴木　一郎", "name_kana": "ｽｽﾞｷ ｲﾁﾛｳ", "insurer_number": "00270009",
        "insurer_name": "大阪市国民健康保険", "symbol": "大阪北", "number": "3456789", "branch": "00",
        "sex1": "1", "birth_date": "19580303", "qualification_date": "20250401"}),
    );
    let mut c = start(false, None, None);
    answered(
        &mut c,
        answer(
            "3",
            vec![lost, new],
            Some((
                "MDGW0005",
                "この資格は喪失しています。新しい資格情報があります。",
            )),
        ),
    );
    let v = c.staff_view();
    assert_eq!(
        v.warnings[0].warning,
        Warning::NewQualification { record: 1 }
    );
    let h = v.headline.unwrap();
    assert_eq!(h.code, Code::NewQualificationAvailable);
    assert_eq!(
        h.ratio,
        Ratio::Tenths {
            tenths: 3,
            source: RatioSource::Insured
        }
    );
    assert!(v.records[1].primary && !v.records[0].current);
    assert_eq!(
        c.customer_view(),
        CustomerView::AskStaff {
            code: Code::AskStaff
        }
    );
}

#[test]
fn invalid_and_no_qualification_offer_the_fallback() {
    let yamamoto = person(json!({"disqualification_date": "20260901", "reason_of_loss": "99"}));
    let mut c = start(false, None, None);
    answered(&mut c, answer("2", vec![yamamoto], None));
    let v = c.staff_view();
    assert_eq!(v.headline.unwrap().ratio, Ratio::NotApplicable);
    assert_eq!(codes(&c), vec![Code::EligibilityInvalid]);
    assert!(v.actions.contains(&StaffAction::RecordFallback));

    let mut c = start(false, None, None);
    let msg = (
        "MDGW0002",
        "該当する資格情報が見つかりません。保険者による資格情報の登録が遅れている可能性があります。",
    );
    answered(&mut c, answer("4", vec![], Some(msg)));
    assert_eq!(codes(&c), vec![Code::NoQualification, Code::InsurerMessage]);
    assert!(
        c.staff_view()
            .actions
            .contains(&StaffAction::RecordFallback)
    );
}

#[test]
fn several_matches_flag_substitution_and_let_staff_choose() {
    let hajime = person(
        json!({"name": "●橋　一", "name_kana": "ﾀｶﾊｼ ﾊｼﾞﾒ", "insured_name": null,
        "symbol": "港", "number": "20001", "sex1": "1", "birth_date": "19700101"}),
    );
    let hajimu = person(
        json!({"name": "高橋　肇", "name_kana": "ﾀｶﾊｼ ﾊｼﾞﾒ", "insured_name": null,
        "symbol": "港", "number": "20001", "sex1": "1", "birth_date": "19700101",
        "partial_contribution_ratio": "020"}),
    );
    let chart = counter_core::eligibility::ClinicRecord {
        name: Some("髙橋　一".into()),
        birth_date: Some("19700101".into()),
        ..Default::default()
    };
    let mut c = start(false, Some(chart), None);
    answered(&mut c, answer("5", vec![hajime, hajimu], None));
    assert_eq!(codes(&c), vec![Code::MultipleMatches, Code::NameCharacters]);
    let v = c.staff_view();
    assert_eq!(
        v.warnings[1].warning,
        Warning::NameCharacters {
            record: 0,
            field: NameField::Name,
            substituted: 1,
            outside_jis: String::new()
        }
    );
    assert_eq!(v.headline.unwrap().ratio, Ratio::NotApplicable);
    assert_eq!(v.records[0].record.name, "●橋　一", "the raw value is kept");
    assert_eq!(
        (v.records[0].matches_known, v.records[1].matches_known),
        (Some(true), Some(false))
    );
    assert!(v.actions.contains(&StaffAction::ChooseRecord));
    assert!(matches!(
        c.handle(Input::ChooseRecord { index: 2 }, NOW.plus_secs(9)),
        Err(CheckError::NoSuchRecord { index: 2 })
    ));
    let fx = c
        .handle(Input::ChooseRecord { index: 0 }, NOW.plus_secs(9))
        .unwrap();
    assert_eq!(records(&fx)[0].details.chosen_record, Some(0));
    assert_eq!(
        c.staff_view().headline.unwrap().ratio,
        Ratio::Tenths {
            tenths: 3,
            source: RatioSource::Insured
        }
    );
}

#[test]
fn public_assistance_and_elderly_ratio() {
    let ito = person(
        json!({"insured_card_classification": "A1", "insurer_number": "12041011",
        "symbol": null, "branch": null, "partial_contribution_ratio": null}),
    );
    let mut c = start(false, None, None);
    answered(&mut c, answer("6", vec![ito], None));
    let h = c.staff_view().headline.unwrap();
    assert_eq!(
        (h.ratio, h.code),
        (Ratio::PublicAssistance, Code::EligibilityValid)
    );
    assert_eq!(h.validity, Some(Validity::ValidUnregistered));

    let yamada = person(
        json!({"partial_contribution_ratio": "020", "elderly_recipient": {
        "certificate_date": "20230710", "valid_start_date": "20230801",
        "valid_end_date": "20280731", "contribution_ratio": "020"}}),
    );
    let mut c = start(false, None, None);
    answered(&mut c, answer("1", vec![yamada], None));
    let ratio = c.staff_view().headline.unwrap().ratio;
    assert_eq!(
        ratio,
        Ratio::Tenths {
            tenths: 2,
            source: RatioSource::ElderlyRecipient
        }
    );
}

#[test]
fn person_mismatch_withholds_details_until_acknowledged_and_export_until_staff_export() {
    let holder = CardHolder {
        name: Some("佐藤　花江".into()),
        birth_date: Some("1985-04-12".into()),
        sex: Some(Sex::Female),
    };
    let mut c = start(true, None, Some(holder));
    let fx = answered(&mut c, answer("1", vec![sato()], None));
    assert!(exports(&fx).is_empty() && !audits(&fx).contains(&AuditAction::DetailsShown));
    let v = c.staff_view();
    assert_eq!(
        v.warnings[0].warning,
        Warning::PersonMismatch {
            source: KnownSource::CardHolder,
            fields: vec![PersonField::Name]
        }
    );
    assert!(v.warnings[0].blocks_details);
    assert_eq!(v.details, Details::Withheld);
    assert!(!v.actions.contains(&StaffAction::Export));
    let shown = serde_json::to_string(&v.details).unwrap();
    assert!(
        !shown.contains("A03") && !shown.contains("20261101093000"),
        "no consent data: {shown}"
    );
    assert!(matches!(
        c.handle(Input::Export, NOW.plus_secs(8)),
        Err(CheckError::DetailsWithheld)
    ));
    assert_eq!(
        c.customer_view(),
        CustomerView::AskStaff {
            code: Code::AskStaff
        }
    );
    let fx = c
        .handle(Input::AcknowledgeWarnings, NOW.plus_secs(9))
        .unwrap();
    assert!(
        matches!(&audits(&fx)[0], AuditAction::WarningsAcknowledged { codes } if codes == &vec![Code::PersonMismatch])
    );
    assert!(audits(&fx).contains(&AuditAction::DetailsShown));
    // Reading what differs is not deciding whose result it is: the files would put it into
    // the expected patient's chart, so nothing is written until staff export.
    assert!(exports(&fx).is_empty(), "{fx:?}");
    let v = c.staff_view();
    assert!(matches!(v.details, Details::Shown { .. }));
    assert_eq!(v.export, ExportState::NotExported);
    assert!(v.actions.contains(&StaffAction::Export));
    let fx = c.handle(Input::Export, NOW.plus_secs(10)).unwrap();
    assert_eq!(exports(&fx).len(), 2);
    assert_eq!(c.staff_view().export, ExportState::Pending);
}

#[test]
fn widths_and_spaces_are_no_mismatch() {
    let chart = counter_core::eligibility::ClinicRecord {
        name: Some("佐藤花子".into()),
        kana: Some("さとう　はなこ".into()),
        birth_date: Some("19850412".into()),
        sex: Some(Sex::Female),
        ..Default::default()
    };
    let holder = CardHolder {
        name: Some("佐藤 花子".into()),
        ..Default::default()
    };
    let mut c = start(false, Some(chart), Some(holder));
    answered(&mut c, answer("1", vec![sato()], None));
    assert!(codes(&c).is_empty());
}

#[test]
fn expiring_card_and_changed_insurance() {
    let watanabe = person(
        json!({"insurer_number": "39011001", "symbol": null, "branch": null,
        "number": "00012345", "card_expiration_date": "20270131", "partial_contribution_ratio": "010"}),
    );
    let mut c = start(false, Some(chart_for_sato()), None);
    answered(&mut c, answer("1", vec![watanabe], None));
    assert_eq!(
        codes(&c),
        vec![Code::InsuranceChanged, Code::CardExpiringSoon]
    );
    assert_eq!(
        c.staff_view().headline.unwrap().ratio,
        Ratio::Tenths {
            tenths: 1,
            source: RatioSource::Insured
        }
    );
}

#[test]
fn an_answer_for_another_check_is_never_shown() {
    let mut c = start(false, None, None);
    let mut other = answer("1", vec![sato()], None);
    other.arbitrary_identifier = Some("chk-999".into());
    let fx = answered(&mut c, other);
    assert_eq!(records(&fx)[0].summary.validity, "failed");
    assert!(c.staff_view().records.is_empty());
    assert!(matches!(
        c.staff_view().step,
        StaffStep::NeedsFallback { .. }
    ));
}

#[test]
fn an_expired_assertion_is_not_sent() {
    let mut c = start(false, None, None);
    c.handle(
        Input::ChooseService {
            service_id: "kenpo".into(),
        },
        NOW,
    )
    .unwrap();
    let fx = c
        .handle(Input::Consent(blanket()), NOW.plus_secs(300))
        .unwrap();
    assert!(
        !fx.iter()
            .any(|e| matches!(e, counter_core::eligibility::Effect::RequestEligibility(_)))
    );
    // Staff take it further (a fallback, or the card again): the customer is asked to call
    // them, as for any line that is staff's.
    assert_eq!(
        c.customer_view(),
        CustomerView::AskStaff {
            code: Code::AskStaff
        }
    );
}

#[test]
fn inputs_out_of_step_change_nothing() {
    let mut c = start(false, None, None);
    let e = c.handle(Input::AcknowledgeWarnings, NOW).unwrap_err();
    assert_eq!(e.code(), Code::NotNow);
    assert!(
        c.handle(
            Input::EligibilityAnswered(Ok(answer("1", vec![], None))),
            NOW
        )
        .is_err()
    );
    assert!(matches!(
        c.customer_view(),
        CustomerView::ChooseService { .. }
    ));
}
