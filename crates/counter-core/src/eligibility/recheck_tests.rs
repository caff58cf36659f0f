#![allow(clippy::unwrap_used, clippy::panic)]

use counter_api::insurer::ProcessingResult;

use super::*;
use crate::eligibility::fallback::FallbackDocument;
use crate::eligibility::testdata::{NOW, TODAY, sato};

fn item(id: &str, date: &str) -> RecheckRequest {
    RecheckRequest {
        check_id: id.into(),
        mode: Mode::Reception,
        patient_ref: None,
        visit_date: date.into(),
        presented: Presented {
            document: FallbackDocument::EligibilityNotice,
            insurer_number: Some("06139999".into()),
            insurer_name: None,
            symbol: Some("千代".into()),
            number: Some("10001".into()),
            branch: Some("01".into()),
            name: "佐藤 花子".into(),
            birth_date: "19850412".into(),
            ratio_tenths: 3,
        },
        queued_at: NOW,
        attempts: 0,
        next_at: NOW.plus_secs(60),
    }
}

fn answered(id: &str, validity: &str) -> BulkPrecheckItem {
    BulkPrecheckItem {
        reference: id.into(),
        processing_result: ProcessingResult {
            status: "1".into(),
            code: None,
            message: None,
        },
        qualification_validity: validity.into(),
        results: if validity == "4" {
            vec![]
        } else {
            vec![sato()]
        },
    }
}

#[test]
fn backoff_grows_then_caps() {
    let p = RecheckPolicy::default();
    let d: Vec<i64> = (1..=6).map(|a| p.delay(a)).collect();
    assert_eq!(d, vec![60, 300, 900, 3600, 3600, 3600]);
}

#[test]
fn requests_group_due_items_by_visit_date() {
    let mut later = item("c3", TODAY);
    later.next_at = NOW.plus_secs(10_000);
    let items = vec![item("c1", TODAY), item("c2", "20261124"), later];
    assert!(
        bulk_requests(&items, "1312345678", NOW).is_empty(),
        "none due yet"
    );
    let reqs = bulk_requests(&items, "1312345678", NOW.plus_secs(60));
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].qualification_confirmation_date, "20261124");
    assert_eq!(reqs[0].entries[0].reference, "c2");
    assert_eq!(reqs[1].entries.len(), 1);
    assert_eq!(reqs[1].entries[0].insurer_number, "06139999");
    assert_eq!(reqs[1].entries[0].birth_date, "19850412");
}

#[test]
fn unreachable_retries_with_backoff_then_gives_up() {
    let p = RecheckPolicy::default();
    let mut it = item("c1", TODAY);
    let d = decide(&it, RetryOutcome::Unreachable, NOW.plus_secs(60), &p);
    assert_eq!(
        d,
        RecheckDecision::RetryAt {
            check_id: "c1".into(),
            attempts: 1,
            next_at: NOW.plus_secs(120)
        }
    );
    it.attempts = 1;
    let d = decide(&it, RetryOutcome::Unreachable, NOW.plus_secs(120), &p);
    assert_eq!(
        d,
        RecheckDecision::RetryAt {
            check_id: "c1".into(),
            attempts: 2,
            next_at: NOW.plus_secs(420)
        }
    );
    let late = NOW.plus_secs(7 * 86_400);
    assert_eq!(
        decide(&it, RetryOutcome::Unreachable, late, &p),
        RecheckDecision::GaveUp {
            check_id: "c1".into(),
            code: Code::RecheckGaveUp
        }
    );
    assert!(
        matches!(decide(&it, RetryOutcome::Processing, NOW, &p), RecheckDecision::FetchAgain { at, .. } if at == NOW.plus_secs(60))
    );
}

#[test]
fn a_matching_answer_is_done_without_contradiction() {
    let p = RecheckPolicy::default();
    let a = answered("c1", "1");
    let RecheckDecision::Done(d) = decide(&item("c1", TODAY), RetryOutcome::Answered(&a), NOW, &p)
    else {
        panic!()
    };
    assert_eq!(d.code, Code::EligibilityValid);
    assert!(d.contradictions.is_empty());
    assert_eq!(d.record.summary.source, CheckSource::Recheck);
    assert_eq!(d.record.summary.ratio_tenths, Some(3));
}

#[test]
fn contradictions_are_listed() {
    let p = RecheckPolicy::default();
    let mut it = item("c1", TODAY);
    it.presented.ratio_tenths = 2;
    it.presented.name = "佐藤 花江".into();
    let a = answered("c1", "1");
    let RecheckDecision::Done(d) = decide(&it, RetryOutcome::Answered(&a), NOW, &p) else {
        panic!()
    };
    assert_eq!(d.code, Code::RecheckContradiction);
    assert_eq!(d.contradictions.len(), 2, "{:?}", d.contradictions);
    assert!(matches!(
        d.contradictions[0],
        Contradiction::Ratio { presented: 2, .. }
    ));
    assert_eq!(
        d.contradictions[1],
        Contradiction::Person {
            fields: vec![PersonField::Name]
        }
    );
    let lost = answered("c1", "2");
    let RecheckDecision::Done(d) =
        decide(&item("c1", TODAY), RetryOutcome::Answered(&lost), NOW, &p)
    else {
        panic!()
    };
    assert_eq!(
        d.contradictions,
        vec![Contradiction::Validity {
            validity: "2".into()
        }]
    );
}

#[test]
fn lag_waits_then_is_reported() {
    let p = RecheckPolicy::default();
    let a = answered("c1", "4");
    assert!(matches!(
        decide(&item("c1", TODAY), RetryOutcome::Answered(&a), NOW, &p),
        RecheckDecision::RetryAt { .. }
    ));
    let late = NOW.plus_secs(8 * 86_400);
    let RecheckDecision::Done(d) = decide(&item("c1", TODAY), RetryOutcome::Answered(&a), late, &p)
    else {
        panic!()
    };
    assert_eq!(d.code, Code::RecheckContradiction);
}

#[test]
fn bulk_outcomes_map_per_item() {
    let p = RecheckPolicy::default();
    let items = vec![item("c1", TODAY), item("c2", TODAY)];
    let result = BulkPrecheckResult {
        reception_number: "R1".into(),
        status: BulkStatus::Completed,
        number_of_results: 1,
        number_of_normal: 1,
        number_of_errors: 0,
        items: vec![answered("c2", "1")],
    };
    let d = decide_bulk(&items, &Ok(result), NOW, &p);
    assert!(
        matches!(d[0], RecheckDecision::RetryAt { .. }),
        "c1 missing from the result"
    );
    assert!(matches!(d[1], RecheckDecision::Done(_)));
    let refused = BackendFailure::Problem {
        status: 422,
        code: "invalid_field".into(),
        detail: String::new(),
        field: None,
        reason: None,
    };
    assert!(matches!(
        decide_bulk(&items, &Err(refused), NOW, &p)[0],
        RecheckDecision::GaveUp { .. }
    ));
    // 429 and 408 say "not now": retried with backoff, never given up.
    for status in [429, 408] {
        let not_now = BackendFailure::Problem {
            status,
            code: "rate_limited".into(),
            detail: String::new(),
            field: None,
            reason: None,
        };
        assert!(
            matches!(
                decide_bulk(&items, &Err(not_now), NOW, &p)[0],
                RecheckDecision::RetryAt { attempts: 1, .. }
            ),
            "{status}"
        );
    }
    let down = BackendFailure::Unreachable {
        sent: false,
        detail: "refused".into(),
    };
    assert!(matches!(
        decide_bulk(&items, &Err(down), NOW, &p)[0],
        RecheckDecision::RetryAt { .. }
    ));
}
