//! A virtual My Number card, and a bridge that puts it into a vsmartcard `vpcd`
//! reader so that `pcscd` (and so every PC/SC program) sees it.
//!
//! Owns: the card's file system, access rules, retry counters and signing, the
//! persona files it is made from, and the vpcd wire protocol.
//!
//! Never: used by production code paths except the demo's virtual reader; holds
//! anything but test keys (`O=JPKI-TEST`).

pub mod persona;

pub use persona::{Persona, PersonaError, Sex};
