//! `PcscCard` against pcscd + vpcd with raw APDUs: connection rules.

use jpki_card::{CardTransport, TransportError};
use jpki_card_pcsc::{PcscCard, list_readers};
use jpki_card_sim::Faults;

use crate::harness::{self, Inserted};

const SELECT_JPKI: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];

fn select_ef(fid: u16) -> Vec<u8> {
    let [hi, lo] = fid.to_be_bytes();
    vec![0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]
}

fn sw(response: &[u8]) -> u16 {
    assert!(response.len() >= 2, "response {} bytes", response.len());
    u16::from_be_bytes([response[response.len() - 2], response[response.len() - 1]])
}

#[test]
fn both_virtual_readers_are_listed() {
    let (_lock, env) = harness::setup();
    let readers = list_readers().unwrap();
    assert!(readers.contains(&env.reader(0)), "{readers:?}");
    assert!(readers.contains(&env.reader(1)), "{readers:?}");
}

#[test]
fn an_empty_reader_is_card_removed_and_an_unknown_one_unavailable() {
    let (_lock, env) = harness::setup();
    harness::wait_for_card(&env.reader(1), false);
    assert_eq!(
        PcscCard::connect(&env.reader(1)).unwrap_err(),
        TransportError::CardRemoved
    );
    assert!(matches!(
        PcscCard::connect("No Such Reader 00 00").unwrap_err(),
        TransportError::ReaderUnavailable(_)
    ));
}

#[test]
fn the_connection_is_exclusive_until_power_down() {
    let (_lock, env) = harness::setup();
    let inserted = Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());
    let mut first = PcscCard::connect(&inserted.reader).unwrap();
    assert_eq!(sw(&first.transmit(&SELECT_JPKI).unwrap()), 0x9000);
    assert_eq!(
        PcscCard::connect(&inserted.reader).unwrap_err(),
        TransportError::SharingViolation
    );
    first.power_down().unwrap();
    let mut second = PcscCard::connect(&inserted.reader).unwrap();
    assert_eq!(sw(&second.transmit(&SELECT_JPKI).unwrap()), 0x9000);
    assert!(!second.has_pin_pad(), "vpcd has no PIN pad");
    // `first` reconnects on its next APDU, and now it is the one refused.
    assert_eq!(
        first.transmit(&SELECT_JPKI),
        Err(TransportError::SharingViolation)
    );
}

#[test]
fn power_down_unpowers_the_card_and_so_forgets_the_pin() {
    let (_lock, env) = harness::setup();
    let persona = harness::persona("sato-hanako");
    let inserted = Inserted::new(&env, 0, harness::card("sato-hanako"), Faults::default());
    let mut card = PcscCard::connect(&inserted.reader).unwrap();
    let verify = |pin: &str| {
        let mut apdu = vec![0x00, 0x20, 0x00, 0x80, pin.len() as u8];
        apdu.extend_from_slice(pin.as_bytes());
        apdu
    };
    let mut pso = vec![0x80, 0x2A, 0x00, 0x80, 0x33];
    pso.extend_from_slice(&[
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ]);
    pso.extend_from_slice(&[0x5A; 32]);
    pso.push(0x00);

    assert_eq!(sw(&card.transmit(&SELECT_JPKI).unwrap()), 0x9000);
    assert_eq!(sw(&card.transmit(&select_ef(0x0018)).unwrap()), 0x9000);
    assert_eq!(
        sw(&card.transmit(&verify(&persona.auth_pin)).unwrap()),
        0x9000
    );
    assert_eq!(sw(&card.transmit(&select_ef(0x0017)).unwrap()), 0x9000);
    let signed = card.transmit(&pso).unwrap();
    assert_eq!((signed.len(), sw(&signed)), (258, 0x9000));

    card.power_down().unwrap();
    // A new session: the same PSO without VERIFY is refused.
    assert_eq!(sw(&card.transmit(&SELECT_JPKI).unwrap()), 0x9000);
    assert_eq!(sw(&card.transmit(&select_ef(0x0017)).unwrap()), 0x9000);
    assert_eq!(sw(&card.transmit(&pso).unwrap()), 0x6982);
    card.power_down().unwrap();
}

#[test]
fn a_card_pulled_out_between_apdus_is_card_removed_not_a_hang() {
    let (_lock, env) = harness::setup();
    let inserted = Inserted::new(
        &env,
        0,
        harness::card("sato-hanako"),
        Faults::default().remove_after(3),
    );
    let mut card = PcscCard::connect(&inserted.reader).unwrap();
    assert_eq!(sw(&card.transmit(&SELECT_JPKI).unwrap()), 0x9000);
    assert_eq!(sw(&card.transmit(&select_ef(0x000A)).unwrap()), 0x9000);
    let first = card.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]).unwrap();
    assert_eq!(sw(&first), 0x9000);
    let t = std::time::Instant::now();
    assert_eq!(
        card.transmit(&[0x00, 0xB0, 0x01, 0x00, 0x00]),
        Err(TransportError::CardRemoved)
    );
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        card.transmit(&SELECT_JPKI),
        Err(TransportError::CardRemoved)
    );
    card.power_down().unwrap();
}
