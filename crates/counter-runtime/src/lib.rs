//! # counter-runtime
//!
//! The I/O shell around `counter-core`: it carries out the workflows' effects and feeds
//! the results back.
//!
//! **Owns:** the HTTPS clients of the platform, the insurer and the acquirer (reqwest on
//! rustls with the backend CA pinned and the terminal's client certificate, timeouts;
//! [`http`], [`tls`]); the payment shell that journals before it sends and resolves sales
//! in doubt on start ([`payments`]); the clock and the idempotency keys ([`clock`]); the
//! terminal's configuration file ([`config`]); crash points for the crash-matrix tests
//! ([`crash`]); the re-check worker for eligibility fallbacks ([`recheck`]); the interactive
//! counter the desktop app wraps, with its API types exported to TypeScript ([`counter`]);
//! the receipt system's folder interface: watching `req/`, answering in `res/` through the
//! insurer, exactly once across crashes ([`folders`]); the retention purge of personal
//! data ([`retention`]); booked patients: appointments stored, pre-checked in bulk, and the
//! receipt system's bulk requests kept as appointments ([`appointments`]);
//! the terminal's TLS key and certificate request for its enrollment
//! ([`certificate_request`]); the headless driver `madoguchi-counter`.
//!
//! **Never:** decides a workflow itself (that is `counter-core`), retries a request that is
//! not idempotent, logs a PIN, an assertion or a certificate, or trusts any CA but the
//! configured one.

pub mod appointments;
pub mod card;
pub mod certificate_request;
pub mod clock;
pub mod config;
pub mod counter;
pub mod crash;
#[cfg(feature = "virtual-card")]
pub mod enrol;
pub mod error;
pub mod folders;
pub mod http;
pub mod ident;
pub mod payments;
pub mod pos;
pub mod reader_names;
pub mod recheck;
pub mod retention;
pub mod tls;
mod toml_key;

pub use error::RuntimeError;
