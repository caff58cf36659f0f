//! Matching the application's four attributes (基本4情報) against the signature
//! certificate's (docs/domain/jpki.md §2.4), by the one rule every side uses:
//! [`counter_api::attributes::compare`] (its module documentation says what is normalised
//! and what is not). The certificate's attributes, once matched, are what the platform
//! sends to a service that confirms a link ([`counter_api::links`]).
//!
//! Birth date: the application's Gregorian `YYYY-MM-DD` equals the certificate's date (a
//! certificate whose era is 不明 has no date and never matches). Sex: the same code (a code
//! the profile does not list never matches).

use counter_api::attributes::{Attribute, CertifiedAttributes, HeldAttributes, compare};
use counter_api::platform::{Application, Sex};
use jpki_cert::identity::{SexCode, SignIdentity, SubstitutionFlags};

/// The attribute that differs from the signature certificate's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the {} differs from the signature certificate's", .0.as_str().replace('_', " "))]
pub struct Mismatch(pub Attribute);

impl Mismatch {
    /// The application field (`application.name`, ...).
    pub fn field(self) -> &'static str {
        match self.0 {
            Attribute::Name => "application.name",
            Attribute::Address => "application.address",
            Attribute::BirthDate => "application.birth_date",
            Attribute::Sex => "application.sex",
        }
    }
}

/// The certificate's attributes in the contract's form; the attribute the certificate
/// cannot give (a birth date of unknown era, an unlisted sex code) as the mismatch.
pub fn certified(cert: &SignIdentity) -> Result<CertifiedAttributes, Mismatch> {
    let positions = |flags: &Option<SubstitutionFlags>| -> Vec<u16> {
        flags
            .as_ref()
            .filter(|f| f.matches_value)
            .map(|f| {
                f.substituted
                    .iter()
                    .filter_map(|p| u16::try_from(*p).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let birth_date = cert
        .birth_date
        .date
        .clone()
        .ok_or(Mismatch(Attribute::BirthDate))?;
    let sex = match cert.sex.code {
        Some(SexCode::Male) => Sex::Male,
        Some(SexCode::Female) => Sex::Female,
        Some(SexCode::NotKnown) => Sex::NotKnown,
        None => return Err(Mismatch(Attribute::Sex)),
    };
    Ok(CertifiedAttributes {
        name: cert.name.clone(),
        name_substituted: positions(&cert.name_substitution),
        address: cert.address.clone(),
        address_substituted: positions(&cert.address_substitution),
        birth_date,
        sex,
    })
}

/// Checks the four attributes in the order name, address, birth date, sex; the first
/// mismatch is returned. On a match, the certificate's attributes.
pub fn match_application(
    app: &Application,
    cert: &SignIdentity,
) -> Result<CertifiedAttributes, Mismatch> {
    let certified = certified(cert)?;
    let held = HeldAttributes {
        name: Some(&app.name),
        address: Some(&app.address),
        birth_date: Some(&app.birth_date),
        sex: Some(app.sex),
    };
    compare(&held, &certified).map_err(Mismatch)?;
    Ok(certified)
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
            disclosure_consent: true,
            services: vec![],
        }
    }

    const ADDRESS: &str = "東京都千代田区丸の内九丁目9番99号見本ビル1-2";

    #[test]
    fn the_application_is_held_to_the_shared_rule() {
        let id = identity();
        assert!(match_application(&app("佐藤 花子", ADDRESS), &id).is_ok());
        let certified = match_application(&app(" 佐藤  花子 ", ADDRESS), &id).unwrap();
        assert_eq!(
            certified.name, id.name,
            "the certificate's value is what is sent on"
        );
        assert_eq!(certified.birth_date, "1985-04-12");
        assert_eq!(certified.sex, Sex::Female);
        let mut a = app("佐藤 花子", ADDRESS);
        a.birth_date = "1985-04-13".into();
        let m = match_application(&a, &id).unwrap_err();
        assert_eq!(m, Mismatch(Attribute::BirthDate));
        assert_eq!(m.field(), "application.birth_date");
        assert_eq!(
            m.to_string(),
            "the birth date differs from the signature certificate's"
        );
    }

    #[test]
    fn substitute_flags_reach_the_rule_only_when_they_fit_the_value() {
        let mut id = identity();
        id.name = "髙橋\u{3000}〓子".into();
        id.name_substitution = Some(SubstitutionFlags {
            raw: "00010".into(),
            substituted: vec![3],
            matches_value: true,
        });
        assert_eq!(certified(&id).unwrap().name_substituted, vec![3]);
        assert!(match_application(&app("髙橋 花子", ADDRESS), &id).is_ok());
        id.name_substitution = Some(SubstitutionFlags {
            raw: "0001".into(),
            substituted: vec![3],
            matches_value: false,
        });
        assert!(certified(&id).unwrap().name_substituted.is_empty());
        assert_eq!(
            match_application(&app("髙橋 花子", ADDRESS), &id),
            Err(Mismatch(Attribute::Name))
        );
    }

    #[test]
    fn a_certificate_without_a_date_or_sex_code_never_matches() {
        let mut id = identity();
        id.birth_date.date = None;
        assert_eq!(
            match_application(&app("佐藤 花子", ADDRESS), &id),
            Err(Mismatch(Attribute::BirthDate))
        );
        let mut id = identity();
        id.sex.code = None;
        assert_eq!(
            match_application(&app("佐藤 花子", ADDRESS), &id),
            Err(Mismatch(Attribute::Sex))
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
