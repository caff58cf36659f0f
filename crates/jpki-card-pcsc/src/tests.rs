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

/// A PIN-pad reader whose pad answers only when the test says so: the
/// feature request lists VERIFY_PIN_DIRECT, the verify blocks on `pad`.
struct BlockingPad {
    pad: PadAnswer,
    log: Arc<Mutex<Log>>,
    verifies: Arc<Mutex<usize>>,
}

type PadAnswer = Arc<Mutex<Option<std::sync::mpsc::Receiver<[u8; 2]>>>>;

struct PadConn(PadAnswer, Arc<Mutex<Log>>, Arc<Mutex<usize>>);

const PAD_IOCTL: u32 = 0x4233_0006;

impl ReaderControl for PadConn {
    fn control(&mut self, code: u32, _input: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        if code == crate::pinpad::CM_IOCTL_GET_FEATURE_REQUEST {
            return Ok(vec![0x06, 4, 0x42, 0x33, 0x00, 0x06]);
        }
        *self.2.lock().unwrap() += 1;
        let pad = self.0.lock().unwrap().take();
        // The reader holds the call until the pad ends, as pcscd does.
        let sw = pad.and_then(|p| p.recv().ok()).unwrap_or([0x64, 0x00]);
        assert_eq!(code, PAD_IOCTL);
        Ok(sw.to_vec())
    }
}

impl Connection for PadConn {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        self.1.lock().unwrap().apdus += 1;
        Ok(vec![0x90, 0x00])
    }
    fn unpower(self: Box<Self>) -> Result<(), pcsc::Error> {
        self.1.lock().unwrap().unpowers += 1;
        Ok(())
    }
}

impl Connector for BlockingPad {
    fn connect(&mut self) -> Result<Box<dyn Connection>, pcsc::Error> {
        self.log.lock().unwrap().connects += 1;
        Ok(Box::new(PadConn(
            Arc::clone(&self.pad),
            Arc::clone(&self.log),
            Arc::clone(&self.verifies),
        )))
    }
    fn reader_name(&self) -> &str {
        "Blocking PIN Pad 00 00"
    }
}

/// The card handle, the pad's answer, the reader's log, the verifies it got.
type PadSetup = (
    PcscCard,
    std::sync::mpsc::Sender<[u8; 2]>,
    Arc<Mutex<Log>>,
    Arc<Mutex<usize>>,
);

fn blocking_pad() -> PadSetup {
    let (tx, rx) = std::sync::mpsc::channel();
    let log = Arc::new(Mutex::new(Log::default()));
    let verifies = Arc::new(Mutex::new(0));
    let reader = BlockingPad {
        pad: Arc::new(Mutex::new(Some(rx))),
        log: Arc::clone(&log),
        verifies: Arc::clone(&verifies),
    };
    let card = PcscCard::spawn(reader, PcscCardOptions::default()).unwrap();
    (card, tx, log, verifies)
}

fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "{what} did not happen");
        std::thread::yield_now();
    }
}

#[test]
fn a_cancel_ends_the_pin_pad_wait_at_once_and_the_card_is_unpowered_later() {
    let (mut card, pad, log, verifies) = blocking_pad();
    assert!(card.has_pin_pad());
    let cancel = card.pin_pad_canceller();
    let waiting = std::thread::spawn(move || {
        let started = Instant::now();
        let r = card.verify_on_pin_pad(&[0; 28]);
        (card, r, started.elapsed())
    });
    wait_for("the verify reaching the reader", || {
        *verifies.lock().unwrap() == 1
    });
    cancel.cancel();
    let (mut card, result, took) = waiting.join().unwrap();
    assert_eq!(result, Err(TransportError::Cancelled));
    assert!(
        took < Duration::from_secs(2),
        "ended by the cancel, {took:?}"
    );
    // Abandoned: no more calls reach the reader, power-down does not wait.
    assert_eq!(
        card.transmit(&[0, 0xA4, 4, 0x0C]),
        Err(TransportError::Cancelled)
    );
    let t = Instant::now();
    card.power_down().unwrap();
    drop(card);
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "nothing waited for the pad"
    );
    assert_eq!(
        log.lock().unwrap().unpowers,
        0,
        "the reader still holds the card"
    );
    // The customer types a PIN after all: the pad ends, the card is unpowered.
    pad.send([0x90, 0x00]).unwrap();
    wait_for("the unpower", || log.lock().unwrap().unpowers == 1);
    assert_eq!(
        log.lock().unwrap().apdus,
        0,
        "nothing was sent after the late verify"
    );
    assert!(cancel.is_cancelled());
    cancel.cancel(); // harmless once the handle is gone
}

#[test]
fn a_cancel_before_the_wait_refuses_it() {
    let (mut card, _pad, log, verifies) = blocking_pad();
    card.pin_pad_canceller().cancel();
    // Other calls go on; only the PIN-pad wait is refused, before the reader sees it.
    assert_eq!(
        card.transmit(&[0, 0xA4, 4, 0x0C]).unwrap(),
        vec![0x90, 0x00]
    );
    assert_eq!(
        card.verify_on_pin_pad(&[0; 28]),
        Err(TransportError::Cancelled)
    );
    assert_eq!(*verifies.lock().unwrap(), 0);
    card.power_down().unwrap();
    assert_eq!(log.lock().unwrap().unpowers, 1);
}

#[test]
fn a_pad_that_answers_is_not_cancelled() {
    let (mut card, pad, _log, _verifies) = blocking_pad();
    pad.send([0x63, 0xC2]).unwrap();
    assert_eq!(card.verify_on_pin_pad(&[0; 28]).unwrap(), [0x63, 0xC2]);
    drop(card); // not abandoned: the drop waits for the unpower as before
}
