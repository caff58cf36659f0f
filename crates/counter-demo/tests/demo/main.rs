//! The embedded demo against its real parts: the reference backends on loopback TLS, the
//! databases in a folder that outlives a restart, and the persona cards on our pcscd's vpcd
//! reader. Every test needs `scripts/pcscd.sh run` (the demo reads the reader from its
//! environment) and fails with instructions without it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod cards;
mod pin_pad;
mod restart;
mod start;
mod support;
mod wrong_links;
