//! The shop's register sends the sale: the demo serves the POS payment API on loopback,
//! the test posts sales over HTTP as a register would, the customer window shows the
//! register's amount, the customer types the PIN and pays, and the register reads the
//! approval with the receipt's data, retries its create and its refund without selling or
//! refunding twice, cancels a sale before the card step and voids another; then the app is
//! killed after an approval it never showed, and the restarted app answers the register
//! with the one outcome the recovery gave.

use std::path::Path;
use std::time::Duration;

use madoguchi_e2e::{
    AppOptions, DemoMode, E2eError,
    Screen::{Customer, Staff},
    Want,
};
use serde_json::{Value, json};

use crate::flows::{
    PERSONA, counter_tab, customer_at, ensure, enter_pin, pay, pin, place_card, staff_at, yen,
};
use crate::harness::{Scene, scenario, with_app, with_crashing_app};

/// The register's amount, in yen.
const AMOUNT: u32 = 1_800;

/// A free port on loopback for the demo's POS API, below the ephemeral range (see
/// [`madoguchi_e2e::free_port`]).
fn free_port() -> u16 {
    madoguchi_e2e::free_port().expect("a free loopback port for the POS API")
}

/// One HTTP/1.1 request to the register's API on `port`, as a register sends it; the
/// status and the JSON body.
async fn register(
    port: u16,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> Result<(u16, Value), E2eError> {
    use std::io::{Read, Write};
    let what = format!("the register's {method} {path}");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(key) = key {
        request.push_str(&format!("Idempotency-Key: {key}\r\n"));
    }
    request.push_str(&format!("\r\n{body}"));
    let exchange = move || -> std::io::Result<String> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
        stream.write_all(request.as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    };
    let answer = tokio::task::spawn_blocking(exchange)
        .await
        .map_err(|e| E2eError::Unexpected(format!("{what}: {e}")))?
        .map_err(|e| E2eError::Unexpected(format!("{what}: {e}")))?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| E2eError::Unexpected(format!("{what}: no status line: {answer}")))?;
    let json = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .ok_or_else(|| E2eError::Unexpected(format!("{what}: no JSON body: {answer}")))?;
    Ok((status, json))
}

/// The crash point: the authorisation is approved and journaled, the capture not yet
/// sent (`PAYMENT_STEPS` in crates/counter-runtime/src/crash.rs).
const CRASH_STEP: &str = "after_authorised_journal";

/// The register's sale `order_ref` of `amount` (key `key-<order_ref>`), which the
/// customer pays at the window; the card is placed from the demo panel when `card`.
async fn paid(
    s: &Scene,
    port: u16,
    order_ref: &str,
    amount: u32,
    card: bool,
) -> Result<Value, E2eError> {
    let sale = json!({"amount_jpy": amount, "order_ref": order_ref});
    let key = format!("key-{order_ref}");
    let (status, body) = register(port, "POST", "/v1/sales", Some(&key), Some(sale)).await?;
    ensure(
        status == 201 && body["state"] == "waiting_for_customer",
        "the register's sale is taken",
        &body,
    )?;
    // The staff window shows the register's sale; the customer window its amount.
    staff_at(s, "sale", Some("identifying")).await?;
    if card {
        place_card(s, PERSONA).await?;
        counter_tab(s).await?;
    }
    customer_at(s, "identify", Some("pin_entry")).await?;
    s.wait_hook("identify-amount", Want::Text(&yen(amount)))
        .await?;
    if order_ref == "REG-0001" {
        s.capture(Customer, "customer-pin-register").await?;
    }
    enter_pin(s, &pin(), None).await?;
    pay(s, amount).await?;
    Ok(body)
}

/// Scenario: the register sells, retries, refunds, cancels and voids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_the_register_sends_is_paid_on_the_customer_window() {
    scenario("register", async |dir: &Path| {
        let port = free_port();
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Cashier)
            .pos(port)
            .label("register");
        with_app(options, async |s: &Scene| register_sale(s, port).await).await
    })
    .await;
}

async fn register_sale(s: &Scene, port: u16) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    paid(s, port, "REG-0001", AMOUNT, true).await?;
    s.wait_hook(
        "paying-message",
        Want::Attr("data-code", "payment_approved"),
    )
    .await?;
    counter_tab(s).await?;
    staff_at(s, "sale", Some("done")).await?;
    s.wait_hook("sale-state", Want::Attr("data-state", "captured"))
        .await?;
    s.capture(Staff, "staff-register-sale-done").await?;
    let (status, body) = register(port, "GET", "/v1/sales/REG-0001", None, None).await?;
    ensure(
        status == 200
            && body["state"] == "approved"
            && body["receipt"]["last4"] == "4242"
            && body["receipt"]["amount_jpy"] == AMOUNT,
        "the register reads the approval and the receipt's data",
        &body,
    )?;
    // Its create retried (a lost answer): the same sale, nothing sold twice.
    let sale = json!({"amount_jpy": AMOUNT, "order_ref": "REG-0001"});
    let (status, again) =
        register(port, "POST", "/v1/sales", Some("key-REG-0001"), Some(sale)).await?;
    ensure(
        status == 200 && again["state"] == "approved" && again["sale_id"] == body["sale_id"],
        "the retried create answers the same sale",
        &again,
    )?;
    // A refund, retried under the same key: refunded once.
    for _ in 0..2 {
        let (status, body) = register(
            port,
            "POST",
            "/v1/sales/REG-0001/refunds",
            Some("reg-refund-0001"),
            Some(json!({"amount_jpy": 300})),
        )
        .await?;
        ensure(
            status == 200
                && body["refunded_jpy"] == 300
                && body["refunds"].as_array().map(Vec::len) == Some(1),
            "the refund, made once",
            &body,
        )?;
    }

    // The next sale, cancelled by the register while the customer identifies.
    let sale = json!({"amount_jpy": 500, "order_ref": "REG-0002"});
    let (status, body) =
        register(port, "POST", "/v1/sales", Some("key-REG-0002"), Some(sale)).await?;
    ensure(status == 201, "the second sale is taken", &body)?;
    customer_at(s, "identify", Some("pin_entry")).await?;
    let (status, body) = register(port, "POST", "/v1/sales/REG-0002/cancel", None, None).await?;
    ensure(
        status == 200 && body["state"] == "cancelled",
        "the register cancels before the card step",
        &body,
    )?;
    customer_at(s, "welcome", None).await?;
    staff_at(s, "ready", None).await?;
    s.wait_hook("status-notice", Want::Attr("data-code", "cancelled"))
        .await?;

    // A third sale, voided by the register on its day.
    paid(s, port, "REG-0003", 700, false).await?;
    counter_tab(s).await?;
    staff_at(s, "sale", Some("done")).await?;
    s.wait_hook("sale-state", Want::Attr("data-state", "captured"))
        .await?;
    let (status, body) = register(port, "POST", "/v1/sales/REG-0003/void", None, None).await?;
    ensure(
        status == 200 && body["state"] == "voided",
        "the register voids its sale",
        &body,
    )?;
    s.wait_hook("status-notice", Want::Attr("data-code", "payment_voided"))
        .await?;
    Ok(())
}

/// Scenario: the app killed under a register's sale after the approval, restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_killed_under_a_registers_sale_answers_one_outcome() {
    scenario("register-crash", async |dir: &Path| {
        let port = free_port();
        let crashing = AppOptions::demo(dir)
            .mode(DemoMode::Cashier)
            .pos(port)
            .crash_at(CRASH_STEP)
            .label("register-crash");
        with_crashing_app(crashing, async |s: &Scene| {
            staff_at(s, "ready", None).await?;
            paid(s, port, "REG-0009", 1_100, true).await?;
            s.wait_for_app_exit(Duration::from_secs(30)).await
        })
        .await?;
        let again = AppOptions::demo(dir)
            .mode(DemoMode::Cashier)
            .pos(port)
            .label("register-restart");
        with_app(again, async |s: &Scene| {
            staff_at(s, "ready", None).await?;
            s.wait_hook(
                "status-notice",
                Want::Attr("data-code", "payments_recovered"),
            )
            .await?;
            let (status, body) = register(port, "GET", "/v1/sales/REG-0009", None, None).await?;
            ensure(
                status == 200
                    && body["state"] == "not_charged"
                    && body["code"] == "approval_reversed_on_recovery",
                "after the restart the register reads the one outcome: reversed, not charged",
                &body,
            )?;
            let sale = json!({"amount_jpy": 1_100, "order_ref": "REG-0009"});
            let (status, again) =
                register(port, "POST", "/v1/sales", Some("key-REG-0009"), Some(sale)).await?;
            ensure(
                status == 200 && again["sale_id"] == body["sale_id"],
                "its retried create answers the same sale, not a new one",
                &again,
            )
        })
        .await
    })
    .await;
}
