//! jpki-card-pcsc's integration tests: one binary, so the tests that share the
//! two virtual readers take one lock ([`harness::setup`]).
//!
//! Through the real pcscd + vpcd + the virtual card: run them with
//! `scripts/pcscd.sh run cargo test -p jpki-card-pcsc`; without the harness
//! they fail and say so. `pinpad_double` needs no pcscd: it plays a CCID
//! PIN-pad reader in-process, because vpcd has no PIN pad.
//! Stopping and restarting pcscd is in its own binary (`zz_pcscd_restart`),
//! run after this one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod flows;
mod harness;
mod logs;
mod loopback;
mod monitor;
mod pinpad_double;
mod transport;
