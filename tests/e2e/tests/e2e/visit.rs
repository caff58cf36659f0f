//! A clinic's day, booked patients to co-payment: staff type tomorrow's appointments and
//! pre-check them, and the differences from what the clinic holds are flagged (an old
//! insurance, a co-payment ratio the clinic has wrong); the booked patient arrives, staff
//! mark her arrived and the check compares her card with the appointment's record; then
//! the co-payment of that visit is taken with the same card and a new PIN, and the
//! receipt, the sale and the journal name the visit.

use std::path::Path;

use madoguchi_e2e::{AppOptions, DemoMode, E2eError, Screen::Staff, Want, hook};

use crate::flows::{
    PERSONA, choose_service_and_consent, counter_tab, customer_at, ensure, enter_pin, pay, pin,
    place_card, staff_at, yen,
};
use crate::harness::{Scene, scenario, with_app};

/// The co-payment, in yen.
const CO_PAYMENT: u32 = 1_230;

/// One appointment as the clinic holds it.
struct Booked<'a> {
    patient_id: &'a str,
    name: &'a str,
    birth_date: &'a str,
    sex: &'a str,
    insurer_number: &'a str,
    symbol: &'a str,
    number: &'a str,
    branch: &'a str,
    ratio: &'a str,
}

/// 鈴木 一郎 with the 健保 his card was enrolled with, which his insurer has since ended
/// (the demo register's new qualification).
const SUZUKI: Booked = Booked {
    patient_id: "K-0001",
    name: "鈴木　一郎",
    birth_date: "1958-03-03",
    sex: "male",
    insurer_number: "06139999",
    symbol: "大阪",
    number: "10002",
    branch: "01",
    ratio: "3",
};

/// 佐藤 花子 (the persona of the main flows), insured 3割, whom the clinic holds at 2割.
const SATO: Booked = Booked {
    patient_id: "K-0002",
    name: "佐藤　花子",
    birth_date: "1985-04-12",
    sex: "female",
    insurer_number: "06139999",
    symbol: "千代",
    number: "10001",
    branch: "01",
    ratio: "2",
};

/// Staff add `b` for the day the form proposes (tomorrow).
async fn add(s: &Scene, b: &Booked<'_>) -> Result<(), E2eError> {
    s.fill("appointment-patient_id", b.patient_id).await?;
    s.fill("appointment-name", b.name).await?;
    s.fill("appointment-birth_date", b.birth_date).await?;
    s.choose("appointment-sex", b.sex).await?;
    s.fill("appointment-insurer_number", b.insurer_number)
        .await?;
    s.fill("appointment-symbol", b.symbol).await?;
    s.fill("appointment-number", b.number).await?;
    s.fill("appointment-branch", b.branch).await?;
    s.choose("appointment-ratio", b.ratio).await?;
    s.click_test("appointment-add").await
}

/// The list's row of the appointment of chart `patient_id`.
fn row_of(patient_id: &str) -> String {
    format!("{}[data-patient-id=\"{patient_id}\"]", hook("appointment"))
}

/// Scenario: the appointments, the booked patient's check, the visit's co-payment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booked_patients_then_one_visit_from_check_to_co_payment() {
    scenario("visit", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .label("visit");
        with_app(options, async |s: &Scene| visit(s).await).await
    })
    .await;
}

async fn visit(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;

    // Tomorrow's appointments, typed, then pre-checked with the insurer in one bulk request.
    s.click_test("tab-appointments").await?;
    for b in [&SUZUKI, &SATO] {
        add(s, b).await?;
    }
    s.wait_hook("appointments-list", Want::Attr("data-count", "2"))
        .await?;
    s.click_test("appointments-precheck").await?;
    let suzuki = row_of(SUZUKI.patient_id);
    let sato = row_of(SATO.patient_id);
    s.wait_for(
        &format!("{suzuki}[data-status=\"not_valid\"]"),
        Want::Present,
        madoguchi_e2e::WAIT,
    )
    .await?;
    s.wait_for(
        &format!("{sato}[data-status=\"valid\"]"),
        Want::Present,
        madoguchi_e2e::WAIT,
    )
    .await?;
    // Flagged: Suzuki's insurer is another one now; Sato's ratio is 3割, not the 2割 held.
    let difference = |row: &str, field: &str| {
        format!(
            "{row} {}[data-field=\"{field}\"]",
            hook("appointment-difference")
        )
    };
    let insurer = s
        .attribute(&difference(&suzuki, "insurer_number"), "data-insurer")
        .await?;
    ensure(
        insurer
            .as_deref()
            .is_some_and(|i| i != SUZUKI.insurer_number),
        "Suzuki's new insurer flagged against the one held",
        format!("{insurer:?}"),
    )?;
    let held = s
        .attribute(&difference(&sato, "ratio"), "data-clinic")
        .await?;
    let answered = s
        .attribute(&difference(&sato, "ratio"), "data-insurer")
        .await?;
    ensure(
        held.as_deref() == Some("2") && answered.as_deref() == Some("3"),
        "Sato's ratio flagged, 2割 held and 3割 answered",
        format!("{held:?} / {answered:?}"),
    )?;
    s.capture(Staff, "staff-appointments-prechecked").await?;

    // Sato arrives: staff mark her arrived; her appointment is the check's expected patient.
    s.click(&format!("{sato} {}", hook("appointment-arrived")))
        .await?;
    counter_tab(s).await?;
    s.wait_hook(
        "expected-patient",
        Want::Attr("data-insurer-number", SATO.insurer_number),
    )
    .await?;
    s.wait_hook(
        "expected-patient",
        Want::Attr("data-patient-id", SATO.patient_id),
    )
    .await?;
    place_card(s, PERSONA).await?;
    enter_pin(s, &pin(), None).await?;
    choose_service_and_consent(s).await?;
    counter_tab(s).await?;
    staff_at(s, "check", None).await?;
    s.wait_hook("person-check", Want::Attr("data-person", "same"))
        .await?;
    s.wait_hook("export-state", Want::Attr("data-state", "written"))
        .await?;
    let check_id = s
        .attribute(&hook("check-id"), "data-check-id")
        .await?
        .filter(|id| !id.is_empty())
        .ok_or_else(|| E2eError::Unexpected("the check shows no visit number".into()))?;
    s.capture(Staff, "staff-visit-check").await?;

    // The co-payment of this visit, from the check's screen; the card, still on the reader,
    // is read again and the patient types the PIN again.
    s.wait_hook("co-payment", Want::Attr("data-check-id", &check_id))
        .await?;
    s.fill("co-payment-amount", &CO_PAYMENT.to_string()).await?;
    s.click_test("action-take_co_payment").await?;
    staff_at(s, "sale", None).await?;
    s.wait_hook("sale-visit", Want::Attr("data-check-id", &check_id))
        .await?;
    s.wait_hook("sale-visit", Want::Attr("data-result", "valid"))
        .await?;
    s.capture(Staff, "staff-visit-co-payment").await?;
    customer_at(s, "identify", Some("pin_entry")).await?;
    s.wait_hook("identify-amount", Want::Text(&yen(CO_PAYMENT)))
        .await?;
    // The customer's window shows the amount, nothing of the check.
    let customer_text = s.text("body").await?;
    ensure(
        !customer_text.contains(&check_id) && !customer_text.contains("06139999"),
        "the customer window shows no visit data",
        &customer_text,
    )?;
    enter_pin(s, &pin(), None).await?;
    pay(s, CO_PAYMENT).await?;
    counter_tab(s).await?;
    staff_at(s, "sale", Some("done")).await?;
    s.wait_hook("sale-state", Want::Attr("data-state", "captured"))
        .await?;
    let receipt = s.text(&hook("receipt")).await?;
    ensure(
        receipt.contains("受付番号") && receipt.contains(&check_id),
        "the receipt names the visit",
        &receipt,
    )?;
    s.capture(Staff, "staff-visit-receipt").await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;

    // The journal lists the visit with its co-payment.
    s.click_test("tab-journal").await?;
    s.click_test("visits-load").await?;
    let visit_row = format!("{}[data-check-id=\"{check_id}\"]", hook("visit-row"));
    s.wait_for(&visit_row, Want::Present, madoguchi_e2e::WAIT)
        .await?;
    s.wait_for(
        &format!(
            "{visit_row} {}[data-state=\"captured\"]",
            hook("visit-payment")
        ),
        Want::Present,
        madoguchi_e2e::WAIT,
    )
    .await?;
    s.capture(Staff, "staff-visits").await?;
    Ok(())
}
