//! The interactive counter on the virtual PIN-pad reader (`crates/ifd-pinpad`, loaded by
//! scripts/pcscd.sh beside vpcd): the customer types the PIN on the reader's keys, the
//! counter never sees it, and the staff's Cancel ends the wait at once.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use counter_core::Code;
use counter_runtime::counter::{StaffAction, StaffScreen};
use jpki_card_sim::{Faults, VirtualCard, VpcdSlot};
use madoguchi_ifd_pinpad::{Key, PadKeys};

use crate::counter_env::{CounterEnv, js, staff, until};
use crate::support::{READER, pcscd_port, pcscd_sees_no_card, pcscd_var};

const PERSONA: &str = "sato-hanako";
const PROMPT_WAIT: Duration = Duration::from_secs(20);

/// The PIN-pad reader's name and ports, as scripts/pcscd.sh exports them.
fn pad_reader() -> (String, SocketAddr, SocketAddr) {
    const NEEDS: &str = "the virtual PIN-pad reader (build its driver first: `cargo build -p \
                         ifd-pinpad`, or `make build`)";
    (
        format!("{} 00 00", pcscd_var("MADOGUCHI_PINPAD_READER", NEEDS)),
        pcscd_port("MADOGUCHI_PINPAD_PORT", NEEDS),
        pcscd_port("MADOGUCHI_PINPAD_KEYS_PORT", NEEDS),
    )
}

/// The persona's card in the PIN-pad reader, the card tests' lock held.
fn card_on_pad() -> (
    std::sync::MutexGuard<'static, ()>,
    String,
    VpcdSlot,
    SocketAddr,
) {
    let lock = READER.lock().unwrap_or_else(|e| e.into_inner());
    let (reader, card, keys) = pad_reader();
    pcscd_sees_no_card(&reader);
    let monitor = jpki_card_pcsc::Monitor::start().unwrap();
    let mut slot = VpcdSlot::new(card);
    let p = testkit::load_persona(PERSONA).unwrap();
    slot.insert(VirtualCard::from_persona(&p).unwrap(), Faults::default())
        .unwrap();
    let seen = monitor.wait_for(Duration::from_secs(5), |e| {
        matches!(e, jpki_card_pcsc::ReaderEvent::CardInserted { reader: r, .. } if *r == reader)
    });
    assert!(seen.is_some(), "pcscd did not see the card in {reader:?}");
    (lock, reader, slot, keys)
}

/// Waits (off the async workers) until the pad prompts.
async fn pad_prompts(keys: SocketAddr) -> PadKeys {
    tokio::task::spawn_blocking(move || {
        let mut pad = PadKeys::connect(keys).unwrap();
        pad.wait_prompt(PROMPT_WAIT).unwrap();
        pad
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pin_typed_on_the_pad_identifies_and_never_reaches_the_counter() {
    let (_lock, reader, _slot, keys) = card_on_pad();
    let env = CounterEnv::start(&reader, "reception", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    let p = testkit::load_persona(PERSONA).unwrap();

    let mut pad = pad_prompts(keys).await;
    // Both windows know the PIN is typed on the reader (the customer's shows no keypad).
    let s = until(&mut rx, "the PIN-pad step", |s| {
        js(s)["customer"]["view"]["step"] == "pin_pad"
    })
    .await;
    for window in ["customer", "staff"] {
        assert_eq!(js(&s)[window]["view"]["pin_pad"], true, "{:#}", js(&s));
    }
    let pin = p.auth_pin.clone();
    tokio::task::spawn_blocking(move || pad.type_digits(&pin).unwrap())
        .await
        .unwrap();
    // The card signed: the platform checked the signature and answers that the card is
    // not enrolled yet, as after a PIN typed on the screen.
    let s = until(&mut rx, "not enrolled", |s| {
        matches!(&s.staff, StaffScreen::Identify { view } if view.progress.code == Some(Code::NotEnrolled))
    })
    .await;
    assert!(!serde_json::to_string(&s).unwrap().contains(&p.auth_pin));
    c.close().await;
}

/// The customer ends the pad's wait with its Cancel key; the abandoned step then
/// unpowers the card (the reader is free for the next test).
async fn customer_cancels_on_the_pad(mut pad: PadKeys) {
    tokio::task::spawn_blocking(move || {
        pad.clear_log().unwrap();
        pad.press(Key::Cancel).unwrap();
        pad.wait_log("power down", Duration::from_secs(10)).unwrap();
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staffs_cancel_ends_the_pin_pad_wait_at_once() {
    let (_lock, reader, _slot, keys) = card_on_pad();
    let env = CounterEnv::start(&reader, "reception", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    let pad = pad_prompts(keys).await;
    let cancelled_at = Instant::now();
    staff(&c, StaffAction::Cancel).await;
    until(&mut rx, "the counter ready again", |s| {
        js(s)["staff"]["screen"] == "ready"
    })
    .await;
    assert!(cancelled_at.elapsed() < Duration::from_secs(3));
    // The reader keeps prompting (pcsc-lite cannot interrupt it) until the customer ends
    // it on the pad.
    customer_cancels_on_the_pad(pad).await;
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_counter_never_waits_for_the_pin_pad() {
    let (_lock, reader, _slot, keys) = card_on_pad();
    let env = CounterEnv::start(&reader, "reception", true).await;
    let c = env.counter().await;
    let pad = pad_prompts(keys).await;
    let closing = Instant::now();
    c.close().await;
    assert!(
        closing.elapsed() < Duration::from_secs(5),
        "closing waited {:?}",
        closing.elapsed()
    );
    customer_cancels_on_the_pad(pad).await;
}
