//! The steps the scenarios share, as staff and customer take them on screen: a card
//! placed from the demo panel, the PIN on the customer's keypad, the service and the
//! consents, a sale started and paid. The order of the steps is the one
//! crates/counter-runtime/tests/runtime/counter_flow.rs drives headless.

use madoguchi_e2e::{
    E2eError,
    Screen::{Customer, Staff},
    Seen, Want, hook,
};

use crate::harness::Scene;

/// The persona of the main flows: PIN 1234 with 3 tries, insurance valid (3割), a VISA
/// card ending 4242 linked.
pub const PERSONA: &str = "sato-hanako";

/// `PERSONA`'s auth PIN, from the committed persona.
pub fn pin() -> String {
    testkit::load_persona(PERSONA).unwrap().auth_pin
}

/// Whether a screen root shows `screen` at `step` (any step when `None`).
fn at<'a>(screen: &'a str, step: Option<&'a str>) -> impl Fn(&Seen) -> bool + Send + Sync + 'a {
    move |seen: &Seen| {
        seen.attr("data-screen") == Some(screen)
            && step.is_none_or(|s| seen.attr("data-step") == Some(s))
    }
}

/// Waits until the staff window's counter shows `screen` (at `step`).
pub async fn staff_at(s: &Scene, screen: &str, step: Option<&str>) -> Result<Seen, E2eError> {
    s.switch_to(Staff).await?;
    s.wait_hook("staff-screen", Want::Check(&at(screen, step)))
        .await
}

/// Waits until the customer window shows `screen` (at `step`).
pub async fn customer_at(s: &Scene, screen: &str, step: Option<&str>) -> Result<Seen, E2eError> {
    s.switch_to(Customer).await?;
    s.wait_hook("customer-screen", Want::Check(&at(screen, step)))
        .await
}

/// Staff: the counter tab.
pub async fn counter_tab(s: &Scene) -> Result<(), E2eError> {
    s.switch_to(Staff).await?;
    s.click_test("tab-counter").await
}

/// Staff: the demo tab, lists the persona cards.
pub async fn demo_tab(s: &Scene) -> Result<(), E2eError> {
    s.switch_to(Staff).await?;
    s.click_test("tab-demo").await?;
    s.wait_hook(&format!("demo-place-{PERSONA}"), Want::Present)
        .await?;
    Ok(())
}

/// Staff: lays `persona`'s card on the virtual reader from the demo panel, and waits
/// until the status bar sees it.
pub async fn place_card(s: &Scene, persona: &str) -> Result<(), E2eError> {
    demo_tab(s).await?;
    s.click_test(&format!("demo-place-{persona}")).await?;
    s.wait_hook("status-reader", Want::Attr("data-state", "card"))
        .await?;
    Ok(())
}

/// Staff: takes the card off the reader from the demo panel, and waits until the status
/// bar sees it gone.
pub async fn remove_card(s: &Scene) -> Result<(), E2eError> {
    demo_tab(s).await?;
    s.click_test("demo-remove").await?;
    s.wait_hook("status-reader", Want::Attr("data-state", "empty"))
        .await?;
    Ok(())
}

/// Customer: waits for the PIN step, screenshots it as `shot` (when given), types `pin`
/// on the keypad and presses OK.
pub async fn enter_pin(s: &Scene, pin: &str, shot: Option<&str>) -> Result<(), E2eError> {
    customer_at(s, "identify", Some("pin_entry")).await?;
    s.wait_hook("pin-entry", Want::Attr("data-length", "0"))
        .await?;
    if let Some(shot) = shot {
        s.capture(Customer, shot).await?;
    }
    s.switch_to(Customer).await?;
    s.type_digits(pin).await?;
    s.click_test("key-ok").await
}

/// Customer: picks the insurance service, then gives every consent the site offers
/// (the blanket one, an electronic prescription), screenshotting both screens.
pub async fn choose_service_and_consent(s: &Scene) -> Result<(), E2eError> {
    customer_at(s, "check", Some("choose_service")).await?;
    s.capture(Customer, "customer-service").await?;
    s.click_test("action-choose_service").await?;
    customer_at(s, "check", Some("consent")).await?;
    s.capture(Customer, "customer-consent").await?;
    if s.peek(&hook("consent-blanket")).await?.found() {
        s.click_test("consent-blanket").await?;
    }
    if s.peek(&hook("consent-prescription")).await?.found() {
        s.click(&format!(
            "{}[data-key=\"electronic\"]",
            hook("consent-prescription")
        ))
        .await?;
    }
    s.click_test("action-consent").await
}

/// Staff: the check's result is the demo insurer's valid 3割 answer, and its file for the
/// receipt system is written.
pub async fn valid_check_shown(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "check", None).await?;
    s.wait_hook("export-state", Want::Attr("data-state", "written"))
        .await?;
    s.wait_hook("ratio", Want::Attr("data-tenths", "3")).await?;
    s.wait_hook("validity", Want::Attr("data-validity", "valid"))
        .await?;
    s.wait_hook(
        "headline-code",
        Want::Attr("data-code", "eligibility_valid"),
    )
    .await?;
    Ok(())
}

/// Staff, cashier mode: types `amount` and starts the sale; then the customer's card
/// goes on the reader and the customer types the PIN, seeing the amount first.
pub async fn start_sale(s: &Scene, amount: u32) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    s.fill("sale-amount", &amount.to_string()).await?;
    s.click_test("action-new_sale").await?;
    staff_at(s, "sale", Some("identifying")).await?;
    place_card(s, PERSONA).await?;
    counter_tab(s).await?;
    s.wait_hook("identify-step", Want::Attr("data-step", "pin_entry"))
        .await?;
    s.capture(Staff, "staff-sale-identifying").await?;
    customer_at(s, "identify", Some("pin_entry")).await?;
    s.wait_hook("identify-amount", Want::Text(&yen(amount)))
        .await?;
    enter_pin(s, &pin(), Some("customer-pin-payment")).await
}

/// Customer: the amount to confirm and the ways to pay; picks the first (the linked
/// credit card) for the amount shown.
pub async fn pay(s: &Scene, amount: u32) -> Result<(), E2eError> {
    customer_at(s, "pay", None).await?;
    s.wait_hook("pay-amount", Want::Attr("data-amount", &amount.to_string()))
        .await?;
    s.capture(Customer, "customer-pay").await?;
    s.switch_to(Customer).await?;
    s.click_test("action-pay").await
}

/// A whole sale of `amount`, up to the staff seeing it captured; then staff finish.
pub async fn sale(s: &Scene, amount: u32) -> Result<(), E2eError> {
    start_sale(s, amount).await?;
    pay(s, amount).await?;
    counter_tab(s).await?;
    staff_at(s, "sale", Some("done")).await?;
    s.wait_hook("sale-state", Want::Attr("data-state", "captured"))
        .await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;
    Ok(())
}

/// Staff: the journal tab with today's sales listed.
pub async fn journal(s: &Scene) -> Result<(), E2eError> {
    s.switch_to(Staff).await?;
    s.click_test("tab-journal").await?;
    s.click_test("journal-search-run").await?;
    s.wait_hook("journal-row", Want::Present).await?;
    Ok(())
}

/// Scrolls the current window until the first element matching `css` is at its top,
/// for a screenshot of what lies below the fold (a receipt).
pub async fn scroll_into_view(s: &Scene, css: &str) -> Result<(), E2eError> {
    s.wait_for(css, Want::Present, madoguchi_e2e::WAIT).await?;
    s.client()
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView();",
            vec![serde_json::json!(css)],
        )
        .await
        .map(|_| ())
        .map_err(|e| E2eError::Unexpected(format!("scroll to {css}: {e}")))
}

/// `amount` as the windows show it: `1500` → `1,500` (after the yen sign).
pub fn yen(amount: u32) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Fails unless `ok`, saying `what` and what was `seen`.
pub fn ensure(ok: bool, what: &str, seen: impl std::fmt::Display) -> Result<(), E2eError> {
    if ok {
        Ok(())
    } else {
        Err(E2eError::Unexpected(format!("{what}: got {seen}")))
    }
}
