//! The staff window's other tabs after a day's sale: a partial refund from the journal,
//! the sale's and the refund's receipts, the daily close that matches the acquirer's
//! totals, the settings, and the switch to the pharmacy mode.

use std::path::Path;

use madoguchi_e2e::{AppOptions, DemoMode, E2eError, Screen::Staff, Seen, WAIT, Want, hook};

use crate::flows::{counter_tab, ensure, journal, sale, scroll_into_view, staff_at, yen};
use crate::harness::{Scene, scenario, with_app};

/// The sale's amount, in yen.
const AMOUNT: u32 = 2_000;

/// The part of it refunded.
const REFUND: u32 = 500;

/// The demo acquirer's brand of sato-hanako's linked card.
const BRAND: &str = "VISA";

/// A sale of 2,000 yen, 500 of it refunded from the journal; the row shows the refunded
/// amount and, opened, the sale's and the refund's receipts (customer and merchant
/// copies); the day's close matches the acquirer's totals; the settings show; the
/// counter switches to the pharmacy mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_receipts_close_settings_and_mode() {
    scenario("journal", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Cashier)
            .label("journal");
        with_app(options, refund_close_settings).await
    })
    .await;
}

async fn refund_close_settings(s: &Scene) -> Result<(), E2eError> {
    sale(s, AMOUNT).await?;
    let id = refund(s).await?;
    receipts(s, &id).await?;
    close(s).await?;
    settings(s).await?;
    pharmacy(s).await
}

/// The first element of `hook` for the sale `id`.
fn of_sale(name: &str, id: &str) -> String {
    format!("{}[data-sale-id=\"{id}\"]", hook(name))
}

/// Refunds [`REFUND`] of the day's sale from the journal; returns the sale's id.
async fn refund(s: &Scene) -> Result<String, E2eError> {
    journal(s).await?;
    let row = s
        .wait_hook("journal-row", Want::Attr("data-state", "captured"))
        .await?;
    let id = row.attr("data-sale-id").unwrap_or_default().to_owned();
    ensure(!id.is_empty(), "the journal row's sale id", &row)?;

    s.click(&of_sale("journal-refund", &id)).await?;
    s.wait_for(&of_sale("journal-refund-panel", &id), Want::Present, WAIT)
        .await?;
    // The form offers what is left to refund: the whole sale.
    s.wait_for(
        &of_sale("refund-amount", &id),
        Want::Attr("max", &AMOUNT.to_string()),
        WAIT,
    )
    .await?;
    s.fill("refund-amount", &REFUND.to_string()).await?;
    s.capture(Staff, "staff-refund").await?;
    s.switch_to(Staff).await?;
    s.click(&of_sale("action-refund", &id)).await?;

    s.wait_hook("status-notice", Want::Attr("data-code", "refund_done"))
        .await?;
    // The journal searches again: the sale stays captured, with 500 refunded (the
    // row's fourth cell), and can still be refunded the rest.
    let refunded = format!("{} td:nth-child(4)", of_sale("journal-row", &id));
    s.wait_for(&refunded, Want::Text(&format!("¥{}", yen(REFUND))), WAIT)
        .await?;
    let row = s.peek(&of_sale("journal-row", &id)).await?;
    ensure(
        row.attr("data-state") == Some("captured"),
        "the sale captured after a partial refund",
        &row,
    )?;
    s.wait_for(&of_sale("journal-refund", &id), Want::Present, WAIT)
        .await?;
    s.capture(Staff, "staff-journal-refunded").await?;
    Ok(id)
}

/// Opens the receipts of the sale `id`: the sale's customer and merchant copies, then
/// the refund's, and the refund's line.
async fn receipts(s: &Scene, id: &str) -> Result<(), E2eError> {
    s.click(&of_sale("journal-receipts", id)).await?;
    let panel = of_sale("journal-receipts-panel", id);
    s.wait_for(&panel, Want::Present, WAIT).await?;
    s.wait_for(
        &of_sale("journal-receipts", id),
        Want::Attr("aria-expanded", "true"),
        WAIT,
    )
    .await?;
    s.wait_for(
        &format!("{panel} {}", hook("journal-refund-line")),
        Want::Attr("data-state", "refunded"),
        WAIT,
    )
    .await?;
    let receipt = |kind: &str, copy: &str| {
        format!(
            "{panel} {}[data-kind=\"{kind}\"][data-copy=\"{copy}\"]",
            hook("receipt")
        )
    };
    let all = s.peek(&format!("{panel} {}", hook("receipt"))).await?;
    ensure(
        all.count == 4,
        "4 receipts: sale and refund, 2 copies each",
        &all,
    )?;
    for (kind, amount) in [("sale", AMOUNT), ("refund", REFUND)] {
        for copy in ["customer", "merchant"] {
            let seen = s.peek(&receipt(kind, copy)).await?;
            ensure(
                seen.found() && seen.text.contains(&format!("¥{}", yen(amount))),
                &format!("the {kind}'s {copy} copy, of ¥{}", yen(amount)),
                &seen,
            )?;
            ensure(
                seen.attr("data-reprint") == Some("true"),
                &format!("the {kind}'s {copy} copy marked a reprint"),
                &seen,
            )?;
        }
    }
    scroll_into_view(s, &panel).await?;
    s.capture(Staff, "staff-receipts").await?;
    scroll_into_view(s, &receipt("refund", "customer")).await?;
    s.capture(Staff, "staff-refund-receipts").await?;
    Ok(())
}

/// Closes the day: one line, VISA, whose totals match the acquirer's.
async fn close(s: &Scene) -> Result<(), E2eError> {
    s.switch_to(Staff).await?;
    s.click_test("tab-close").await?;
    s.wait_hook("close-form", Want::Present).await?;
    s.click_test("close-run").await?;
    let report = s
        .wait_hook("close-report", Want::Attr("data-code", "close_matched"))
        .await?;
    ensure(
        report.attr("data-date").is_some_and(|d| !d.is_empty()),
        "the close report's date",
        &report,
    )?;
    s.wait_hook("close-code", Want::Attr("data-code", "close_matched"))
        .await?;
    let lines = s.peek(&hook("close-line")).await?;
    ensure(
        lines.count == 1
            && lines.attr("data-brand") == Some(BRAND)
            && lines.attr("data-matches") == Some("true"),
        "one VISA line that matches",
        &lines,
    )?;
    s.capture(Staff, "staff-close-report").await
}

/// The settings tab: the configuration, read-only.
async fn settings(s: &Scene) -> Result<(), E2eError> {
    s.switch_to(Staff).await?;
    s.click_test("tab-settings").await?;
    s.wait_hook("settings-note", Want::Present).await?;
    let filled = |seen: &Seen| seen.found() && !seen.text.trim().is_empty();
    s.wait_hook("settings", Want::Check(&filled)).await?;
    s.wait_hook(
        "settings",
        Want::Check(&|seen: &Seen| seen.text.contains("counter.toml")),
    )
    .await?;
    hide_checkout_path(s).await?;
    s.capture(Staff, "staff-settings").await
}

/// The settings name the demo's files by absolute path, which would put this machine's
/// checkout into the committed screenshot: the page's text shows `<checkout>` in its place
/// (only in this test's window, after the check above read the real paths).
async fn hide_checkout_path(s: &Scene) -> Result<(), E2eError> {
    let root = madoguchi_e2e::workspace_root().display().to_string();
    let script = "const root = arguments[0]; \
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); \
        for (let n = walk.nextNode(); n; n = walk.nextNode()) { \
          if (n.nodeValue.includes(root)) n.nodeValue = n.nodeValue.split(root).join('<checkout>'); \
        } \
        return document.body.innerText.includes(root);";
    let left = s
        .client()
        .execute(script, vec![serde_json::json!(root)])
        .await
        .map_err(|e| E2eError::Unexpected(format!("hide the checkout's path: {e}")))?;
    ensure(
        left == serde_json::json!(false),
        "no checkout path left on the page",
        left,
    )
}

/// The header's switch to the pharmacy mode, from the counter at rest.
async fn pharmacy(s: &Scene) -> Result<(), E2eError> {
    counter_tab(s).await?;
    staff_at(s, "ready", None).await?;
    s.wait_hook("mode", Want::Attr("data-mode", "cashier"))
        .await?;
    s.click(&format!(
        "{}[data-mode=\"pharmacy\"]",
        hook("action-set_mode")
    ))
    .await?;
    s.wait_hook("mode", Want::Attr("data-mode", "pharmacy"))
        .await?;
    s.wait_for(
        &format!("{}[data-mode=\"pharmacy\"]", hook("action-set_mode")),
        Want::Attr("aria-pressed", "true"),
        WAIT,
    )
    .await?;
    staff_at(s, "ready", None).await?;
    // Pharmacy waits for a card: no amount to type.
    s.wait_hook("sale-amount", Want::Absent).await?;
    s.wait_hook("action-start_fallback", Want::Present).await?;
    s.capture(Staff, "staff-ready-pharmacy").await
}
