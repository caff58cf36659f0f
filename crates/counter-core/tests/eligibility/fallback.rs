//! R1: never 10割. No answer (or an unusable card) → the document the patient presented →
//! a re-check by insurance number → its result, later, by the queue worker's decisions.

use counter_api::insurer::{BulkPrecheckItem, BulkPrecheckResult, BulkStatus, ProcessingResult};
use counter_core::eligibility::fallback::FallbackField;
use counter_core::eligibility::recheck::Contradiction;
use counter_core::eligibility::view::StaffStep;
use counter_core::eligibility::{
    AuditAction, CheckError, CheckSource, CustomerView, EligibilityCheck, FallbackDocument,
    FallbackForm, FallbackReason, Input, Mode, Ratio, RatioSource, RecheckDecision, RecheckPolicy,
    bulk_requests, decide_bulk,
};
use counter_core::{BackendFailure, Code};
use serde_json::json;

use crate::support::*;

fn notice(ratio_tenths: u8) -> FallbackForm {
    FallbackForm {
        document: FallbackDocument::EligibilityNotice,
        insurer_number: "06139999".into(),
        insurer_name: String::new(),
        symbol: "千代".into(),
        number: "１０００１".into(),
        branch: "01".into(),
        name: "佐藤　花子".into(),
        birth_date: "1985-04-12".into(),
        ratio_tenths,
    }
}

fn unreachable() -> BackendFailure {
    BackendFailure::Unreachable {
        sent: true,
        detail: "connection reset".into(),
    }
}

#[test]
fn insurer_unreachable_then_fallback_then_recheck_finds_a_contradiction() {
    let mut c = start(true, Some(chart_for_sato()), None);
    to_request(&mut c, blanket());
    let fx = c
        .handle(
            Input::EligibilityAnswered(Err(unreachable())),
            NOW.plus_secs(10),
        )
        .unwrap();
    assert_eq!(
        audits(&fx),
        vec![AuditAction::EligibilityFailed {
            code: Code::InsurerUnavailable
        }]
    );
    assert_eq!(records(&fx)[0].summary.validity, "failed");
    let v = c.staff_view();
    assert_eq!(
        v.step,
        StaffStep::NeedsFallback {
            reason: FallbackReason::InsurerUnavailable
        }
    );
    assert_eq!(v.headline.unwrap().code, Code::InsurerUnavailable);
    assert_eq!(
        c.customer_view(),
        CustomerView::AskStaff {
            code: Code::AskStaff
        }
    );

    // The patient shows 資格情報のお知らせ; staff charge 2割 as printed (a misprint, say).
    let fx = c
        .handle(Input::RecordFallback(notice(2)), NOW.plus_secs(60))
        .unwrap();
    assert!(
        exports(&fx).is_empty(),
        "fallbacks are not eligibility results"
    );
    let rec = &records(&fx)[0];
    assert_eq!(rec.summary.validity, "fallback");
    assert_eq!(rec.summary.ratio_tenths, Some(2));
    assert!(rec.summary.recheck_queued);
    assert_eq!(
        rec.summary.source,
        CheckSource::Fallback {
            document: FallbackDocument::EligibilityNotice,
            reason: FallbackReason::InsurerUnavailable
        }
    );
    let queued = rechecks(&fx);
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].visit_date.as_str(), queued[0].next_at),
        (TODAY, NOW.plus_secs(120))
    );
    let h = c.staff_view().headline.unwrap();
    assert_eq!(
        (h.code, h.ratio),
        (
            Code::FallbackRecorded,
            Ratio::Tenths {
                tenths: 2,
                source: RatioSource::Document
            }
        )
    );
    assert_eq!(c.customer_view(), CustomerView::Done);
    c.end(NOW.plus_secs(90));

    // The worker: still down at the first try, then the insurer answers.
    let policy = RecheckPolicy::default();
    let mut item = queued[0].clone();
    let reqs = bulk_requests(std::slice::from_ref(&item), INSTITUTION, NOW.plus_secs(120));
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].entries[0].number, "10001");
    assert_eq!(reqs[0].qualification_confirmation_date, TODAY);
    let d = decide_bulk(
        std::slice::from_ref(&item),
        &Err(unreachable()),
        NOW.plus_secs(125),
        &policy,
    );
    let RecheckDecision::RetryAt {
        attempts, next_at, ..
    } = d[0].clone()
    else {
        panic!("{d:?}")
    };
    assert_eq!((attempts, next_at), (1, NOW.plus_secs(125 + 60)));
    item.attempts = attempts;
    item.next_at = next_at;
    let done = BulkPrecheckResult {
        reception_number: "R-1".into(),
        status: BulkStatus::Completed,
        number_of_results: 1,
        number_of_normal: 1,
        number_of_errors: 0,
        items: vec![BulkPrecheckItem {
            reference: "chk-1".into(),
            processing_result: ProcessingResult {
                status: "1".into(),
                code: None,
                message: None,
            },
            qualification_validity: "1".into(),
            results: vec![sato()],
        }],
    };
    let processing = BulkPrecheckResult {
        status: BulkStatus::Processing,
        items: vec![],
        ..done.clone()
    };
    let d = decide_bulk(
        std::slice::from_ref(&item),
        &Ok(processing),
        NOW.plus_secs(200),
        &policy,
    );
    assert!(matches!(d[0], RecheckDecision::FetchAgain { at, .. } if at == NOW.plus_secs(260)));
    let d = decide_bulk(
        std::slice::from_ref(&item),
        &Ok(done),
        NOW.plus_secs(260),
        &policy,
    );
    let RecheckDecision::Done(done) = d[0].clone() else {
        panic!("{d:?}")
    };
    assert_eq!(done.code, Code::RecheckContradiction);
    assert_eq!(
        done.contradictions,
        vec![Contradiction::Ratio {
            presented: 2,
            found: Ratio::Tenths {
                tenths: 3,
                source: RatioSource::Insured
            }
        }]
    );
    assert_eq!(done.record.summary.source, CheckSource::Recheck);
    assert_eq!(done.record.summary.check_id, "chk-1");
}

#[test]
fn insurer_problem_and_assertion_refusals() {
    let problem = |status: u16, code: &str| BackendFailure::Problem {
        status,
        code: code.into(),
        detail: "x".into(),
        field: None,
        reason: None,
    };
    for (f, reason) in [
        (
            problem(404, "insured_unknown"),
            FallbackReason::InsurerError,
        ),
        (
            problem(401, "assertion_expired"),
            FallbackReason::AssertionExpired,
        ),
        (
            problem(503, "unavailable"),
            FallbackReason::InsurerUnavailable,
        ),
        (
            BackendFailure::Malformed {
                detail: "html".into(),
            },
            FallbackReason::InsurerUnavailable,
        ),
    ] {
        let mut c = start(false, None, None);
        to_request(&mut c, blanket());
        c.handle(Input::EligibilityAnswered(Err(f)), NOW.plus_secs(10))
            .unwrap();
        assert_eq!(c.staff_view().step, StaffStep::NeedsFallback { reason });
    }
}

#[test]
fn the_card_cannot_be_used_at_all() {
    let mut c = EligibilityCheck::fallback_only(
        "chk-9",
        Mode::Pharmacy,
        settings(false),
        FallbackReason::PinBlocked,
        None,
    )
    .unwrap();
    assert_eq!(
        c.customer_view(),
        CustomerView::AskStaff {
            code: Code::PinBlocked
        }
    );
    let mut form = notice(3);
    form.document = FallbackDocument::SelfDeclaration;
    form.insurer_number = String::new();
    form.number = String::new();
    form.symbol = String::new();
    let e = c
        .handle(Input::RecordFallback(form.clone()), NOW)
        .unwrap_err();
    let CheckError::Fallback(f) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(f.field, FallbackField::InsurerName);
    assert_eq!(e.code(), Code::FallbackFieldInvalid);
    form.insurer_name = "関東健康保険組合".into();
    let fx = c.handle(Input::RecordFallback(form), NOW).unwrap();
    assert!(
        rechecks(&fx).is_empty(),
        "no numbers: nothing to re-check by"
    );
    assert!(!records(&fx)[0].summary.recheck_queued);
    assert_eq!(
        audits(&fx),
        vec![AuditAction::FallbackRecorded {
            document: FallbackDocument::SelfDeclaration,
            reason: FallbackReason::PinBlocked
        }]
    );
}

#[test]
fn no_qualification_fallback_keeps_the_answer_and_rechecks() {
    let mut c = start(false, None, None);
    answered(&mut c, answer("4", vec![], None));
    let fx = c
        .handle(Input::RecordFallback(notice(3)), NOW.plus_secs(30))
        .unwrap();
    let rec = &records(&fx)[0];
    assert!(rec.details.response.is_some());
    assert_eq!(
        rec.summary.source,
        CheckSource::Fallback {
            document: FallbackDocument::EligibilityNotice,
            reason: FallbackReason::NoQualification
        }
    );
    assert_eq!(rechecks(&fx).len(), 1);
}

#[test]
fn a_valid_result_takes_no_fallback() {
    let mut c = start(false, None, None);
    answered(&mut c, answer("1", vec![person(json!({}))], None));
    assert!(matches!(
        c.handle(Input::RecordFallback(notice(3)), NOW.plus_secs(30)),
        Err(CheckError::NotNow { .. })
    ));
}

/// The effects that give up the check's re-check.
fn cancels(fx: &[counter_core::eligibility::Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            counter_core::eligibility::Effect::CancelRecheck { check_id, .. } => {
                Some(check_id.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_fallback_corrected_to_a_document_without_numbers_gives_up_the_earlier_recheck() {
    let mut c = start(true, Some(chart_for_sato()), None);
    to_request(&mut c, blanket());
    c.handle(
        Input::EligibilityAnswered(Err(unreachable())),
        NOW.plus_secs(10),
    )
    .unwrap();
    // Recorded with the numbers of a 資格情報のお知らせ: its re-check is queued.
    let first = c
        .handle(Input::RecordFallback(notice(3)), NOW.plus_secs(60))
        .unwrap();
    let queued = rechecks(&first);
    assert_eq!(queued.len(), 1);
    let first_record = &records(&first)[0];
    assert!(first_record.details.consents.is_some());

    // Staff correct it: the patient showed a 申立書 without numbers (the next day, even).
    let mut form = notice(3);
    form.document = FallbackDocument::SelfDeclaration;
    form.insurer_number = String::new();
    form.number = String::new();
    form.symbol = String::new();
    form.insurer_name = "関東健康保険組合".into();
    let later = NOW.plus_secs(86_400);
    let fx = c.handle(Input::RecordFallback(form), later).unwrap();
    assert!(rechecks(&fx).is_empty(), "nothing to re-check by");
    assert_eq!(
        cancels(&fx),
        [queued[0].check_id.clone()],
        "the earlier request (the wrong numbers) must not land on the corrected record"
    );
    let rec = &records(&fx)[0];
    assert!(!rec.summary.recheck_queued);
    assert_eq!(
        rec.details.consents, first_record.details.consents,
        "the consents given before the first recording stay"
    );

    // Corrected once more, with numbers again: the re-check is queued for the first
    // recording's visit day, not the day of the correction.
    let fx = c
        .handle(Input::RecordFallback(notice(1)), later.plus_secs(60))
        .unwrap();
    assert!(cancels(&fx).is_empty(), "a new request replaces it");
    assert_eq!(rechecks(&fx)[0].visit_date, queued[0].visit_date);
    assert_eq!(
        records(&fx)[0].details.consents,
        first_record.details.consents
    );
}

#[test]
fn a_fallback_first_recorded_without_numbers_cancels_nothing() {
    let mut c = EligibilityCheck::fallback_only(
        "chk-9",
        Mode::Pharmacy,
        settings(false),
        FallbackReason::PinBlocked,
        None,
    )
    .unwrap();
    let mut form = notice(3);
    form.document = FallbackDocument::SelfDeclaration;
    form.insurer_number = String::new();
    form.number = String::new();
    form.symbol = String::new();
    form.insurer_name = "関東健康保険組合".into();
    for at in [NOW, NOW.plus_secs(60)] {
        let fx = c.handle(Input::RecordFallback(form.clone()), at).unwrap();
        assert!(cancels(&fx).is_empty() && rechecks(&fx).is_empty());
    }
}

#[test]
fn the_expected_patient_given_once_the_check_failed_names_the_fallback_and_its_recheck() {
    let mut c = start(true, None, None);
    to_request(&mut c, blanket());
    c.handle(
        Input::EligibilityAnswered(Err(unreachable())),
        NOW.plus_secs(10),
    )
    .unwrap();
    // Staff learn whom to expect only now: kept for the fallback, not dropped.
    let fx = c
        .handle(Input::Expect(chart_for_sato()), NOW.plus_secs(11))
        .unwrap();
    assert_eq!(audits(&fx), vec![AuditAction::ExpectedPersonSet]);
    assert_eq!(c.expected(), Some(&chart_for_sato()));
    let fx = c
        .handle(Input::RecordFallback(notice(3)), NOW.plus_secs(12))
        .unwrap();
    let chart = Some("P-0042".to_owned());
    assert_eq!(records(&fx)[0].summary.patient_ref, chart);
    assert_eq!(rechecks(&fx)[0].patient_ref, chart);
}

#[test]
fn a_card_without_insurance_keeps_the_expected_patient_for_its_fallback() {
    let menu = menu()
        .into_iter()
        .filter(|m| m.service_id == "acq")
        .collect();
    let mut c =
        EligibilityCheck::new("chk-1", Mode::Reception, settings(true), menu, None, None).unwrap();
    c.handle(Input::Expect(chart_for_sato()), NOW).unwrap();
    let fx = c
        .handle(Input::RecordFallback(notice(3)), NOW.plus_secs(12))
        .unwrap();
    let chart = Some("P-0042".to_owned());
    assert_eq!(records(&fx)[0].summary.patient_ref, chart);
    assert_eq!(rechecks(&fx)[0].patient_ref, chart);
    // Once the fallback is recorded the patient is no longer replaced.
    assert!(
        c.handle(Input::Expect(chart_for_sato()), NOW.plus_secs(13))
            .is_err()
    );
}
