//! # counter-core
//!
//! The counter's workflows as deterministic, sans-IO state machines: what the receptionist,
//! the pharmacist, the cashier and the customer live through, decided here and executed
//! elsewhere.
//!
//! **Owns:**
//! - [`identify`]: card placed → certificate and PIN tries read while the customer chooses →
//!   PIN (PIN pad, or the customer window; never the staff window) → challenge → signature →
//!   platform; last-try confirmation; a next step for blocked, expired, revoked, not enrolled;
//!   the session ends when the card leaves.
//! - [`enroll`]: the application the customer checks and signs with the signature password.
//! - [`eligibility`]: reception and pharmacy checks, the warnings that matter, the hand-off
//!   files for the receipt system, fallbacks and the re-check queue's decisions.
//! - [`payment`]: the journaled payment state machine, recovery of sales in doubt, void,
//!   refund and the daily close.
//! - [`codes`]: the one table from outcomes to codes, messages (ja/en) and next steps.
//!
//! **Never:** opens a reader or a socket, touches a file, sleeps, reads a clock (every `now`
//! is a parameter, Unix seconds) or draws random numbers (ids and idempotency keys come in).
//! It never keeps a PIN beyond the effect that hands it to the card, and never stores a
//! certificate serial number or a card number.
//!
//! # Calling contract
//!
//! Each machine takes inputs through `handle(input, now)` (or named methods) and returns the
//! effects the shell (`counter-runtime`) must carry out, in order; the shell feeds each
//! effect's result back as an input. A view (`view()`) is what the UI shows. The shell
//! writes journal records *before* it performs an effect that sends a payment request
//! ([`payment`] says which).

pub mod backend;
pub mod codes;
pub mod eligibility;
pub mod enroll;
pub mod identify;
pub mod payment;

pub use backend::BackendFailure;
pub use codes::{Audience, Code};

/// Unix seconds (UTC). Every `now` in this crate is one.
pub type UnixTime = i64;
