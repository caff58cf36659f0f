//! # backend-acquirer
//!
//! The acquirer reference server: payments against a card token linked to the customer's
//! My Number card at enrollment, so that the counter terminal never sees a card number. A
//! payment carries the verification platform's `payment` assertion for this acquirer,
//! bound to the terminal, the merchant and the amount the customer agreed to.
//!
//! **Owns:** card tokens (brand and last 4 digits, for receipts) with their cardholder as
//! the issuer holds them and their owner: before the platform links a token to a card it
//! asks here (`POST /v1/links`, [`links`]), the cardholder is compared with the card's
//! certified attributes by the shared rule ([`counter_api::attributes::compare`]), and a
//! match makes the platform's pairwise subject the token's owner ([`core::ownership`]);
//! only the owner's assertions pay with it, a link confirmed for another holder or
//! released stops them at once, and a re-registration with another cardholder drops the
//! link. Also the payment state machine ([`core::payment`]), idempotency
//! ([`core::idempotency`]: the client's key, the first answer replayed, errors included,
//! other parameters refused, "in progress" never a decline, claims that are leases honoured
//! by every path, answered keys pruned after a retention longer than the terminal's
//! recovery horizon, [`config::KeyRules`]), status query by key,
//! reversal, daily settlement totals ([`core::settlement`]), the SQLite store and journal
//! ([`store`], [`schema`]), fault injection for the terminal's tests, the HTTP handlers
//! ([`http`], [`flows`], [`admin`], [`links`]), the configuration ([`config`]), the
//! terminals and platforms in force, which a SIGHUP re-reads from the file without a
//! restart ([`in_force`]), and starting the server ([`server`]).
//!
//! **Never:** stores, logs or answers a card number or a certificate serial, charges twice
//! for one idempotency key, answers "declined" for an outcome it does not know, leaves half
//! a payment after a crash (a change of money and its stored answer are one transaction),
//! lets a key stay "in progress" beyond its lease, lets a request that lost its claim commit,
//! or answers a bad request with a 500 or a panic. Never sends its cardholder record to a
//! terminal or to the platform (a mismatch names the attribute, not the value), never
//! stores or journals the certified attributes a link request carries, never lets a
//! terminal certificate confirm a link, and never uses up an assertion it refused.
//!
//! Calling contract: build [`Settings`] and [`config::KeyRules`] (from a file with
//! [`config::load`], or in code), then [`server::start_with`] on a listener or
//! [`server::start_in_process_with`] on an ephemeral loopback port (the variants without
//! `_with` take the default rules); [`server::serve_file`] is `serve --config FILE`, which
//! also calls [`backend_kit::command::ReloadingServer::reload_on_hangup`] on the server so
//! that each SIGHUP runs [`acquirer::Acquirer::reload`] (the file's `[[terminals]]` and
//! `[[trusted_platforms]]` put in force); [`server::RunningAcquirer::shutdown`] stops it.
//! Time comes from the [`backend_kit::Clock`] given at start; the core functions take `now`
//! as a parameter.

#![deny(missing_docs)]

pub mod acquirer;
pub mod admin;
pub mod config;
pub mod core;
pub mod flows;
pub mod http;
pub mod in_force;
pub mod links;
pub mod operations;
pub mod schema;
pub mod server;
pub mod store;

pub use config::Settings;
pub use server::{RunningAcquirer, start, start_in_process, start_in_process_with, start_with};

/// Why the acquirer cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] backend_kit::config::ConfigError),
    /// Settings built in code break a rule.
    #[error("settings: {0}")]
    Settings(String),
    /// The database.
    #[error(transparent)]
    Db(#[from] backend_kit::sqlite::DbError),
    /// TLS material.
    #[error("TLS: {0}")]
    Tls(#[from] backend_kit::tls::TlsError),
    /// Binding the listener.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
}
