//! The identification's bumps, on both windows: a wrong PIN, and the card taken off
//! the reader while the PIN is asked.

use std::path::Path;

use madoguchi_e2e::{
    AppOptions, DemoMode, E2eError,
    Screen::{Customer, Staff},
    Want,
};

use crate::flows::{
    PERSONA, counter_tab, customer_at, ensure, enter_pin, pin, place_card, remove_card, staff_at,
};
use crate::harness::{Scene, scenario, with_app};
use crate::secrets::WRONG_PIN;

/// Scenario c: one wrong PIN (sato-hanako has 3 tries in a fresh folder); the customer
/// sees fewer tries left; the right PIN then goes through to the service menu.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_pin_then_right_pin() {
    scenario("wrong-pin", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .label("wrong-pin");
        with_app(options, wrong_then_right).await
    })
    .await;
}

async fn wrong_then_right(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    place_card(s, PERSONA).await?;
    customer_at(s, "identify", Some("pin_entry")).await?;
    let before = tries(&s.peek("[data-test=\"tries-left\"]").await?);
    enter_pin(s, WRONG_PIN, None).await?;

    customer_at(s, "identify", None).await?;
    s.wait_hook("customer-code", Want::Attr("data-code", "pin_wrong"))
        .await?;
    let fewer = |seen: &madoguchi_e2e::Seen| match (before, tries(seen)) {
        (Some(before), Some(now)) => now < before,
        (None, Some(now)) => now < 3,
        _ => false,
    };
    let seen = s.wait_hook("tries-left", Want::Check(&fewer)).await?;
    ensure(
        tries(&seen) == Some(2),
        "tries left after one wrong PIN of 3",
        &seen,
    )?;
    s.capture(Customer, "customer-pin-wrong").await?;
    counter_tab(s).await?;
    s.wait_hook("identify-code", Want::Attr("data-code", "pin_wrong"))
        .await?;
    s.wait_hook("tries-left", Want::Attr("data-tries", "2"))
        .await?;
    s.capture(Staff, "staff-pin-wrong").await?;

    enter_pin(s, &pin(), None).await?;
    customer_at(s, "check", Some("choose_service")).await?;
    counter_tab(s).await?;
    s.click_test("action-cancel").await?;
    Ok(())
}

/// The tries a `tries-left` hook shows.
fn tries(seen: &madoguchi_e2e::Seen) -> Option<u32> {
    seen.attr("data-tries")?.parse().ok()
}

/// Scenario d: the card leaves the reader while the PIN is asked; both windows say so
/// (card_removed); laid back, it is asked for the PIN again, which goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_removed_mid_flow() {
    scenario("card-removed", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .label("card-removed");
        with_app(options, removed_then_back).await
    })
    .await;
}

async fn removed_then_back(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    place_card(s, PERSONA).await?;
    customer_at(s, "identify", Some("pin_entry")).await?;
    s.type_digits("12").await?;

    remove_card(s).await?;
    s.switch_to(Customer).await?;
    s.wait_for(
        "[data-code=\"card_removed\"]",
        Want::Present,
        madoguchi_e2e::WAIT,
    )
    .await?;
    s.capture(Customer, "customer-card-removed").await?;
    counter_tab(s).await?;
    s.wait_for(
        "[data-code=\"card_removed\"]",
        Want::Present,
        madoguchi_e2e::WAIT,
    )
    .await?;
    s.capture(Staff, "staff-card-removed").await?;

    place_card(s, PERSONA).await?;
    // Asked again from the start: the two digits typed before are gone.
    enter_pin(s, &pin(), None).await?;
    customer_at(s, "check", Some("choose_service")).await?;
    counter_tab(s).await?;
    s.click_test("action-cancel").await?;
    Ok(())
}
