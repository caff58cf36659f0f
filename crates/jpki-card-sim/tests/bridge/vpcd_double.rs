//! `VpcdSlot` against a local TCP listener that plays vpcd's part: vpcd is
//! the server, the card connects; 2-byte big-endian length + payload.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use jpki_card_sim::vpcd::{read_message, write_message};
use jpki_card_sim::{CardState, EjectReason, Faults, SimError, VpcdSlot};

/// A vpcd double: a listener, and the card's connection once accepted.
struct FakeVpcd {
    stream: TcpStream,
}

impl FakeVpcd {
    fn listen() -> (TcpListener, std::net::SocketAddr) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        (listener, addr)
    }

    fn accept(listener: &TcpListener) -> FakeVpcd {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        FakeVpcd { stream }
    }

    fn control(&mut self, code: u8) {
        write_message(&mut self.stream, &[code]).unwrap();
    }

    fn atr(&mut self) -> Vec<u8> {
        self.control(4);
        read_message(&mut self.stream).unwrap().unwrap()
    }

    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        write_message(&mut self.stream, apdu).unwrap();
        read_message(&mut self.stream).unwrap().unwrap()
    }

    /// Like vpcd 0.8: the length and the payload in two separate writes.
    fn transmit_split(&mut self, apdu: &[u8]) -> Vec<u8> {
        let len = u16::try_from(apdu.len()).unwrap().to_be_bytes();
        self.stream.write_all(&len).unwrap();
        self.stream.flush().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        self.stream.write_all(apdu).unwrap();
        read_message(&mut self.stream).unwrap().unwrap()
    }

    /// The card's side closed: EOF at a message boundary.
    fn assert_closed(&mut self) {
        assert!(matches!(read_message(&mut self.stream), Ok(None)));
    }
}

#[test]
fn power_on_atr_apdus_power_off_disconnect() {
    let (listener, addr) = FakeVpcd::listen();
    let mut slot = VpcdSlot::new(addr);
    assert!(!slot.is_inserted());
    slot.insert(card(), Faults::default()).unwrap();
    assert!(slot.is_inserted());
    let mut vpcd = FakeVpcd::accept(&listener);

    vpcd.control(1);
    assert_eq!(vpcd.atr(), ATR);
    assert_eq!(vpcd.atr(), ATR, "the presence poll asks again");
    assert_eq!(sw(&vpcd.transmit(&SELECT_JPKI)), 0x9000);
    assert_eq!(sw(&vpcd.transmit_split(&select_ef_apdu(0x0018))), 0x9000);
    assert_eq!(sw(&vpcd.transmit(&verify_apdu(b"0000"))), 0x63C2);
    let r = vpcd.transmit(&read_apdu(0, 0));
    assert_eq!(sw(&r), 0x6981);
    vpcd.control(0);
    assert_eq!(slot.apdu_count(), 4);

    drop(vpcd);
    assert_eq!(slot.wait_until_gone(), Some(EjectReason::ConnectionClosed));
    assert!(!slot.is_inserted());
    let card = slot.remove().expect("the card comes back");
    assert_eq!(card.auth_pin_tries_left(), 2, "counters come back with it");
    assert!(slot.remove().is_none());
}

#[test]
fn power_off_over_the_wire_clears_the_pin_state() {
    let (listener, addr) = FakeVpcd::listen();
    let mut slot = VpcdSlot::new(addr);
    slot.insert(card(), Faults::default()).unwrap();
    let mut vpcd = FakeVpcd::accept(&listener);
    vpcd.control(1);
    assert_eq!(sw(&vpcd.transmit(&SELECT_JPKI)), 0x9000);
    assert_eq!(sw(&vpcd.transmit(&select_ef_apdu(0x0018))), 0x9000);
    assert_eq!(
        sw(&vpcd.transmit(&verify_apdu(AUTH_PIN.as_bytes()))),
        0x9000
    );
    // Warm reset keeps it, power cycle clears it.
    vpcd.control(2);
    assert_eq!(sw(&vpcd.transmit(&SELECT_JPKI)), 0x9000);
    assert_eq!(sw(&vpcd.transmit(&select_ef_apdu(0x0017))), 0x9000);
    let r = vpcd.transmit(&sign_apdu(&digest_info(b"x")));
    assert_eq!((sw(&r), r.len()), (0x9000, 258));
    vpcd.control(0);
    vpcd.control(1);
    assert_eq!(sw(&vpcd.transmit(&SELECT_JPKI)), 0x9000);
    assert_eq!(sw(&vpcd.transmit(&select_ef_apdu(0x0017))), 0x9000);
    assert_eq!(sw(&vpcd.transmit(&sign_apdu(&digest_info(b"x")))), 0x6982);
    let card = slot.remove().unwrap();
    vpcd.assert_closed();
    assert!(!card.is_auth_pin_verified());
}

#[test]
fn remove_closes_the_connection_and_returns_the_card() {
    let (listener, addr) = FakeVpcd::listen();
    let mut slot = VpcdSlot::new(addr);
    slot.insert(card(), Faults::default()).unwrap();
    let mut vpcd = FakeVpcd::accept(&listener);
    assert_eq!(vpcd.atr(), ATR);
    let card = slot.remove().unwrap();
    vpcd.assert_closed();
    assert!(!slot.is_inserted());
    // The same card goes back in, into the same reader.
    slot.insert(card, Faults::default()).unwrap();
    let mut vpcd = FakeVpcd::accept(&listener);
    assert_eq!(vpcd.atr(), ATR);
    assert_eq!(slot.apdu_count(), 0);
    drop(slot);
    vpcd.assert_closed();
}

#[test]
fn remove_fault_leaves_without_answering() {
    let (listener, addr) = FakeVpcd::listen();
    let mut slot = VpcdSlot::new(addr);
    slot.insert(card(), Faults::default().remove_after(2))
        .unwrap();
    let mut vpcd = FakeVpcd::accept(&listener);
    vpcd.control(1);
    assert_eq!(sw(&vpcd.transmit(&SELECT_JPKI)), 0x9000);
    assert_eq!(sw(&vpcd.transmit(&select_ef_apdu(0x001B))), 0x9000);
    // Control messages still work until the next APDU.
    assert_eq!(vpcd.atr(), ATR);
    write_message(&mut vpcd.stream, &verify_apdu(b"WRONG1")).unwrap();
    vpcd.assert_closed();
    assert_eq!(slot.wait_until_gone(), Some(EjectReason::RemoveFault));
    assert!(!slot.is_inserted());
    assert_eq!(slot.apdu_count(), 2);
    let card = slot
        .remove()
        .expect("a removed card can still be taken back");
    assert_eq!(
        card.sign_password_tries_left(),
        Some(5),
        "the unanswered VERIFY never ran"
    );
}

#[test]
fn a_card_taken_out_loses_its_verified_pins() {
    // Taken out by the remove fault and by remove(): either way the card
    // leaves the reader unpowered, so no VERIFY outlives it (docs/domain/jpki.md §1.8).
    for faulted in [true, false] {
        let (listener, addr) = FakeVpcd::listen();
        let mut slot = VpcdSlot::new(addr);
        let faults = if faulted {
            Faults::default().remove_after(3)
        } else {
            Faults::default()
        };
        slot.insert(card(), faults).unwrap();
        let mut vpcd = FakeVpcd::accept(&listener);
        vpcd.control(1);
        assert_eq!(sw(&vpcd.transmit(&SELECT_JPKI)), 0x9000);
        assert_eq!(sw(&vpcd.transmit(&select_ef_apdu(0x0018))), 0x9000);
        assert_eq!(
            sw(&vpcd.transmit(&verify_apdu(AUTH_PIN.as_bytes()))),
            0x9000
        );
        if faulted {
            write_message(&mut vpcd.stream, &select_ef_apdu(0x0017)).unwrap();
            vpcd.assert_closed();
        }
        let card = slot.remove().expect("the card comes back");
        assert!(!card.is_auth_pin_verified(), "faulted: {faulted}");
        assert_eq!(card.auth_pin_tries_left(), 3);
    }
}

#[test]
fn second_insert_is_refused() {
    let (listener, addr) = FakeVpcd::listen();
    let mut slot = VpcdSlot::new(addr);
    slot.insert(card(), Faults::default()).unwrap();
    let _vpcd = FakeVpcd::accept(&listener);
    let e = slot.insert(card(), Faults::default()).unwrap_err();
    assert!(matches!(e, SimError::AlreadyInserted), "{e}");
    assert!(slot.is_inserted());
}

#[test]
fn no_vpcd_is_a_clear_error() {
    let (listener, addr) = FakeVpcd::listen();
    drop(listener);
    let mut slot = VpcdSlot::new(addr);
    let e = slot.insert(card(), Faults::default()).unwrap_err();
    assert!(matches!(e, SimError::VpcdNotListening { .. }), "{e}");
    assert!(e.to_string().contains("scripts/pcscd.sh"), "{e}");
    assert!(!slot.is_inserted());
}

#[test]
fn delays_apply_per_apdu_and_per_signature() {
    let (listener, addr) = FakeVpcd::listen();
    let mut slot = VpcdSlot::new(addr);
    let faults = Faults::default()
        .with_apdu_delay(Duration::from_millis(30))
        .with_sign_delay(Duration::from_millis(300));
    slot.insert(card(), faults).unwrap();
    let mut vpcd = FakeVpcd::accept(&listener);
    assert_eq!(vpcd.atr(), ATR);
    let start = Instant::now();
    assert_eq!(sw(&vpcd.transmit(&SELECT_JPKI)), 0x9000);
    let select = start.elapsed();
    assert!(select >= Duration::from_millis(30), "{select:?}");
    assert!(
        select < Duration::from_millis(300),
        "no sign delay: {select:?}"
    );
    let start = Instant::now();
    vpcd.transmit(&sign_apdu(&[1; 32]));
    assert!(start.elapsed() >= Duration::from_millis(330));
}

#[test]
fn the_state_observer_sees_counter_changes() {
    let (listener, addr) = FakeVpcd::listen();
    let mut slot = VpcdSlot::new(addr);
    let seen: Arc<Mutex<Vec<CardState>>> = Arc::default();
    let sink = Arc::clone(&seen);
    slot.set_state_observer(Box::new(move |s: &CardState| {
        sink.lock().unwrap().push(s.clone())
    }));
    slot.insert(card(), Faults::default()).unwrap();
    let mut vpcd = FakeVpcd::accept(&listener);
    vpcd.control(1);
    vpcd.transmit(&SELECT_JPKI);
    vpcd.transmit(&select_ef_apdu(0x0018));
    vpcd.transmit(&verify_apdu(b""));
    assert!(seen.lock().unwrap().is_empty(), "no change yet");
    vpcd.transmit(&verify_apdu(b"0000"));
    vpcd.transmit(&verify_apdu(AUTH_PIN.as_bytes()));
    let seen: Vec<u8> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.auth_pin_tries_left)
        .collect();
    assert_eq!(seen, [2, 3]);
}

#[test]
fn garbage_from_vpcd_ends_the_thread_cleanly() {
    let (listener, addr) = FakeVpcd::listen();
    let mut slot = VpcdSlot::new(addr);
    slot.insert(card(), Faults::default()).unwrap();
    let mut vpcd = FakeVpcd::accept(&listener);
    // A length that promises more than ever comes, then a close.
    vpcd.stream.write_all(&[0x01, 0x00, 0xAA]).unwrap();
    vpcd.stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(slot.wait_until_gone(), Some(EjectReason::ConnectionClosed));
    assert!(slot.remove().is_some());
}
