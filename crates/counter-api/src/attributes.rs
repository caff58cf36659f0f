//! The four attributes (基本4情報: name, address, birth date, sex) and the one rule by which
//! they are compared, wherever a link is checked:
//!
//! * the platform compares the application the customer signed with the signature
//!   certificate (`backend_platform::core::matching`);
//! * a service (insurer, acquirer) compares its own record of the person with the
//!   attributes the platform read from that verified certificate, before it lets a card be
//!   linked to the record ([`crate::links`]).
//!
//! What is normalised, on both sides, before comparing character by character:
//! * **spaces**: U+3000 (full-width) and U+0020 are the same; runs of them count as one; leading
//!   and trailing ones are dropped. In the address every space is dropped (the certificate
//!   separates the building part with U+3000, records may hold none);
//! * **full-width ASCII** (U+FF01–U+FF5E) is its ASCII form: `９` = `9`, `Ａ` = `A`;
//! * **hyphens and dashes**: `‐ ‑ ‒ – — ― − －` (U+2010–2015, U+2212, U+FF0D) and the
//!   half-width katakana prolonged mark `ｰ` are `-`. The full-width prolonged mark `ー` is
//!   **not** a hyphen: it is part of names (`ルーシー`).
//!
//! What is **not** normalised, and so must be held as printed on the certificate: kanji
//! numerals (`九丁目` ≠ `9丁目`), old and new kanji forms (`髙` ≠ `高`, `齋` ≠ `斎`), kana/kanji
//! choices, abbreviations (`丁目` ≠ `-`). A character the certificate flags as a substitute
//! (代替文字, the substitution-position attributes of the signature certificate,
//! docs/domain/jpki.md) matches any one character: the certificate could not hold the real
//! one.
//!
//! Birth dates compare as digits (`1985-04-12` = `19850412`); sex by its code.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::Sex;
use crate::problem::FieldError;

/// Longest name accepted, in characters (a real 氏名 field is far shorter).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest address accepted, in characters (a persona has 121; real 住所 fits in 200).
pub const MAX_ADDRESS_CHARS: usize = 200;

/// One of the four attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    /// 氏名.
    Name,
    /// 住所.
    Address,
    /// 生年月日.
    BirthDate,
    /// 性別.
    Sex,
}

impl Attribute {
    /// The wire form (`birth_date`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Address => "address",
            Self::BirthDate => "birth_date",
            Self::Sex => "sex",
        }
    }
}

/// The four attributes as the platform read them from a verified signature certificate,
/// with the positions the certificate flags as substitutes. Sent to a service only with
/// the holder's consent (the signed application's `disclosure_consent`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertifiedAttributes {
    /// 氏名 as on the certificate.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// Character positions (0-based) of `name` that are substitutes (代替文字): each below the
    /// number of characters of `name`, and no more positions than characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub name_substituted: Vec<u16>,
    /// 住所 as on the certificate.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub address: String,
    /// Character positions (0-based) of `address` that are substitutes: each below the number
    /// of characters of `address`, and no more positions than characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 200)]
    pub address_substituted: Vec<u16>,
    /// 生年月日, Gregorian `YYYY-MM-DD`.
    #[schema(format = Date, pattern = r"^((18(6[89]|[7-9][0-9])|19[0-9]{2}|2[0-9]{3})-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|(18(68|7[26]|8[048]|9[26])|19(0[48]|[2468][048]|[13579][26])|2[0-9](0[48]|[2468][048]|[13579][26])|2000|2400|2800)-02-29)$")]
    pub birth_date: String,
    /// 性別.
    pub sex: Sex,
}

impl CertifiedAttributes {
    /// Field rules (`prefix` names the object: `holder.`).
    pub fn validate(&self, prefix: &str) -> Result<(), FieldError> {
        check_text(prefix, "name", &self.name, MAX_NAME_CHARS)?;
        check_text(prefix, "address", &self.address, MAX_ADDRESS_CHARS)?;
        if !is_iso_date(&self.birth_date) {
            return Err(FieldError::new(
                format!("{prefix}birth_date"),
                "the birth date is YYYY-MM-DD (Gregorian)",
            ));
        }
        let positions = |f: &str, v: &[u16], text: &str| {
            let n = text.chars().count();
            if v.len() > n || v.iter().any(|p| usize::from(*p) >= n) {
                Err(FieldError::new(
                    format!("{prefix}{f}"),
                    format!(
                        "substitute positions must be character positions of the {f} (0 to {n})"
                    ),
                ))
            } else {
                Ok(())
            }
        };
        positions("name_substituted", &self.name_substituted, &self.name)?;
        positions(
            "address_substituted",
            &self.address_substituted,
            &self.address,
        )
    }
}

/// Checks a free-text attribute: 1 to `max` characters, no control characters.
pub fn check_text(prefix: &str, field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    let n = value.chars().count();
    if n == 0 || n > max || value.chars().any(char::is_control) {
        Err(FieldError::new(
            format!("{prefix}{field}"),
            format!("{field} must be 1 to {max} characters without control characters"),
        ))
    } else {
        Ok(())
    }
}

/// `YYYY-MM-DD`, a real calendar date of the years 1868–2999 ([`madoguchi_time::CivilDate::parse`]:
/// digits only, so neither `+985-04-12` nor `1985-02-30` passes). The OpenAPI document
/// states the same rule as a pattern with `format: date`.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && madoguchi_time::CivilDate::parse(s).is_some()
}

/// What the other side holds of the person. A field it does not hold (`None`) is not
/// compared; the caller decides which fields it must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldAttributes<'a> {
    /// 氏名.
    pub name: Option<&'a str>,
    /// 住所.
    pub address: Option<&'a str>,
    /// 生年月日, `YYYY-MM-DD` or `YYYYMMDD`.
    pub birth_date: Option<&'a str>,
    /// 性別.
    pub sex: Option<Sex>,
}

/// Compares what is held with the certified attributes in the order name, address, birth
/// date, sex; the first attribute that differs is returned.
pub fn compare(held: &HeldAttributes<'_>, cert: &CertifiedAttributes) -> Result<(), Attribute> {
    if let Some(name) = held.name
        && !text_matches(name, &cert.name, &cert.name_substituted, Spaces::Collapse)
    {
        return Err(Attribute::Name);
    }
    if let Some(address) = held.address
        && !text_matches(
            address,
            &cert.address,
            &cert.address_substituted,
            Spaces::Drop,
        )
    {
        return Err(Attribute::Address);
    }
    if let Some(birth) = held.birth_date
        && date_digits(birth) != date_digits(&cert.birth_date)
    {
        return Err(Attribute::BirthDate);
    }
    if let Some(sex) = held.sex
        && sex != cert.sex
    {
        return Err(Attribute::Sex);
    }
    Ok(())
}

/// A date's digits (`1985-04-12` and `19850412` give the same).
fn date_digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// How spaces count.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spaces {
    /// Runs collapse to one space (names).
    Collapse,
    /// Every space is dropped (addresses).
    Drop,
}

/// One character after normalisation; `None` stands for "a space".
fn normalise_char(c: char) -> Option<char> {
    match c {
        ' ' | '\u{3000}' => None,
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF70}' => Some('-'),
        _ => Some(c),
    }
}

/// Normalised characters with, for the certificate side, whether each was a substitute.
fn normalise(s: &str, substituted: &[u16], spaces: Spaces) -> Vec<(char, bool)> {
    let mut out: Vec<(char, bool)> = Vec::with_capacity(s.len());
    let mut pending_space = false;
    for (i, c) in s.chars().enumerate() {
        match normalise_char(c) {
            None => pending_space = true,
            Some(n) => {
                if pending_space && spaces == Spaces::Collapse && !out.is_empty() {
                    out.push((' ', false));
                }
                pending_space = false;
                let sub = u16::try_from(i).is_ok_and(|i| substituted.contains(&i));
                out.push((n, sub));
            }
        }
    }
    out
}

fn text_matches(held: &str, cert: &str, substituted: &[u16], spaces: Spaces) -> bool {
    let a = normalise(held, &[], spaces);
    let b = normalise(cert, substituted, spaces);
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|((x, _), (y, sub))| x == y || (*sub && *x != ' '))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn cert() -> CertifiedAttributes {
        CertifiedAttributes {
            name: "佐藤\u{3000}花子".into(),
            name_substituted: vec![],
            address: "東京都千代田区丸の内九丁目９番９９号\u{3000}見本ビル１－２".into(),
            address_substituted: vec![],
            birth_date: "1985-04-12".into(),
            sex: Sex::Female,
        }
    }

    fn held<'a>(name: &'a str, address: &'a str) -> HeldAttributes<'a> {
        HeldAttributes {
            name: Some(name),
            address: Some(address),
            birth_date: Some("19850412"),
            sex: Some(Sex::Female),
        }
    }

    #[test]
    fn spaces_widths_and_hyphens_are_normalised() {
        let c = cert();
        for (n, a) in [
            (
                "佐藤　花子",
                "東京都千代田区丸の内九丁目９番９９号　見本ビル１－２",
            ),
            (
                " 佐藤  花子 ",
                "東京都千代田区丸の内九丁目9番99号見本ビル1-2",
            ),
            ("佐藤 花子", "東京都千代田区丸の内九丁目9番99号 見本ビル1‐2"),
        ] {
            assert_eq!(compare(&held(n, a), &c), Ok(()), "{n} {a}");
        }
    }

    #[test]
    fn what_is_not_normalised_differs_and_names_the_attribute() {
        let c = cert();
        let a = "東京都千代田区丸の内九丁目9番99号見本ビル1-2";
        assert_eq!(compare(&held("佐藤花子", a), &c), Err(Attribute::Name));
        assert_eq!(
            compare(
                &held("佐藤 花子", "東京都千代田区丸の内9丁目9番99号見本ビル1-2"),
                &c
            ),
            Err(Attribute::Address)
        );
        let mut h = held("佐藤 花子", a);
        h.birth_date = Some("1985-04-13");
        assert_eq!(compare(&h, &c), Err(Attribute::BirthDate));
        h.birth_date = Some("1985-04-12");
        h.sex = Some(Sex::Male);
        assert_eq!(compare(&h, &c), Err(Attribute::Sex));
        assert_eq!(Attribute::BirthDate.as_str(), "birth_date");
    }

    #[test]
    fn fields_not_held_are_not_compared() {
        let h = HeldAttributes {
            name: Some("佐藤　花子"),
            address: None,
            birth_date: Some("1985-04-12"),
            sex: None,
        };
        assert_eq!(compare(&h, &cert()), Ok(()));
    }

    #[test]
    fn a_substituted_character_matches_any_one_character() {
        let mut c = cert();
        c.name = "髙橋\u{3000}〓子".into();
        c.name_substituted = vec![3];
        let a = "東京都千代田区丸の内九丁目9番99号見本ビル1-2";
        assert_eq!(compare(&held("髙橋 花子", a), &c), Ok(()));
        assert_eq!(compare(&held("高橋 花子", a), &c), Err(Attribute::Name));
        assert_eq!(compare(&held("髙橋 子", a), &c), Err(Attribute::Name));
    }

    #[test]
    fn iso_dates_are_real_calendar_dates() {
        for ok in [
            "1985-04-12",
            "2024-02-29",
            "2000-02-29",
            "1868-01-01",
            "2999-12-31",
        ] {
            assert!(is_iso_date(ok), "{ok}");
        }
        for bad in [
            "19850412",
            "1985-02-30",
            "2023-02-29",
            "1900-02-29",
            "+985-04-12",
            "1985-+4-12",
            "1985-04-+1",
            "1867-12-31",
            "3000-01-01",
            "1985-4-12",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert!(cert().validate("holder.").is_ok());
        let mut c = cert();
        c.birth_date = "19850412".into();
        assert_eq!(
            c.validate("holder.").unwrap_err().field,
            "holder.birth_date"
        );
        let mut c = cert();
        c.name_substituted = vec![5];
        assert_eq!(
            c.validate("holder.").unwrap_err().field,
            "holder.name_substituted"
        );
        let mut c = cert();
        c.address = "a\nb".into();
        assert_eq!(c.validate("holder.").unwrap_err().field, "holder.address");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(name in ".{0,40}", address in ".{0,60}", subs in proptest::collection::vec(0u16..50, 0..6)) {
            let mut c = cert();
            c.name_substituted = subs.clone();
            c.address_substituted = subs;
            let _ = c.validate("holder.");
            let _ = compare(&held(&name, &address), &c);
        }
    }
}
