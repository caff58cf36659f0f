//! Unit tests of the eligibility decision.
#![allow(clippy::unwrap_used, clippy::panic, clippy::cloned_ref_to_slice_refs)]

use counter_api::insurer::{Consents, LimitCertificate, QualificationResult};

use super::*;

fn rec(person: &str, number: &str, from: &str, to: Option<&str>) -> InsuredRecord {
    InsuredRecord {
        person: person.into(),
        registered_on: None,
        result: QualificationResult {
            insured_card_classification: "01".into(),
            insurer_number: "06139999".into(),
            insurer_name: "関東健康保険組合".into(),
            symbol: Some("千代".into()),
            number: number.into(),
            branch: Some("01".into()),
            personal_family_classification: "1".into(),
            insured_name: None,
            name: "佐藤　花子".into(),
            name_of_other: None,
            name_kana: "ｻﾄｳ ﾊﾅｺ".into(),
            name_of_other_kana: None,
            sex1: "2".into(),
            sex2: None,
            birth_date: "19850412".into(),
            address: None,
            post_number: None,
            qualification_date: from.into(),
            disqualification_date: to.map(Into::into),
            reason_of_loss: None,
            certificate_issuance_date: None,
            card_valid_date: None,
            card_expiration_date: None,
            partial_contribution_ratio: Some("030".into()),
            preschool_classification: None,
            elderly_recipient: None,
            limit_certificate: Some(LimitCertificate {
                classification: "01".into(),
                classification_flag: "A03".into(),
                date: "20240401".into(),
                valid_start_date: "20240401".into(),
                valid_end_date: None,
                long_term_date: None,
            }),
            specific_diseases: vec![],
            consents: Consents::default(),
        },
    }
}

fn q(number: &str) -> Query<'_> {
    Query {
        insurer_number: "06139999",
        symbol: Some("千代"),
        number,
        branch: Some("01"),
        birth_date: None,
        limit_certificate_consent: false,
    }
}

fn code(d: &Decision) -> &'static str {
    match d {
        Decision::Found { validity, .. } => validity.code(),
        Decision::Unknown => "unknown",
    }
}

const TODAY: &str = "20261124";

#[test]
fn valid_and_limit_certificate_only_with_consent() {
    let reg = [rec("p1", "10001", "20200401", None)];
    let d = decide(&reg, &q("10001"), TODAY, TODAY);
    let Decision::Found {
        validity,
        processing,
        results,
    } = d
    else {
        panic!()
    };
    assert_eq!(validity, Validity::Valid);
    assert_eq!(processing.status, "1");
    assert!(processing.code.is_none());
    assert!(results[0].limit_certificate.is_none());
    let mut with = q("10001");
    with.limit_certificate_consent = true;
    let Decision::Found { results, .. } = decide(&reg, &with, TODAY, TODAY) else {
        panic!()
    };
    assert!(results[0].limit_certificate.is_some());
}

#[test]
fn unknown_number_other_symbol_or_branch() {
    let reg = [rec("p1", "10001", "20200401", None)];
    assert_eq!(code(&decide(&reg, &q("10002"), TODAY, TODAY)), "unknown");
    let mut other = q("10001");
    other.symbol = Some("港");
    assert_eq!(code(&decide(&reg, &other, TODAY, TODAY)), "unknown");
    other = q("10001");
    other.branch = Some("02");
    assert_eq!(code(&decide(&reg, &other, TODAY, TODAY)), "unknown");
    // No branch asked: the system fills it in.
    other.branch = None;
    assert_eq!(code(&decide(&reg, &other, TODAY, TODAY)), "1");
}

#[test]
fn lost_without_and_with_a_new_qualification() {
    let old = rec("p1", "10001", "20150401", Some("20261001"));
    assert_eq!(
        code(&decide(&[old.clone()], &q("10001"), TODAY, TODAY)),
        "2"
    );
    let new = rec("p1", "20001", "20261001", None);
    let d = decide(&[old.clone(), new], &q("10001"), TODAY, TODAY);
    let Decision::Found {
        validity, results, ..
    } = d
    else {
        panic!()
    };
    assert_eq!(validity, Validity::InvalidWithNewQualification);
    assert_eq!(results[0].number, "10001");
    assert_eq!(results[1].number, "20001");
    // As of a date before the loss, the old qualification is still valid.
    assert_eq!(validity_of(&[old], "20260930"), "1");
}

fn validity_of(reg: &[InsuredRecord], as_of: &str) -> &'static str {
    code(&decide(reg, &q("10001"), as_of, TODAY))
}

#[test]
fn starting_today_warns_and_lagging_record_is_not_found_until_loaded() {
    let today = rec("p1", "10001", TODAY, None);
    let Decision::Found {
        validity,
        processing,
        ..
    } = decide(&[today.clone()], &q("10001"), TODAY, TODAY)
    else {
        panic!()
    };
    assert_eq!(
        (validity.code(), processing.code.as_deref()),
        ("1", Some("MDGW0001"))
    );
    let mut lagging = today;
    lagging.registered_on = Some("20261125".into());
    assert_eq!(
        code(&decide(&[lagging.clone()], &q("10001"), TODAY, TODAY)),
        "4"
    );
    assert_eq!(
        code(&decide(&[lagging], &q("10001"), TODAY, "20261125")),
        "1"
    );
    // Qualification that starts after the date asked about.
    assert_eq!(
        validity_of(&[rec("p1", "10001", "20261201", None)], TODAY),
        "4"
    );
}

#[test]
fn several_persons_under_one_number() {
    let mut b = rec("p2", "10001", "20200401", None);
    b.result.name = "佐藤　花".into();
    let d = decide(
        &[rec("p1", "10001", "20200401", None), b],
        &q("10001"),
        TODAY,
        TODAY,
    );
    let Decision::Found {
        validity, results, ..
    } = d
    else {
        panic!()
    };
    assert_eq!((validity, results.len()), (Validity::MultipleMatches, 2));
}

#[test]
fn medical_assistance_is_valid_unregistered_and_birth_date_is_checked() {
    let mut r = rec("p1", "10001", "20200401", None);
    r.result.insured_card_classification = "A1".into();
    assert_eq!(validity_of(&[r.clone()], TODAY), "6");
    let mut with_birth = q("10001");
    with_birth.birth_date = Some("19850413");
    let Decision::Found {
        validity,
        processing,
        ..
    } = decide(&[r.clone()], &with_birth, TODAY, TODAY)
    else {
        panic!()
    };
    assert_eq!((validity.code(), processing.status.as_str()), ("4", "2"));
    with_birth.birth_date = Some("19850412");
    assert_eq!(code(&decide(&[r], &with_birth, TODAY, TODAY)), "6");
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the register and the query hold, the decision never panics, and a
        /// `Found` answer's validity is one of OQSCD006's codes.
        #[test]
        fn decide_never_panics(
            numbers in proptest::collection::vec("[0-9]{1,3}", 0..6),
            dates in proptest::collection::vec("[0-9]{0,9}", 0..6),
            ask in "[0-9]{1,3}",
            as_of in "[0-9]{0,9}",
            birth in proptest::option::of("[0-9]{8}"),
        ) {
            let reg: Vec<InsuredRecord> = numbers
                .iter()
                .zip(dates.iter().chain(std::iter::repeat(&String::new())))
                .enumerate()
                .map(|(i, (n, d))| {
                    let mut r = rec(&format!("p{}", i % 2), n, d, (i % 3 == 0).then_some(d.as_str()));
                    r.registered_on = (i % 4 == 0).then(|| d.clone());
                    r
                })
                .collect();
            let mut query = q(&ask);
            query.birth_date = birth.as_deref();
            if let Decision::Found { validity, .. } = decide(&reg, &query, &as_of, TODAY) {
                prop_assert!(["1", "2", "3", "4", "5", "6"].contains(&validity.code()));
            }
        }

        /// Date validation never panics on any text.
        #[test]
        fn date_check_never_panics(s in "\\PC{0,12}") {
            let _ = crate::core::dates::is_yyyymmdd(&s);
        }
    }
}
