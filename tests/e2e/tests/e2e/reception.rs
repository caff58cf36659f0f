//! Reception: the eligibility check with the card, its export for the receipt system,
//! and the fallback when the insurer cannot be reached.

use std::path::Path;

// sato-hanako's insurer in the demo register.
use counter_demo::personas::INSURER_NUMBER;
use madoguchi_e2e::{
    AppOptions, DemoMode, E2eError,
    Screen::{Customer, Staff},
    Want,
};

use crate::flows::{
    PERSONA, choose_service_and_consent, counter_tab, customer_at, ensure, enter_pin, pin,
    place_card, staff_at, valid_check_shown,
};
use crate::harness::{Scene, scenario, with_app};

/// Scenario a: card → PIN → service → consents → staff read 3割 and "valid" → the
/// receipt system's files are written → finish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reception_check_card_then_exported_file() {
    scenario("reception", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .label("reception");
        with_app(options, async |s: &Scene| check_card_exported(s, dir).await).await
    })
    .await;
}

async fn check_card_exported(s: &Scene, dir: &Path) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    s.wait_hook("status-reader", Want::Attr("data-state", "empty"))
        .await?;
    s.capture(Staff, "staff-ready-reception").await?;
    customer_at(s, "welcome", None).await?;
    s.capture(Customer, "customer-welcome").await?;

    place_card(s, PERSONA).await?;
    s.capture(Staff, "staff-demo-panel").await?;
    counter_tab(s).await?;
    staff_at(s, "identify", Some("pin_entry")).await?;
    s.capture(Staff, "staff-identify").await?;
    enter_pin(s, &pin(), Some("customer-pin")).await?;
    choose_service_and_consent(s).await?;

    counter_tab(s).await?;
    valid_check_shown(s).await?;
    // No patient was expected: the staff screen says that no comparison was made.
    s.wait_hook("person-check", Want::Attr("data-person", "not_compared"))
        .await?;
    s.capture(Staff, "staff-check-result").await?;
    customer_at(s, "check", Some("done")).await?;
    s.capture(Customer, "customer-check-done").await?;

    exported(&dir.join("exports"))?;

    s.switch_to(Staff).await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;
    Ok(())
}

/// The receipt system's folder holds whole files (no `.part` left), one of them naming
/// the patient's insurer.
pub(crate) fn exported(exports: &Path) -> Result<(), E2eError> {
    let read = |what| E2eError::Unexpected(format!("{what} {}", exports.display()));
    let mut names = Vec::new();
    let mut mentions = false;
    for entry in std::fs::read_dir(exports).map_err(|_| read("cannot list"))? {
        let path = entry.map_err(|_| read("cannot list"))?.path();
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        let content = std::fs::read(&path).map_err(|_| read("cannot read a file of"))?;
        mentions |= content
            .windows(INSURER_NUMBER.len())
            .any(|w| w == INSURER_NUMBER.as_bytes());
    }
    ensure(!names.is_empty(), "export files", "none")?;
    ensure(
        names.iter().all(|n| !n.ends_with(".part")),
        "whole export files",
        format!("{names:?}"),
    )?;
    ensure(
        mentions,
        "an export file with the insurer number 06139999",
        format!("{names:?}"),
    )
}

/// Scenario e: the insurer is down; after the PIN and the consents staff see it
/// unavailable, fill in the fallback from the presented document and record it; a
/// re-check waits in the queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insurer_down_fallback_recorded() {
    scenario("insurer-down", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .insurer_down()
            .label("insurer-down");
        with_app(options, fallback_recorded).await
    })
    .await;
}

async fn fallback_recorded(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    place_card(s, PERSONA).await?;
    enter_pin(s, &pin(), None).await?;
    choose_service_and_consent(s).await?;

    counter_tab(s).await?;
    staff_at(s, "check", Some("needs_fallback")).await?;
    s.wait_hook(
        "headline-code",
        Want::Attr("data-code", "insurer_unavailable"),
    )
    .await?;
    s.wait_hook("status-backends", Want::Attr("data-state", "down"))
        .await?;
    s.wait_hook("fallback-form", Want::Present).await?;
    s.capture(Staff, "staff-insurer-down").await?;
    customer_at(s, "check", Some("ask_staff")).await?;
    s.wait_hook("customer-code", Want::Attr("data-code", "ask_staff"))
        .await?;
    s.capture(Customer, "customer-ask-staff").await?;

    // The patient's 資格確認書, as counter_flow.rs records it.
    s.switch_to(Staff).await?;
    s.choose("fallback-document", "eligibility_certificate")
        .await?;
    s.fill("fallback-insurer_number", INSURER_NUMBER).await?;
    s.fill("fallback-symbol", "千代").await?;
    s.fill("fallback-number", "10001").await?;
    s.fill("fallback-branch", "01").await?;
    s.fill("fallback-name", "佐藤　花子").await?;
    s.fill("fallback-birth_date", "1985-04-12").await?;
    s.choose("fallback-ratio", "3").await?;
    s.capture(Staff, "staff-fallback-form").await?;
    s.switch_to(Staff).await?;
    s.click_test("action-record_fallback").await?;

    staff_at(s, "check", Some("fallback_recorded")).await?;
    s.wait_hook("fallback", Want::Attr("data-recheck", "true"))
        .await?;
    let queued = |seen: &madoguchi_e2e::Seen| {
        seen.attr("data-state")
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n >= 1)
    };
    s.wait_hook("status-rechecks", Want::Check(&queued)).await?;
    s.capture(Staff, "staff-fallback-recorded").await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;
    Ok(())
}
