//! A CCID PIN-pad reader, played in-process in front of the virtual card,
//! behind the same card thread and handle as a real reader
//! ([`PcscCard::spawn`]): the PIN-pad path without pcscd (through pcscd it is
//! `pinpad`, on the virtual PIN-pad reader).
//!
//! The double answers `CM_IOCTL_GET_FEATURE_REQUEST` as libccid does for a
//! reader with a PIN pad (`06 04 42 33 00 06`: FEATURE_VERIFY_PIN_DIRECT =
//! `0x42330006`), takes the verify ioctl only with that code, checks the
//! PIN_VERIFY_STRUCTURE byte for byte (docs/domain/jpki.md §5.2; the timeout byte may
//! vary), and then does what the scripted customer does: types a PIN (the
//! reader puts it into the APDU template and sends it to the card), lets the
//! reader time out (`64 00`) or presses Cancel (`64 01`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use jpki_card::CardTransport;
use jpki_card_pcsc::pcsc;
use jpki_card_pcsc::pinpad::CM_IOCTL_GET_FEATURE_REQUEST;
use jpki_card_pcsc::{Connection, Connector, ReaderControl};
use jpki_card_sim::{Faults, SimTransport, VirtualCard};

/// libccid's FEATURE_VERIFY_PIN_DIRECT ioctl, `SCARD_CTL_CODE(0x330000 + 6)`.
pub const VERIFY_IOCTL: u32 = 0x4233_0006;

/// The PIN_VERIFY_STRUCTURE for the 4-digit auth PIN, docs/domain/jpki.md §5.2, with a
/// 30 s timeout (byte 0, allowed to vary).
pub const EXPECTED_STRUCTURE: [u8; 28] = [
    0x1E, 0x00, 0x82, 0x04, 0x00, 0x04, 0x04, 0x03, 0x01, 0x11, 0x04, 0x00, 0x00, 0x00, 0x00, 0x09,
    0x00, 0x00, 0x00, // header, ulDataLength = 9
    0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, // VERIFY template
];

/// What the customer does at the PIN pad.
#[derive(Debug, Clone)]
pub enum Customer {
    /// Types these digits.
    Types(String),
    /// Types nothing until the reader gives up (`64 00`).
    TakesTooLong,
    /// Presses Cancel (`64 01`).
    PressesCancel,
}

/// What the double saw.
#[derive(Debug, Default)]
pub struct PadLog {
    /// Feature requests received.
    pub feature_requests: usize,
    /// Every structure sent to the verify ioctl.
    pub structures: Vec<Vec<u8>>,
    /// Control codes other than the two the reader knows.
    pub unknown_codes: Vec<u32>,
    /// Connections opened and unpowered.
    pub connects: usize,
    /// Power-downs.
    pub unpowers: usize,
}

struct Inner {
    sim: SimTransport,
    customers: VecDeque<Customer>,
    log: PadLog,
}

/// The reader; clones share it, so a test keeps one to look inside.
#[derive(Clone)]
pub struct PinPadReader(Arc<Mutex<Inner>>);

impl PinPadReader {
    /// A PIN-pad reader with `card` in it.
    pub fn new(card: VirtualCard) -> PinPadReader {
        PinPadReader(Arc::new(Mutex::new(Inner {
            sim: SimTransport::new(card, Faults::default()),
            customers: VecDeque::new(),
            log: PadLog::default(),
        })))
    }

    /// The customer will do this at the next PIN prompt.
    pub fn next_customer(&self, customer: Customer) {
        self.0.lock().unwrap().customers.push_back(customer);
    }

    /// Looks at what the double saw, and at the card.
    pub fn inspect<R>(&self, f: impl FnOnce(&PadLog, &VirtualCard) -> R) -> R {
        let inner = self.0.lock().unwrap();
        f(&inner.log, inner.sim.card())
    }
}

impl Connector for PinPadReader {
    fn connect(&mut self) -> Result<Box<dyn Connection>, pcsc::Error> {
        self.0.lock().unwrap().log.connects += 1;
        Ok(Box::new(PinPadConnection(Arc::clone(&self.0))))
    }
    fn reader_name(&self) -> &str {
        "Double CCID PIN Pad Reader 00 00"
    }
}

struct PinPadConnection(Arc<Mutex<Inner>>);

fn to_pcsc(e: jpki_card::TransportError) -> pcsc::Error {
    match e {
        jpki_card::TransportError::CardRemoved => pcsc::Error::RemovedCard,
        _ => pcsc::Error::CommError,
    }
}

impl ReaderControl for PinPadConnection {
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        let mut inner = self.0.lock().unwrap();
        if code == CM_IOCTL_GET_FEATURE_REQUEST {
            inner.log.feature_requests += 1;
            return Ok(vec![0x06, 0x04, 0x42, 0x33, 0x00, 0x06]);
        }
        if code != VERIFY_IOCTL {
            inner.log.unknown_codes.push(code);
            return Err(pcsc::Error::UnsupportedFeature);
        }
        inner.log.structures.push(input.to_vec());
        if input.len() != EXPECTED_STRUCTURE.len() || input[1..] != EXPECTED_STRUCTURE[1..] {
            return Ok(vec![0x6B, 0x80]); // invalid parameter, as CCID readers answer
        }
        match inner.customers.pop_front() {
            Some(Customer::Types(pin)) => {
                let mut apdu = input[19..].to_vec();
                apdu[5..9].copy_from_slice(pin.as_bytes());
                let response = inner.sim.transmit(&apdu).map_err(to_pcsc)?;
                Ok(response[response.len() - 2..].to_vec())
            }
            Some(Customer::TakesTooLong) | None => Ok(vec![0x64, 0x00]),
            Some(Customer::PressesCancel) => Ok(vec![0x64, 0x01]),
        }
    }
}

impl Connection for PinPadConnection {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        self.0
            .lock()
            .unwrap()
            .sim
            .transmit(command)
            .map_err(to_pcsc)
    }
    fn unpower(self: Box<Self>) -> Result<(), pcsc::Error> {
        let mut inner = self.0.lock().unwrap();
        inner.log.unpowers += 1;
        inner.sim.power_down().map_err(to_pcsc)
    }
}

mod tests {
    use jpki_card::{Authenticate, CardError, CardTransport, PinEntry, run, sha256};
    use jpki_card_pcsc::{PcscCard, PcscCardOptions};

    use super::*;
    use crate::harness;

    const CHALLENGE: &[u8] = b"pin pad challenge";

    fn reader_with(id: &str) -> (PinPadReader, PcscCard) {
        let reader = PinPadReader::new(harness::card(id));
        let card = PcscCard::spawn(
            reader.clone(),
            PcscCardOptions::default().with_trace_apdus(true),
        )
        .unwrap();
        (reader, card)
    }

    fn pad_flow() -> Authenticate {
        Authenticate::new(PinEntry::PinPad { timeout_secs: 30 }, sha256(CHALLENGE))
    }

    #[test]
    fn the_feature_request_finds_verify_pin_direct() {
        let (reader, mut card) = reader_with("sato-hanako");
        assert!(card.has_pin_pad());
        assert_eq!(
            card.pin_pad_features().verify_pin_direct,
            Some(VERIFY_IOCTL)
        );
        reader.inspect(|log, _| {
            assert_eq!(log.feature_requests, 1);
            assert!(log.unknown_codes.is_empty(), "{:X?}", log.unknown_codes);
        });
    }

    #[test]
    fn right_pin_on_the_pad_authenticates_with_the_exact_structure() {
        let persona = harness::persona("sato-hanako");
        let (reader, mut card) = reader_with("sato-hanako");
        reader.next_customer(Customer::Types(persona.auth_pin.clone()));
        let auth = run(&mut card, pad_flow()).unwrap();
        harness::assert_signature_verifies(&auth.certificate, CHALLENGE, &auth.signature);
        assert_eq!(auth.tries_left_before, 3);
        reader.inspect(|log, vcard| {
            assert_eq!(
                log.structures,
                vec![EXPECTED_STRUCTURE.to_vec()],
                "PIN_VERIFY_STRUCTURE byte for byte"
            );
            assert_eq!(log.unpowers, 1, "the flow ends with a power-down");
            assert!(!vcard.is_auth_pin_verified(), "and the power-down logs out");
        });
    }

    #[test]
    fn wrong_pin_on_the_pad_costs_a_try() {
        let (reader, mut card) = reader_with("sato-hanako");
        reader.next_customer(Customer::Types("9137".to_owned()));
        assert_eq!(
            run(&mut card, pad_flow()).unwrap_err(),
            CardError::PinIncorrect { tries_left: 2 }
        );
        reader.inspect(|_, vcard| assert_eq!(vcard.auth_pin_tries_left(), 2));
    }

    #[test]
    fn timeout_and_cancel_on_the_pad_cost_nothing() {
        let (reader, mut card) = reader_with("sato-hanako");
        reader.next_customer(Customer::TakesTooLong);
        assert_eq!(
            run(&mut card, pad_flow()).unwrap_err(),
            CardError::PinEntryTimeout
        );
        reader.next_customer(Customer::PressesCancel);
        assert_eq!(
            run(&mut card, pad_flow()).unwrap_err(),
            CardError::PinEntryCancelled
        );
        reader.inspect(|log, vcard| {
            assert_eq!(vcard.auth_pin_tries_left(), 3);
            assert_eq!(log.structures.len(), 2);
            assert_eq!(log.unpowers, 2);
        });
    }

    #[test]
    fn a_structure_the_reader_refuses_is_a_pin_pad_error() {
        let (reader, mut card) = reader_with("sato-hanako");
        reader.next_customer(Customer::Types("1234".to_owned()));
        let mut bad = EXPECTED_STRUCTURE.to_vec();
        bad[2] = 0x81; // BCD instead of ASCII
        assert_eq!(card.verify_on_pin_pad(&bad).unwrap(), [0x6B, 0x80]);
    }
}
