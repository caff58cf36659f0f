//! Flow tests over a scripted transport: exact APDU sequences, every status
//! word of docs/domain/jpki.md §1.4 at the steps where it can occur, the exchange layer
//! (61xx, 6Cxx), PIN pads, the local signature check, power-down on every
//! exit, and a property test with garbled responses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fixture;
mod script;

mod driver;
mod exchange;
mod happy;
mod pins;
mod reads;
mod robustness;
mod sign_certificate;
mod signature;
mod status_matrix;
