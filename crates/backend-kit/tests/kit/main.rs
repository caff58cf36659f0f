//! The shared server plumbing through a real TLS server on loopback: panics answer without
//! their text, and the listener's limits hold against idle and silent connections.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod limits;
mod panics;
mod support;
