#![allow(clippy::unwrap_used)]

use counter_api::platform::Sex;
use madoguchi_time::jst::CivilDate;

use super::*;
use crate::eligibility::testdata::{TODAY, answer, sato};

fn today() -> CivilDate {
    CivilDate::parse(TODAY).unwrap()
}

fn chart(name: &str, kana: &str, birth: &str) -> ClinicRecord {
    ClinicRecord {
        name: Some(name.into()),
        kana: Some(kana.into()),
        birth_date: Some(birth.into()),
        ..Default::default()
    }
}

#[test]
fn a_clean_valid_result_has_no_warning() {
    let c = chart("佐藤 花子", "サトウ ハナコ", "1985-04-12");
    let h = CardHolder {
        name: Some("佐藤　花子".into()),
        birth_date: Some("19850412".into()),
        sex: Some(Sex::Female),
    };
    assert_eq!(
        assess(&answer("1", vec![sato()]), Some(&c), Some(&h), today()),
        vec![]
    );
}

#[test]
fn mismatch_names_the_fields_and_comes_first() {
    let mut r = sato();
    r.qualification_date = TODAY.into();
    let c = chart("佐藤 花江", "サトウ ハナエ", "19850413");
    let w = assess(&answer("1", vec![r]), Some(&c), None, today());
    assert_eq!(
        w[0],
        Warning::PersonMismatch {
            source: KnownSource::ClinicRecord,
            fields: vec![PersonField::Name, PersonField::Kana, PersonField::BirthDate],
        }
    );
    assert!(w[0].blocks_details());
    assert_eq!(w[1], Warning::QualificationStartsToday { record: 0 });
    assert_eq!(w[1].code(), Code::QualificationStartsToday);
}

#[test]
fn card_holder_sex_is_compared() {
    let h = CardHolder {
        sex: Some(Sex::Male),
        ..Default::default()
    };
    let w = assess(&answer("1", vec![sato()]), None, Some(&h), today());
    assert_eq!(
        w,
        vec![Warning::PersonMismatch {
            source: KnownSource::CardHolder,
            fields: vec![PersonField::Sex]
        }]
    );
}

#[test]
fn substituted_characters_are_flagged_but_still_match() {
    let mut r = sato();
    r.name = "●橋　一".into();
    r.name_kana = "ﾀｶﾊｼ ﾊｼﾞﾒ".into();
    r.insured_name = None;
    let c = chart("髙橋 一", "たかはし はじめ", "19850412");
    let w = assess(&answer("1", vec![r]), Some(&c), None, today());
    assert_eq!(
        w,
        vec![Warning::NameCharacters {
            record: 0,
            field: NameField::Name,
            substituted: 1,
            outside_jis: String::new()
        }]
    );
    assert_eq!(w[0].code(), Code::NameCharacters);
}

#[test]
fn several_matches_need_one_matching_record() {
    let mut other = sato();
    other.name = "高橋　肇".into();
    let resp = answer("5", vec![other.clone(), sato()]);
    let c = chart("佐藤花子", "ｻﾄｳﾊﾅｺ", "19850412");
    let w = assess(&resp, Some(&c), None, today());
    assert_eq!(w, vec![Warning::MultipleMatches { count: 2 }]);
    let resp = answer("5", vec![other.clone(), other]);
    let w = assess(&resp, Some(&c), None, today());
    assert!(matches!(w[0], Warning::PersonMismatch { .. }));
    assert_eq!(w[1], Warning::MultipleMatches { count: 2 });
}

#[test]
fn validity_warnings() {
    assert_eq!(
        assess(&answer("2", vec![sato()]), None, None, today()),
        vec![Warning::Invalid]
    );
    assert_eq!(
        assess(&answer("4", vec![]), None, None, today()),
        vec![Warning::NoQualification]
    );
    let mut lost = sato();
    lost.disqualification_date = Some("20250401".into());
    let w = assess(&answer("3", vec![lost, sato()]), None, None, today());
    assert_eq!(w, vec![Warning::NewQualification { record: 1 }]);
    let w = assess(&answer("8", vec![]), None, None, today());
    assert_eq!(w[0].code(), Code::InsurerError);
}

#[test]
fn expiry_within_three_months() {
    let mut r = sato();
    r.card_expiration_date = Some("20270224".into());
    let w = assess(&answer("1", vec![r.clone()]), None, None, today());
    assert_eq!(
        w,
        vec![Warning::CardExpiringSoon {
            record: 0,
            expires: "20270224".into(),
            days_left: 91
        }]
    );
    r.card_expiration_date = Some("20270225".into());
    assert_eq!(assess(&answer("1", vec![r]), None, None, today()), vec![]);
    let end = add_months(CivilDate::parse("20261130").unwrap(), 3);
    assert_eq!(end.compact(), "20270228");
}

#[test]
fn chart_insurance_and_insurer_message() {
    let c = ClinicRecord {
        insurer_number: Some("０６１３９９９９".into()),
        symbol: Some("千代".into()),
        number: Some("10009".into()),
        branch: Some("01".into()),
        ..Default::default()
    };
    let mut resp = answer("1", vec![sato()]);
    resp.processing_result.code = Some("MDGW0009".into());
    resp.processing_result.message = Some("確認してください <要>".into());
    let w = assess(&resp, Some(&c), None, today());
    assert_eq!(
        w,
        vec![
            Warning::InsuranceChanged {
                fields: vec![InsuranceField::Number]
            },
            Warning::InsurerMessage {
                status: "1".into(),
                code: Some("MDGW0009".into()),
                message: "確認してください <要>".into()
            }
        ]
    );
    assert_eq!(w[1].code(), Code::InsurerMessage);
}
