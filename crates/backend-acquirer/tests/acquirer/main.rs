//! Integration tests of the acquirer over real TLS on loopback: reqwest with rustls and a
//! terminal client certificate against the server started in-process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod config;
mod end_to_end;
mod faults;
mod idempotency;
mod leases;
mod links;
mod ownership;
mod payments;
mod refusals;
mod support;
