//! The power cut: the app dies (SIGKILL, crates/counter-runtime/src/crash.rs) right after
//! it journaled the acquirer's approval, and starts again on the same folder. And a sale
//! left in doubt while the acquirer cannot be reached: the windows do not wait for it.

use std::{path::Path, time::Duration};

use madoguchi_e2e::{AppOptions, DemoMode, E2eError, Screen::Staff, WAIT, Want, hook};

use crate::flows::{
    PERSONA, choose_service_and_consent, counter_tab, ensure, enter_pin, journal, pay, pin,
    place_card, sale, staff_at, start_sale,
};
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

/// A sale paid on the customer window, and the app killed at its crash point. The point
/// may come while WebDriver still handles the pay click (`after_journal` is the first
/// thing the click starts), and then the click's answer is lost with the page ("page
/// crash or hang"): the app's exit and the crash hook's line in its log are what count.
async fn crash(s: &Scene) -> Result<(), E2eError> {
    start_sale(s, 1_200).await?;
    let paid = pay(s, 1_200).await;
    let exited = s.wait_for_app_exit(DEATH).await;
    match (paid, exited) {
        (Ok(()), exited) => exited,
        (Err(_), Ok(())) if crash_point_reached(s) => Ok(()),
        (Err(lost), _) => Err(lost),
    }
}

/// Whether the app's log has the crash hook's line (counter_runtime::crash).
fn crash_point_reached(s: &Scene) -> bool {
    std::fs::read_to_string(s.log()).is_ok_and(|log| log.contains("crash point reached"))
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

/// The crash point of the sale left in doubt: journaled as sent, the authorisation not yet
/// on its way.
const IN_DOUBT_STEP: &str = "after_journal";

/// Issue 14: a sale left in doubt while the acquirer cannot be reached. The app opens its
/// windows without waiting for the recovery, which cannot finish: the doubt is listed on
/// the status bar, a reception check is made as usual, and a new card sale is refused with
/// the reason. With the acquirer back, the recovery settles the sale on its own (nothing
/// had reached the acquirer: reversed, nothing charged) and the next card sale is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_in_doubt_with_the_acquirer_down_holds_only_card_sales() {
    scenario("doubt", async |dir: &Path| {
        let crashing = AppOptions::demo(dir)
            .mode(DemoMode::Cashier)
            .crash_at(IN_DOUBT_STEP)
            .label("doubt-crash");
        with_crashing_app(crashing, crash).await?;
        let down = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .acquirer_down()
            .label("doubt-acquirer-down");
        with_app(down, checks_go_on).await?;
        let back = AppOptions::demo(dir)
            .mode(DemoMode::Cashier)
            .label("doubt-acquirer-back");
        with_app(back, resolved_then_sold).await
    })
    .await;
}

async fn checks_go_on(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    s.wait_hook("status-doubt", Want::Attr("data-state", "1"))
        .await?;
    s.capture(Staff, "staff-doubt-acquirer-down").await?;

    // A reception check, as on any morning.
    place_card(s, PERSONA).await?;
    counter_tab(s).await?;
    staff_at(s, "identify", Some("pin_entry")).await?;
    enter_pin(s, &pin(), None).await?;
    choose_service_and_consent(s).await?;
    counter_tab(s).await?;
    staff_at(s, "check", None).await?;
    s.wait_hook(
        "headline-code",
        Want::Attr("data-code", "eligibility_valid"),
    )
    .await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;

    // At the till, a card sale waits for the sale in doubt, and says so.
    s.click(&format!(
        "{}[data-mode=\"cashier\"]",
        hook("action-set_mode")
    ))
    .await?;
    s.wait_hook("mode", Want::Attr("data-mode", "cashier"))
        .await?;
    staff_at(s, "ready", None).await?;
    s.fill("sale-amount", "900").await?;
    s.click_test("action-new_sale").await?;
    s.wait_hook("status-notice", Want::Attr("data-code", "sales_in_doubt"))
        .await?;
    staff_at(s, "ready", None).await?;
    // Still in doubt: the recovery cannot reach the acquirer, and nothing hid that.
    s.wait_hook("status-doubt", Want::Attr("data-state", "1"))
        .await?;
    s.capture(Staff, "staff-doubt-sale-refused").await
}

async fn resolved_then_sold(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    s.wait_hook("status-doubt", Want::Attr("data-state", "0"))
        .await?;
    sale(s, 900).await?;
    journal(s).await?;
    let rows = s.wait_hook("journal-row", Want::Present).await?;
    ensure(rows.count == 2, "two sales in the journal", &rows)?;
    for (state, what) in [
        ("reversed", "the sale in doubt reversed, nothing charged"),
        ("captured", "the next sale captured"),
    ] {
        let row = s
            .wait_for(
                &format!("{}[data-state=\"{state}\"]", hook("journal-row")),
                Want::Present,
                WAIT,
            )
            .await?;
        ensure(row.count == 1, what, &row)?;
    }
    s.capture(Staff, "staff-journal-doubt-resolved").await
}
