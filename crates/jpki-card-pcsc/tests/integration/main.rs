//! jpki-card-pcsc's integration tests: one binary, so the tests that share the
//! two virtual readers take one lock ([`harness::setup`]).
//!
//! Through the real pcscd + vpcd + the virtual card: run them with
//! `scripts/pcscd.sh run cargo test -p jpki-card-pcsc`; without the harness
//! they fail and say so. The PIN pad goes through pcscd too, on the virtual
//! PIN-pad reader scripts/pcscd.sh loads beside vpcd (`pinpad`);
//! `pinpad_double` needs no pcscd: it plays a CCID PIN-pad reader in-process.
//! Stopping and restarting pcscd is in its own binary (`zz_pcscd_restart`),
//! run after this one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod flows;
mod harness;
mod logs;
mod loopback;
mod monitor;
mod pinpad;
mod pinpad_double;
mod transport;
