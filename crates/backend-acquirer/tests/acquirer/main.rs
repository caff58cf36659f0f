//! Integration tests of the acquirer over real TLS on loopback: reqwest with rustls and a
//! terminal client certificate against the server started in-process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod config;
mod contract;
mod end_to_end;
mod faults;
mod idempotency;
mod leases;
mod links;
/// Requests generated from the OpenAPI document, shared with the other servers' tests.
#[path = "../../../counter-api/tests/openapi/contract/mod.rs"]
mod openapi_contract;
mod ownership;
mod payments;
mod refusals;
mod registered;
mod reload;
/// The server binary as a child process (shared with the insurer's reload test).
#[path = "../../../backend-kit/tests/served/mod.rs"]
mod served;
mod support;
