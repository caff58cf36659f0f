//! The counter's rules, one scenario each: where a card goes, what the card's leaving ends,
//! the expected patient, the platform's notices, ids and store failures, errors of set-up.

use super::*;
use crate::counter::{CustomerScreen, StaffScreen};
use crate::eligibility::{ClinicRecord, PersonCheck};

#[test]
fn a_card_at_reception_opens_a_check_that_takes_the_expected_patient() {
    let mut d = Desk::new(CounterMode::Reception);
    d.staff(StaffAction::ExpectPatient {
        name: "佐藤　花子".into(),
        birth_date: "1985-04-12".into(),
    });
    assert!(d.m.screens().expected.is_some());
    d.place();
    assert_eq!(d.at(), "identify_for_check");
    let left = d.type_pin();
    assert_eq!(d.at(), "check");
    assert!(audits(&left).contains(&"identified"), "{left:?}");
    // The check holds the expected patient now; the counter's own copy is gone.
    assert!(d.m.expected.is_none());
    let StaffScreen::Check { view, .. } = d.m.screens().staff else {
        panic!("not a check")
    };
    assert_eq!(view.person, PersonCheck::Pending);
    assert!(d.m.screens().expected.is_some());
}

#[test]
fn the_card_leaving_ends_a_check_that_waits_for_the_customer_and_keeps_a_finished_one() {
    let mut d = State::Check.reach();
    assert!(matches!(
        d.m.screens().customer,
        CustomerScreen::Check { .. }
    ));
    let e = d.send(Input::Reader(ReaderEvent::Removed));
    assert!(
        e.iter().any(|e| matches!(e, Effect::CheckAudit(_))),
        "the check ends and is audited: {e:?}"
    );
    assert!(matches!(d.m.screens().customer, CustomerScreen::Welcome));
    // Staff still see the ended check until they finish or the next card comes.
    assert!(matches!(d.m.screens().staff, StaffScreen::Check { .. }));
    d.staff(StaffAction::Finish);
    assert!(matches!(d.m.screens().staff, StaffScreen::Ready));
}

#[test]
fn at_the_till_a_card_waits_for_the_sale_and_a_sale_takes_the_card_on_the_reader() {
    let mut d = Desk::new(CounterMode::Cashier);
    assert!(
        d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }))
            .is_empty()
    );
    assert_eq!(d.at(), "idle");
    let e = d.staff(StaffAction::NewSale {
        amount_jpy: 800,
        order_ref: Some("o-9".into()),
    });
    assert!(
        matches!(
            e.as_slice(),
            [Effect::Session {
                effect: session::Effect::ReadCard { .. },
                ..
            }]
        ),
        "{e:?}"
    );
    d.world(e);
    d.type_pin();
    assert_eq!(d.at(), "choosing");
    // A card leaving before the customer confirmed: nothing was sent, both windows say so.
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(d.at(), "sale_ended");
    let StaffScreen::Sale { view } = d.m.screens().staff else {
        panic!()
    };
    assert!(
        matches!(view.step, crate::counter::SaleStep::Failed { message } if message.code == Code::CardRemoved)
    );
    // Start again: the same sale, waiting for the card.
    d.staff(StaffAction::StartAgain);
    assert_eq!(d.at(), "identify_for_sale");
}

#[test]
fn the_platforms_notices_about_the_card_are_shown_and_audited() {
    let mut d = Desk::new(CounterMode::Reception);
    d.notices = vec![Notice::SignCertificateRevoked {
        revoked_at: T0.minus_secs(86_400),
        reason: "affiliation_changed".into(),
    }];
    d.place();
    let left = d.type_pin();
    assert_eq!(audits(&left), ["card_notice", "identified"], "{left:?}");
    let screens = d.m.screens();
    assert_eq!(screens.notices, [Code::SignCertificateRevoked]);
    // The customer reads only the lines fit for them.
    assert!(
        screens
            .customer_frame()
            .notices
            .iter()
            .all(|m| m.code.entry().audience == crate::codes::Audience::Both)
    );
    // A new person's card clears them.
    d.send(Input::Reader(ReaderEvent::Removed));
    d.place();
    assert!(d.m.screens().notices.is_empty());
}

#[test]
fn a_check_without_an_id_keeps_the_identification_and_tells_staff() {
    let mut d = State::OpeningCheck.reach();
    let generation = d.m.generation();
    d.send(Input::CheckId {
        generation,
        id: Err(Code::StorageFailure),
    });
    assert_eq!(d.at(), "identify_for_check");
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::StorageFailure)
    );

    // A fallback without an id is refused with the reason, and the counter is idle.
    let mut d = State::OpeningFallback.reach();
    let generation = d.m.generation();
    let e = d.try_send(Input::CheckId {
        generation,
        id: Err(Code::StorageFailure),
    });
    assert_eq!(e.unwrap_err(), Refused::Action(Code::StorageFailure));
    assert_eq!(d.at(), "idle");
}

#[test]
fn a_failed_store_write_stays_on_the_status_bar_until_one_succeeds() {
    let mut d = State::Check.reach();
    d.send(Input::Storage { ok: false });
    let status = d.m.screens().status;
    assert!(status.storage_failed);
    assert_eq!(status.notice.map(|m| m.code), Some(Code::StorageFailure));
    // Another staff action clears the notice, not the failure.
    d.staff(StaffAction::ExpectPatient {
        name: String::new(),
        birth_date: String::new(),
    });
    assert!(d.m.screens().status.storage_failed);
    d.send(Input::Storage { ok: true });
    assert!(!d.m.screens().status.storage_failed);
}

#[test]
fn set_up_errors_name_the_setting_or_the_services() {
    let mut bad = setup(CounterMode::Cashier);
    bad.merchant_id = String::new();
    let mut d = Desk::new(CounterMode::Cashier);
    d.m = Counter::new(bad);
    let refused = d.refuse(Input::Staff(StaffAction::NewSale {
        amount_jpy: 100,
        order_ref: None,
    }));
    assert_eq!(refused, Refused::Action(Code::SettingsInvalid));
    assert_eq!(
        d.refuse(Input::Staff(StaffAction::NewSale {
            amount_jpy: 0,
            order_ref: None,
        })),
        Refused::Action(Code::AmountInvalid)
    );
    assert_eq!(
        d.refuse(Input::Staff(StaffAction::StartEnrollment {
            services: vec![]
        })),
        Refused::Action(Code::ServicesInvalid)
    );

    let mut bad = setup(CounterMode::Reception);
    bad.institution_code = Some("12".into());
    let mut d = Desk::new(CounterMode::Reception);
    d.m = Counter::new(bad);
    d.send(Input::Reader(ReaderEvent::Attached(true)));
    assert_eq!(
        d.refuse(Input::Staff(StaffAction::StartFallback {
            reason: crate::eligibility::FallbackReason::NotEnrolled,
        })),
        Refused::Action(Code::SettingsInvalid)
    );
}

#[test]
fn the_customer_typing_a_pin_nobody_asked_for_is_refused_and_never_held() {
    let mut d = Desk::new(CounterMode::Reception);
    assert_eq!(
        d.refuse(Input::Customer(CustomerAction::Pin { digits: PIN.into() })),
        Refused::Action(Code::NotNow)
    );
    // A customer's refusal is not a staff notice.
    assert!(d.m.screens().status.notice.is_none());
    d.place();
    d.customer(CustomerAction::Pin { digits: PIN.into() });
    assert!(d.m.holds_secret(), "held until the challenge arrives");
    d.send(Input::Reader(ReaderEvent::Removed));
    assert!(!d.m.holds_secret());
    assert!(!format!("{:?}", d.m).contains(PIN));
}

#[test]
fn an_enrollment_is_audited_with_what_was_linked() {
    let mut d = State::Enroll.reach();
    let e = d.customer(CustomerAction::Password {
        text: crate::enroll::tests::PASSWORD.into(),
    });
    d.world(e);
    d.customer(CustomerAction::ConfirmAttributes {
        disclosure_consent: true,
    });
    let left = d.type_pin();
    assert_eq!(audits(&left), ["enrolled"], "{left:?}");
    assert!(matches!(
        d.m.screens().staff,
        StaffScreen::Enroll { view } if view.step == crate::enroll::Step::Enrolled
    ));
}

/// The customer picks the insurance and answers the consent screens; the insurer's answer
/// comes (the world's).
fn consent(d: &mut Desk) {
    if let Ok(e) = d.try_send(Input::Customer(CustomerAction::ChooseService {
        service_id: "kenpo".into(),
    })) {
        d.world(e);
    }
    let consents = crate::eligibility::CustomerConsents {
        blanket: true,
        medication: false,
        health_checks: false,
        treatment: false,
        surgery: false,
        limit_certificate: false,
        prescription: None,
    };
    let e = d.customer(CustomerAction::Consent { consents });
    for effect in e {
        if let Effect::RequestEligibility {
            generation,
            request,
        } = effect
        {
            let mut result = answer("1", vec![sato()]);
            result.arbitrary_identifier = request.arbitrary_identifier.clone();
            let e = d.send(Input::Eligibility {
                generation,
                result: Ok(result),
            });
            d.world(e);
        }
    }
}

/// A booked patient's record, as the store holds it: sato-hanako with an old symbol.
fn booked() -> ClinicRecord {
    ClinicRecord {
        patient_id: Some("P-0001".into()),
        name: Some("佐藤　花子".into()),
        kana: Some("ｻﾄｳ ﾊﾅｺ".into()),
        birth_date: Some("19850412".into()),
        sex: Some(counter_api::platform::Sex::Female),
        insurer_number: Some("06139999".into()),
        symbol: Some("丸の".into()),
        number: Some("10001".into()),
        branch: Some("01".into()),
    }
}

#[test]
fn a_booked_patient_who_arrived_is_expected_with_the_whole_record() {
    let mut d = Desk::new(CounterMode::Reception);
    let e = d.staff(StaffAction::ExpectAppointment { appointment_id: 7 });
    assert!(
        matches!(e[..], [Effect::LoadAppointment { appointment_id: 7 }]),
        "{e:?}"
    );
    assert!(
        d.m.screens().expected.is_none(),
        "not before the store answered"
    );
    d.send(Input::AppointmentLoaded {
        appointment_id: 7,
        record: Ok(booked()),
    });
    assert_eq!(d.m.screens().expected, Some(booked()));
    d.place();
    d.type_pin();
    consent(&mut d);
    let StaffScreen::Check { view, .. } = d.m.screens().staff else {
        panic!("not a check")
    };
    // The insurer's answer names her: the person matches, the insurance the clinic holds
    // does not (its symbol), as with a chart.
    assert_eq!(view.person, PersonCheck::Same);
    let codes: Vec<Code> = view.warnings.iter().map(|w| w.code).collect();
    assert!(codes.contains(&Code::InsuranceChanged), "{codes:?}");
    assert!(!codes.contains(&Code::PersonMismatch), "{codes:?}");
}

#[test]
fn a_booked_patient_of_another_name_is_a_wrong_person_at_the_check() {
    let mut d = Desk::new(CounterMode::Pharmacy);
    d.staff(StaffAction::ExpectAppointment { appointment_id: 8 });
    let other = ClinicRecord {
        name: Some("鈴木　一郎".into()),
        kana: None,
        ..booked()
    };
    d.send(Input::AppointmentLoaded {
        appointment_id: 8,
        record: Ok(other),
    });
    d.place();
    d.type_pin();
    consent(&mut d);
    let StaffScreen::Check { view, .. } = d.m.screens().staff else {
        panic!("not a check")
    };
    let codes: Vec<Code> = view.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes.first(), Some(&Code::PersonMismatch), "{codes:?}");
}

#[test]
fn an_appointment_is_expected_only_where_checks_run_and_when_the_store_has_it() {
    let mut d = Desk::new(CounterMode::Cashier);
    let r = d.refuse(Input::Staff(StaffAction::ExpectAppointment {
        appointment_id: 7,
    }));
    assert_eq!(r, Refused::Action(Code::NotNow));
    let mut d = Desk::new(CounterMode::Reception);
    d.staff(StaffAction::ExpectAppointment { appointment_id: 9 });
    let r = d.refuse(Input::AppointmentLoaded {
        appointment_id: 9,
        record: Err(Code::AppointmentUnknown),
    });
    assert_eq!(r, Refused::Action(Code::AppointmentUnknown));
    assert!(d.m.screens().expected.is_none());
}

#[test]
fn a_fallback_takes_the_expected_patient_and_the_next_card_is_compared_with_no_one() {
    let mut d = Desk::new(CounterMode::Reception);
    d.staff(StaffAction::ExpectAppointment { appointment_id: 7 });
    d.send(Input::AppointmentLoaded {
        appointment_id: 7,
        record: Ok(booked()),
    });
    // Her card cannot be used: staff record what she presented.
    let e = d.staff(StaffAction::StartFallback {
        reason: crate::eligibility::FallbackReason::NotEnrolled,
    });
    d.world(e);
    assert_eq!(d.at(), "check");
    assert!(d.m.expected.is_none(), "the fallback took her");
    assert_eq!(
        d.m.screens().expected,
        Some(booked()),
        "her fallback shows whom it is for"
    );
    d.staff(StaffAction::Finish);
    assert_eq!(d.m.screens().expected, None);
    // The next patient's card: compared with no one, not with her.
    d.place();
    d.type_pin();
    consent(&mut d);
    let StaffScreen::Check { view, .. } = d.m.screens().staff else {
        panic!("not a check")
    };
    assert_eq!(view.person, PersonCheck::NotCompared);
    let codes: Vec<Code> = view.warnings.iter().map(|w| w.code).collect();
    assert!(!codes.contains(&Code::PersonMismatch), "{codes:?}");
}

#[test]
fn a_card_without_insurance_keeps_the_expected_patient_for_its_fallback() {
    let mut d = Desk::new(CounterMode::Reception);
    d.staff(StaffAction::ExpectAppointment { appointment_id: 7 });
    d.send(Input::AppointmentLoaded {
        appointment_id: 7,
        record: Ok(booked()),
    });
    // Her card is linked to a payment service only: no insurance to check.
    d.menu = Some(
        menu()
            .into_iter()
            .filter(|m| m.service_id == "acq")
            .collect(),
    );
    d.place();
    d.type_pin();
    assert_eq!(d.at(), "check");
    assert!(d.m.expected.is_none(), "the check took her");
    assert_eq!(d.m.screens().expected, Some(booked()), "not dropped");
    // What she presented is recorded for her chart, and so is its re-check.
    let e = d.staff(StaffAction::RecordFallback {
        form: crate::eligibility::FallbackForm {
            document: crate::eligibility::FallbackDocument::EligibilityCertificate,
            insurer_number: "06139999".into(),
            insurer_name: String::new(),
            symbol: "丸の".into(),
            number: "10001".into(),
            branch: "01".into(),
            name: "佐藤　花子".into(),
            birth_date: "1985-04-12".into(),
            ratio_tenths: 3,
        },
    });
    let chart = Some("P-0001".to_owned());
    let refs: Vec<_> = e
        .iter()
        .filter_map(|e| match e {
            Effect::RecordCheck(r) => Some(("record", r.summary.patient_ref.clone())),
            Effect::EnqueueRecheck(r) => Some(("recheck", r.patient_ref.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        refs,
        vec![("record", chart.clone()), ("recheck", chart)],
        "{e:?}"
    );
}

#[test]
fn staff_are_told_while_the_customer_window_is_not_connected_and_the_workflow_goes_on() {
    let mut d = State::Check.reach();
    let before = d.at();
    assert_eq!(
        d.m.screens().status.customer_window_notice,
        None,
        "connected until the shell says otherwise (a shell without the window)"
    );
    let e = d.send(Input::CustomerWindow { connected: false });
    assert!(e.is_empty(), "{e:?}");
    let screens = d.m.screens();
    assert_eq!(
        screens.status.customer_window_notice.map(|m| m.code),
        Some(Code::CustomerWindowMissing),
        "staff are told by the code table's line"
    );
    assert_eq!(d.at(), before, "the check is not ended by it");
    d.send(Input::CustomerWindow { connected: true });
    assert_eq!(
        d.m.screens().status.customer_window_notice,
        None,
        "cleared once connected"
    );
}
