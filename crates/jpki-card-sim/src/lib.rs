//! A virtual My Number card, and a bridge that puts it into a vsmartcard `vpcd`
//! reader so that `pcscd` (and so every PC/SC program) sees it.
//!
//! Owns: the card's file system, access rules, retry counters and signing, the
//! persona files it is made from, and the vpcd wire protocol.
//!
//! Never: used by production code paths except the demo's virtual reader; holds
//! anything but test keys (`O=JPKI-TEST`); logs a PIN or an APDU's data.
//!
//! # Parts
//! * [`VirtualCard`]: the card, pure and deterministic (APDU in, response out).
//! * [`VpcdSlot`]: one vpcd reader; inserting connects the card to vpcd.
//! * [`SimTransport`]: the card in-process behind [`jpki_card::CardTransport`].
//! * [`Faults`]: removal after N APDUs, APDU and signing delays.
//! * [`CardState`]: retry counters saved across bridge restarts.
//! * `madoguchi-vcard`: the bridge as a command (`--help`).
//!
//! # Fidelity
//! Facts come from `docs/domain/jpki.md` §1 (\[A\]/\[B\] rated there). Where
//! the sources are silent or rated \[C\], this card chose:
//! * Other My Number applications (券面入力補助AP, 券面AP, 住基AP, 共通カードAP)
//!   and the ISD: SELECT by AID answers `90 00`; they have no files, so an EF
//!   SELECT inside them answers `6A 82`. Unknown or partial AIDs: `6A 82`.
//! * EF SELECT before the JPKI AP is selected: `6A 82` (the ISD has no such EF).
//! * SELECT with P2 other than `0C` (FCI requested) or P1 other than `02`/`04`:
//!   `6A 86`; this card returns no FCI.
//! * Certificate EFs: `0001` is 0x0C00 bytes, `0002`/`000A`/`000B` 0x0800,
//!   padded with `FF` after the DER (grown to the next 256 bytes if a
//!   certificate is larger).
//! * `0006`: 160 bytes, a `CK_TOKEN_INFO` with 32-bit big-endian fields; label
//!   `JPKIAPICCTOKEN2` space padded, manufacturer `JPKI-TEST VIRTUAL CARD`,
//!   model `MADOGUCHI VCARD`, serial = hex of the first 8 bytes of SHA-256 of
//!   the auth certificate.
//! * `0008`: `8F 8F 00`, or `00 8F 00` without a signature certificate.
//! * Cards without a signature certificate have no `0001`/`0002`/`001A`/`001B`
//!   (SELECT answers `6A 82`).
//! * READ BINARY: SFI form (P1 b8 = 1) `6A 86`; on a key or PIN EF `69 81`;
//!   with no current EF `69 86`; Le absent or command data present `67 00`.
//! * VERIFY: Lc other than 4 (auth PIN) or 6..16 (sign password) answers
//!   `67 00` and leaves the counter alone; a blocked PIN answers `69 84` to
//!   any VERIFY with data (checked before the length). A wrong PIN also clears
//!   that PIN's earlier success. Comparison is byte-exact (no case folding).
//! * The security state survives re-SELECTing the AP and a warm reset (MC's
//!   observation, docs/domain/jpki.md §1.8 \[B\]); only power-off clears it.
//! * COMPUTE DIGITAL SIGNATURE: CLA `00` answers `6E 00`; P1 ≠ 00 and P2 ≠ 80
//!   answer `6A 86` (MC's hashing modes and `80|SFI` key addressing are not
//!   emulated); Lc 0 or > 245, no Le, or Le ≠ `00`: `67 00`.
//! * Extended-length APDUs: `67 00`. Unknown INS: `6D 00`; a known INS with a
//!   wrong CLA: `6E 00`. Signing failure inside the card (never expected): `6F 00`.
//! * The card only accepts RSA-2048 keys that match their certificates.

mod bridge;
mod card;
mod error;
mod faults;
pub mod persona;
mod state;
mod transport;
pub mod vpcd;

pub use bridge::{EjectReason, StateObserver, VpcdSlot};
pub use card::VirtualCard;
pub use card::fs::{
    CERT_EF_SIZE, EF_PADDING, ISD_AID, JPKI_AID, OTHER_AIDS, SIGN_CERT_EF_SIZE, TOKEN_INFO_LEN,
    TOKEN_LABEL,
};
pub use error::SimError;
pub use faults::Faults;
pub use persona::{Persona, PersonaError, Sex};
pub use state::CardState;
pub use transport::SimTransport;
