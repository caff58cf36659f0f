//! The register of insured persons as a file (`demo_data = FILE` in the configuration;
//! the format of `data/demo-insured.toml`, described in `data/README.md`), and the demo
//! register compiled in behind the `demo-register` feature.
//!
//! Which register an empty database is seeded with: the file `demo_data` names; without
//! one, the compiled-in demo register (`BUILTIN`, the test personas as insured persons)
//! when the feature is on (the desktop demo, the tests), else none ([`DEFAULT`] is empty).
//! The shipped server is built without the feature: it carries no persona.
//!
//! Dates may be written `@today` or `@tomorrow`: they are replaced by the insurer's JST
//! date when the database is seeded, so that "qualification starting today" and "record
//! not loaded yet" (docs/domain/eligibility.md §1.4) stay true whenever the demo runs.

use madoguchi_time::UnixTime;
use serde::Deserialize;

use crate::core::dates::jst_date;
use crate::core::eligibility::InsuredRecord;

/// The compiled-in demo register: `data/demo-insured.toml`. Only with the `demo-register`
/// feature (and in this crate's own unit tests).
#[cfg(any(test, feature = "demo-register"))]
pub const BUILTIN: &str = include_str!("../data/demo-insured.toml");

/// The register seeded when the configuration names no `demo_data`: [`BUILTIN`] with the
/// `demo-register` feature.
#[cfg(feature = "demo-register")]
pub const DEFAULT: &str = BUILTIN;

/// The register seeded when the configuration names no `demo_data`: none (an empty text
/// is an empty register), since this build has no `demo-register` feature.
#[cfg(not(feature = "demo-register"))]
pub const DEFAULT: &str = "";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Absent in an empty text: an empty register.
    #[serde(default)]
    records: Vec<InsuredRecord>,
}

/// Parses a register, resolving `@today` and `@tomorrow` against `now`. An empty text (or
/// one without `[[records]]`) is an empty register.
pub fn parse(text: &str, now: UnixTime) -> Result<Vec<InsuredRecord>, String> {
    let text = text
        .replace("\"@today\"", &format!("\"{}\"", jst_date(now)))
        .replace(
            "\"@tomorrow\"",
            &format!("\"{}\"", jst_date(now.plus_secs(86_400))),
        );
    let f: File = toml::from_str(&text).map_err(|e| e.to_string().trim_end().to_owned())?;
    for (i, r) in f.records.iter().enumerate() {
        let res = &r.result;
        let dates = [
            Some(&res.birth_date),
            Some(&res.qualification_date),
            res.disqualification_date.as_ref(),
            r.registered_on.as_ref(),
        ];
        if dates
            .into_iter()
            .flatten()
            .any(|d| !crate::core::dates::is_yyyymmdd(d))
        {
            return Err(format!("records[{i}]: a date is not YYYYMMDD"));
        }
        if crate::core::linking::sex_of(&res.sex1).is_none() {
            return Err(format!("records[{i}].sex1: 1, 2 or 3"));
        }
        if res.insurer_number.len() != 8 || !res.insurer_number.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!("records[{i}].insurer_number: 8 digits"));
        }
    }
    Ok(f.records)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::core::eligibility::{Decision, Query, decide};

    /// Without `demo_data`, an empty database gets the demo register in a build with the
    /// `demo-register` feature (the workspace's tests: counter-demo turns it on; a build
    /// without it, `cargo test -p backend-insurer`, is tests/insurer/register.rs's).
    #[cfg(feature = "demo-register")]
    #[test]
    fn with_the_feature_the_default_register_is_the_demo_one() {
        let default = parse(DEFAULT, UnixTime::EPOCH).unwrap();
        let demo = parse(BUILTIN, UnixTime::EPOCH).unwrap();
        assert!(!demo.is_empty());
        assert_eq!(default.len(), demo.len());
    }

    /// An empty text, or one of comments only, is an empty register; a misspelt table is
    /// still refused.
    #[test]
    fn an_empty_text_is_an_empty_register() {
        assert!(parse("", UnixTime::EPOCH).unwrap().is_empty());
        assert!(parse("# nobody yet\n", UnixTime::EPOCH).unwrap().is_empty());
        let err = parse("[[record]]\nperson = \"x\"\n", UnixTime::EPOCH).unwrap_err();
        assert!(err.contains("record"), "{err}");
    }

    /// Every validity code of OQSCD006 (docs/domain/eligibility.md §2.3) is reachable in the demo.
    #[test]
    fn builtin_register_covers_every_validity_code() {
        let now = UnixTime::from_secs(1_795_500_000);
        let today = jst_date(now);
        let reg = parse(BUILTIN, now).unwrap();
        let mut codes: Vec<&str> = reg
            .iter()
            .filter_map(|r| {
                let q = Query {
                    insurer_number: &r.result.insurer_number,
                    symbol: r.result.symbol.as_deref(),
                    number: &r.result.number,
                    branch: r.result.branch.as_deref(),
                    birth_date: None,
                    limit_certificate_consent: false,
                };
                match decide(&reg, &q, &today, &today) {
                    Decision::Found { validity, .. } => Some(validity.code()),
                    _ => None,
                }
            })
            .collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes, ["1", "2", "3", "4", "5", "6"]);
    }

    /// Every record of a persona holds that persona's certificate attributes, so that the
    /// insurer confirms the persona's own card (an address only when it is the full one).
    #[test]
    fn persona_records_match_their_certificates() {
        use counter_api::attributes::CertifiedAttributes;
        use counter_api::platform::Sex;
        let reg = parse(BUILTIN, UnixTime::EPOCH).unwrap();
        for id in testkit::personas::PERSONA_IDS {
            let p = testkit::load_persona(id).unwrap();
            let holder = CertifiedAttributes {
                name: p.name.clone(),
                name_substituted: vec![],
                address: p.address.clone(),
                address_substituted: vec![],
                birth_date: p.birth_date.clone(),
                sex: match p.sex {
                    testkit::Sex::Male => Sex::Male,
                    testkit::Sex::Female => Sex::Female,
                    _ => Sex::NotKnown,
                },
            };
            let own: Vec<_> = reg.iter().filter(|r| r.person == id).collect();
            assert!(!own.is_empty(), "{id} has no record");
            for r in own {
                assert_eq!(
                    crate::core::linking::compare_record(&r.result, &holder),
                    Ok(()),
                    "{id}: {} {}",
                    r.result.insurer_number,
                    r.result.number
                );
            }
        }
    }
}
