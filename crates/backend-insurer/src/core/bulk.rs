//! The bulk pre-check's progress (docs/domain/eligibility.md §2.6: upload → 受付番号 → download later):
//! a submission is 処理中 until its processing time has passed, then it is processed once,
//! entry by entry, with [`super::eligibility::decide`].

use counter_api::insurer::{BulkPrecheckEntry, BulkPrecheckItem, BulkPrecheckResult, BulkStatus};
use madoguchi_time::UnixTime;

use super::eligibility::{Decision, InsuredRecord, Query, decide};

/// Whether a submission made at `submitted_at` is due for processing at `now`, after
/// `processing_secs` (the real system answers bulk requests later, not at once).
pub fn due(submitted_at: UnixTime, processing_secs: i64, now: UnixTime) -> bool {
    now >= submitted_at.plus_secs(processing_secs)
}

/// The result of one entry against `register` (its number's records and their persons').
pub fn check_entry(
    register: &[InsuredRecord],
    e: &BulkPrecheckEntry,
    as_of: &str,
    today: &str,
) -> BulkPrecheckItem {
    let q = Query {
        insurer_number: &e.insurer_number,
        symbol: e.symbol.as_deref(),
        number: &e.number,
        branch: e.branch.as_deref(),
        birth_date: Some(&e.birth_date),
        limit_certificate_consent: false,
    };
    match decide(register, &q, as_of, today) {
        Decision::Found {
            validity,
            processing,
            results,
        } => BulkPrecheckItem {
            reference: e.reference.clone(),
            processing_result: processing,
            qualification_validity: validity.code().into(),
            results,
        },
        Decision::Unknown => BulkPrecheckItem {
            reference: e.reference.clone(),
            processing_result: counter_api::insurer::ProcessingResult {
                status: "1".into(),
                code: None,
                message: None,
            },
            qualification_validity: "4".into(),
            results: vec![],
        },
    }
}

/// The completed result of a submission from its items: `NumberOfNormalProcessing` counts
/// items whose `ProcessingResultStatus` is `1`, `NumberOfError` the others.
pub fn completed(reception_number: &str, items: Vec<BulkPrecheckItem>) -> BulkPrecheckResult {
    let normal = items
        .iter()
        .filter(|i| i.processing_result.status == "1")
        .count();
    let total = items.len();
    BulkPrecheckResult {
        reception_number: reception_number.into(),
        status: BulkStatus::Completed,
        number_of_results: u32::try_from(total).unwrap_or(u32::MAX),
        number_of_normal: u32::try_from(normal).unwrap_or(u32::MAX),
        number_of_errors: u32::try_from(total - normal).unwrap_or(u32::MAX),
        items,
    }
}

/// The answer while a submission is still 処理中.
pub fn processing(reception_number: &str) -> BulkPrecheckResult {
    BulkPrecheckResult {
        reception_number: reception_number.into(),
        status: BulkStatus::Processing,
        number_of_results: 0,
        number_of_normal: 0,
        number_of_errors: 0,
        items: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_after_the_processing_time() {
        let at = UnixTime::from_secs;
        assert!(!due(at(100), 30, at(129)));
        assert!(due(at(100), 30, at(130)));
        assert!(due(at(100), 0, at(100)));
        assert!(!due(at(i64::MAX - 1), 30, at(i64::MAX - 1)));
    }

    #[test]
    fn unknown_entry_is_no_qualification_and_counts() {
        let e = BulkPrecheckEntry {
            reference: "P-1".into(),
            insurer_number: "06139999".into(),
            symbol: None,
            number: "1".into(),
            branch: None,
            birth_date: "19850412".into(),
        };
        let item = check_entry(&[], &e, "20261124", "20261124");
        assert_eq!(item.qualification_validity, "4");
        let r = completed("R1", vec![item]);
        assert_eq!(
            (r.number_of_results, r.number_of_normal, r.number_of_errors),
            (1, 1, 0)
        );
        assert_eq!(processing("R1").status, BulkStatus::Processing);
    }
}
