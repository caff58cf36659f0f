//! The PIN typed on the reader's own pad: the demo on the virtual PIN-pad reader
//! (`MADOGUCHI_DEMO_READER=pin-pad`), the customer window with no keypad, the tries and
//! the pad's time going down, the staff told the pad is in use; the digits pressed on
//! the virtual pad through its keys port (`PadKeys`), as a customer would press them.
//! And the staff's Cancel during the pad's wait.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use madoguchi_e2e::{
    AppOptions, DemoMode, E2eError,
    Screen::{Customer, Staff},
    Seen, Want,
};
use madoguchi_ifd_pinpad::{Key, PadKeys};

use crate::flows::{PERSONA, counter_tab, customer_at, ensure, pin, place_card, staff_at};
use crate::harness::{Scene, scenario, with_app};

/// Where `scripts/pcscd.sh` says the pad's keys are pressed.
const KEYS_PORT_VAR: &str = "MADOGUCHI_PINPAD_KEYS_PORT";

/// How long the pad may take to prompt once the customer window shows the pad step.
const PROMPT_WAIT: Duration = Duration::from_secs(20);

/// Runs `f` on the virtual pad's keys port, off the async runtime (the calls block).
async fn on_pad<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce(&mut PadKeys) -> Result<T, madoguchi_ifd_pinpad::KeysError> + Send + 'static,
) -> Result<T, E2eError> {
    let port: u16 = std::env::var(KEYS_PORT_VAR)
        .ok()
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| {
            E2eError::Unexpected(format!(
                "{KEYS_PORT_VAR} is not set: build the PIN-pad driver (cargo build -p \
                 ifd-pinpad) and run under scripts/pcscd.sh run"
            ))
        })?;
    tokio::task::spawn_blocking(move || {
        let mut keys = PadKeys::connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        f(&mut keys)
    })
    .await
    .map_err(|e| E2eError::Unexpected(format!("the pad's keys ({what}): {e}")))?
    .map_err(|e| E2eError::Unexpected(format!("the pad's keys ({what}): {e}")))
}

/// The seconds a `seconds-left` hook shows.
fn seconds(seen: &Seen) -> Option<i64> {
    seen.attr("data-seconds")?.parse().ok()
}

/// Both windows at the pad step: the customer's without a keypad, with the tries and a
/// time that goes down; the staff's saying the pad is in use. Screenshots with `prefix`.
async fn at_the_pad(s: &Scene, prefix: &str) -> Result<(), E2eError> {
    customer_at(s, "identify", Some("pin_pad")).await?;
    s.wait_hook("use-pin-pad", Want::Attr("data-armed", "true"))
        .await?;
    for keypad in ["key-ok", "pin-entry", "key-1"] {
        let seen = s.peek(&madoguchi_e2e::hook(keypad)).await?;
        ensure(!seen.found(), "no keypad on the pad step", &seen)?;
    }
    s.wait_hook("tries-left", Want::Attr("data-tries", "3"))
        .await?;
    let first = s.wait_hook("seconds-left", Want::Present).await?;
    let start = seconds(&first);
    ensure(
        start.is_some_and(|t| t > 0 && t <= 60),
        "the pad's time (60 s at most)",
        &first,
    )?;
    let lower = |seen: &Seen| match (start, seconds(seen)) {
        (Some(a), Some(b)) => b < a,
        _ => false,
    };
    s.wait_hook("seconds-left", Want::Check(&lower)).await?;
    s.capture(Customer, &format!("{prefix}-customer")).await?;

    counter_tab(s).await?;
    staff_at(s, "identify", Some("pin_pad")).await?;
    s.wait_hook("pin-pad-in-use", Want::Present).await?;
    s.wait_hook("identify-code", Want::Attr("data-code", "pin_pad_in_use"))
        .await?;
    s.wait_hook("status-pin-pad", Want::Attr("data-state", "true"))
        .await?;
    s.wait_hook("seconds-left", Want::Present).await?;
    s.capture(Staff, &format!("{prefix}-staff")).await?;
    Ok(())
}

/// The PIN typed on the virtual pad: the pad step on both windows, then the digits on
/// the pad's keys, and the identification goes through to the service menu.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identification_with_the_pin_on_the_readers_pad() {
    scenario("pin-pad", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .pin_pad_reader()
            .label("pin-pad");
        with_app(options, typed_on_the_pad).await
    })
    .await;
}

async fn typed_on_the_pad(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    place_card(s, PERSONA).await?;
    at_the_pad(s, "pad").await?;
    let digits = pin();
    on_pad("type the PIN", move |keys| {
        keys.wait_prompt(PROMPT_WAIT)?;
        keys.type_digits(&digits)
    })
    .await?;
    customer_at(s, "check", Some("choose_service")).await?;
    counter_tab(s).await?;
    s.wait_hook("pin-pad-in-use", Want::Absent).await?;
    s.click_test("action-cancel").await?;
    Ok(())
}

/// The staff's Cancel while the pad waits: both windows leave the pad step, with no pad
/// line, no time and no keypad left; the pad itself is then stopped with its Cancel key,
/// as the staff's line says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_cancel_during_the_pads_wait() {
    scenario("pin-pad-cancel", async |dir: &Path| {
        let options = AppOptions::demo(dir)
            .mode(DemoMode::Reception)
            .pin_pad_reader()
            .label("pin-pad-cancel");
        with_app(options, cancelled_at_the_pad).await
    })
    .await;
}

async fn cancelled_at_the_pad(s: &Scene) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    place_card(s, PERSONA).await?;
    at_the_pad(s, "pad").await?;
    on_pad("wait for the prompt", |keys| {
        keys.wait_prompt(PROMPT_WAIT).map(drop)
    })
    .await?;

    // The session ends: the staff are back at the ready screen, which says the card is
    // still on the reader (take it and put it back to start again), the customer's
    // window at its first screen; nothing of the pad's wait is left on either.
    s.click_test("action-cancel").await?;
    staff_at(s, "ready", None).await?;
    s.wait_hook("ready-hint", Want::Attr("data-card", "true"))
        .await?;
    for gone in ["pin-pad-in-use", "seconds-left", "identify-code"] {
        s.wait_hook(gone, Want::Absent).await?;
    }
    s.capture(Staff, "pad-cancelled-staff").await?;
    s.switch_to(Customer).await?;
    let left_the_pad = |seen: &Seen| {
        seen.found()
            && !(seen.attr("data-screen") == Some("identify")
                && seen.attr("data-step") == Some("pin_pad"))
    };
    s.wait_hook("customer-screen", Want::Check(&left_the_pad))
        .await?;
    for gone in ["use-pin-pad", "seconds-left", "key-ok"] {
        s.wait_hook(gone, Want::Absent).await?;
    }
    s.capture(Customer, "pad-cancelled-customer").await?;

    // The terminal abandoned the wait; the pad still prompts until its own Cancel (or the
    // card out, or its time-out) ends it, and then lets the reader go.
    on_pad("cancel on the pad", |keys| {
        keys.press(Key::Cancel)?;
        keys.wait_idle(PROMPT_WAIT)
    })
    .await?;
    staff_at(s, "ready", None).await?;
    s.wait_hook("pin-pad-in-use", Want::Absent).await?;
    Ok(())
}
