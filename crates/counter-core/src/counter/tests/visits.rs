//! One visit: the reception check and its co-payment. Where staff may take a co-payment,
//! what the store's check must be, the card used again with a new PIN, the visit carried
//! to the sale, the journal and the receipt, and never to the customer's window.

use super::*;
use crate::counter::{CustomerScreen, SaleStep, StaffScreen, Visit, VisitCheck, VisitResult};
use crate::eligibility::{CheckRecord, CustomerConsents};
use crate::payment::receipt::{Copy, ReceiptKind, receipt};

const AMOUNT: u64 = 1_530;

/// A reception counter whose check of sato-hanako was answered (valid, 3割), her card still
/// on the reader; and the check's record as the counter wrote it.
fn answered() -> (Desk, CheckRecord) {
    let mut d = State::Check.reach();
    let mut left = d.customer(CustomerAction::ChooseService {
        service_id: "kenpo".into(),
    });
    left = d.world(left);
    let e = d.customer(CustomerAction::Consent {
        consents: CustomerConsents {
            blanket: true,
            medication: false,
            health_checks: false,
            treatment: false,
            surgery: false,
            limit_certificate: false,
            prescription: None,
        },
    });
    left.extend(d.world(e));
    let record = left
        .into_iter()
        .filter_map(|e| match e {
            Effect::RecordCheck(r) => Some(*r),
            _ => None,
        })
        .next_back()
        .expect("the answered check is recorded");
    assert_eq!(d.at(), "check");
    (d, record)
}

fn take(check_id: &str) -> Input {
    Input::Staff(StaffAction::TakeCoPayment {
        check_id: check_id.into(),
        amount_jpy: AMOUNT,
    })
}

/// The one `LoadVisit` among `effects`: its generation and check id.
fn load_visit(effects: &[Effect]) -> (u64, String) {
    match effects {
        [
            Effect::LoadVisit {
                generation,
                check_id,
            },
        ] => (*generation, check_id.clone()),
        other => panic!("not one LoadVisit: {other:?}"),
    }
}

fn loaded(generation: u64, check: Result<Option<VisitCheck>, Code>) -> Input {
    Input::VisitLoaded { generation, check }
}

fn found(record: &CheckRecord, visited_at: UnixTime) -> Result<Option<VisitCheck>, Code> {
    Ok(Some(VisitCheck {
        visited_at,
        record: record.clone(),
        warnings_acknowledged: false,
        recheck_confirmed: false,
    }))
}

fn sale_visit(d: &Desk) -> Option<Visit> {
    match d.m.screens().staff {
        StaffScreen::Sale { view } => view.visit,
        other => panic!("not a sale: {other:?}"),
    }
}

#[test]
fn the_finished_check_takes_its_co_payment_with_the_card_again_and_a_new_pin() {
    let (mut d, record) = answered();
    let check_id = record.summary.check_id.clone();
    let visited_at = d.now;
    // The result screen names the visit and offers its co-payment.
    let StaffScreen::Check {
        check_id: shown,
        co_payment,
        ..
    } = d.m.screens().staff
    else {
        panic!("not a check")
    };
    assert_eq!((shown.as_str(), co_payment), (check_id.as_str(), true));
    let (generation, asked) = load_visit(&d.send(take(&check_id)));
    assert_eq!(asked, check_id);
    // Until the store answers, the check stays on screen.
    assert_eq!(d.at(), "check");
    let e = d.send(loaded(generation, found(&record, visited_at)));
    // The check ends (R8: its details go) and the card on the reader is read afresh for
    // the payment: the customer types the PIN again, nothing of the check's is kept.
    assert!(
        e.iter().any(|e| matches!(e, Effect::CheckAudit(_))),
        "the check ends: {e:?}"
    );
    assert_eq!(d.at(), "identify_for_sale");
    assert!(!d.m.holds_secret());
    let left = d.world(e);
    assert!(left.iter().all(|e| !matches!(e, Effect::Sell { .. })));
    assert!(matches!(
        d.m.screens().customer,
        CustomerScreen::Identify { .. }
    ));
    let visit = sale_visit(&d).expect("the sale carries the visit");
    assert_eq!(
        visit,
        Visit {
            check_id: check_id.clone(),
            result: VisitResult::Valid,
            insurer_number: Some("06139999".into()),
            insurer_name: Some("関東健康保険組合".into()),
            ratio_tenths: Some(3),
        }
    );
    d.type_pin();
    assert_eq!(d.at(), "choosing");
    // The customer sees the amount, never the visit's eligibility.
    let customer = serde_json::to_string(&d.m.screens().customer_frame()).unwrap();
    assert!(customer.contains(&AMOUNT.to_string()), "{customer}");
    for private in [check_id.as_str(), "06139999", "関東健康保険組合", "visit"] {
        assert!(!customer.contains(private), "{private} in {customer}");
    }
    let e = d.customer(CustomerAction::Pay {
        service_id: "acq".into(),
        amount_jpy: AMOUNT,
    });
    let visit_ids: Vec<_> = e
        .iter()
        .filter_map(|e| match e {
            Effect::Sell {
                visit_id,
                amount_jpy,
                pos,
                ..
            } => Some((visit_id.clone(), *amount_jpy, *pos)),
            _ => None,
        })
        .collect();
    assert_eq!(visit_ids, vec![(Some(check_id.clone()), AMOUNT, false)]);
    // The journal's record carries the visit; the receipt names it.
    let (generation, _) = sell(&e);
    let mut outcome = captured(AMOUNT, d.now);
    outcome.record.visit_id = Some(check_id.clone());
    d.send(Input::SaleEnded {
        generation,
        result: Ok(outcome),
    });
    let StaffScreen::Sale { view } = d.m.screens().staff else {
        panic!("not a sale")
    };
    assert_eq!(view.visit.map(|v| v.check_id), Some(check_id.clone()));
    let SaleStep::Done {
        receipt: Some(receipt),
        ..
    } = view.step
    else {
        panic!("no receipt: {:?}", view.step)
    };
    assert!(
        receipt
            .lines
            .contains(&("受付番号 / Visit".to_owned(), check_id.clone())),
        "{}",
        receipt.text()
    );
}

#[test]
fn a_co_payment_from_idle_waits_for_the_card_and_a_later_one_follows_a_sale() {
    let (mut d, record) = answered();
    let check_id = record.summary.check_id.clone();
    let visited_at = d.now;
    d.send(Input::Reader(ReaderEvent::Removed));
    d.staff(StaffAction::Finish);
    assert_eq!(d.at(), "idle");
    let (generation, _) = load_visit(&d.send(take(&check_id)));
    let e = d.send(loaded(generation, found(&record, visited_at)));
    assert!(e.is_empty(), "no card on the reader yet: {e:?}");
    assert_eq!(d.at(), "identify_for_sale");
    // The patient's card now belongs to the sale, not to a new check.
    d.place();
    assert_eq!(d.at(), "identify_for_sale");
    d.type_pin();
    assert_eq!(d.at(), "choosing");
    // Cancelled: back to idle; a second try on the same visit is allowed from there.
    d.staff(StaffAction::Cancel);
    assert_eq!(d.at(), "idle");
    let (generation, _) = load_visit(&d.send(take(&check_id)));
    d.send(loaded(generation, found(&record, visited_at)));
    assert_eq!(d.at(), "identify_for_sale");
    assert_eq!(sale_visit(&d).map(|v| v.check_id), Some(check_id));
}

#[test]
fn a_co_payment_may_follow_an_ended_sale() {
    let (mut d, record) = answered();
    let check_id = record.summary.check_id.clone();
    let visited_at = d.now;
    let (generation, _) = load_visit(&d.send(take(&check_id)));
    let e = d.send(loaded(generation, found(&record, visited_at)));
    d.world(e);
    d.type_pin();
    // The card leaves before the customer confirms: the sale ends unpaid.
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(d.at(), "sale_ended");
    let (generation, _) = load_visit(&d.send(take(&check_id)));
    d.send(loaded(generation, found(&record, visited_at)));
    assert_eq!(d.at(), "identify_for_sale");
}

#[test]
fn a_co_payment_is_refused_at_the_till_and_while_someone_is_served() {
    let mut till = Desk::new(CounterMode::Cashier);
    assert_eq!(
        till.refuse(take("t-1-chk-000001")),
        Refused::Action(Code::NotNow)
    );
    // A check still waiting for the customer has no result yet.
    let mut d = State::Check.reach();
    assert!(matches!(
        d.m.screens().staff,
        StaffScreen::Check {
            co_payment: false,
            ..
        }
    ));
    assert_eq!(
        d.refuse(take("t-1-chk-000001")),
        Refused::Action(Code::NotNow)
    );
    for state in [
        State::IdentifyForCheck,
        State::OpeningCheck,
        State::OpeningFallback,
        State::Enroll,
    ] {
        let mut d = state.reach();
        assert_eq!(
            d.refuse(take("t-1-chk-000001")),
            Refused::Action(Code::NotNow),
            "{state:?}"
        );
    }
    // A second co-payment while the first one's check is being read.
    let (mut d, record) = answered();
    d.send(take(&record.summary.check_id));
    assert_eq!(
        d.refuse(take(&record.summary.check_id)),
        Refused::Action(Code::NotNow)
    );
}

#[test]
fn a_co_payment_needs_an_amount_a_check_id_and_nothing_in_doubt() {
    let mut d = Desk::new(CounterMode::Pharmacy);
    let zero = Input::Staff(StaffAction::TakeCoPayment {
        check_id: "t-1-chk-000001".into(),
        amount_jpy: 0,
    });
    assert_eq!(d.refuse(zero), Refused::Action(Code::AmountInvalid));
    assert_eq!(d.refuse(take("  ")), Refused::Action(Code::VisitNotFound));
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec!["s-0".into()],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks: vec![],
    });
    assert_eq!(
        d.refuse(take("t-1-chk-000001")),
        Refused::Action(Code::SalesInDoubt)
    );
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::SalesInDoubt)
    );
}

#[test]
fn the_store_check_must_exist_be_of_today_and_have_a_result() {
    let (mut d, record) = answered();
    d.send(Input::Reader(ReaderEvent::Removed));
    d.staff(StaffAction::Finish);
    let check_id = record.summary.check_id.clone();
    let yesterday = d.now.minus_secs(86_400);
    let mut failed = record.clone();
    failed.summary.validity = crate::eligibility::record::VALIDITY_FAILED.into();
    let mut other = record.clone();
    other.summary.check_id = "t-1-chk-999999".into();
    for (check, code) in [
        (Ok(None), Code::VisitNotFound),
        (found(&other, d.now), Code::VisitNotFound),
        (found(&record, yesterday), Code::VisitNotToday),
        (found(&failed, d.now), Code::VisitWithoutResult),
        (Err(Code::StorageFailure), Code::StorageFailure),
    ] {
        let (generation, _) = load_visit(&d.send(take(&check_id)));
        let e = d.send(loaded(generation, check));
        assert!(e.is_empty(), "{code:?}: {e:?}");
        assert_eq!(d.at(), "idle", "{code:?}");
        assert_eq!(d.m.screens().status.notice.map(|m| m.code), Some(code));
    }
}

#[test]
fn a_check_that_named_another_person_takes_no_co_payment_until_staff_acknowledged_it() {
    let (mut d, record) = answered();
    d.send(Input::Reader(ReaderEvent::Removed));
    d.staff(StaffAction::Finish);
    let check_id = record.summary.check_id.clone();
    // The husband's card came for 花子: the mismatch was flagged, and staff finished
    // without reading it.
    let mut mismatch = record;
    mismatch.summary.warnings = vec![Code::PersonMismatch, Code::InsuranceChanged];
    let (generation, _) = load_visit(&d.send(take(&check_id)));
    let e = d.send(loaded(generation, found(&mismatch, d.now)));
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(d.at(), "idle");
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::VisitPersonUnconfirmed)
    );
    // Acknowledged (the audit trail says so), it is a visit like any other.
    let (generation, _) = load_visit(&d.send(take(&check_id)));
    let acknowledged = VisitCheck {
        visited_at: d.now,
        record: mismatch,
        warnings_acknowledged: true,
        recheck_confirmed: false,
    };
    d.send(loaded(generation, Ok(Some(acknowledged))));
    assert_eq!(d.at(), "identify_for_sale");
    assert_eq!(sale_visit(&d).map(|v| v.check_id), Some(check_id));
}

#[test]
fn a_recheck_that_contradicts_the_document_takes_no_co_payment_until_staff_confirmed_it() {
    let (mut d, record) = answered();
    d.send(Input::Reader(ReaderEvent::Removed));
    d.staff(StaffAction::Finish);
    let check_id = record.summary.check_id.clone();
    // The fallback's re-check found another person's record: the re-check rewrote the
    // check's record with the insurer's answer and one warning, and no PersonMismatch.
    let mut contradicted = record;
    contradicted.summary.source = crate::eligibility::CheckSource::Recheck;
    contradicted.summary.warnings = vec![Code::RecheckContradiction];
    let (generation, _) = load_visit(&d.send(take(&check_id)));
    let e = d.send(loaded(generation, found(&contradicted, d.now)));
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(d.at(), "idle");
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::RecheckContradiction)
    );
    // The warnings acknowledged is not the re-check confirmed.
    let (generation, _) = load_visit(&d.send(take(&check_id)));
    let acknowledged = VisitCheck {
        visited_at: d.now,
        record: contradicted.clone(),
        warnings_acknowledged: true,
        recheck_confirmed: false,
    };
    assert!(
        d.send(loaded(generation, Ok(Some(acknowledged))))
            .is_empty()
    );
    assert_eq!(d.at(), "idle");
    // Confirmed by staff (the status bar's list), it is a visit like any other.
    let (generation, _) = load_visit(&d.send(take(&check_id)));
    let confirmed = VisitCheck {
        visited_at: d.now,
        record: contradicted,
        warnings_acknowledged: false,
        recheck_confirmed: true,
    };
    d.send(loaded(generation, Ok(Some(confirmed))));
    assert_eq!(d.at(), "identify_for_sale");
    assert_eq!(sale_visit(&d).map(|v| v.check_id), Some(check_id));
}

#[test]
fn a_fallback_and_an_invalid_answer_are_visits_too() {
    let (d, record) = answered();
    let mut fallback = record.clone();
    fallback.summary.validity = crate::eligibility::record::VALIDITY_FALLBACK.into();
    fallback.details.response = None;
    let visit = Visit::of(
        &VisitCheck {
            visited_at: d.now,
            record: fallback,
            warnings_acknowledged: false,
            recheck_confirmed: false,
        },
        d.now,
    )
    .unwrap();
    assert_eq!(visit.result, VisitResult::Fallback);
    assert_eq!(visit.insurer_number, None);
    let mut invalid = record;
    invalid.summary.validity = "2".into();
    let visit = Visit::of(
        &VisitCheck {
            visited_at: d.now,
            record: invalid,
            warnings_acknowledged: false,
            recheck_confirmed: false,
        },
        d.now,
    )
    .unwrap();
    assert_eq!(visit.result, VisitResult::Invalid);
}

#[test]
fn a_lost_qualification_with_a_new_one_names_the_new_insurer() {
    let (d, record) = answered();
    // Validity 3: the lost record first, the new qualification after it (the check's
    // headline and ratio are the new one's).
    let mut lost_then_new = record;
    let response = lost_then_new.details.response.as_mut().unwrap();
    let mut lost = response.results[0].clone();
    lost.insurer_number = "06130001".into();
    lost.insurer_name = "旧健康保険組合".into();
    lost.disqualification_date = Some("20250401".into());
    let mut new = response.results[0].clone();
    new.qualification_date = "20250401".into();
    response.qualification_validity = "3".into();
    response.results = vec![lost, new];
    lost_then_new.summary.validity = "3".into();
    let visit = Visit::of(
        &VisitCheck {
            visited_at: d.now,
            record: lost_then_new,
            warnings_acknowledged: false,
            recheck_confirmed: false,
        },
        d.now,
    )
    .unwrap();
    assert_eq!(visit.result, VisitResult::Invalid);
    assert_eq!(visit.insurer_number.as_deref(), Some("06139999"));
    assert_eq!(visit.insurer_name.as_deref(), Some("関東健康保険組合"));
}

#[test]
fn a_fallback_names_the_insurer_presented_not_an_earlier_answers() {
    let (d, record) = answered();
    // The insurer's answer was not what staff went by: they recorded the document the
    // patient presented, and the record keeps the earlier answer beside it.
    let mut fallback = record.clone();
    fallback.summary.validity = crate::eligibility::record::VALIDITY_FALLBACK.into();
    assert!(fallback.details.response.is_some());
    fallback.details.presented = Some(crate::eligibility::Presented {
        document: crate::eligibility::FallbackDocument::EligibilityNotice,
        insurer_number: Some("01130012".into()),
        insurer_name: Some("全国健康保険協会東京支部".into()),
        symbol: Some("千代".into()),
        number: Some("10001".into()),
        branch: None,
        name: "佐藤 花子".into(),
        birth_date: "19850412".into(),
        ratio_tenths: 3,
    });
    let visit = Visit::of_record(&fallback, d.now).unwrap();
    assert_eq!(visit.result, VisitResult::Fallback);
    assert_eq!(visit.insurer_number.as_deref(), Some("01130012"));
    assert_eq!(
        visit.insurer_name.as_deref(),
        Some("全国健康保険協会東京支部")
    );
    // A fallback with nothing presented names no insurer, not the answer's.
    fallback.details.presented = None;
    let visit = Visit::of_record(&fallback, d.now).unwrap();
    assert_eq!(visit.insurer_number, None);
}

#[test]
fn an_answer_written_days_later_names_the_insurer_of_the_visits_day() {
    let (d, record) = answered();
    const DAY: i64 = 86_400;
    let compact = |t: UnixTime| madoguchi_time::jst::compact_date(t);
    // Validity 3, written by a re-check two days after the visit: the old record was lost
    // the day after the visit, the new qualification starts that day.
    let mut rechecked = record;
    rechecked.summary.at = d.now.plus_secs(2 * DAY);
    let response = rechecked.details.response.as_mut().unwrap();
    let mut lost = response.results[0].clone();
    lost.insurer_number = "06130001".into();
    lost.insurer_name = "旧健康保険組合".into();
    lost.disqualification_date = Some(compact(d.now.plus_secs(DAY)));
    let mut new = response.results[0].clone();
    new.qualification_date = compact(d.now.plus_secs(DAY));
    response.qualification_validity = "3".into();
    response.results = vec![lost, new];
    rechecked.summary.validity = "3".into();
    let visit = Visit::of_record(&rechecked, d.now).unwrap();
    assert_eq!(visit.insurer_number.as_deref(), Some("06130001"));
    assert_eq!(visit.insurer_name.as_deref(), Some("旧健康保険組合"));
}

#[test]
fn the_store_answer_is_stale_once_the_counter_moved_on() {
    let mut d = Desk::new(CounterMode::Reception);
    // Nobody asked.
    let g = d.m.generation();
    assert_eq!(
        d.refuse(loaded(g, Ok(None))),
        Refused::Stale {
            input: "visit_loaded"
        }
    );
    // Asked, then the next patient's card started a check.
    let (generation, _) = load_visit(&d.send(take("t-1-chk-000001")));
    d.place();
    assert_eq!(
        d.refuse(loaded(generation, Ok(None))),
        Refused::Stale {
            input: "visit_loaded"
        }
    );
}

#[test]
fn the_receipt_and_its_reprint_name_the_visit() {
    let mut record = captured(AMOUNT, T0).record;
    let merchant = setup(CounterMode::Reception).merchant();
    let plain = receipt(
        &merchant,
        &record,
        None,
        ReceiptKind::Sale,
        Copy::Customer,
        false,
        "x",
    );
    assert!(!plain.text().contains("Visit"));
    record.visit_id = Some("t-1-chk-000007".into());
    for copy in [Copy::Customer, Copy::Merchant] {
        let r = receipt(&merchant, &record, None, ReceiptKind::Sale, copy, true, "x");
        assert!(
            r.text().contains("受付番号 / Visit: t-1-chk-000007"),
            "{}",
            r.text()
        );
    }
}
