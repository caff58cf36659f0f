//! Acceptance tests of the insurer reference server: the real server on loopback over TLS
//! with client certificates, driven by reqwest (rustls), with assertions signed by a
//! platform key (and, in `end_to_end`, by the real platform after the virtual card).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bulk;
mod by_number;
mod config;
mod contract;
mod eligibility;
mod end_to_end;
mod family;
mod links;
mod malformed;
/// Requests generated from the OpenAPI document, shared with the other servers' tests.
#[path = "../../../counter-api/tests/openapi/contract/mod.rs"]
mod openapi_contract;
mod ownership;
mod refusals;
mod register;
mod registered;
mod reload;
/// The server binary as a child process (shared with the acquirer's reload test).
#[path = "../../../backend-kit/tests/served/mod.rs"]
mod served;
mod support;
