//! The power cut: the app dies (SIGKILL, crates/counter-runtime/src/crash.rs) right after
//! it journaled the acquirer's approval, and starts again on the same folder.

use std::{path::Path, time::Duration};

use madoguchi_e2e::{AppOptions, DemoMode, E2eError, Screen::Staff, Want};

use crate::flows::{ensure, journal, pay, staff_at, start_sale};
use crate::harness::{Scene, scenario, with_app, with_crashing_app};

/// The crash point: the authorisation is approved and journaled, the capture not yet
/// sent (`PAYMENT_STEPS` in crash.rs).
const CRASH_STEP: &str = "after_authorised_journal";

/// How long the app may take to reach the crash point once the customer paid.
const DEATH: Duration = Duration::from_secs(30);

/// How a sale may stand once recovered: captured, or cancelled at the acquirer. Never
/// in doubt, never declined (the acquirer approved it).
const RESOLVED: &[&str] = &["captured", "voided", "reversed"];

/// Scenario g: killed after authorising, restarted: staff are told the payments were
/// recovered, and the journal shows the sale resolved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_authorising_then_recovered() {
    scenario("crash", async |dir: &Path| {
        let crashing = AppOptions::demo(dir)
            .mode(DemoMode::Cashier)
            .crash_at(CRASH_STEP)
            .label("crash");
        with_crashing_app(crashing, crash).await?;
        let again = AppOptions::demo(dir)
            .mode(DemoMode::Cashier)
            .label("restart");
        with_app(again, recovered).await
    })
    .await;
}

async fn crash(s: &Scene) -> Result<(), E2eError> {
    start_sale(s, 1_200).await?;
    pay(s, 1_200).await?;
    s.wait_for_app_exit(DEATH).await
}

async fn recovered(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    s.wait_hook(
        "status-notice",
        Want::Attr("data-code", "payments_recovered"),
    )
    .await?;
    s.wait_hook("status-doubt", Want::Attr("data-state", "0"))
        .await?;
    s.capture(Staff, "staff-recovered").await?;
    journal(s).await?;
    let row = s
        .wait_hook("journal-row", Want::AttrIn("data-state", RESOLVED))
        .await?;
    ensure(
        row.count == 1,
        "one sale in the journal",
        format!("{} rows", row.count),
    )?;
    s.capture(Staff, "staff-journal-recovered").await?;
    Ok(())
}
