//! The demo register: `data/demo-insured.toml` (hand-written, described in
//! `data/README.md`), compiled in and seeded into an empty database.
//!
//! Dates may be written `@today` or `@tomorrow`: they are replaced by the insurer's JST
//! date when the database is seeded, so that "qualification starting today" and "record
//! not loaded yet" (docs/domain/eligibility.md §1.4) stay true whenever the demo runs.

use madoguchi_time::UnixTime;
use serde::Deserialize;

use crate::core::dates::jst_date;
use crate::core::eligibility::InsuredRecord;

/// The compiled-in register.
pub const BUILTIN: &str = include_str!("../data/demo-insured.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    records: Vec<InsuredRecord>,
}

/// Parses a register, resolving `@today` and `@tomorrow` against `now`.
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
