//! The right person at the counter, through the reader: links the services refuse are
//! shown on both windows and written to the terminal's audit, and the patient the
//! receptionist expects is compared with the insurer's answer (a mismatch first, the
//! details held back until staff acknowledge it, the receipt system's files until staff
//! export them, or say it is another patient's).

use counter_api::platform::{InsuranceLink, PaymentLink, ServiceLink};
use counter_core::Code;
use counter_core::appointments::{AppointmentForm, DiffField};
use counter_runtime::counter::{Counter, CustomerAction, Screens, StaffAction};
use tokio::sync::watch;

use crate::counter_env::{ACQUIRER, CounterEnv, INSURER, customer, js, links, staff, until};
use crate::counter_flow::{pin_service_consents, replace_card};
use crate::support::{OTHER_TOKEN, card_in_vpcd};

const PERSONA: &str = "sato-hanako";

/// The terminal's audit rows: `action subject`.
pub(crate) fn audit(env: &CounterEnv) -> Vec<String> {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let mut st = c
        .prepare("SELECT action || ' ' || coalesce(subject, '') FROM audit ORDER BY rowid")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// 鈴木 一郎's insurance, as staff might type it for 佐藤 花子 by mistake.
fn his_insurance() -> ServiceLink {
    ServiceLink::Insurance(InsuranceLink {
        service_id: INSURER.into(),
        insurer_number: "06139999".into(),
        symbol: Some("大阪".into()),
        number: "10002".into(),
        branch: Some("01".into()),
    })
}

/// An enrollment at the counter with `services`, up to its end; the last screens.
pub(crate) async fn enrol(
    c: &Counter,
    rx: &mut watch::Receiver<Screens>,
    services: Vec<ServiceLink>,
) -> Screens {
    let p = testkit::load_persona(PERSONA).unwrap();
    staff(c, StaffAction::StartEnrollment { services }).await;
    until(rx, "the password step", |s| {
        js(s)["customer"]["view"]["step"] == "password_entry"
    })
    .await;
    customer(
        c,
        CustomerAction::Password {
            text: p.sign_password.clone().unwrap(),
        },
    )
    .await;
    let s = until(rx, "the attributes", |s| {
        js(s)["customer"]["view"]["step"] == "confirm_attributes"
    })
    .await;
    assert_eq!(js(&s)["customer"]["view"]["disclosure_needed"], true);
    customer(
        c,
        CustomerAction::ConfirmAttributes {
            disclosure_consent: true,
        },
    )
    .await;
    until(rx, "the PIN step of enrollment", |s| {
        js(s)["customer"]["view"]["step"] == "pin_entry"
    })
    .await;
    customer(c, CustomerAction::Pin { digits: p.auth_pin }).await;
    until(rx, "the enrollment's end", |s| {
        matches!(
            js(s)["staff"]["view"]["step"].as_str(),
            Some("enrolled" | "failed")
        )
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_the_services_refuse_are_shown_and_audited() {
    let (_reader_lock, reader, _slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "reception", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    until(&mut rx, "the identification", |s| {
        js(s)["staff"]["screen"] == "identify"
    })
    .await;
    staff(&c, StaffAction::Cancel).await;

    // His insurance and her own card: the card is linked, the insurance refused.
    let mut services = links();
    services[0] = his_insurance();
    let s = enrol(&c, &mut rx, services).await;
    let v = js(&s);
    assert_eq!(v["staff"]["view"]["step"], "enrolled", "{v:#}");
    for window in ["staff", "customer"] {
        let refused = &v[window]["view"]["refused"];
        assert_eq!(refused.as_array().unwrap().len(), 1, "{window}: {v:#}");
        assert_eq!(refused[0]["service_id"], INSURER);
        assert_eq!(refused[0]["code"], "link_mismatch");
        assert_eq!(refused[0]["attribute"], "name");
        assert_eq!(v[window]["view"]["linked"].as_array().unwrap().len(), 1);
    }
    staff(&c, StaffAction::Finish).await;

    // His insurance alone: nothing is linked, the session ends saying why.
    let s = enrol(&c, &mut rx, vec![his_insurance()]).await;
    let v = js(&s);
    assert_eq!(v["staff"]["view"]["step"], "failed", "{v:#}");
    assert_eq!(v["staff"]["view"]["code"], "link_mismatch");
    assert_eq!(v["customer"]["view"]["refused"][0]["attribute"], "name");

    staff(&c, StaffAction::Finish).await;

    // Another holder's card token alone: the same, on the acquirer's word.
    let s = enrol(
        &c,
        &mut rx,
        vec![ServiceLink::Payment(PaymentLink {
            service_id: ACQUIRER.into(),
            card_token_ref: OTHER_TOKEN.into(),
            brand: Some("JCB".into()),
            last4: Some("0005".into()),
        })],
    )
    .await;
    let v = js(&s);
    assert_eq!(v["staff"]["view"]["code"], "link_mismatch", "{v:#}");
    assert_eq!(v["staff"]["view"]["refused"][0]["service_id"], ACQUIRER);

    let rows = audit(&env);
    assert!(
        rows.iter()
            .any(|r| r == "enrollment_failed acq-visa:mismatch_name"),
        "{rows:#?}"
    );
    assert!(
        rows.iter()
            .any(|r| r == "links_refused ins-kanto:mismatch_name"),
        "{rows:#?}"
    );
    assert!(
        rows.iter()
            .any(|r| r == "enrollment_failed ins-kanto:mismatch_name"),
        "{rows:#?}"
    );
    c.close().await;
}

/// The check from the PIN to the insurer's answer (not yet exported).
async fn check_until_answered(c: &Counter, rx: &mut watch::Receiver<Screens>) -> Screens {
    pin_service_consents(c, rx).await;
    until(rx, "the answer", |s| {
        js(s)["staff"]["view"]["step"]["step"] == "result"
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expected_patient_is_compared_with_the_answer() {
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "reception", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    // Enrolled at the counter first (the identification the card started is cancelled).
    until(&mut rx, "the identification", |s| {
        js(s)["staff"]["screen"] == "identify"
    })
    .await;
    staff(&c, StaffAction::Cancel).await;
    let s = enrol(&c, &mut rx, links()).await;
    assert_eq!(js(&s)["staff"]["view"]["step"], "enrolled");
    staff(&c, StaffAction::Finish).await;

    // The receptionist expects 鈴木 一郎; 佐藤 花子's card comes.
    staff(
        &c,
        StaffAction::ExpectPatient {
            name: "鈴木　一郎".into(),
            birth_date: "1958-03-03".into(),
        },
    )
    .await;
    let s = until(&mut rx, "the expected patient shown", |s| {
        s.expected.is_some()
    })
    .await;
    assert_eq!(js(&s)["expected"]["birth_date"], "19580303");
    replace_card(&mut slot, &mut rx).await;
    let s = check_until_answered(&c, &mut rx).await;
    let v = js(&s);
    let view = &v["staff"]["view"];
    assert_eq!(view["warnings"][0]["code"], "person_mismatch", "{v:#}");
    assert_eq!(view["person"], "different");
    assert_eq!(view["details"]["state"], "withheld");
    assert_eq!(
        view["export"], "not_exported",
        "no file before staff acknowledge"
    );
    assert!(std::fs::read_dir(env.exports()).map_or(0, |d| d.count()) == 0);
    // The customer's window shows nothing of the result.
    assert_eq!(v["customer"]["view"]["screen"], "ask_staff");
    staff(&c, StaffAction::AcknowledgeWarnings).await;
    let s = until(
        &mut rx,
        "the details shown after the acknowledgement",
        |s| js(s)["staff"]["view"]["details"]["state"] == "shown",
    )
    .await;
    // Reading what differs writes nothing: the files would name the expected patient's
    // chart. They wait for staff to say the result is that patient's (Export).
    assert_eq!(js(&s)["staff"]["view"]["export"], "not_exported");
    assert!(std::fs::read_dir(env.exports()).map_or(0, |d| d.count()) == 0);
    staff(&c, StaffAction::Export).await;
    until(&mut rx, "exported when staff decided", |s| {
        js(s)["staff"]["view"]["export"] == "written"
    })
    .await;
    staff(&c, StaffAction::Finish).await;

    // The same patient expected: no warning, and the comparison says so.
    staff(
        &c,
        StaffAction::ExpectPatient {
            name: "さとう はなこ".into(),
            birth_date: "1985-04-12".into(),
        },
    )
    .await;
    replace_card(&mut slot, &mut rx).await;
    let s = check_until_answered(&c, &mut rx).await;
    let v = js(&s);
    assert_eq!(v["staff"]["view"]["person"], "same", "{v:#}");
    assert!(
        v["staff"]["view"]["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["code"] != "person_mismatch")
    );
    staff(&c, StaffAction::Finish).await;

    // Nobody expected: the check says no comparison was made.
    replace_card(&mut slot, &mut rx).await;
    let s = check_until_answered(&c, &mut rx).await;
    assert_eq!(js(&s)["staff"]["view"]["person"], "not_compared");
    assert_eq!(Code::PersonNotCompared.as_str(), "person_not_compared");

    let rows = audit(&env);
    assert_eq!(
        rows.iter()
            .filter(|r| r.starts_with("expected_person_set"))
            .count(),
        2,
        "{rows:#?}"
    );
    assert!(
        rows.iter().any(|r| r.starts_with("eligibility_answered")),
        "{rows:#?}"
    );
    c.close().await;
}

/// An appointment for tomorrow as staff type it.
fn booked(
    name: &str,
    birth: &str,
    insurance: (&str, &str, &str, &str),
    ratio: u8,
) -> AppointmentForm {
    let tomorrow = madoguchi_time::jst::CivilDate::of(
        counter_runtime::clock::Clock::now(&counter_runtime::clock::SystemClock).plus_secs(86_400),
    );
    AppointmentForm {
        visit_date: tomorrow.iso(),
        name: name.into(),
        birth_date: birth.into(),
        insurer_number: insurance.0.into(),
        symbol: insurance.1.into(),
        number: insurance.2.into(),
        branch: insurance.3.into(),
        ratio_tenths: Some(ratio),
        ..AppointmentForm::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booked_patient_who_arrived_is_the_expected_patient_of_the_check() {
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "reception", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    until(&mut rx, "the identification", |s| {
        js(s)["staff"]["screen"] == "identify"
    })
    .await;
    staff(&c, StaffAction::Cancel).await;
    let s = enrol(&c, &mut rx, links()).await;
    assert_eq!(js(&s)["staff"]["view"]["step"], "enrolled");
    staff(&c, StaffAction::Finish).await;

    // Tomorrow's list: 鈴木 一郎 (his new 国保) and 佐藤 花子 (held at 2割: the insurer says 3割).
    let him = c
        .appointments()
        .add(&AppointmentForm {
            patient_id: "P-0077".into(),
            ..booked(
                "鈴木　一郎",
                "1958-03-03",
                ("00270009", "大阪北", "3456789", "00"),
                3,
            )
        })
        .unwrap();
    let her = c
        .appointments()
        .add(&booked(
            "佐藤　花子",
            "1985-04-12",
            ("06139999", "千代", "10001", "01"),
            2,
        ))
        .unwrap();
    let day = madoguchi_time::jst::CivilDate::parse(&her.visit_date)
        .unwrap()
        .iso();
    let list = c
        .appointments()
        .precheck(&day, std::time::Duration::from_secs(20))
        .await
        .unwrap();
    let flagged: Vec<_> = list
        .iter()
        .map(|a| {
            (
                a.id,
                a.differences.iter().map(|d| d.field).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        flagged,
        [(him.id, vec![]), (her.id, vec![DiffField::Ratio])],
        "{list:#?}"
    );

    // He is expected, her card comes: the check says it is someone else.
    staff(
        &c,
        StaffAction::ExpectAppointment {
            appointment_id: him.id,
        },
    )
    .await;
    let s = until(&mut rx, "the booked patient expected", |s| {
        s.expected.is_some()
    })
    .await;
    assert_eq!(js(&s)["expected"]["insurer_number"], "00270009");
    replace_card(&mut slot, &mut rx).await;
    let s = check_until_answered(&c, &mut rx).await;
    let v = js(&s);
    assert_eq!(v["staff"]["view"]["person"], "different", "{v:#}");
    assert_eq!(v["staff"]["view"]["warnings"][0]["code"], "person_mismatch");
    let check_id = v["staff"]["check_id"].as_str().unwrap().to_owned();
    staff(&c, StaffAction::AcknowledgeWarnings).await;
    // It is her, not him: her check, its files without his chart id; he stays expected.
    staff(&c, StaffAction::ConfirmAnotherPatient).await;
    let s = until(&mut rx, "her result written", |s| {
        js(s)["staff"]["view"]["export"] == "written"
    })
    .await;
    assert_eq!(js(&s)["staff"]["view"]["person"], "another_patient");
    let written: Vec<String> = std::fs::read_dir(env.exports())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert_eq!(written.len(), 2, "the XML and the JSON");
    assert!(
        written
            .iter()
            .all(|f| f.contains(&check_id) && !f.contains("ReferenceNumber")),
        "{written:#?}"
    );
    let db = rusqlite::Connection::open(env.db()).unwrap();
    let patient_ref: Option<String> = db
        .query_row(
            "SELECT patient_ref FROM checks WHERE id = ?1",
            [&check_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(patient_ref, None, "her visit, not his chart's");
    assert!(audit(&env).contains(&format!("another_patient_confirmed {check_id}")));
    staff(&c, StaffAction::Finish).await;
    let s = until(&mut rx, "the counter ready again", |s| {
        js(s)["staff"]["screen"] == "ready"
    })
    .await;
    assert_eq!(
        js(&s)["expected"]["patient_id"],
        "P-0077",
        "he is still expected"
    );

    // She arrives: the same person.
    staff(
        &c,
        StaffAction::ExpectAppointment {
            appointment_id: her.id,
        },
    )
    .await;
    replace_card(&mut slot, &mut rx).await;
    let s = check_until_answered(&c, &mut rx).await;
    let v = js(&s);
    assert_eq!(v["staff"]["view"]["person"], "same", "{v:#}");
    staff(&c, StaffAction::Finish).await;

    // An appointment the store does not have is refused with its code.
    let refused = c
        .staff(StaffAction::ExpectAppointment {
            appointment_id: 999_999,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.message.code, Code::AppointmentUnknown);
    c.close().await;
}
