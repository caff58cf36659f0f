//! # backend-platform
//!
//! The verification platform (the 2014 study's 共通プラットフォーム, slides 21–23): it issues
//! challenges bound to a terminal and a context, verifies the card's JPKI authentication
//! certificate and signature (chain, policy, validity, revocation from CRL files), keeps the
//! linkage registry, and answers with the menu of services linked to the card and one
//! short-lived signed assertion per service. Enrollment links a card to services after
//! checking the signature certificate's four attributes against the signed application,
//! and only those links each service confirmed against its own record ([`links`]).
//! Federation exchanges a trusted peer platform's assertion for this platform's own.
//!
//! **Owns:** the challenge book ([`core::challenges`]), attribute matching
//! ([`core::matching`]), pairwise pseudonyms ([`core::pseudonym`]), the menu and its
//! assertions ([`core::menu`]), the shared state (challenges, federation replay guard,
//! registry, audit log, terminals, published CRL set) in SQLite or PostgreSQL ([`storage`],
//! [`registry`], [`audit`], [`terminals`], [`crl_set`]), the client that asks services to
//! confirm links ([`links`]), each node's snapshots of the terminals and of the CRL index
//! and how they follow the storage ([`terminals`], [`crl_source`], [`generations`]), the
//! HTTP handlers ([`http`]), the configuration ([`config`]), the operator's commands
//! ([`operator`]: terminals, their enrollment with certificates of the terminals' CA
//! ([`terminal_certs`]), CRLs, J-LIS roots, an authentication certificate re-issued alone
//! attached to its holder ([`attach_auth`]), a legally changed birth date or sex accepted
//! for its holder ([`correction`])), and starting the server ([`server`]).
//!
//! **Never:** gives a service a certificate serial (services get pairwise pseudonymous
//! subjects), sends the four attributes to a service the holder did not consent to, stores
//! a link its service did not confirm, stores a PIN or a signature over a challenge, logs
//! request bodies, treats an unknown revocation status as good, or answers a bad request
//! with a 500 or a panic.
//!
//! Calling contract: build [`Settings`] (from a file with [`Settings::load`], or in code),
//! then [`server::start`] on a listener or [`server::start_in_process`] on an ephemeral
//! loopback port; [`server::RunningPlatform::shutdown`] stops it. Time comes from the
//! [`backend_kit::Clock`] given at start; the core functions take `now` as a parameter.

#![deny(missing_docs)]

pub mod answer;
pub mod attach_auth;
pub mod audit;
pub mod audit_backlog;
pub mod config;
pub mod core;
pub mod correction;
pub mod crl_scopes;
pub mod crl_set;
pub mod crl_source;
pub mod enrollment;
pub mod federation;
pub mod generations;
pub mod http;
pub mod identification;
pub mod issued;
pub mod links;
pub mod operator;
pub mod platform;
pub mod registry;
pub mod schema;
pub mod server;
pub mod signing;
pub mod storage;
pub mod terminal_certs;
pub mod terminal_config;
pub mod terminals;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use config::Settings;
pub use platform::Platform;
pub use server::{RunningPlatform, start, start_in_process};

impl From<backend_kit::sqlite::DbError> for StartError {
    fn from(e: backend_kit::sqlite::DbError) -> Self {
        StartError::Storage(storage::StorageError::Sqlite(e))
    }
}

/// Why the platform cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] backend_kit::config::ConfigError),
    /// Settings built in code break a rule.
    #[error("settings: {0}")]
    Settings(String),
    /// The storage (SQLite file or PostgreSQL).
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// The CRL set (the folder, or the published set).
    #[error(transparent)]
    Crl(#[from] crl_source::CrlLoadError),
    /// TLS material.
    #[error("TLS: {0}")]
    Tls(#[from] backend_kit::tls::TlsError),
    /// Binding the listener.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
    /// The SIGHUP handler (which reloads the CRLs) cannot be registered.
    #[error("cannot listen for SIGHUP, the CRL reload signal: {0}")]
    ReloadSignal(#[source] std::io::Error),
}
