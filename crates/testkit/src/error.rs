//! What can go wrong while issuing test certificates, building CRLs or
//! reading and writing the committed fixtures.

use std::path::PathBuf;

use thiserror::Error;

/// An error of the test CA, the persona builder or the fixture generator.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A value could not be DER-encoded or decoded (a bug in a spec, or a
    /// string that does not fit its ASN.1 type, e.g. a non-ASCII URI).
    #[error("DER error while handling {what}: {source}")]
    Der {
        /// What was being encoded or decoded.
        what: &'static str,
        /// The encoder's error.
        source: der::Error,
    },
    /// An RSA key could not be made, read or written.
    #[error("RSA key {what}: {message}")]
    Key {
        /// Which key, or what was done with it.
        what: String,
        /// What the rsa/pkcs8 crates said.
        message: String,
    },
    /// Signing a certificate or a CRL failed.
    #[error("signing {what} failed: {message}")]
    Sign {
        /// What was being signed.
        what: &'static str,
        /// What the signer said.
        message: String,
    },
    /// A calendar date or time is not valid (e.g. 2025-02-30, or a birth
    /// date before the Meiji era).
    #[error("invalid date {value}: {problem}")]
    Date {
        /// The offending value as given.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A certificate or CRL spec asks for something the CA cannot express.
    #[error("invalid spec: {field} {problem}")]
    Spec {
        /// The field of the spec.
        field: &'static str,
        /// What is wrong and what is expected.
        problem: String,
    },
    /// A fixture or persona file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file, as it was given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A persona could not be serialised or parsed (`jpki-card-sim`'s format).
    #[error(transparent)]
    Persona(#[from] jpki_card_sim::PersonaError),
    /// A committed fixture file is not in the shape testkit expects; run
    /// `cargo run -p testkit --bin testkit-gen` to rewrite the fixtures.
    #[error(
        "fixture {path} is unusable: {problem} (regenerate with `cargo run -p testkit --bin testkit-gen`)"
    )]
    Fixture {
        /// The file, as it was given.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Maps a `der::Error` to [`Error::Der`] with context, for `map_err`.
pub(crate) fn der_err(what: &'static str) -> impl FnOnce(der::Error) -> Error {
    move |source| Error::Der { what, source }
}
