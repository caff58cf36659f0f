//! The JPKI application of the My Number card (個人番号カード), sans-IO.
//!
//! Owns: command and response APDUs, status words and their meaning on this
//! card, the `Pin` types, and the card flows (read a certificate, PIN status,
//! authenticate a challenge, sign a document, read the sign certificate after
//! the password) as state machines that take response bytes in and give
//! command APDUs out.
//!
//! Never: opens a reader, sleeps, reads a clock, logs a PIN, or keeps a PIN
//! beyond the flow that uses it. Facts and sources: `docs/domain/jpki.md`
//! (§1.3 APDUs, §1.4 status words, §1.5 READ BINARY, §1.8 session rules, §5 PIN pads).
//!
//! # Using it
//!
//! A transport (`jpki-card-pcsc` over a reader, `jpki-card-sim`, a test
//! double) implements [`CardTransport`]. Build a flow and [`run`] it:
//!
//! ```no_run
//! use jpki_card::{run, sha256, AuthPin, Authenticate, CardError, CardTransport, PinEntry};
//!
//! fn identify(reader: &mut dyn CardTransport, pin: AuthPin, challenge: &[u8]) -> Result<(), CardError> {
//!     let flow = Authenticate::new(PinEntry::Host(pin), sha256(challenge));
//!     match run(reader, flow) {
//!         Ok(auth) => { /* send auth.certificate and auth.signature to the platform */ }
//!         Err(CardError::LastTryNeedsConfirmation) => { /* ask, then .confirm_last_try(true) */ }
//!         Err(e) => return Err(e),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! * [`run`] feeds the flow, then **always** powers the card down.
//!   [`run_with_trace`] also hands out masked [`TraceLine`]s for logs.
//! * Drivers of their own (async, a card thread with cancellation) follow the
//!   calling contract documented on [`Flow`].
//! * Every flow starts with SELECT of the JPKI AID, so a flow can run on any
//!   freshly connected card; there is no session state between flows.
//! * Errors are one [`CardError`] enum for all flows; map it to UI codes in one table.
//! * PINs ([`AuthPin`], [`SignPassword`]) are moved into the flow, zeroised as
//!   soon as the VERIFY is built, and never printed.
//!
//! Module map: [`apdu`] (commands, responses, traces), [`status`] (status
//! words), [`commands`] (the AID, EFs and §1.3 APDUs), [`pin`], [`pinpad`]
//! (PC/SC part 10 structures), [`flow`] (the flows), [`error`], [`transport`].

pub mod apdu;
pub mod commands;
mod crypto;
mod driver;
pub mod error;
pub mod flow;
pub mod pin;
pub mod pinpad;
pub mod status;
pub mod transport;

pub use apdu::{Command, Response, TraceLine};
pub use crypto::{SHA256_DIGEST_INFO_PREFIX, digest_info_sha256, sha256};
pub use driver::{run, run_with_trace};
pub use error::CardError;
pub use flow::{
    Authenticate, Authentication, CertificateFile, DocumentSignature, Flow, PinEntry, PinKind,
    PinStatus, ReadCertificate, ReadSignCertificate, SignCertificate, SignDocument, Step,
};
pub use pin::{AuthPin, PinFormatError, SignPassword};
pub use status::{StatusKind, StatusWord};
pub use transport::{CardTransport, TransportError};
