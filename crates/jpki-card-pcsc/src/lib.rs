//! The My Number card protocol over PC/SC (the `pcsc` crate, pcsc-lite's
//! `pcscd` on Linux, WinSCard on Windows).
//!
//! Owns:
//! - [`PcscCard`], the [`jpki_card::CardTransport`] over a real reader: one
//!   dedicated card thread per connection runs every PC/SC card call; the
//!   handle sends requests over a channel and waits, boundedly, for replies.
//!   The connection is exclusive (`SCARD_SHARE_EXCLUSIVE`: a PIN is verified
//!   on it, no other process may use the unlocked key) and a power-down is a
//!   disconnect with `SCARD_UNPOWER_CARD` (docs/domain/jpki.md §1.8).
//! - [`list_readers`] and the hot-plug [`Monitor`] ([`ReaderEvent`]s through
//!   `SCardGetStatusChange` with PnP notification).
//! - PIN pads: PC/SC v2 part 10 feature discovery and `FEATURE_VERIFY_PIN_DIRECT`
//!   ([`pinpad`]), so the customer types the auth PIN on the reader and it
//!   never passes through the host; and [`PinPadCancel`], which ends a PIN-pad
//!   wait from another thread by abandoning it (pcsc-lite cannot interrupt a
//!   reader's `SCardControl`; the card is unpowered when the reader gives it
//!   back).
//! - The mapping of PC/SC error codes to [`jpki_card::TransportError`]
//!   ([`map_pcsc_error`]): a card pulled out mid-operation is `CardRemoved`,
//!   never a hang or a panic.
//!
//! Never:
//! - logs APDU bytes unmasked (a VERIFY carries the PIN in clear): the
//!   optional traces ([`PcscCardOptions::trace_apdus`], `TRACE` level, target
//!   `jpki_card_pcsc::apdu`) go through `jpki_card::TraceLine`, which masks
//!   VERIFY data and shortens responses;
//! - begins a PC/SC transaction, let alone holds one across a UI wait (Windows
//!   resets a card whose transaction idles for 5 s, docs/domain/jpki.md §1.8); the
//!   exclusive connection does the transaction's job;
//! - runs a blocking PC/SC call on the caller's thread (or async runtime);
//! - leaves a card powered after its session: power-down and drop both unpower
//!   (the `pcsc` crate's own `Drop` only resets, which keeps the PIN state).

mod cancel;
mod connection;
mod error;
mod monitor;
pub mod pinpad;
mod readers;
mod thread;
mod trace;
mod transport;

pub use cancel::PinPadCancel;
pub use connection::{Connection, Connector, PcscConnection, PcscConnector, ReaderControl};
pub use error::map_pcsc_error;
pub use monitor::{Monitor, ReaderEvent};
pub use pinpad::PinPadFeatures;
pub use readers::list_readers;
pub use transport::{PcscCard, PcscCardOptions};

// # Testing
//
// (A plain comment, not crate docs, so it does not end up in the API docs.)
// - Unit tests (`src/tests.rs`, `pinpad.rs`, `error.rs`) drive the card thread
//   through a scripted `Connector`.
// - `tests/integration` runs against the real pcscd + vpcd + jpki-card-sim:
//   `scripts/pcscd.sh run cargo test -p jpki-card-pcsc`; it fails with that
//   instruction when the harness is not there. `tests/zz_pcscd_restart.rs`
//   stops and restarts pcscd, so it is its own binary, run last.
// - PIN pads: vpcd answers every control code with
//   SCARD_E_UNSUPPORTED_FEATURE, so the PIN pad goes through pcscd on the
//   virtual PIN-pad reader (`crates/ifd-pinpad`, a pcsc-lite driver that
//   scripts/pcscd.sh loads beside vpcd): `tests/integration/pinpad_pcscd.rs`.
//   `pinpad_double` (a CCID PIN-pad double behind the same card thread) and
//   `src/tests.rs` (the cancel, with a pad that answers when told) need no pcscd.

/// The `pcsc` crate this transport is built on, re-exported so that
/// [`Connector`] / [`Connection`] doubles can name its error type.
pub use pcsc;

#[cfg(test)]
mod tests;
