//! The card thread and handle against a scripted connector: no pcscd needed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jpki_card::{CardTransport, TransportError};

use crate::{Connection, Connector, PcscCard, PcscCardOptions, ReaderControl};

#[derive(Default)]
struct Log {
    connects: usize,
    unpowers: usize,
    apdus: usize,
    /// Fail transmit with this error once `apdus` reaches the index.
    fail_at: Option<(usize, pcsc::Error)>,
    delay: Duration,
    connect_error: Option<pcsc::Error>,
}

#[derive(Clone, Default)]
struct Scripted(Arc<Mutex<Log>>);

struct Conn(Arc<Mutex<Log>>);

impl ReaderControl for Conn {
    fn control(&mut self, _code: u32, _input: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        Err(pcsc::Error::UnsupportedFeature)
    }
}

impl Connection for Conn {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        let delay = {
            let mut log = self.0.lock().unwrap();
            log.apdus += 1;
            if let Some((at, e)) = log.fail_at
                && log.apdus >= at
            {
                return Err(e);
            }
            log.delay
        };
        std::thread::sleep(delay);
        Ok(vec![0x90, 0x00])
    }
    fn unpower(self: Box<Self>) -> Result<(), pcsc::Error> {
        self.0.lock().unwrap().unpowers += 1;
        Ok(())
    }
}

impl Connector for Scripted {
    fn connect(&mut self) -> Result<Box<dyn Connection>, pcsc::Error> {
        let mut log = self.0.lock().unwrap();
        if let Some(e) = log.connect_error {
            return Err(e);
        }
        log.connects += 1;
        Ok(Box::new(Conn(Arc::clone(&self.0))))
    }
    fn reader_name(&self) -> &str {
        "Scripted Reader 00 00"
    }
}

#[test]
fn power_down_unpowers_and_the_next_apdu_reconnects() {
    let s = Scripted::default();
    let mut card = PcscCard::spawn(s.clone(), PcscCardOptions::default()).unwrap();
    assert!(!card.has_pin_pad(), "UNSUPPORTED_FEATURE = no PIN pad");
    assert_eq!(card.transmit(&[0, 0xA4, 4, 0x0C]).unwrap(), vec![0x90, 0]);
    card.power_down().unwrap();
    card.power_down().unwrap(); // harmless twice
    assert_eq!(card.transmit(&[0, 0xA4, 4, 0x0C]).unwrap(), vec![0x90, 0]);
    drop(card);
    let log = s.0.lock().unwrap();
    assert_eq!((log.connects, log.unpowers, log.apdus), (2, 2, 2));
}

#[test]
fn dropping_the_handle_unpowers_before_returning() {
    let s = Scripted::default();
    let card = PcscCard::spawn(s.clone(), PcscCardOptions::default()).unwrap();
    drop(card);
    assert_eq!(s.0.lock().unwrap().unpowers, 1);
}

#[test]
fn a_card_pulled_out_is_card_removed_every_time() {
    let s = Scripted::default();
    s.0.lock().unwrap().fail_at = Some((2, pcsc::Error::RemovedCard));
    let mut card = PcscCard::spawn(s.clone(), PcscCardOptions::default()).unwrap();
    card.transmit(&[0, 0xB0, 0, 0, 0]).unwrap();
    assert_eq!(
        card.transmit(&[0, 0xB0, 0, 0, 0]),
        Err(TransportError::CardRemoved)
    );
    assert_eq!(
        card.transmit(&[0, 0xB0, 0, 0, 0]),
        Err(TransportError::CardRemoved)
    );
    card.power_down().unwrap();
}

#[test]
fn an_empty_reader_fails_the_connect_with_card_removed() {
    let s = Scripted::default();
    s.0.lock().unwrap().connect_error = Some(pcsc::Error::NoSmartcard);
    let err = PcscCard::spawn(s, PcscCardOptions::default()).unwrap_err();
    assert_eq!(err, TransportError::CardRemoved);
}

#[test]
fn a_slow_card_times_out_and_its_late_answer_is_dropped() {
    let s = Scripted::default();
    s.0.lock().unwrap().delay = Duration::from_millis(300);
    let opts = PcscCardOptions::default().with_exchange_timeout(Duration::from_millis(50));
    let mut card = PcscCard::spawn(s.clone(), opts).unwrap();
    let t = Instant::now();
    assert_eq!(
        card.transmit(&[0, 0xB0, 0, 0, 0]),
        Err(TransportError::Timeout)
    );
    assert!(t.elapsed() < Duration::from_millis(250));
    s.0.lock().unwrap().delay = Duration::ZERO;
    // The next request waits behind the slow one; its own answer (not the
    // stale one) comes back once the limit allows.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(card.transmit(&[0, 0xB0, 0, 0, 0]).unwrap(), vec![0x90, 0]);
}

#[test]
fn no_pin_pad_means_verify_on_pin_pad_is_unsupported() {
    let mut card = PcscCard::spawn(Scripted::default(), PcscCardOptions::default()).unwrap();
    assert_eq!(
        card.verify_on_pin_pad(&[0; 24]),
        Err(TransportError::PinPadUnsupported)
    );
}
