//! The cashier: a payment with the PIN typed on the customer's window, its receipt with
//! the card masked, and its void from the journal.

use std::path::Path;

use counter_store::scan::scan_bytes;
use madoguchi_e2e::{
    AppOptions, DemoMode, E2eError,
    Screen::{Customer, Staff},
    Want, hook,
};

use crate::flows::{counter_tab, customer_at, ensure, journal, pay, sale, staff_at, start_sale};
use crate::harness::{Scene, scenario, with_app};

/// The amount of scenario b's sale, in yen.
const AMOUNT: u32 = 1_500;

/// The last 4 digits of sato-hanako's linked VISA card (the demo acquirer's token).
const LAST4: &str = "4242";

/// Scenario b: staff type the amount, the customer types the PIN, picks the credit
/// card and confirms the amount; staff see the sale captured and a receipt with the
/// card masked to its last 4 digits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_with_pin_on_customer_window() {
    scenario("payment", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Cashier)
            .label("payment");
        with_app(options, payment).await
    })
    .await;
}

async fn payment(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    s.wait_hook("sale-amount", Want::Present).await?;
    s.capture(Staff, "staff-ready-cashier").await?;
    start_sale(s, AMOUNT).await?;
    pay(s, AMOUNT).await?;

    customer_at(s, "paying", None).await?;
    s.wait_hook(
        "paying-message",
        Want::Attr("data-code", "payment_approved"),
    )
    .await?;
    s.capture(Customer, "customer-paid").await?;
    no_card_number(s, "the customer window").await?;

    counter_tab(s).await?;
    staff_at(s, "sale", Some("done")).await?;
    s.wait_hook("sale-state", Want::Attr("data-state", "captured"))
        .await?;
    let receipt = s
        .wait_for(
            &format!("{}[data-copy=\"customer\"]", hook("receipt")),
            Want::Present,
            madoguchi_e2e::WAIT,
        )
        .await?;
    ensure(
        receipt.text.contains(LAST4),
        "the customer receipt shows the card's last 4 digits",
        &receipt,
    )?;
    ensure(
        receipt.text.contains(&format!("XXXX-XXXX-XXXX-{LAST4}"))
            || receipt.text.contains(&format!("****{LAST4}")),
        "the customer receipt masks the card",
        &receipt,
    )?;
    no_card_number(s, "the staff window").await?;
    s.capture(Staff, "staff-sale-done").await?;
    let receipt = format!("{}[data-copy=\"customer\"]", hook("receipt"));
    s.client()
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView();",
            vec![serde_json::json!(receipt)],
        )
        .await
        .map_err(|e| E2eError::Unexpected(format!("scroll to the receipt: {e}")))?;
    s.capture(Staff, "staff-receipt").await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;
    Ok(())
}

/// Fails when the current window's text holds a card number (13–19 digits passing the
/// Luhn check, also in groups as printed on a card), through counter-store's scanner.
async fn no_card_number(s: &Scene, what: &str) -> Result<(), E2eError> {
    let page = s.peek("body").await?;
    let hits = scan_bytes(page.text.as_bytes(), &[]);
    ensure(
        hits.is_empty(),
        &format!("no card number on {what}"),
        format!("{} card number(s)", hits.len()),
    )
}

/// Scenario f: after a sale, the journal lists it; staff void it and its row says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn void_from_the_journal() {
    scenario("void", async |dir: &Path| {
        let options = AppOptions::demo(dir).mode(DemoMode::Cashier).label("void");
        with_app(options, void).await
    })
    .await;
}

async fn void(s: &Scene) -> Result<(), E2eError> {
    sale(s, 2_000).await?;
    journal(s).await?;
    let row = s
        .wait_hook("journal-row", Want::Attr("data-state", "captured"))
        .await?;
    let id = row.attr("data-sale-id").unwrap_or_default().to_owned();
    ensure(!id.is_empty(), "the journal row's sale id", &row)?;
    s.capture(Staff, "staff-journal").await?;

    let of_sale = |name: &str| format!("{}[data-sale-id=\"{id}\"]", hook(name));
    s.click(&of_sale("journal-void")).await?;
    s.wait_for(&of_sale("action-void"), Want::Present, madoguchi_e2e::WAIT)
        .await?;
    s.capture(Staff, "staff-journal-void-confirm").await?;
    s.switch_to(Staff).await?;
    s.click(&of_sale("action-void")).await?;

    s.wait_for(
        &of_sale("journal-row"),
        Want::Attr("data-state", "voided"),
        madoguchi_e2e::WAIT,
    )
    .await?;
    s.wait_hook("status-notice", Want::Attr("data-code", "payment_voided"))
        .await?;
    s.capture(Staff, "staff-journal-voided").await?;
    Ok(())
}
