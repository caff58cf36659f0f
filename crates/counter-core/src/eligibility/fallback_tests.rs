#![allow(clippy::unwrap_used)]

use super::*;
use crate::eligibility::testdata::TODAY;

fn today() -> CivilDate {
    CivilDate::parse(TODAY).unwrap()
}

fn notice() -> FallbackForm {
    FallbackForm {
        document: FallbackDocument::EligibilityNotice,
        insurer_number: "０６１３９９９９".into(),
        insurer_name: String::new(),
        symbol: " 千代 ".into(),
        number: "１０００１".into(),
        branch: "01".into(),
        name: "佐藤　花子　".into(),
        birth_date: "1985-04-12".into(),
        ratio_tenths: 3,
    }
}

#[test]
fn a_notice_is_cleaned_into_the_insurer_formats() {
    let p = notice().validate(today()).unwrap();
    assert_eq!(p.insurer_number.as_deref(), Some("06139999"));
    assert_eq!(p.symbol.as_deref(), Some("千代"));
    assert_eq!(p.number.as_deref(), Some("10001"));
    assert_eq!(p.name, "佐藤　花子");
    assert_eq!(p.birth_date, "19850412");
    assert!(p.can_recheck());
}

#[test]
fn each_bad_field_is_named() {
    type Case = (fn(&mut FallbackForm), FallbackField);
    let cases: Vec<Case> = vec![
        (
            |f| f.insurer_number = "123456".into(),
            FallbackField::InsurerNumber,
        ),
        (
            |f| f.insurer_number = String::new(),
            FallbackField::InsurerNumber,
        ),
        (|f| f.number = String::new(), FallbackField::Number),
        (|f| f.symbol = "記".repeat(21), FallbackField::Symbol),
        (|f| f.branch = "1".into(), FallbackField::Branch),
        (|f| f.name = "　".into(), FallbackField::Name),
        (
            |f| f.birth_date = "19850230".into(),
            FallbackField::BirthDate,
        ),
        (
            |f| f.birth_date = "20261126".into(),
            FallbackField::BirthDate,
        ),
        (|f| f.ratio_tenths = 10, FallbackField::Ratio),
    ];
    for (break_it, field) in cases {
        let mut f = notice();
        break_it(&mut f);
        let e = f.validate(today()).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert_eq!(e.code(), Code::FallbackFieldInvalid);
    }
}

#[test]
fn a_self_declaration_may_lack_the_numbers_but_names_the_insurer() {
    let mut f = notice();
    f.document = FallbackDocument::SelfDeclaration;
    f.insurer_number = String::new();
    f.number = String::new();
    f.symbol = String::new();
    let e = f.validate(today()).unwrap_err();
    assert_eq!(e.field, FallbackField::InsurerName);
    f.insurer_name = "関東健康保険組合".into();
    let p = f.validate(today()).unwrap();
    assert!(!p.can_recheck());
}

#[test]
fn reasons_map_to_codes() {
    assert_eq!(FallbackReason::PinBlocked.code(), Code::PinBlocked);
    assert_eq!(
        FallbackReason::InsurerUnavailable.code(),
        Code::InsurerUnavailable
    );
}
