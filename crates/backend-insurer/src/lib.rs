//! # backend-insurer
//!
//! The insurer reference server: eligibility (資格確認) by the verification
//! platform's assertion, answered in the data model of the real オンライン資格確認 result
//! (docs/domain/eligibility.md §2.3–2.4), the asynchronous bulk pre-check of booked patients by
//! insurance number and birth date (submit → 受付番号 → fetch later, §2.6), and
//! the confirmation of links for the platform ([`counter_api::links`]): before the platform
//! links a card to an insurance record, the insurer checks that the record is the card
//! holder's, and it answers eligibility only to the holder it confirmed.
//!
//! **Owns:** the register of insured persons, its file format and its demo data, compiled
//! in only with the `demo-register` feature ([`demo`]), the eligibility
//! decision and validity codes ([`core::eligibility`]), link confirmation: which records
//! a link names and whether they are the holder's ([`core::linking`]), request rules
//! ([`core::validate`]), bulk progress ([`core::bulk`]), the SQLite database with the
//! audit log, the bindings of confirmed links to their owner (the platform's pairwise
//! `sub` and the insurer's person, [`store::links`]) and the assertion ids already used
//! ([`store`]), the flows with their check order ([`insurer`]), the HTTP handlers
//! ([`http`]), the configuration ([`config`]), the terminals and platforms in force, which
//! a SIGHUP re-reads from the file without a restart ([`in_force`]), and starting the
//! server ([`server`]).
//!
//! **Never:** stores or asks for a certificate serial number (docs/domain/eligibility.md §3.3: a
//! service provider may not keep one; it identifies the person by the linkage in the
//! assertion's `svc` and sees only the platform's pairwise `sub`); answers an assertion
//! for another audience, an expired one, one used before (even across a restart), one
//! issued for another purpose than identification or to another terminal, or one whose
//! `sub` does not own the link it names; lets an assertion read another person's record
//! than the one its link was confirmed against; confirms a link on anything but the
//! record's own attributes compared by [`counter_api::attributes::compare`]; lets anyone
//! but a trusted platform (by its client certificate) confirm or release a link; tells the
//! platform a value the record holds (a mismatch names the attribute only); logs or stores
//! the certified attributes a link request carries; logs request bodies; or answers a bad
//! request with a 500 or a panic; carries the test personas in a build without the
//! `demo-register` feature (the shipped one).
//!
//! Calling contract: build [`Settings`] (from a file with [`Settings::load`], or in code),
//! then [`server::start`] on a listener or [`server::start_in_process`] on an ephemeral
//! loopback port; [`server::RunningInsurer::shutdown`] stops it. [`server::serve_file`] is
//! `serve --config FILE`: it also calls
//! [`backend_kit::command::ReloadingServer::reload_on_hangup`] on the server, so that each
//! SIGHUP runs [`Insurer::reload`], which puts the file's `[[terminals]]` and
//! `[[platforms]]` in force. Time comes from the [`backend_kit::Clock`] given at start; the
//! core functions take `now` (or the dates derived from it) as parameters.

#![deny(missing_docs)]

pub mod config;
pub mod core;
pub mod demo;
pub mod http;
pub mod in_force;
pub mod insurer;
pub mod server;
pub mod store;

pub use config::Settings;
pub use insurer::Insurer;
pub use server::{RunningInsurer, start, start_in_process};

/// Why the insurer cannot start.
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
