//! The acquirer's configuration: the TOML file (`serve --config FILE`) and the loaded
//! [`Settings`] the server runs on. Tests and the desktop demo build [`Settings`] directly.
//!
//! ```toml
//! acquirer_id = "acq-visa"               # the service id: `aud` of the assertions it accepts
//! listen = "127.0.0.1:8445"
//! database = "acquirer.sqlite"            # relative paths: relative to this file
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
//! ```
//!
//! Re-registering a token at start with the same `holder` keeps its link; another
//! `holder` drops it (the token may now be someone else's: the holder enrols again).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use backend_kit::caller::role_clash;
use backend_kit::config::{ConfigError, invalid, load_toml, read_file};
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
    tls: FileTls,
    #[serde(default)]
    trusted_platforms: Vec<FilePlatform>,
    #[serde(default)]
    terminals: Vec<TerminalConfig>,
    #[serde(default)]
    card_tokens: Vec<FileCardToken>,
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
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalConfig {
    /// The CN of its client certificate.
    pub id: String,
    /// The merchant it takes payments for.
    pub merchant_id: String,
    /// May call `/v1/admin/*`.
    #[serde(default)]
    pub admin: bool,
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
    /// Server certificate chain (PEM).
    pub tls_certificate_pem: Vec<u8>,
    /// Server private key (PEM).
    pub tls_private_key_pem: Vec<u8>,
    /// The terminal CA (PEM).
    pub terminal_ca_pem: Vec<u8>,
    /// Platforms whose assertions are accepted and which may confirm links (their
    /// client certificate's CN is their `issuer`).
    pub trusted_platforms: Vec<KeySet>,
    /// Known terminals.
    pub terminals: Vec<TerminalConfig>,
    /// Card tokens registered at start (demo data).
    pub card_tokens: Vec<CardTokenRegistration>,
    /// The fault plan at start (tests and the demo; none from a file).
    pub faults: FaultPlan,
}

impl Settings {
    /// Loads `path`; errors name the file, the key and what is expected.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let f: File = load_toml(path)?;
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

    /// The ids of the trusted platforms (their `issuer`): the client-certificate CNs that
    /// may call `/v1/links`.
    pub fn platform_ids(&self) -> impl Iterator<Item = &str> {
        self.trusted_platforms.iter().map(|p| p.issuer.as_str())
    }

    /// The rules on values: `Err((key, problem, expected))`.
    pub fn check(&self) -> Result<(), (String, String, String)> {
        let id_rule = || "1-64 of A-Z a-z 0-9 . _ : -".to_owned();
        check_id("acquirer_id", &self.acquirer_id)
            .map_err(|e| ("acquirer_id".into(), e.to_string(), id_rule()))?;
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
            if self.terminals.iter().filter(|o| o.id == t.id).count() > 1 {
                return Err((
                    format!("terminals[{i}].id"),
                    format!("{} is listed twice", t.id),
                    "each terminal once".into(),
                ));
            }
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
