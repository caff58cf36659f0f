//! The card pulled out at every step of identification, through the real reader: our
//! pcscd with vpcd, the virtual card ejected after 1, 2, 3, … APDUs (`Faults::remove_after`)
//! until an identification runs through without meeting the removal.
//!
//! At each step: the session ends with `card_removed` (a clean error, no hang), the PIN
//! typed is forgotten, and no try is used that the customer did not type for: the customer
//! types a wrong PIN once, so at most one try goes, and when the card comes back the counter
//! asks for the PIN again instead of reusing it (the card's counter does not move until the
//! customer types).

use std::time::Duration;

use counter_core::Code;
use counter_runtime::counter::{
    Counter, CustomerAction, ReaderState, Screens, StaffAction, StaffScreen,
};
use jpki_card_sim::{Faults, VirtualCard};
use tokio::sync::watch;

use crate::counter_env::{CounterEnv, customer, staff, until};
use crate::support::card_in_vpcd;

const PERSONA: &str = "suzuki-ichiro";

fn staff_code(s: &Screens) -> Option<Code> {
    match &s.staff {
        StaffScreen::Identify { view } => view.progress.code,
        _ => None,
    }
}

fn pin_step(s: &Screens) -> Option<Option<u8>> {
    match &s.customer {
        counter_runtime::counter::CustomerScreen::Identify { view }
            if format!("{:?}", view.step) == "PinEntry" =>
        {
            Some(view.progress.tries_left)
        }
        _ => None,
    }
}

/// Waits for the card to be gone (for the counter and for pcscd: see
/// [`crate::support::pcscd_sees_no_card`]), then staff clear the screens, so that the next
/// session's outcome cannot be confused with this one's.
async fn gone(c: &Counter, rx: &mut watch::Receiver<Screens>) {
    until(rx, "the reader empty", |s| {
        s.status.reader == ReaderState::Empty
    })
    .await;
    crate::support::pcscd_lets_go().await;
    staff(c, StaffAction::Finish).await;
    until(rx, "the screens cleared", |s| {
        matches!(s.staff, StaffScreen::Ready)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_pulled_at_each_step_of_identification() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let p = testkit::load_persona(PERSONA).unwrap();
    let wrong = if p.auth_pin == "0000" { "1111" } else { "0000" };
    slot.remove();
    // Before the counter starts: a counter that found the card still in pcscd's view
    // would connect to it, and vpcd, asked to power down a card whose connection had
    // closed, has been seen to report the removal only 20 s later (pcscd's log), with the
    // next card's insertion after it.
    crate::support::pcscd_sees_no_card(&reader);
    let env = CounterEnv::start(&reader, "reception", true).await;
    let c = env.counter().await;
    let mut rx = c.screens();
    gone(&c, &mut rx).await;

    // First with a wrong PIN (the try it costs is visible), then with the right one (the
    // removal then also meets the signature and the platform's answer).
    for (pin, tries_after) in [(wrong, 2u8), (p.auth_pin.as_str(), 3u8)] {
        let removed_at = pull_at_each_step(&c, &mut rx, &mut slot, &p, pin, tries_after).await;
        assert!(removed_at.len() >= 10, "removals at {removed_at:?}");
    }
    // Let go of the reader before the next card test takes it.
    c.close().await;
}

/// Ejects the card after 1, 2, 3, … APDUs until an identification with `pin` runs
/// through; returns where the removals hit.
async fn pull_at_each_step(
    c: &Counter,
    rx: &mut watch::Receiver<Screens>,
    slot: &mut jpki_card_sim::VpcdSlot,
    p: &jpki_card_sim::Persona,
    pin: &str,
    tries_after: u8,
) -> Vec<u32> {
    let mut removed_at = Vec::new();
    for n in 1..200u32 {
        let card = VirtualCard::from_persona(p).unwrap();
        slot.insert(card, Faults::default().remove_after(n))
            .unwrap();
        // Either the card leaves while it is read, or the PIN is asked.
        let s = until(rx, "the PIN step or the removal", |s| {
            pin_step(s).is_some() || staff_code(s) == Some(Code::CardRemoved)
        })
        .await;
        let mut ran_through = false;
        if pin_step(&s).is_some() {
            customer(c, CustomerAction::Pin { digits: pin.into() }).await;
            let s = until(rx, "the removal or the end", |s| {
                matches!(
                    staff_code(s),
                    Some(Code::CardRemoved | Code::PinWrong | Code::NotEnrolled)
                )
            })
            .await;
            ran_through = staff_code(&s) != Some(Code::CardRemoved);
        }
        if ran_through {
            // Every APDU of the identification was answered: the removal came too late.
            let card = slot.remove().unwrap();
            assert_eq!(
                card.auth_pin_tries_left(),
                tries_after,
                "the PIN typed once"
            );
            gone(c, rx).await;
            return removed_at;
        }
        removed_at.push(n);
        gone(c, rx).await;
        let card = slot.remove().unwrap();
        let tries = card.auth_pin_tries_left();
        assert!(
            tries >= tries_after,
            "after removal at APDU {n}: {tries} tries left, more than the one typed went"
        );
        // The card comes back: a new session asks for the PIN again, nothing is re-sent.
        slot.insert(card, Faults::default()).unwrap();
        let s = until(rx, "the PIN asked again", |s| pin_step(s).is_some()).await;
        assert_eq!(pin_step(&s), Some(Some(tries)), "at APDU {n}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let card = slot.remove().unwrap();
        assert_eq!(
            card.auth_pin_tries_left(),
            tries,
            "a try went without the customer typing (removal at APDU {n})"
        );
        gone(c, rx).await;
    }
    panic!("the identification never ran through 200 APDUs");
}
