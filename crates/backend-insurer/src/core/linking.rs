//! Confirming a link ([`counter_api::links`]): does the insurance record the platform names
//! belong to the holder of the verified signature certificate?
//!
//! The candidates are the records carrying the identifiers, found by the rule the
//! eligibility decision uses ([`fn@matches`]: insurer number and number, symbol and branch
//! when given), whether or not they have reached the eligibility system yet or are still
//! current: a person enrols with the record they hold, and eligibility then says what it
//! is worth on the day.
//!
//! What is compared, by the one rule of [`counter_api::attributes::compare`] (this module
//! never normalises anything itself):
//!
//! | attribute | the record's field | when |
//! |---|---|---|
//! | name | `Name` (docs/domain/eligibility.md §2.4) | always |
//! | address | `Address` | only when the record holds one (many records carry none) |
//! | birth date | `Birthdate` (`YYYYMMDD`) | always |
//! | sex | `Sex1` (券面: `1` male, `2` female, `3` not known) | always; a code outside these never matches |
//!
//! `NameOfOther` (通称) and the kana are not compared: the certificate carries neither. A
//! record whose name has `●` for a character outside JIS levels 1/2 matches only a
//! certificate that flags that position as a substitute (代替文字): the rule treats `●` as
//! any other character.
//!
//! Outcomes ([`Confirmation`]):
//! * one person (the insurer's `person` key) has a record that matches: **confirmed**, and
//!   the binding keeps that person and the birth date of the record that matched, so that
//!   eligibility later reads this person's records only;
//! * records carry the identifiers but none matches: **mismatch**, naming the first
//!   differing attribute of the candidate that came closest, i.e. whose first difference
//!   comes latest in the order name, address, birth date, sex (the first such candidate
//!   in register order on a tie). That tells the customer which attribute to check (their
//!   name is on the record but not their birth date), and only about attributes of their
//!   own certificate: never a value the record holds;
//! * no record carries the identifiers: **unknown**;
//! * records of more than one person match (two people with the same four attributes
//!   under one number, an insurer's data-entry error): **ambiguous**, answered `unknown`.
//!   Binding either person could hand one person's record to the other, and eligibility by
//!   a link never answers 複数該当 across persons.

use counter_api::attributes::{Attribute, CertifiedAttributes, HeldAttributes, compare};
use counter_api::insurer::QualificationResult;
use counter_api::platform::Sex;

use super::eligibility::{InsuredRecord, Query, matches};

/// What the insurer found for a link.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Confirmation<'a> {
    /// Exactly one person's record matches the holder.
    Confirmed {
        /// The insurer's key of that person.
        person: &'a str,
        /// The birth date (`YYYYMMDD`) of the record that matched.
        birth_date: &'a str,
    },
    /// Records carry the identifiers, none matches: the first attribute that differs on
    /// the closest candidate.
    Mismatch(Attribute),
    /// No record carries the identifiers.
    Unknown,
    /// Records of more than one person match (answered `unknown`).
    Ambiguous {
        /// How many persons match.
        persons: usize,
    },
}

/// `Sex1` (券面, docs/domain/eligibility.md §2.4) as the contract's sex; `None` for a code outside
/// `1`, `2`, `3`.
pub fn sex_of(sex1: &str) -> Option<Sex> {
    match sex1 {
        "1" => Some(Sex::Male),
        "2" => Some(Sex::Female),
        "3" => Some(Sex::NotKnown),
        _ => None,
    }
}

/// Compares one record with the certified attributes; the first attribute that differs.
pub fn compare_record(
    r: &QualificationResult,
    holder: &CertifiedAttributes,
) -> Result<(), Attribute> {
    let sex = sex_of(&r.sex1);
    let held = HeldAttributes {
        name: Some(&r.name),
        address: r.address.as_deref(),
        birth_date: Some(&r.birth_date),
        sex,
    };
    compare(&held, holder)?;
    // A sex code the record should not hold never matches (sex is compared last, so every
    // other attribute already matched).
    match sex {
        Some(_) => Ok(()),
        None => Err(Attribute::Sex),
    }
}

/// The position of an attribute in the comparison order (name first).
fn rank(a: Attribute) -> u8 {
    match a {
        Attribute::Name => 0,
        Attribute::Address => 1,
        Attribute::BirthDate => 2,
        Attribute::Sex => 3,
    }
}

/// Decides whether the record `q` names belongs to `holder`. `register` holds at least
/// the records carrying `q`'s insurer number and number (others are ignored); `q`'s birth
/// date and consent are not used.
pub fn confirm<'a>(
    register: &'a [InsuredRecord],
    q: &Query<'_>,
    holder: &CertifiedAttributes,
) -> Confirmation<'a> {
    let mut matched: Vec<&'a InsuredRecord> = Vec::new();
    let mut closest: Option<Attribute> = None;
    for r in register.iter().filter(|r| matches(&r.result, q)) {
        match compare_record(&r.result, holder) {
            Ok(()) => {
                if !matched.iter().any(|m| m.person == r.person) {
                    matched.push(r);
                }
            }
            Err(a) => {
                if closest.is_none_or(|c| rank(a) > rank(c)) {
                    closest = Some(a);
                }
            }
        }
    }
    match (matched.as_slice(), closest) {
        ([one], _) => Confirmation::Confirmed {
            person: &one.person,
            birth_date: &one.result.birth_date,
        },
        ([], Some(a)) => Confirmation::Mismatch(a),
        // Nothing matched and nothing differed: no candidate at all.
        ([], None) => Confirmation::Unknown,
        (many, _) => Confirmation::Ambiguous {
            persons: many.len(),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::demo::{BUILTIN, parse};
    use madoguchi_time::UnixTime;

    fn q<'a>(
        insurer: &'a str,
        symbol: Option<&'a str>,
        number: &'a str,
        branch: Option<&'a str>,
    ) -> Query<'a> {
        Query {
            insurer_number: insurer,
            symbol,
            number,
            branch,
            birth_date: None,
            limit_certificate_consent: false,
        }
    }

    fn holder(name: &str, address: &str, birth: &str, sex: Sex) -> CertifiedAttributes {
        CertifiedAttributes {
            name: name.into(),
            name_substituted: vec![],
            address: address.into(),
            address_substituted: vec![],
            birth_date: birth.into(),
            sex,
        }
    }

    fn kobayashi() -> CertifiedAttributes {
        holder(
            "小林　芽衣",
            "神奈川県川崎市中原区小杉町九丁目９番９号",
            "2001-06-10",
            Sex::Female,
        )
    }

    #[test]
    fn the_holders_own_record_is_confirmed_with_its_person_and_birth_date() {
        let reg = parse(BUILTIN, UnixTime::EPOCH).unwrap();
        let got = confirm(
            &reg,
            &q("00140004", Some("中原"), "5550001", Some("00")),
            &kobayashi(),
        );
        assert_eq!(
            got,
            Confirmation::Confirmed {
                person: "kobayashi-mei",
                birth_date: "20010610"
            }
        );
        // Without symbol and branch: the same record (the eligibility rule).
        let got = confirm(&reg, &q("00140004", None, "5550001", None), &kobayashi());
        assert!(matches!(
            got,
            Confirmation::Confirmed {
                person: "kobayashi-mei",
                ..
            }
        ));
    }

    #[test]
    fn the_same_name_with_another_birth_date_is_a_birth_date_mismatch() {
        let reg = parse(BUILTIN, UnixTime::EPOCH).unwrap();
        let got = confirm(
            &reg,
            &q("00140004", Some("中原"), "5550002", Some("00")),
            &kobayashi(),
        );
        assert_eq!(got, Confirmation::Mismatch(Attribute::BirthDate));
    }

    #[test]
    fn another_persons_record_is_a_name_mismatch_and_no_record_is_unknown() {
        let reg = parse(BUILTIN, UnixTime::EPOCH).unwrap();
        let got = confirm(
            &reg,
            &q("06139999", Some("千代"), "10001", Some("01")),
            &kobayashi(),
        );
        assert_eq!(got, Confirmation::Mismatch(Attribute::Name));
        let got = confirm(
            &reg,
            &q("06139999", Some("千代"), "99999", Some("01")),
            &kobayashi(),
        );
        assert_eq!(got, Confirmation::Unknown);
        // Another symbol than the record's: no candidate.
        let got = confirm(
            &reg,
            &q("00140004", Some("幸"), "5550001", Some("00")),
            &kobayashi(),
        );
        assert_eq!(got, Confirmation::Unknown);
    }

    #[test]
    fn the_closest_candidate_names_the_attribute() {
        let reg = parse(BUILTIN, UnixTime::EPOCH).unwrap();
        // Two persons under 06139999 港 20001: 「●橋　一」 and 「高橋　肇」, both 19700101, male.
        let dup = q("06139999", Some("港"), "20001", Some("01"));
        let h = holder("高橋　肇", "東京都港区", "1970-01-02", Sex::Male);
        assert_eq!(
            confirm(&reg, &dup, &h),
            Confirmation::Mismatch(Attribute::BirthDate)
        );
        let h = holder("高橋　肇", "東京都港区", "1970-01-01", Sex::Female);
        assert_eq!(
            confirm(&reg, &dup, &h),
            Confirmation::Mismatch(Attribute::Sex)
        );
        let h = holder("高橋　肇", "東京都港区", "1970-01-01", Sex::Male);
        assert!(matches!(
            confirm(&reg, &dup, &h),
            Confirmation::Confirmed {
                person: "demo-takahashi-hajimu",
                ..
            }
        ));
        // 「●」 matches only where the certificate flags a substitute.
        let mut h = holder("髙橋　一", "東京都港区", "1970-01-01", Sex::Male);
        assert_eq!(
            confirm(&reg, &dup, &h),
            Confirmation::Mismatch(Attribute::Name)
        );
        h.name_substituted = vec![0];
        assert!(matches!(
            confirm(&reg, &dup, &h),
            Confirmation::Confirmed {
                person: "demo-takahashi-hajime",
                ..
            }
        ));
    }

    #[test]
    fn two_persons_matching_is_ambiguous() {
        let mut reg = parse(BUILTIN, UnixTime::EPOCH).unwrap();
        let mut twin = reg
            .iter()
            .find(|r| r.person == "kobayashi-mei")
            .unwrap()
            .clone();
        twin.person = "kobayashi-mei-twin".into();
        reg.push(twin);
        let got = confirm(&reg, &q("00140004", None, "5550001", None), &kobayashi());
        assert_eq!(got, Confirmation::Ambiguous { persons: 2 });
    }

    #[test]
    fn the_address_is_compared_only_when_held_and_sex_codes_are_checked() {
        let reg = parse(BUILTIN, UnixTime::EPOCH).unwrap();
        let sato = q("06139999", Some("千代"), "10001", Some("01"));
        let mut h = holder(
            "佐藤　花子",
            "東京都千代田区丸の内九丁目9番99号",
            "1985-04-12",
            Sex::Female,
        );
        assert!(matches!(
            confirm(&reg, &sato, &h),
            Confirmation::Confirmed { .. }
        ));
        h.address = "東京都千代田区丸の内九丁目".into();
        assert_eq!(
            confirm(&reg, &sato, &h),
            Confirmation::Mismatch(Attribute::Address)
        );
        // kobayashi-mei's record holds no address: any certified address passes.
        let mut k = kobayashi();
        k.address = "北海道".into();
        assert!(matches!(
            confirm(&reg, &q("00140004", None, "5550001", None), &k),
            Confirmation::Confirmed { .. }
        ));
        let mut r = reg
            .iter()
            .find(|r| r.person == "kobayashi-mei")
            .unwrap()
            .result
            .clone();
        r.sex1 = "9".into();
        assert_eq!(compare_record(&r, &kobayashi()), Err(Attribute::Sex));
        assert_eq!(sex_of("3"), Some(Sex::NotKnown));
    }
}
