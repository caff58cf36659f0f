//! The card's transports: the vpcd bridge against an in-process double of
//! vpcd, the in-process `SimTransport`, and the `madoguchi-vcard` command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod sim_transport;
mod vpcd_double;
