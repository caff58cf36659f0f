//! Why a virtual card could not be made, restored or put into a reader.

use std::net::SocketAddr;

use thiserror::Error;

use crate::persona::PersonaError;

/// Everything that can go wrong in this crate outside the card's own answers
/// (those are status words inside response APDUs, never errors).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimError {
    /// The persona file itself could not be read or checked.
    #[error(transparent)]
    Persona(#[from] PersonaError),

    /// A `[pem]` entry is not PEM, or not the expected kind of PEM block.
    #[error(
        "persona {persona}: pem.{field} is not a valid PEM {expected} block ({message}); \
         regenerate the persona with testkit-gen"
    )]
    Pem {
        /// The persona's id.
        persona: String,
        /// Which `[pem]` field.
        field: &'static str,
        /// What PEM label was expected (`CERTIFICATE`, `PRIVATE KEY`).
        expected: &'static str,
        /// What the decoder said.
        message: String,
    },

    /// A certificate is PEM but not a DER X.509 certificate.
    #[error("persona {persona}: pem.{field} is not an X.509 certificate ({message})")]
    Certificate {
        /// The persona's id.
        persona: String,
        /// Which `[pem]` field.
        field: &'static str,
        /// What the DER decoder said.
        message: String,
    },

    /// A private key is PEM but not an RSA PKCS#8 key.
    #[error("persona {persona}: pem.{field} is not an RSA PKCS#8 private key ({message})")]
    PrivateKey {
        /// The persona's id.
        persona: String,
        /// Which `[pem]` field.
        field: &'static str,
        /// What the decoder said.
        message: String,
    },

    /// A user key is not RSA-2048, which every real card key is (docs/domain/jpki.md §1.6).
    #[error("persona {persona}: pem.{field} is a {bits}-bit RSA key; JPKI card keys are RSA-2048")]
    KeySize {
        /// The persona's id.
        persona: String,
        /// Which `[pem]` field.
        field: &'static str,
        /// The key's modulus size in bits.
        bits: usize,
    },

    /// A private key does not belong to the certificate it is stored with.
    #[error(
        "persona {persona}: pem.{key_field} is not the private key of pem.{certificate_field}; \
         regenerate the persona"
    )]
    KeyMismatch {
        /// The persona's id.
        persona: String,
        /// The key's field.
        key_field: &'static str,
        /// The certificate's field.
        certificate_field: &'static str,
    },

    /// `card.atr` is not an ATR in hex.
    #[error("persona {persona}: card.atr {problem}")]
    Atr {
        /// The persona's id.
        persona: String,
        /// What is wrong and what is expected.
        problem: String,
    },

    /// A saved card state belongs to another persona.
    #[error(
        "the state file is for persona {found}, but the card is {expected}; \
         use another --state file or delete this one"
    )]
    StateForOtherCard {
        /// The card's persona id.
        expected: String,
        /// The id written in the state.
        found: String,
    },

    /// A saved card state has values the card cannot take.
    #[error("the card state is not valid: {problem}")]
    StateInvalid {
        /// What is wrong.
        problem: String,
    },

    /// A state file could not be read or written.
    #[error("cannot {action} card state file {path}: {source}")]
    StateIo {
        /// `read` or `write`.
        action: &'static str,
        /// The file, as it was given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },

    /// A state file is not valid state TOML.
    #[error("card state file {path} is not valid: {message}")]
    StateParse {
        /// The file, as it was given.
        path: String,
        /// What the parser said.
        message: String,
    },

    /// [`crate::VpcdSlot::insert`] on a slot that already holds a card.
    #[error("this vpcd reader already holds a card; remove it first")]
    AlreadyInserted,

    /// Nothing accepted the connection at the vpcd port.
    #[error(
        "cannot connect to vpcd at {addr} ({source}): is pcscd running with the vpcd driver? \
         see scripts/pcscd.sh"
    )]
    VpcdNotListening {
        /// Where vpcd was expected.
        addr: SocketAddr,
        /// The connect error.
        source: std::io::Error,
    },

    /// The connection to vpcd was made but could not be set up (socket options,
    /// thread start).
    #[error("cannot set up the vpcd connection to {addr}: {source}")]
    VpcdSetup {
        /// The vpcd address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}
