//! The right person, in the app: the receptionist types the patient expected and another
//! enrolled card comes (the mismatch first, details held until acknowledged, audited, the
//! export until staff export), then the right one (no warning); the persona who moved after enrolling gets
//! the notice on both windows with its next step (enrol again at the counter with the new
//! signature certificate), and with her signature CRL out of date the notice says it could
//! not be checked, with its own next step.

use std::path::Path;

use counter_core::Code;
use madoguchi_e2e::{
    AppOptions, DemoMode, E2eError,
    Screen::{Customer, Staff},
    WAIT, Want, hook,
};
use madoguchi_time::UnixTime;

use crate::flows::{
    PERSONA, choose_service_and_consent, counter_tab, customer_at, ensure, enter_pin, pin,
    place_card, remove_card, staff_at,
};
use crate::harness::{Scene, scenario, with_app};

/// The persona who moved after the demo enrolled her (counter-demo's `personas::MOVED`).
const MOVED: &str = "nakamura-aoi";

/// Staff type the expected patient on the counter's screen and set it.
async fn expect(s: &Scene, name: &str, birth_date: &str, compact: &str) -> Result<(), E2eError> {
    counter_tab(s).await?;
    s.fill("expected-name", name).await?;
    s.fill("expected-birth_date", birth_date).await?;
    s.click_test("action-expect_patient").await?;
    s.wait_hook("expected-patient", Want::Attr("data-birth-date", compact))
        .await?;
    Ok(())
}

/// The patient's card → PIN → service → consents → the staff's check screen with the
/// insurer's answer.
async fn check_with_card(s: &Scene, persona: &str, pin: &str) -> Result<(), E2eError> {
    place_card(s, persona).await?;
    enter_pin(s, pin, None).await?;
    choose_service_and_consent(s).await?;
    counter_tab(s).await?;
    staff_at(s, "check", None).await?;
    s.wait_hook("headline-code", Want::Present).await?;
    Ok(())
}

/// Scenario: 鈴木 一郎 is expected, 佐藤 花子's card comes; then 佐藤 花子 is expected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expected_patient_is_compared_with_the_answer() {
    scenario("expected-patient", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .label("expected-patient");
        with_app(options, async |s: &Scene| expected_patient(s, dir).await).await
    })
    .await;
}

async fn expected_patient(s: &Scene, dir: &Path) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    expect(s, "鈴木　一郎", "1958-03-03", "19580303").await?;
    s.capture(Staff, "staff-expected-patient").await?;

    check_with_card(s, PERSONA, &pin()).await?;
    // The mismatch comes first; the details and the receipt system's files wait.
    s.wait_hook("warning", Want::Attr("data-code", "person_mismatch"))
        .await?;
    s.wait_hook("person-check", Want::Attr("data-person", "different"))
        .await?;
    s.wait_hook("details", Want::Attr("data-state", "withheld"))
        .await?;
    s.wait_hook("export-state", Want::Attr("data-state", "not_exported"))
        .await?;
    ensure(
        std::fs::read_dir(dir.join("exports")).map_or(0, |d| d.count()) == 0,
        "no export file before staff acknowledge",
        "files in exports/",
    )?;
    s.capture(Staff, "staff-person-mismatch").await?;
    // The customer's window shows nothing of the result.
    customer_at(s, "check", Some("ask_staff")).await?;
    s.switch_to(Staff).await?;
    s.click_test("action-acknowledge_warnings").await?;
    s.wait_hook("details", Want::Attr("data-state", "shown"))
        .await?;
    // Reading what differs writes no file (they would name the expected patient's
    // chart): staff export when they decide the result is that patient's.
    s.wait_hook("export-state", Want::Attr("data-state", "not_exported"))
        .await?;
    ensure(
        std::fs::read_dir(dir.join("exports")).map_or(0, |d| d.count()) == 0,
        "no export file after the acknowledgement alone",
        "files in exports/",
    )?;
    s.click_test("action-export").await?;
    s.wait_hook("export-state", Want::Attr("data-state", "written"))
        .await?;
    audited(dir)?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;

    // The right patient expected (in kana): no warning, and the check says they match.
    remove_card(s).await?;
    expect(s, "さとう はなこ", "1985-04-12", "19850412").await?;
    check_with_card(s, PERSONA, &pin()).await?;
    s.wait_hook("person-check", Want::Attr("data-person", "same"))
        .await?;
    s.wait_hook("export-state", Want::Attr("data-state", "written"))
        .await?;
    let mismatch = format!("{}[data-code=\"person_mismatch\"]", hook("warning"));
    ensure(
        !s.peek(&mismatch).await?.found(),
        "no person mismatch for the expected patient",
        "a person_mismatch warning",
    )?;
    s.capture(Staff, "staff-person-same").await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;
    Ok(())
}

/// The terminal's audit has the expected person set (without name or date) and the answer
/// with its person_mismatch warning, then the acknowledgement.
fn audited(dir: &Path) -> Result<(), E2eError> {
    let store = counter_store::Store::open(dir.join("counter.sqlite"))
        .map_err(|e| E2eError::Unexpected(format!("the counter's database: {e}")))?;
    let rows = store
        .audit_between(UnixTime::EPOCH, UnixTime::from_secs(i64::MAX))
        .map_err(|e| E2eError::Unexpected(format!("the audit trail: {e}")))?;
    let line = |action: &str| {
        rows.iter()
            .find(|r| r.action == action)
            .map(|r| r.detail.clone().unwrap_or_default())
    };
    ensure(
        line("expected_person_set").is_some_and(|d| !d.contains("鈴木")),
        "the expected person audited, without the name",
        format!("{:?}", line("expected_person_set")),
    )?;
    ensure(
        line("eligibility_answered").is_some_and(|d| d.contains("person_mismatch")),
        "the answer audited with its person_mismatch warning",
        format!("{:?}", line("eligibility_answered")),
    )?;
    ensure(
        line("warnings_acknowledged").is_some_and(|d| d.contains("person_mismatch")),
        "the acknowledgement audited",
        format!("{:?}", line("warnings_acknowledged")),
    )
}

/// Scenario: the persona who moved after enrolling identifies; both windows say her
/// details changed and that she should enrol again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_who_moved_is_told_on_both_windows() {
    scenario("moved", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .label("moved");
        with_app(options, async |s: &Scene| {
            notice(s, Code::SignCertificateRevoked, "moved").await
        })
        .await
    })
    .await;
}

/// Scenario: the same with her municipality's signature CRL out of date: the notice says
/// it could not be checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_signature_crl_is_not_silence() {
    scenario("stale-sign-crl", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .stale_sign_crl()
            .label("stale-sign-crl");
        with_app(options, async |s: &Scene| {
            notice(s, Code::SignCertificateUnchecked, "unchecked").await
        })
        .await
    })
    .await;
}

/// The card's notice `code` on both windows: its code, what happened and the next step as
/// the code table says them (Japanese, the windows' language at start; the customer's
/// window in English too).
async fn notice(s: &Scene, code: Code, shot: &str) -> Result<(), E2eError> {
    let entry = code.entry();
    staff_at(s, "ready", None).await?;
    let pin = testkit::load_persona(MOVED).unwrap().auth_pin;
    check_with_card(s, MOVED, &pin).await?;
    // She is still served: the check ran (her insurance is valid).
    s.wait_hook("validity", Want::Attr("data-validity", "valid"))
        .await?;
    told(s, code, entry.ja, entry.next_ja).await?;
    s.capture(Staff, &format!("staff-notice-{shot}")).await?;
    customer_at(s, "check", None).await?;
    told(s, code, entry.ja, entry.next_ja).await?;
    s.capture(Customer, &format!("customer-notice-{shot}"))
        .await?;
    s.click("button[data-lang='en']").await?;
    s.wait_for("html", Want::Attr("lang", "en"), WAIT).await?;
    told(s, code, entry.en, entry.next_en).await?;
    s.click("button[data-lang='ja']").await?;
    s.wait_for("html", Want::Attr("lang", "ja"), WAIT).await?;
    s.switch_to(Staff).await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;
    Ok(())
}

/// The current window shows the card's notice `code` with `text` and its `next` step.
async fn told(s: &Scene, code: Code, text: &str, next: &str) -> Result<(), E2eError> {
    s.wait_hook("card-notice", Want::Attr("data-code", &code.as_str()))
        .await?;
    s.wait_hook("card-notice", Want::Text(text)).await?;
    s.wait_hook("card-notice", Want::Text(next)).await?;
    Ok(())
}
