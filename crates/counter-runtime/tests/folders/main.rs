//! The receipt system's folder interface, played from the receipt system's side: request
//! files written into `req/` in UTF-8 and Shift_JIS, answers read from `res/` with an XML
//! parser of our own choosing (roxmltree, not the terminal's quick-xml), against the real
//! insurer on loopback TLS. No card and no pcscd: a check by insurance number and a bulk
//! pre-check need neither.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod answers;
mod appointments;
mod burst;
mod faults;
mod retention;
mod support;
