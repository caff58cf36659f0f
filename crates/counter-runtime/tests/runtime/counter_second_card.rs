//! Two watched readers (both vpcd slots of our pcscd, `[counter] reader` a pattern that
//! matches both): a card placed on the second reader while the first holds the customer's
//! is never read, and the staff are told so (status bar) until it is taken off; when the
//! customer's card leaves first, they are told to place the other card again, and placed
//! again it is read.

use counter_core::Code;
use counter_runtime::counter::{CustomerAction, CustomerScreen, ReaderState, Screens, StaffScreen};
use jpki_card_sim::{Faults, VirtualCard, VpcdSlot};

use crate::counter_env::{CounterEnv, customer, until};
use crate::support::{READER, pcscd_sees_no_card, vpcd_readers};

/// The customer's card.
const FIRST: &str = "sato-hanako";
/// Someone else's card, placed on the other reader.
const SECOND: &str = "kobayashi-mei";

fn card(persona: &str) -> VirtualCard {
    VirtualCard::from_persona(&testkit::load_persona(persona).unwrap()).unwrap()
}

/// The code on the staff's status bar about a card lying unread on another reader.
fn other_card(s: &Screens) -> Option<Code> {
    s.status.other_card.as_ref().map(|m| m.code)
}

/// The staff window's identification: its step and code, if one shows.
fn staff_identify(s: &Screens) -> Option<(String, Option<Code>)> {
    match &s.staff {
        StaffScreen::Identify { view } => Some((format!("{:?}", view.step), view.progress.code)),
        _ => None,
    }
}

/// The customer's identification step, if one runs.
fn identify_step(s: &Screens) -> Option<String> {
    match &s.customer {
        CustomerScreen::Identify { view } => Some(format!("{:?}", view.step)),
        _ => None,
    }
}

/// Takes the card out of `slot` and waits until pcscd itself saw it leave `reader` (off
/// the async workers).
async fn take_off(slot: &mut VpcdSlot, reader: &str) -> VirtualCard {
    let card = slot.remove().unwrap();
    let reader = reader.to_owned();
    tokio::task::spawn_blocking(move || pcscd_sees_no_card(&reader))
        .await
        .unwrap();
    card
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_on_the_other_reader_is_told_to_staff_and_read_only_when_placed_again() {
    let _lock = READER.lock().unwrap_or_else(|e| e.into_inner());
    let [(reader_a, port_a), (reader_b, port_b)] = vpcd_readers();
    for r in [&reader_a, &reader_b] {
        pcscd_sees_no_card(r);
    }
    // The counter watches both readers: "<prefix> 00 0*".
    let pattern = format!("{}*", &reader_a[..reader_a.len() - 1]);
    let env = CounterEnv::start(&pattern, "reception", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    until(&mut rx, "the readers attached", |s| {
        s.status.reader == ReaderState::Empty
    })
    .await;

    // The customer's card on A: read, identified, the check opens.
    let mut slot_a = VpcdSlot::new(port_a);
    slot_a.insert(card(FIRST), Faults::default()).unwrap();
    until(&mut rx, "the PIN step", |s| {
        identify_step(s).as_deref() == Some("PinEntry")
    })
    .await;
    let pin = testkit::load_persona(FIRST).unwrap().auth_pin;
    customer(&c, CustomerAction::Pin { digits: pin }).await;
    // The platform checked the card's signature; the card is linked to nothing yet, so the
    // identification ends there (the test persona is not enrolled), and stays on screen.
    let done = Some(("Failed".to_owned(), Some(Code::NotEnrolled)));
    let s = until(&mut rx, "the customer identified", |s| {
        staff_identify(s) == done
    })
    .await;
    assert_eq!(other_card(&s), None);

    // Someone else's card on B: not read, told on the status bar and the customer window.
    let mut slot_b = VpcdSlot::new(port_b);
    slot_b.insert(card(SECOND), Faults::default()).unwrap();
    let s = until(&mut rx, "the other card told", |s| {
        other_card(s) == Some(Code::OtherCardNotRead)
    })
    .await;
    assert_eq!(
        staff_identify(&s),
        done,
        "the customer's session stays on screen"
    );
    assert!(
        s.customer_frame().notices.is_empty(),
        "the customer window is not told (staff handle the other card)"
    );
    let shown = serde_json::to_string(&s).unwrap();
    let second = testkit::load_persona(SECOND).unwrap();
    assert!(
        !shown.contains(&second.name),
        "nothing of the other card's holder is shown"
    );

    // Taken off B: the line goes, the session on screen is still the customer's.
    let b_card = take_off(&mut slot_b, &reader_b).await;
    let s = until(&mut rx, "the line gone", |s| other_card(s).is_none()).await;
    assert_eq!(staff_identify(&s), done);

    // Placed on B again, then the customer's card leaves first: "place it again".
    slot_b.insert(b_card, Faults::default()).unwrap();
    until(&mut rx, "the other card told again", |s| {
        other_card(s) == Some(Code::OtherCardNotRead)
    })
    .await;
    take_off(&mut slot_a, &reader_a).await;
    let s = until(&mut rx, "place the other card again", |s| {
        other_card(s) == Some(Code::OtherCardPlaceAgain)
    })
    .await;
    assert_eq!(
        s.status.reader,
        ReaderState::Empty,
        "the card on B is not announced"
    );
    // The identification waits for a card again; the one lying on B is not taken.
    assert_eq!(
        staff_identify(&s),
        Some(("WaitingForCard".to_owned(), None)),
        "the card on B started nothing"
    );

    // Taken off B and placed again: now it is read (a new identification).
    let b_card = take_off(&mut slot_b, &reader_b).await;
    until(&mut rx, "the line gone", |s| other_card(s).is_none()).await;
    slot_b.insert(b_card, Faults::default()).unwrap();
    let s = until(&mut rx, "the card on B read", |s| {
        identify_step(s).as_deref() == Some("PinEntry")
    })
    .await;
    assert_eq!(s.status.reader, ReaderState::Card);
    assert!(matches!(s.staff, StaffScreen::Identify { .. }));
    assert_eq!(other_card(&s), None);
    c.close().await;
}
