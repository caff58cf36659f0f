//! The acquirer's configuration: the TOML file (`serve --config FILE`) and the loaded
//! [`Settings`] the server runs on. Tests and the desktop demo build [`Settings`] directly.
//!
//! ```toml
//! acquirer_id = "acq-visa"               # the service id: `aud` of the assertions it accepts
//! listen = "127.0.0.1:8445"
//! database = "acquirer.sqlite"            # relative paths: relative to this file
//!
//! [connections]                           # optional: the TLS listener (backend-kit's serve)
//! max = 4096                              # 1..=1000000: connections open at once (lowered to the open-file limit)
//! handshake_timeout_ms = 10000            # 100..=60000: to finish the TLS handshake
//! header_timeout_ms = 30000               # 100..=300000: for a request's headers (and keep-alive idling)
//!
//! [tls]
//! certificate = "tls/server.pem"          # chain, leaf first
//! private_key = "tls/server.key"
//! terminal_ca = "tls/terminal-ca.pem"     # issues the terminals' client certificates
//!
//! [[trusted_platforms]]                  # a platform whose assertions it accepts and which
//! issuer = "pf-tokyo"                     # may confirm links (POST /v1/links) with a client
//! keys = "platforms/pf-tokyo.json"        # certificate of terminal_ca whose CN is `issuer`;
//!                                         # `keys`: its GET /v1/keys answer
//!
//! [[terminals]]
//! id = "shop-a-till-1"                    # the CN of its client certificate (never the
//!                                         # issuer of a trusted platform)
//! merchant_id = "shop-a"                  # the merchant it takes payments for
//! admin = false                           # may call /v1/admin/* (card tokens, faults)
//! certificate_sha256 = "AB:CD:…"          # optional: accept only this certificate (its SHA-256)
//!
//! [[card_tokens]]                         # demo tokens (fictitious: brand + last 4 only)
//! card_token_ref = "tok_demo_visa"
//! brand = "VISA"
//! last4 = "4242"
//! limit_jpy = 100000                      # optional: above it, declined insufficient_funds
//! blocked = false                         # optional: every authorisation declined
//! [card_tokens.holder]                    # required: the cardholder, as the issuer holds
//! name = "佐藤　花子"                     # them; compared with the card's certificate
//! birth_date = "1985-04-12"               # before a link is confirmed (YYYY-MM-DD)
//! address = "東京都千代田区丸の内九丁目９番９９号"  # optional: compared when given
//! sex = "female"                          # optional: male, female or not_known
//!
//! [idempotency]                           # optional; these are the defaults
//! claim_lease_secs = 120                  # how long a claimed key may stay unanswered
//! retention_days = 35                     # how long answered keys and tombstones are kept
//! ```
//!
//! `certificate_sha256` (64 hex digits, colons and case ignored, as `openssl x509 -noout
//! -fingerprint -sha256 -in CERT` prints them) registers the terminal's certificate: any
//! other, even of the terminal CA and with the terminal's id as CN (a stolen PC's after its
//! replacement), is refused with `403 terminal_unknown`, reason
//! `certificate_not_registered`. After a legitimate replacement, put the new certificate's
//! SHA-256 in the entry and reload. An entry without it accepts any certificate of the
//! terminal CA with its id, and start-up warns of it.
//!
//! Re-registering a token at start with the same `holder` keeps its link; another
//! `holder` drops it (the token may now be someone else's: the holder enrols again).
//!
//! `[[terminals]]` and `[[trusted_platforms]]` may change while the server runs: SIGHUP
//! (`systemctl reload`) loads the file again with [`load`] and puts those two lists in
//! force ([`crate::in_force`]); every other key, `[[card_tokens]]` and `[idempotency]`
//! included, applies at start only.
//!
//! `[idempotency]` ([`KeyRules`]):
//!
//! - `claim_lease_secs` (1 to 3,600; default 120, Adyen's local processing time-out,
//!   docs/domain/payments-and-eid-clients.md §1.2): a key claimed longer ago without an answer is "not
//!   done". A retry takes it over, the status query answers `404` (nothing was charged), a
//!   reversal leaves its tombstone; the request that held it, if it still runs, commits
//!   nothing. Claims are also released when the acquirer starts (their process is gone).
//!   Shorter leases resolve a killed request sooner but must stay above the slowest honest
//!   request, or that request is refused with `503 unavailable` after doing nothing.
//! - `retention_days` (at least 15; default 35): answered keys and reversal tombstones
//!   older than this are deleted (checked at start and at most hourly). A terminal asks
//!   about a key (status query, reversal, same-key retry of a capture, void or refund) until
//!   its sale is final, which it resolves when it starts and before each new sale; the
//!   longest it may wait is therefore the longest a counter stays switched off with a sale
//!   in doubt: **the terminal's recovery horizon, 14 days** ([`RECOVERY_HORIZON_DAYS`]:
//!   the New Year closure, 29 December to 3 January, and Golden Week, up to 10 days, with
//!   margin). Retention must exceed it ([`MIN_RETENTION_DAYS`], 15), so 14 or less is
//!   refused at start. Past the
//!   retention the status query and the reversal still find a payment by its key (the
//!   payments keep their key), and a late authorisation under a pruned tombstone carries an
//!   assertion long expired; only a refund retried after that long could be applied twice.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use backend_kit::caller::role_clash;
use backend_kit::config::{ConfigError, invalid, load_toml, read_file};
use backend_kit::reload::in_force::ServiceSettings;
use backend_kit::serve::{ConnectionsConfig, ServeLimits};
use counter_api::acquirer::{CardTokenRegistration, Cardholder, FaultPlan};
use counter_api::assertion::KeySet;
use counter_api::ident::check_id;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    acquirer_id: String,
    listen: String,
    database: PathBuf,
    #[serde(default)]
    connections: ConnectionsConfig,
    tls: FileTls,
    #[serde(default)]
    trusted_platforms: Vec<FilePlatform>,
    #[serde(default)]
    terminals: Vec<TerminalConfig>,
    #[serde(default)]
    card_tokens: Vec<FileCardToken>,
    #[serde(default)]
    idempotency: Option<FileKeys>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKeys {
    #[serde(default)]
    claim_lease_secs: Option<i64>,
    #[serde(default)]
    retention_days: Option<i64>,
}

/// The default lease of a claimed key (seconds): Adyen's local processing time-out, after
/// which its platform gives a payment up (docs/domain/payments-and-eid-clients.md §1.2).
pub const DEFAULT_CLAIM_LEASE_SECS: i64 = 120;

/// The longest lease accepted (seconds): a terminal's sale stays in doubt that long when
/// the acquirer dies inside its authorisation and is not restarted.
pub const MAX_CLAIM_LEASE_SECS: i64 = 3_600;

/// The terminal's recovery horizon (days): the longest a terminal may take to ask about a
/// key again, i.e. to come back after a holiday closure with a sale in doubt (see the
/// module documentation). The terminal sends a same-key retry only while the key is
/// strictly younger than this (`counter_core::payment::retry_refund`).
pub const RECOVERY_HORIZON_DAYS: i64 = 14;

/// The shortest retention of keys accepted (days): a day beyond the recovery horizon, so
/// that retention exceeds it and the terminal's last retry still meets the key.
pub const MIN_RETENTION_DAYS: i64 = RECOVERY_HORIZON_DAYS + 1;

/// The default retention of answered keys and tombstones (days): beyond the recovery
/// horizon and a monthly statement cycle.
pub const DEFAULT_RETENTION_DAYS: i64 = 35;

/// Seconds in a day.
const DAY_SECS: i64 = 86_400;

/// How idempotency keys are claimed and kept (`[idempotency]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRules {
    /// A claim older than this (seconds) without an answer is not done.
    pub claim_lease_secs: i64,
    /// Answered keys and tombstones older than this (seconds) are deleted.
    pub retention_secs: i64,
}

impl Default for KeyRules {
    fn default() -> Self {
        Self {
            claim_lease_secs: DEFAULT_CLAIM_LEASE_SECS,
            retention_secs: DEFAULT_RETENTION_DAYS * DAY_SECS,
        }
    }
}

impl KeyRules {
    /// The rules on values: `Err((key, problem, expected))`.
    pub fn check(&self) -> Result<(), (String, String, String)> {
        if !(1..=MAX_CLAIM_LEASE_SECS).contains(&self.claim_lease_secs) {
            return Err((
                "idempotency.claim_lease_secs".into(),
                format!(
                    "{} seconds is outside 1 to {MAX_CLAIM_LEASE_SECS}",
                    self.claim_lease_secs
                ),
                format!(
                    "1 to {MAX_CLAIM_LEASE_SECS} seconds (default {DEFAULT_CLAIM_LEASE_SECS}): \
                     longer than the slowest honest request, short enough that a request killed \
                     inside its work does not leave a sale in doubt for long"
                ),
            ));
        }
        if self.retention_secs <= RECOVERY_HORIZON_DAYS * DAY_SECS {
            return Err((
                "idempotency.retention_days".into(),
                format!(
                    "{} days does not exceed the terminal's recovery horizon \
                     ({RECOVERY_HORIZON_DAYS} days): a terminal coming back after a holiday \
                     closure could retry a refund under a key the acquirer has already \
                     forgotten, and the refund would be made twice",
                    self.retention_secs / DAY_SECS
                ),
                format!("at least {MIN_RETENTION_DAYS} days (default {DEFAULT_RETENTION_DAYS})"),
            ));
        }
        Ok(())
    }
}

/// A `[[card_tokens]]` entry: [`CardTokenRegistration`] whose `holder` may be missing
/// here, so that its absence is reported with the key rather than as a parse error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCardToken {
    card_token_ref: String,
    brand: String,
    last4: String,
    #[serde(default)]
    limit_jpy: Option<u64>,
    #[serde(default)]
    blocked: bool,
    #[serde(default)]
    holder: Option<Cardholder>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTls {
    certificate: PathBuf,
    private_key: PathBuf,
    terminal_ca: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePlatform {
    issuer: String,
    keys: PathBuf,
}

/// A terminal allowed to call the acquirer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalConfig {
    /// The CN of its client certificate.
    pub id: String,
    /// The merchant it takes payments for.
    pub merchant_id: String,
    /// May call `/v1/admin/*`.
    #[serde(default)]
    pub admin: bool,
    /// The SHA-256 of the one client certificate accepted for it (hex, colons and case
    /// ignored, as `openssl x509 -noout -fingerprint -sha256` prints it; the platform's
    /// certificate of the terminal's last enrollment); absent: any certificate of the
    /// terminal CA with the id as CN, which start-up warns of
    /// ([`backend_kit::terminal_certificate`]).
    #[serde(
        default,
        deserialize_with = "backend_kit::terminal_certificate::sha256_hex"
    )]
    pub certificate_sha256: Option<[u8; 32]>,
}

impl backend_kit::terminals::ListedTerminal for TerminalConfig {
    fn id(&self) -> &str {
        &self.id
    }

    fn certificate_sha256(&self) -> Option<&[u8; 32]> {
        self.certificate_sha256.as_ref()
    }
}

/// What the server runs on.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The service id (`aud` of accepted assertions).
    pub acquirer_id: String,
    /// Where `serve` listens.
    pub listen: SocketAddr,
    /// The SQLite file.
    pub database: PathBuf,
    /// The TLS listener's limits (`[connections]`).
    pub connections: ServeLimits,
    /// Server certificate chain (PEM).
    pub tls_certificate_pem: Vec<u8>,
    /// Server private key (PEM).
    pub tls_private_key_pem: Vec<u8>,
    /// The terminal CA (PEM).
    pub terminal_ca_pem: Vec<u8>,
    /// Platforms whose assertions are accepted and which may confirm links (their
    /// client certificate's CN is their `issuer`).
    pub trusted_platforms: Vec<KeySet>,
    /// Known terminals (reloaded on SIGHUP, with the trusted platforms).
    pub terminals: Vec<TerminalConfig>,
    /// Card tokens registered at start (demo data).
    pub card_tokens: Vec<CardTokenRegistration>,
    /// The fault plan at start (tests and the demo; none from a file).
    pub faults: FaultPlan,
}

/// Loads the configuration file `path`: the settings and the key rules (`[idempotency]`,
/// defaults when absent). Errors name the file, the key and what is expected.
pub fn load(path: &Path) -> Result<(Settings, KeyRules), ConfigError> {
    let f: File = load_toml(path)?;
    let defaults = KeyRules::default();
    let keys = match &f.idempotency {
        None => defaults,
        Some(k) => KeyRules {
            claim_lease_secs: k.claim_lease_secs.unwrap_or(defaults.claim_lease_secs),
            retention_secs: k
                .retention_days
                .map_or(defaults.retention_secs, |d| d.saturating_mul(DAY_SECS)),
        },
    };
    keys.check()
        .map_err(|(key, problem, expected)| invalid(path, key, problem, expected))?;
    Ok((Settings::from_file(path, f)?, keys))
}

impl Settings {
    /// Loads `path`; errors name the file, the key and what is expected. The file's
    /// `[idempotency]` rules are checked but not returned: a server run from a file is
    /// started with [`load`], which returns them too.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        load(path).map(|(s, _)| s)
    }

    fn from_file(path: &Path, f: File) -> Result<Self, ConfigError> {
        let listen = f.listen.parse().map_err(|e| {
            invalid(
                path,
                "listen",
                format!("{:?} is not an address: {e}", f.listen),
                "IP:port, e.g. \"127.0.0.1:8445\"",
            )
        })?;
        let mut trusted = Vec::new();
        for (i, p) in f.trusted_platforms.iter().enumerate() {
            let key = format!("trusted_platforms[{i}].keys");
            let bytes = read_file(path, &key, &p.keys)?;
            let set: KeySet = serde_json::from_slice(&bytes).map_err(|e| {
                invalid(
                    path,
                    &key,
                    format!("not a key set: {e}"),
                    "the JSON a platform answers at GET /v1/keys",
                )
            })?;
            if set.issuer != p.issuer {
                return Err(invalid(
                    path,
                    &key,
                    format!("the key set is {}'s, not {}'s", set.issuer, p.issuer),
                    "the key set of the platform named by `issuer`",
                ));
            }
            trusted.push(set);
        }
        let mut card_tokens = Vec::with_capacity(f.card_tokens.len());
        for (i, t) in f.card_tokens.into_iter().enumerate() {
            let Some(holder) = t.holder else {
                return Err(invalid(
                    path,
                    format!("card_tokens[{i}].holder"),
                    format!("token {} has no cardholder", t.card_token_ref),
                    "a [card_tokens.holder] table with name and birth_date: a token without \
                     its holder could never be linked to a card",
                ));
            };
            card_tokens.push(CardTokenRegistration {
                card_token_ref: t.card_token_ref,
                brand: t.brand,
                last4: t.last4,
                limit_jpy: t.limit_jpy,
                blocked: t.blocked,
                holder,
            });
        }
        let s = Settings {
            acquirer_id: f.acquirer_id,
            listen,
            database: backend_kit::config::resolve(path, &f.database),
            connections: f.connections.limits(path, "connections")?,
            tls_certificate_pem: read_file(path, "tls.certificate", &f.tls.certificate)?,
            tls_private_key_pem: read_file(path, "tls.private_key", &f.tls.private_key)?,
            terminal_ca_pem: read_file(path, "tls.terminal_ca", &f.tls.terminal_ca)?,
            trusted_platforms: trusted,
            terminals: f.terminals,
            card_tokens,
            faults: FaultPlan::default(),
        };
        s.check()
            .map_err(|(key, problem, expected)| invalid(path, key, problem, expected))?;
        Ok(s)
    }

    /// Logs a warning naming the terminals whose entry registers no certificate
    /// (`certificate_sha256`); returns their ids.
    pub fn warn_unregistered_terminals(&self) -> Vec<&str> {
        backend_kit::terminal_certificate::warn_unregistered(
            "acquirer",
            self.terminals
                .iter()
                .map(|t| (t.id.as_str(), t.certificate_sha256.as_ref())),
        )
    }

    /// The rules on values: `Err((key, problem, expected))`.
    pub fn check(&self) -> Result<(), (String, String, String)> {
        let id_rule = || "1-64 of A-Z a-z 0-9 . _ : -".to_owned();
        check_id("acquirer_id", &self.acquirer_id)
            .map_err(|e| ("acquirer_id".into(), e.to_string(), id_rule()))?;
        self.connections
            .check()
            .map_err(|(key, problem, expected)| {
                (format!("connections.{key}"), problem, expected)
            })?;
        for (i, t) in self.terminals.iter().enumerate() {
            check_id("id", &t.id)
                .map_err(|e| (format!("terminals[{i}].id"), e.to_string(), id_rule()))?;
            check_id("merchant_id", &t.merchant_id).map_err(|e| {
                (
                    format!("terminals[{i}].merchant_id"),
                    e.to_string(),
                    id_rule(),
                )
            })?;
        }
        if let Some(twice) = backend_kit::terminals::listed_twice(&self.terminals) {
            return Err((twice.key(), twice.problem(), twice.expected().into()));
        }
        for (i, c) in self.card_tokens.iter().enumerate() {
            c.validate().map_err(|e| {
                let expected = if e.field.starts_with("holder.") {
                    "the cardholder as the issuer holds them (name, YYYY-MM-DD birth date)"
                } else {
                    "a valid card token (brand and last 4 digits only)"
                };
                (
                    format!("card_tokens[{i}].{}", e.field),
                    e.detail.clone(),
                    expected.into(),
                )
            })?;
        }
        let platforms: Vec<&str> = self.platform_ids().collect();
        if let Some(clash) = role_clash(self.terminals.iter().map(|t| t.id.as_str()), &platforms) {
            let i = self
                .terminals
                .iter()
                .position(|t| t.id == clash)
                .unwrap_or_default();
            return Err((
                format!("terminals[{i}].id"),
                format!("{clash} is also a trusted platform's issuer"),
                "terminal ids apart from platform ids: a terminal certificate must not pose as \
                 the platform that confirms links"
                    .into(),
            ));
        }
        if self.trusted_platforms.is_empty() {
            return Err((
                "trusted_platforms".into(),
                "no platform is trusted, so no payment could be accepted".into(),
                "at least one [[trusted_platforms]] entry".into(),
            ));
        }
        Ok(())
    }
}
