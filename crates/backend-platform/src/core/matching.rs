//! Matching the application's four attributes (基本4情報) against the signature
//! certificate's (jpki.md §2.4).
//!
//! What is normalised, on both sides, before comparing character by character:
//! * **spaces**: U+3000 (full-width) and U+0020 are the same; runs of them count as one; leading
//!   and trailing ones are dropped. In the address every space is dropped (the certificate
//!   separates the building part with U+3000, staff may type none);
//! * **full-width ASCII** (U+FF01–U+FF5E) is its ASCII form: `９` = `9`, `Ａ` = `A`;
//! * **hyphens and dashes**: `‐ ‑ ‒ – — ― − －` (U+2010–2015, U+2212, U+FF0D) and the
//!   half-width katakana prolonged mark `ｰ` are `-`. The full-width prolonged mark `ー` is
//!   **not** a hyphen: it is part of names (`ルーシー`).
//!
//! What is **not** normalised, and so must be entered as printed on the certificate (staff
//! read it from the card's screen): kanji numerals (`九丁目` ≠ `9丁目`), old and new kanji forms
//! (`髙` ≠ `高`, `齋` ≠ `斎`), kana/kanji choices, abbreviations (`丁目` ≠ `-`). A character the
//! certificate flags as a substitute (代替文字, the substitution-position attributes) matches
//! any one character: the certificate could not hold the real one.
//!
//! Birth date: the application's Gregorian `YYYY-MM-DD` equals the certificate's date (a
//! certificate whose era is 不明 has no date and never matches). Sex: the same code.

use counter_api::platform::{Application, Sex};
use jpki_cert::identity::{SexCode, SignIdentity, SubstitutionFlags};

/// The attribute that differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mismatch {
    /// 氏名.
    #[error("the name differs from the signature certificate's")]
    Name,
    /// 住所.
    #[error("the address differs from the signature certificate's")]
    Address,
    /// 生年月日.
    #[error("the birth date differs from the signature certificate's")]
    BirthDate,
    /// 性別.
    #[error("the sex differs from the signature certificate's")]
    Sex,
}

impl Mismatch {
    /// The application field (`application.name`, ...).
    pub fn field(self) -> &'static str {
        match self {
            Self::Name => "application.name",
            Self::Address => "application.address",
            Self::BirthDate => "application.birth_date",
            Self::Sex => "application.sex",
        }
    }
}

/// Checks the four attributes in the order name, address, birth date, sex; the first
/// mismatch is returned.
pub fn match_application(app: &Application, cert: &SignIdentity) -> Result<(), Mismatch> {
    if !text_matches(
        &app.name,
        &cert.name,
        cert.name_substitution.as_ref(),
        Spaces::Collapse,
    ) {
        return Err(Mismatch::Name);
    }
    if !text_matches(
        &app.address,
        &cert.address,
        cert.address_substitution.as_ref(),
        Spaces::Drop,
    ) {
        return Err(Mismatch::Address);
    }
    if cert.birth_date.date.as_deref() != Some(app.birth_date.as_str()) {
        return Err(Mismatch::BirthDate);
    }
    let sex = match app.sex {
        Sex::Male => SexCode::Male,
        Sex::Female => SexCode::Female,
        Sex::NotKnown => SexCode::NotKnown,
    };
    if cert.sex.code != Some(sex) {
        return Err(Mismatch::Sex);
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Spaces {
    Collapse,
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
fn normalise(s: &str, flags: Option<&SubstitutionFlags>, spaces: Spaces) -> Vec<(char, bool)> {
    let substituted =
        |i: usize| flags.is_some_and(|f| f.matches_value && f.substituted.contains(&i));
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
                out.push((n, substituted(i)));
            }
        }
    }
    out
}

fn text_matches(
    entered: &str,
    cert: &str,
    flags: Option<&SubstitutionFlags>,
    spaces: Spaces,
) -> bool {
    let a = normalise(entered, None, spaces);
    let b = normalise(cert, flags, spaces);
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|((x, _), (y, sub))| x == y || (*sub && *x != ' '))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jpki_cert::identity::{BirthDate, Era, Sex as CertSex};

    fn identity() -> SignIdentity {
        SignIdentity {
            name: "佐藤\u{3000}花子".into(),
            family_name: "佐藤".into(),
            given_name: Some("花子".into()),
            name_substitution: None,
            sex: CertSex {
                raw: "2".into(),
                code: Some(SexCode::Female),
            },
            birth_date: BirthDate {
                raw: "319850412".into(),
                era: Era::Showa,
                date: Some("1985-04-12".into()),
            },
            address: "東京都千代田区丸の内九丁目９番９９号\u{3000}見本ビル１－２".into(),
            address_substitution: None,
        }
    }

    fn app(name: &str, address: &str) -> Application {
        Application {
            challenge_id: "c".into(),
            name: name.into(),
            address: address.into(),
            birth_date: "1985-04-12".into(),
            sex: Sex::Female,
            services: vec![],
        }
    }

    #[test]
    fn spaces_widths_and_hyphens_are_normalised() {
        let id = identity();
        assert_eq!(
            match_application(
                &app(
                    "佐藤　花子",
                    "東京都千代田区丸の内九丁目９番９９号　見本ビル１－２"
                ),
                &id
            ),
            Ok(())
        );
        assert_eq!(
            match_application(
                &app(
                    " 佐藤  花子 ",
                    "東京都千代田区丸の内九丁目9番99号見本ビル1-2"
                ),
                &id
            ),
            Ok(())
        );
        assert_eq!(
            match_application(
                &app("佐藤 花子", "東京都千代田区丸の内九丁目9番99号 見本ビル1‐2"),
                &id
            ),
            Ok(())
        );
    }

    #[test]
    fn what_is_not_normalised_is_a_mismatch_naming_the_field() {
        let id = identity();
        assert_eq!(
            match_application(
                &app(
                    "佐藤花子",
                    "東京都千代田区丸の内九丁目９番９９号　見本ビル１－２"
                ),
                &id
            ),
            Err(Mismatch::Name)
        );
        assert_eq!(
            match_application(
                &app("佐藤 花子", "東京都千代田区丸の内9丁目9番99号見本ビル1-2"),
                &id
            ),
            Err(Mismatch::Address)
        );
        let mut a = app("佐藤 花子", "東京都千代田区丸の内九丁目9番99号見本ビル1-2");
        a.birth_date = "1985-04-13".into();
        assert_eq!(match_application(&a, &id), Err(Mismatch::BirthDate));
        a.birth_date = "1985-04-12".into();
        a.sex = Sex::Male;
        assert_eq!(match_application(&a, &id), Err(Mismatch::Sex));
        assert_eq!(Mismatch::Sex.field(), "application.sex");
    }

    #[test]
    fn a_substituted_character_matches_any_one_character() {
        let mut id = identity();
        id.name = "髙橋\u{3000}〓子".into();
        id.name_substitution = Some(SubstitutionFlags {
            raw: "00010".into(),
            substituted: vec![3],
            matches_value: true,
        });
        assert_eq!(
            match_application(
                &app("髙橋 花子", "東京都千代田区丸の内九丁目9番99号見本ビル1-2"),
                &id
            ),
            Ok(())
        );
        assert_eq!(
            match_application(
                &app("高橋 花子", "東京都千代田区丸の内九丁目9番99号見本ビル1-2"),
                &id
            ),
            Err(Mismatch::Name)
        );
        assert_eq!(
            match_application(
                &app("髙橋 子", "東京都千代田区丸の内九丁目9番99号見本ビル1-2"),
                &id
            ),
            Err(Mismatch::Name)
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(name in ".{0,40}", address in ".{0,60}", flags in "[01x]{0,12}") {
            let mut id = identity();
            id.name_substitution = Some(SubstitutionFlags {
                raw: flags.clone(),
                substituted: flags.char_indices().filter(|(_, c)| *c == '1').map(|(i, _)| i).collect(),
                matches_value: flags.chars().count() == id.name.chars().count(),
            });
            let _ = match_application(&app(&name, &address), &id);
        }
    }
}
