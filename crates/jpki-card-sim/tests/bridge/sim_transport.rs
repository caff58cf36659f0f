//! `SimTransport`: the card in-process behind `jpki_card::CardTransport`.

use std::time::{Duration, Instant};

use crate::common::*;
use jpki_card::{CardTransport, TransportError};
use jpki_card_sim::{Faults, SimTransport};

#[test]
fn powers_up_on_first_apdu_and_down_on_request() {
    let card = jpki_card_sim::VirtualCard::from_persona(&persona()).unwrap();
    let mut t = SimTransport::new(card, Faults::default());
    assert_eq!(sw(&t.transmit(&SELECT_JPKI).unwrap()), 0x9000);
    assert_eq!(sw(&t.transmit(&select_ef_apdu(0x0018)).unwrap()), 0x9000);
    assert_eq!(
        sw(&t.transmit(&verify_apdu(AUTH_PIN.as_bytes())).unwrap()),
        0x9000
    );
    assert!(t.card().is_auth_pin_verified());
    t.power_down().unwrap();
    assert!(!t.card().is_auth_pin_verified());
    // A new session starts from the ISD.
    assert_eq!(sw(&t.transmit(&select_ef_apdu(0x0018)).unwrap()), 0x6A82);
    assert_eq!(t.apdu_count(), 4);
    t.power_down().unwrap();
}

#[test]
fn remove_fault_reports_card_removed_and_stays_removed() {
    let mut t = SimTransport::new(card(), Faults::default().remove_after(1));
    assert!(t.transmit(&SELECT_JPKI).is_ok());
    assert_eq!(t.transmit(&SELECT_JPKI), Err(TransportError::CardRemoved));
    assert!(!t.is_present());
    assert_eq!(t.transmit(&SELECT_JPKI), Err(TransportError::CardRemoved));
    assert_eq!(t.power_down(), Ok(()), "harmless when the card is gone");
    t.reinsert(Faults::default());
    assert_eq!(sw(&t.transmit(&SELECT_JPKI).unwrap()), 0x9000);
}

#[test]
fn counters_stay_with_the_card() {
    let mut t = SimTransport::new(card(), Faults::default());
    t.transmit(&SELECT_JPKI).unwrap();
    t.transmit(&select_ef_apdu(0x001B)).unwrap();
    assert_eq!(sw(&t.transmit(&verify_apdu(b"NOPE99")).unwrap()), 0x63C4);
    t.remove_card();
    t.reinsert(Faults::default());
    assert_eq!(t.card().sign_password_tries_left(), Some(4));
    assert_eq!(t.into_card().sign_password_tries_left(), Some(4));
}

#[test]
fn sign_delay_only_for_signatures() {
    let faults = Faults::default().with_sign_delay(Duration::from_millis(200));
    let mut t = SimTransport::new(card(), faults);
    let start = Instant::now();
    t.transmit(&SELECT_JPKI).unwrap();
    assert!(start.elapsed() < Duration::from_millis(200));
    let start = Instant::now();
    t.transmit(&sign_apdu(&[1; 32])).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(200));
}
