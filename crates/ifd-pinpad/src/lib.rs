//! A virtual PIN-pad card reader for pcsc-lite, for the tests and the demo:
//! `libmadoguchi_ifd_pinpad.so`, a reader driver (an IFD handler, pcsc-lite's
//! `ifdhandler.h`, version 3.0) that pcscd loads from a `reader.conf` entry
//! beside vsmartcard's vpcd (`scripts/pcscd.sh`).
//!
//! Owns:
//! - the reader as pcscd sees it ([`ffi`]): power, ATR, APDUs, presence, and
//!   `SCardControl`: `CM_IOCTL_GET_FEATURE_REQUEST` answered with
//!   `FEATURE_VERIFY_PIN_DIRECT` and `FEATURE_IFD_PIN_PROPERTIES`
//!   (docs/domain/jpki.md §5.1);
//! - `FEATURE_VERIFY_PIN_DIRECT` done as a pad does it: the
//!   `PIN_VERIFY_STRUCTURE` read and checked ([`structure`]), the keys taken as
//!   it says (time-outs, minimum and maximum, validation conditions: `entry`),
//!   the VERIFY built from its template (format, justification, block, length
//!   field: `pin_block`) and sent to the card; the answer is the card's status
//!   word, or the pad's own `64 00` (time-out), `64 01` (Cancel), `64 03`
//!   (length), `6B 80` (bad parameter); a card taken out during the entry
//!   ends it with `IFD_ICC_NOT_PRESENT`, as libccid answers for a CCID reader
//!   whose card left;
//! - two ports on 127.0.0.1 only: the **card port**, where the virtual card
//!   connects speaking vpcd's protocol (`jpki-card-sim`'s `VpcdSlot`, unchanged),
//!   and the **keys port**, where a test presses the pad's keys and reads what
//!   the reader saw ([`keys`], [`PadKeys`]).
//!
//! Never:
//! - lets a panic unwind into pcscd (every entry point runs under
//!   `catch_unwind`), or crashes on a malformed structure or buffer (an `IFD_*`
//!   error or `6B 80` instead);
//! - keeps, logs or reports a PIN: the digits live in zeroising buffers until
//!   the VERIFY is sent; the reader's record masks the data of every
//!   PIN-carrying command ([`record`]); it writes nothing to pcscd's log;
//! - listens on any address but the loopback one;
//! - ships: it is a test and demo device, like the virtual card.
//!
//! # Ports and `reader.conf`
//!
//! ```text
//! FRIENDLYNAME "Madoguchi PIN Pad Reader"
//! DEVICENAME   pinpad:40019:40020
//! LIBPATH      .../libmadoguchi_ifd_pinpad.so
//! CHANNELID    0x9C53
//! ```
//!
//! `DEVICENAME pinpad:<card port>:<keys port>` ([`device`]). pcscd shows the
//! reader as "Madoguchi PIN Pad Reader 00 00".

mod card_link;
pub mod codes;
pub mod device;
mod entry;
pub mod ffi;
pub mod keys;
mod listener;
mod pad;
mod pin_block;
mod reader;
pub mod record;
pub mod structure;

pub use entry::Key;
pub use keys::{KeysError, PadKeys};
pub use pad::Prompt;
pub use reader::{DEFAULT_TIMEOUT, PIN_PROPERTIES, feature_list};
