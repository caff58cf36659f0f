//! The PIN pad through the real pcscd: the virtual PIN-pad reader
//! (`crates/ifd-pinpad`, loaded by scripts/pcscd.sh beside vpcd) with the
//! virtual card in it, and a test thread as the customer's fingers on its keys
//! port. What the reader saw (control codes, structures, every APDU of
//! `SCardTransmit`, the VERIFY it built, masked) is read back from its record.

mod entry;
mod waits;

use std::thread::JoinHandle;
use std::time::Duration;

use jpki_card::{Authenticate, PinEntry, PinKind, PinStatus, sha256};
use jpki_card_sim::Faults;
use madoguchi_ifd_pinpad::{Key, PadKeys, Prompt};

use crate::harness::{self, Inserted, PadEnv, run_flow};

/// Longest wait for the pad to prompt (pcscd passes the verify on within
/// milliseconds).
pub const PROMPT_WAIT: Duration = Duration::from_secs(10);

/// The challenge the flows sign.
pub const CHALLENGE: &[u8] = b"pin pad through pcscd";

/// A persona's card in the PIN-pad reader, and the keys port (its record
/// cleared: each test reads only what it caused).
pub struct PadCard {
    pub env: PadEnv,
    pub inserted: Inserted,
    pub keys: PadKeys,
}

impl PadCard {
    pub fn new(persona: &str) -> PadCard {
        let env = harness::pad_env();
        let mut keys = PadKeys::connect(env.keys).expect("the PIN pad's keys port");
        let inserted = Inserted::into(
            env.reader.clone(),
            env.card,
            harness::card(persona),
            Faults::default(),
        );
        keys.clear_log().unwrap();
        PadCard {
            env,
            inserted,
            keys,
        }
    }

    /// The reader's PC/SC name.
    pub fn reader(&self) -> &str {
        &self.inserted.reader
    }

    /// The reader's record since the card went in.
    pub fn record(&mut self) -> Vec<String> {
        self.keys.log().unwrap()
    }

    /// The auth PIN's tries left, read through the pad reader (no PIN).
    pub fn tries(&self) -> u8 {
        run_flow(self.reader(), PinStatus::new(PinKind::AuthPin)).unwrap()
    }
}

/// What the customer does once the pad prompts.
#[derive(Debug, Clone)]
pub enum Customer {
    /// Types these digits.
    Types(String),
    /// Types these digits and presses Cancel.
    TypesThenCancels(String),
    /// Does nothing (the pad times out).
    Waits,
}

/// The customer, on a thread of their own: waits for the prompt, then acts.
/// Joins to the prompt the pad showed.
pub fn customer(env: &PadEnv, does: Customer) -> JoinHandle<Prompt> {
    let addr = env.keys;
    std::thread::spawn(move || {
        let mut keys = PadKeys::connect(addr).unwrap();
        let prompt = keys.wait_prompt(PROMPT_WAIT).unwrap();
        match does {
            Customer::Types(pin) => keys.type_digits(&pin).unwrap(),
            Customer::TypesThenCancels(digits) => {
                keys.type_digits(&digits).unwrap();
                keys.press(Key::Cancel).unwrap();
            }
            Customer::Waits => {}
        }
        prompt
    })
}

/// The authentication flow with the PIN on the pad, `timeout_secs` for the pad.
pub fn pad_flow(timeout_secs: u8) -> Authenticate {
    Authenticate::new(PinEntry::PinPad { timeout_secs }, sha256(CHALLENGE))
}

/// The record's `SCardTransmit` APDUs (masked hex).
pub fn transmits(record: &[String]) -> Vec<&str> {
    record
        .iter()
        .filter_map(|l| l.strip_prefix("transmit "))
        .collect()
}

/// No VERIFY with data came through `SCardTransmit`: the PIN was never sent by
/// the host (an empty VERIFY, which reads the counter, is fine).
pub fn assert_no_verify_with_data(record: &[String]) {
    for apdu in transmits(record) {
        assert!(
            !(apdu.starts_with("0020") && apdu.len() > 8),
            "a VERIFY with data crossed the host: {apdu}"
        );
    }
}
