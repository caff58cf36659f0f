//! The JPKI application of the My Number card (個人番号カード), sans-IO.
//!
//! Owns: command and response APDUs, status words and their meaning on this
//! card, the `Pin` types, and the card flows (read a certificate, PIN status,
//! authenticate a challenge, sign a document) as state machines that take
//! response bytes in and give command APDUs out.
//!
//! Never: opens a reader, sleeps, reads a clock, logs a PIN, or keeps a PIN
//! beyond the flow that uses it. Facts and sources: `shared/domain/jpki.md`
//! (§1.3 APDUs, §1.4 status words, §1.5 READ BINARY, §1.8 session rules, §5 PIN pads).

pub mod transport;

pub use transport::{CardTransport, TransportError};
