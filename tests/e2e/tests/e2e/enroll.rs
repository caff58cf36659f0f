//! Enrollment at the counter: staff prepare the services to link, a card that is not
//! enrolled goes on the reader, the customer types the signature password, confirms the
//! certificate's four attributes and types the PIN; the card is enrolled, and its next
//! identification reaches the service menu. The order is counter_flow.rs's
//! (crates/counter-runtime/tests/runtime).

use std::path::Path;

use madoguchi_e2e::{
    AppOptions, DemoMode, E2eError,
    Screen::{Customer, Staff},
    Seen, WAIT, Want, hook,
};
use serde_json::json;
use tokio::time::{Instant, sleep};

use crate::flows::{
    counter_tab, customer_at, ensure, enter_pin, place_card, remove_card, scroll_into_view,
    staff_at,
};
use crate::harness::{Scene, scenario, with_app};

/// A persona the demo does not enrol (crates/counter-demo/src/personas.rs), with a
/// signature certificate.
const PERSONA: &str = "kobayashi-mei";

/// The demo's insurer (prefilled in the form) and kobayashi-mei's qualification in the
/// insurer's demo register (crates/backend-insurer/data/demo-insured.toml).
const INSURER: &str = "ins-kanto";
const INSURER_NUMBER: &str = "00140004";
const SYMBOL: &str = "中原";
const NUMBER: &str = "5550001";
const BRANCH: &str = "00";

/// The demo's acquirer (prefilled in the form; not linked here: the persona has no card
/// token at the demo acquirer).
const ACQUIRER: &str = "acq-visa";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrollment_at_the_counter() {
    scenario("enroll", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .label("enroll");
        with_app(options, enrol).await
    })
    .await;
}

async fn enrol(s: &Scene) -> Result<(), E2eError> {
    let persona = testkit::load_persona(PERSONA).unwrap();
    let password = persona.sign_password.clone().unwrap();

    start(s).await?;
    place_card(s, PERSONA).await?;

    // The signature password, masked.
    customer_at(s, "enroll", Some("password_entry")).await?;
    let entry = s
        .wait_hook("password-entry", Want::Attr("type", "password"))
        .await?;
    ensure(
        entry.attr("maxlength") == Some("16") && entry.attr("minlength") == Some("6"),
        "the password input takes 6 to 16 characters",
        &entry,
    )?;
    type_password(s, &password).await?;
    s.capture(Customer, "customer-enroll-password").await?;
    not_shown(s, &password, "the customer window").await?;
    s.switch_to(Customer).await?;
    s.click_test("action-password").await?;

    // The four attributes of the signature certificate.
    customer_at(s, "enroll", Some("confirm_attributes")).await?;
    let attributes = s.wait_hook("attributes", Want::Present).await?;
    ensure(
        attributes.text.contains(&persona.name)
            && attributes.text.contains(&persona.address)
            && attributes.text.contains(&iso(&persona.birth_date)),
        "the attributes show the name, address and birth date",
        &attributes,
    )?;
    s.capture(Customer, "customer-enroll-attributes").await?;
    counter_tab(s).await?;
    s.wait_hook("enroll-step", Want::Attr("data-step", "confirm_attributes"))
        .await?;
    not_shown(s, &password, "the staff window").await?;
    s.switch_to(Customer).await?;
    s.click_test("action-confirm_attributes").await?;

    // The PIN, asked in English this time.
    customer_at(s, "enroll", Some("pin_entry")).await?;
    s.wait_hook("pin-entry", Want::Attr("data-length", "0"))
        .await?;
    s.click("button[data-lang='en']").await?;
    s.wait_for("html", Want::Attr("lang", "en"), WAIT).await?;
    s.wait_hook("key-ok", Want::Present).await?;
    s.capture(Customer, "customer-pin-en").await?;
    s.switch_to(Customer).await?;
    s.type_digits(&persona.auth_pin).await?;
    s.click_test("key-ok").await?;

    // Done: the insurance is linked, on both windows.
    counter_tab(s).await?;
    staff_at(s, "enroll", Some("enrolled")).await?;
    linked(s).await?;
    s.capture(Staff, "staff-enroll-done").await?;
    customer_at(s, "enroll", Some("enrolled")).await?;
    linked(s).await?;
    s.click("button[data-lang='ja']").await?;
    s.wait_for("html", Want::Attr("lang", "ja"), WAIT).await?;
    s.capture(Customer, "customer-enrolled").await?;
    counter_tab(s).await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;

    // Laid on the reader again, the card identifies and reaches the service menu.
    remove_card(s).await?;
    place_card(s, PERSONA).await?;
    enter_pin(s, &persona.auth_pin, None).await?;
    customer_at(s, "check", Some("choose_service")).await?;
    s.wait_for(
        &format!(
            "{}[data-service-id=\"{INSURER}\"]",
            hook("action-choose_service")
        ),
        Want::Present,
        WAIT,
    )
    .await?;
    counter_tab(s).await?;
    s.click_test("action-cancel").await?;
    Ok(())
}

/// Staff, at rest: open the enrollment form, check the demo's prefilled service ids,
/// fill in the insurance, leave the payment out, and start; the counter waits for the
/// card.
async fn start(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    s.click(&format!("{} > summary", hook("enroll-form")))
        .await?;
    s.wait_hook("enroll-form", Want::Attr("open", "")).await?;
    for (field, want) in [
        ("enroll-insurance-service", INSURER),
        ("enroll-payment-service", ACQUIRER),
    ] {
        let value = value_of(s, field).await?;
        ensure(
            value == want,
            &format!("{field} prefilled with the demo's {want}"),
            &value,
        )?;
    }
    s.fill("enroll-insurer_number", INSURER_NUMBER).await?;
    s.fill("enroll-symbol", SYMBOL).await?;
    s.fill("enroll-number", NUMBER).await?;
    s.fill("enroll-branch", BRANCH).await?;
    s.click_test("enroll-payment").await?;
    s.wait_for(
        &format!("{}:not(:checked)", hook("enroll-payment")),
        Want::Present,
        WAIT,
    )
    .await?;
    scroll_into_view(s, &hook("enroll-form")).await?;
    s.capture(Staff, "staff-enroll-form").await?;
    s.switch_to(Staff).await?;
    s.click_test("action-start_enrollment").await?;
    staff_at(s, "enroll", Some("waiting_for_card")).await?;
    s.capture(Staff, "staff-enroll-start").await
}

/// The value of the staff form control with hook `name`.
async fn value_of(s: &Scene, name: &str) -> Result<String, E2eError> {
    let value = s
        .client()
        .execute(
            "return document.querySelector(arguments[0])?.value ?? null;",
            vec![json!(hook(name))],
        )
        .await
        .map_err(|e| E2eError::Unexpected(format!("read {name}: {e}")))?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// Customer: types `password` into the password input until it holds exactly that and
/// the send button is enabled. The window re-renders every second (the time left), which
/// may replace the input while WebDriver types; the page keeps what was typed, but a
/// replaced element refuses the next keys, so typing starts over then.
async fn type_password(s: &Scene, password: &str) -> Result<(), E2eError> {
    s.switch_to(Customer).await?;
    let deadline = Instant::now() + WAIT;
    loop {
        let typed = s.fill("password-entry", password).await;
        let holds = s
            .client()
            .execute(
                "return document.querySelector(arguments[0])?.value === arguments[1];",
                vec![json!(hook("password-entry")), json!(password)],
            )
            .await
            .map_err(|e| E2eError::Unexpected(format!("read the password input: {e}")))?;
        let enabled = |seen: &Seen| seen.found() && seen.attr("disabled").is_none();
        if typed.is_ok()
            && holds == json!(true)
            && enabled(&s.peek(&hook("action-password")).await?)
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(E2eError::Unexpected(format!(
                "the password input did not take the password within {WAIT:?} (last: {typed:?})"
            )));
        }
        sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Fails when the current window's text shows `secret`.
async fn not_shown(s: &Scene, secret: &str, what: &str) -> Result<(), E2eError> {
    let page = s.peek("body").await?;
    ensure(
        !page.text.contains(secret),
        &format!("the signature password not shown on {what}"),
        "it is",
    )
}

/// The current window lists the insurer among the linked services.
async fn linked(s: &Scene) -> Result<(), E2eError> {
    s.wait_for(
        &format!("{} li[data-service-id=\"{INSURER}\"]", hook("menu")),
        Want::Present,
        WAIT,
    )
    .await?;
    Ok(())
}

/// `YYYYMMDD` or `YYYY-MM-DD` as the customer window shows it (`YYYY-MM-DD`).
fn iso(date: &str) -> String {
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    match (digits.get(..4), digits.get(4..6), digits.get(6..8)) {
        (Some(y), Some(m), Some(d)) if digits.len() == 8 => format!("{y}-{m}-{d}"),
        _ => date.to_owned(),
    }
}
