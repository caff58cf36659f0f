//! The interactive counter end to end, as the app drives it: the persona's virtual card in
//! our pcscd's vpcd reader, the platform, insurer and acquirer on loopback TLS, the store in
//! a SQLite file, the receipt system's folder on disk. Only the windows are missing: the
//! test plays the staff and the customer through `Counter::staff` / `Counter::customer`.

use counter_api::platform::ChallengePurpose;
use counter_core::Code;
use counter_core::UnixTime;
use counter_core::eligibility::{
    CustomerConsents, FallbackDocument, FallbackForm, FallbackReason, PrescriptionFormat,
};
use counter_core::payment::PaymentState;
use counter_runtime::counter::{
    CustomerAction, CustomerScreen, Message, ReaderState, SaleStep, Screens, StaffAction,
    StaffScreen,
};
use counter_store::scan::{Needle, scan_files};
use jpki_card_sim::{Faults, VpcdSlot};
use tokio::sync::watch;

use crate::counter_env::{ACQUIRER, CounterEnv, INSURER, customer, js, links, staff, until};
use crate::support::card_in_vpcd;

const PERSONA: &str = "sato-hanako";

fn consents() -> CustomerConsents {
    CustomerConsents {
        blanket: true,
        medication: true,
        health_checks: true,
        treatment: false,
        surgery: false,
        limit_certificate: true,
        prescription: Some(PrescriptionFormat::Electronic),
    }
}

/// Takes the card out, waits until the counter saw it leave, and puts it back.
pub(crate) async fn replace_card(slot: &mut VpcdSlot, rx: &mut watch::Receiver<Screens>) {
    let card = slot.remove().unwrap();
    until(rx, "the card removed", |s| {
        s.status.reader == ReaderState::Empty
    })
    .await;
    crate::support::pcscd_lets_go().await;
    slot.insert(card, Faults::default()).unwrap();
}

fn identify_step(s: &Screens) -> Option<String> {
    match &s.customer {
        CustomerScreen::Identify { view } => Some(format!("{:?}", view.step)),
        _ => None,
    }
}

/// The customer types the PIN once the identification asks for it.
async fn type_pin(c: &counter_runtime::counter::Counter, rx: &mut watch::Receiver<Screens>) {
    until(rx, "the PIN step", |s| {
        identify_step(s).as_deref() == Some("PinEntry")
    })
    .await;
    let p = testkit::load_persona(PERSONA).unwrap();
    customer(c, CustomerAction::Pin { digits: p.auth_pin }).await;
}

/// The customer's part of a check: the PIN, the insurance service, the consents.
pub(crate) async fn pin_service_consents(
    c: &counter_runtime::counter::Counter,
    rx: &mut watch::Receiver<Screens>,
) {
    type_pin(c, rx).await;
    until(rx, "the service menu", |s| {
        js(s)["customer"]["view"]["screen"] == "choose_service"
    })
    .await;
    customer(
        c,
        CustomerAction::ChooseService {
            service_id: INSURER.into(),
        },
    )
    .await;
    until(rx, "the consents", |s| {
        js(s)["customer"]["view"]["screen"] == "consent"
    })
    .await;
    customer(
        c,
        CustomerAction::Consent {
            consents: consents(),
        },
    )
    .await;
}

/// Reception or pharmacy: card → PIN → service → consents → the result and its files.
async fn check(
    c: &counter_runtime::counter::Counter,
    rx: &mut watch::Receiver<Screens>,
    env: &CounterEnv,
) -> serde_json::Value {
    pin_service_consents(c, rx).await;
    let s = until(rx, "the result exported", |s| {
        js(s)["staff"]["view"]["export"] == "written"
    })
    .await;
    let v = js(&s);
    // Ratio and validity first: 3割, valid (sato-hanako's demo record).
    let headline = &v["staff"]["view"]["headline"];
    assert_eq!(headline["code"], "eligibility_valid", "{v:#}");
    assert_eq!(headline["ratio"]["tenths"], 3, "{v:#}");
    // The receipt system's files are there, whole.
    let names: Vec<String> = std::fs::read_dir(env.exports())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".part")), "{names:?}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrol_then_reception_pharmacy_sale_and_void_through_the_reader() {
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "reception", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    let p = testkit::load_persona(PERSONA).unwrap();

    // The card is not enrolled yet: after the PIN the platform says so, and staff see the
    // next step.
    type_pin(&c, &mut rx).await;
    let s = until(&mut rx, "not enrolled", |s| {
        matches!(&s.staff, StaffScreen::Identify { view } if view.progress.code == Some(Code::NotEnrolled))
    })
    .await;
    assert_eq!(s.status.reader, ReaderState::Card);

    // Enrollment at the counter, with the card still on the reader.
    staff(&c, StaffAction::StartEnrollment { services: links() }).await;
    until(&mut rx, "the password step", |s| {
        js(s)["customer"]["view"]["step"] == "password_entry"
    })
    .await;
    customer(
        &c,
        CustomerAction::Password {
            text: p.sign_password.clone().unwrap(),
        },
    )
    .await;
    let s = until(&mut rx, "the attributes", |s| {
        js(s)["customer"]["view"]["step"] == "confirm_attributes"
    })
    .await;
    assert_eq!(
        js(&s)["customer"]["view"]["attributes"]["name"],
        p.name.as_str()
    );
    // The staff window never sees the customer's secret; it does see the step.
    assert!(
        !serde_json::to_string(&s)
            .unwrap()
            .contains(p.sign_password.as_deref().unwrap())
    );
    customer(
        &c,
        CustomerAction::ConfirmAttributes {
            disclosure_consent: true,
        },
    )
    .await;
    until(&mut rx, "the PIN step of enrollment", |s| {
        js(s)["customer"]["view"]["step"] == "pin_entry"
    })
    .await;
    customer(
        &c,
        CustomerAction::Pin {
            digits: p.auth_pin.clone(),
        },
    )
    .await;
    let s = until(&mut rx, "enrolled", |s| {
        js(s)["staff"]["view"]["step"] == "enrolled"
    })
    .await;
    assert_eq!(
        js(&s)["customer"]["view"]["linked"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    staff(&c, StaffAction::Finish).await;

    // Reception: the patient's card again.
    replace_card(&mut slot, &mut rx).await;
    let v = check(&c, &mut rx, &env).await;
    assert_eq!(v["status"]["mode"], "reception");
    let files = std::fs::read_dir(env.exports()).unwrap().count();
    assert_eq!(files, 2, "one XML and one JSON file");

    // The card leaves: the customer's screen is wiped at once; staff keep the result.
    let card = slot.remove().unwrap();
    let s = until(&mut rx, "the card gone", |s| {
        s.status.reader == ReaderState::Empty
    })
    .await;
    assert!(matches!(s.customer, CustomerScreen::Welcome));
    assert!(matches!(s.staff, StaffScreen::Check { .. }));
    staff(&c, StaffAction::Finish).await;

    // Pharmacy.
    staff(
        &c,
        StaffAction::SetMode {
            mode: counter_runtime::config::CounterMode::Pharmacy,
        },
    )
    .await;
    crate::support::pcscd_lets_go().await;
    slot.insert(card, Faults::default()).unwrap();
    let v = check(&c, &mut rx, &env).await;
    assert_eq!(v["status"]["mode"], "pharmacy");
    assert_eq!(std::fs::read_dir(env.exports()).unwrap().count(), 4);
    staff(&c, StaffAction::Finish).await;

    // Cashier: a sale with the PIN typed on the customer window.
    staff(
        &c,
        StaffAction::SetMode {
            mode: counter_runtime::config::CounterMode::Cashier,
        },
    )
    .await;
    staff(
        &c,
        StaffAction::NewSale {
            amount_jpy: 1_500,
            order_ref: Some("rx-0001".into()),
        },
    )
    .await;
    let s = until(&mut rx, "the PIN step of the sale", |s| {
        identify_step(s).as_deref() == Some("PinEntry")
    })
    .await;
    // The customer sees merchant and amount before the PIN.
    let v = js(&s);
    assert_eq!(v["customer"]["view"]["payment"]["amount_jpy"], 1500);
    assert_eq!(
        v["staff"]["view"]["step"]["view"]["purpose"],
        serde_json::json!(ChallengePurpose::Payment)
    );
    customer(
        &c,
        CustomerAction::Pin {
            digits: p.auth_pin.clone(),
        },
    )
    .await;
    until(&mut rx, "the payment choice", |s| {
        matches!(s.customer, CustomerScreen::Pay { .. })
    })
    .await;
    // A different amount than shown is refused; the customer reads only lines fit for
    // them (the amount's is staff's), as for an action that does not fit the step.
    let e = c
        .customer(CustomerAction::Pay {
            service_id: ACQUIRER.into(),
            amount_jpy: 15_000,
        })
        .await
        .unwrap_err();
    assert_eq!(e.message.code, Code::AskStaff);
    until(&mut rx, "staff told why the payment was refused", |s| {
        s.status.notice.as_ref().map(|m| m.code) == Some(Code::AmountInvalid)
    })
    .await;
    let e = c.customer(CustomerAction::ExtendTime).await.unwrap_err();
    assert_eq!(e.message, Message::of(Code::AskStaff));
    customer(
        &c,
        CustomerAction::Pay {
            service_id: ACQUIRER.into(),
            amount_jpy: 1_500,
        },
    )
    .await;
    let s = until(&mut rx, "the sale's end", |s| {
        matches!(&s.staff, StaffScreen::Sale { view } if matches!(view.step, SaleStep::Done { .. }))
    })
    .await;
    let StaffScreen::Sale { view } = &s.staff else {
        unreachable!()
    };
    let SaleStep::Done {
        record,
        message,
        receipt,
    } = &view.step
    else {
        unreachable!()
    };
    assert_eq!(record.state, PaymentState::Captured, "{message:?}");
    let receipt = receipt.as_ref().unwrap();
    let printed = serde_json::to_string(receipt).unwrap();
    assert!(printed.contains("XXXX-XXXX-XXXX-4242"), "{printed}");
    assert!(
        matches!(&s.customer, CustomerScreen::Paying { message: Some(m) } if m.code == Code::PaymentApproved)
    );

    // Void it from the journal.
    staff(
        &c,
        StaffAction::Void {
            sale_id: record.id.clone(),
        },
    )
    .await;
    until(&mut rx, "the void", |s| {
        s.status
            .notice
            .as_ref()
            .is_some_and(|n| n.code == Code::PaymentVoided)
    })
    .await;
    staff(&c, StaffAction::Finish).await;

    // The audit trail says who was identified how, and what was viewed; the store holds
    // no password, no certificate serial and no card number.
    let store = counter_store::Store::open(env.db()).unwrap();
    let trail = store
        .audit_between(UnixTime::EPOCH, UnixTime::from_secs(i64::MAX))
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"identified"), "{actions:?}");
    assert!(actions.contains(&"enrolled"), "{actions:?}");
    assert!(
        trail
            .iter()
            .any(|e| e.auth_method.as_deref() == Some("pin"))
    );
    drop(store);
    // Let go of the reader before the next card test takes it, and leave the files quiet.
    c.close().await;
    secrets_absent(&env, &p);
}

/// Scans the counter's database files for the persona's password and both certificate
/// serials (raw, hex, decimal) and for card numbers.
fn secrets_absent(env: &CounterEnv, p: &jpki_card_sim::Persona) {
    let mut needles = vec![Needle::text(
        "signature password",
        p.sign_password.as_deref().unwrap(),
    )];
    for (label, pem) in [
        ("auth certificate serial", &p.pem.auth_certificate),
        (
            "sign certificate serial",
            p.pem.sign_certificate.as_ref().unwrap(),
        ),
    ] {
        let cert = jpki_cert::JpkiCertificate::from_pem_or_der(pem.as_bytes()).unwrap();
        needles.extend(Needle::encodings(label, cert.serial()));
    }
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("counter.sqlite"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let findings = scan_files(&files, &needles);
    assert!(
        findings.is_empty(),
        "secrets in the counter's store: {findings:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insurer_down_the_fallback_is_recorded_and_a_recheck_queued() {
    let (_reader_lock, reader, slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "reception", false).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    // Not enrolled: staff go straight to the fallback, as for a blocked PIN.
    type_pin(&c, &mut rx).await;
    until(&mut rx, "not enrolled", |s| {
        matches!(&s.staff, StaffScreen::Identify { view } if view.progress.code == Some(Code::NotEnrolled))
    })
    .await;
    staff(
        &c,
        StaffAction::StartFallback {
            reason: FallbackReason::NotEnrolled,
        },
    )
    .await;
    let form = FallbackForm {
        document: FallbackDocument::EligibilityCertificate,
        insurer_number: "06139999".into(),
        insurer_name: String::new(),
        symbol: "千代".into(),
        number: "10001".into(),
        branch: "01".into(),
        name: "佐藤　花子".into(),
        birth_date: "19850412".into(),
        ratio_tenths: 3,
    };
    staff(&c, StaffAction::RecordFallback { form }).await;
    let s = until(&mut rx, "the fallback on record", |s| {
        js(s)["staff"]["view"]["step"]["step"] == "fallback_recorded"
    })
    .await;
    assert_eq!(s.status.pending_rechecks, 1, "{:#}", js(&s));
    c.close().await;
    drop(slot);
}
