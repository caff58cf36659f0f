//! # backend-kit
//!
//! Plumbing every Madoguchi backend (platform, insurer, acquirer) shares, so that each
//! server's crate holds only its own rules.
//!
//! **Owns:** the TLS accept loop with optional client certificates, the caller's identity
//! as a request extension and the listener's limits (connections, handshake and header
//! deadlines) ([`serve`]); request work on other tasks, whose panics answer `internal`
//! without their text, and the guard that stops a server's background task with the server
//! ([`task`]); rustls server configuration from PEM files
//! ([`tls`]); problem-details responses and the JSON extractor whose rejections are problem
//! documents ([`http`]); TOML configuration loading with errors that name the file, the key
//! and what was expected ([`config`]); SQLite opened in WAL mode with numbered migrations
//! ([`sqlite`]); assertion replay protection kept in SQLite ([`replay`]); the platform
//! caller of a service's link endpoints ([`caller`]); re-reading the configuration on SIGHUP
//! with the values it swaps (a service's terminals and trusted platforms with their
//! assertion verifier), its SIGHUP listener and its log line ([`reload`]); the injectable clock ([`clock`]); a terminal's registered
//! certificate (`certificate_sha256`) and its check ([`terminal_certificate`]); admitting a
//! connection as one of a service's `[[terminals]]`, and the rule that lists each once
//! ([`terminals`]); with feature `dev-pki`, throwaway TLS
//! material for the desktop demo (`devpki`).
//!
//! **Never:** decides anything about a request (that is each server's core), logs request
//! bodies, or uses a crypto provider other than `ring` (no aws-lc-rs: builds stay light).

#![deny(missing_docs)]

pub mod caller;
pub mod clock;
pub mod command;
pub mod config;
#[cfg(feature = "dev-pki")]
pub mod devpki;
pub mod http;
pub mod reload;
pub mod replay;
pub mod serve;
pub mod sqlite;
pub mod task;
pub mod terminal_certificate;
pub mod terminals;
pub mod tls;

pub use clock::{Clock, ManualClock, SystemClock};
pub use http::{ApiError, ApiJson};
pub use serve::{ClientIdentity, Peer, ServeLimits, ServerHandle, serve_tls, serve_tls_with};
