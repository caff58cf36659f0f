//! The runtime against the real reference backends over mutual TLS on loopback, the
//! journal in SQLite files, and the headless driver as a separate process (so it can be
//! killed with SIGKILL at every step of a payment).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
// Each card test holds the one vpcd slot (`support::card_in_vpcd`) for its whole run, awaits
// included: every test has its own runtime, so nothing else in it waits for that lock.
#![allow(clippy::await_holding_lock)]

mod acquirer_killed;
mod card_pulled;
mod counter_acquirer_killed;
mod counter_enrol_pulled;
mod counter_env;
mod counter_face;
mod counter_flow;
mod counter_links;
mod counter_pinpad;
mod counter_purge;
mod counter_races;
mod counter_rechecks;
mod counter_recovery;
mod counter_second_card;
mod counter_unshown;
mod counter_visit;
mod crash_matrix;
mod enrollment;
mod faults;
mod http_client;
/// The POS API's document checked with counter-api's shared validator.
#[path = "../../../counter-api/tests/openapi/contract/mod.rs"]
mod openapi_contract;
mod payment_races;
mod payment_void_held;
mod pos;
mod pos_killed;
mod pos_registers;
mod recheck;
mod recovery_policy;
mod refund_held;
mod register;
mod support;
mod till;
