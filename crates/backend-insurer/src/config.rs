//! The insurer's configuration: the TOML file (`serve --config FILE`) and the loaded
//! [`Settings`]. Tests and the desktop demo build [`Settings`] directly.
//!
//! ```toml
//! insurer_id = "kenpo-kanto"          # this insurer's service id on the platform (assertion aud)
//! listen = "127.0.0.1:8444"
//! database = "insurer.sqlite"          # relative paths: relative to this file
//! bulk_processing_secs = 30            # optional, 0..=86400: how long a bulk pre-check stays 処理中
//! demo_data = "insured.toml"           # optional: the register seeded into an empty database
//!
//! [connections]                        # optional: the TLS listener (backend-kit's serve)
//! max = 4096                           # 1..=1000000: connections open at once (lowered to the open-file limit)
//! handshake_timeout_ms = 10000         # 100..=60000: to finish the TLS handshake
//! header_timeout_ms = 30000            # 100..=300000: for a request's headers (and keep-alive idling)
//!
//! [tls]
//! certificate = "tls/server.pem"
//! private_key = "tls/server.key"
//! terminal_ca = "tls/terminal-ca.pem"
//!
//! [[platforms]]                        # verification platforms whose assertions are trusted
//! issuer = "pf-tokyo"                  # also the CN of its client certificate (same CA as
//!                                      # terminals), with which it calls POST /v1/links
//! keys = "platforms/pf-tokyo.json"     # its GET /v1/keys answer
//!
//! [[terminals]]
//! id = "clinic-a-desk-1"               # the CN of its client certificate; never a platform's id;
//!                                      # one entry per terminal (a second is refused)
//! certificate_sha256 = "AB:CD:…"       # optional: accept only this certificate (its SHA-256)
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
//! `demo_data` names the register of insured persons (the format of the crate's
//! `data/demo-insured.toml`, see `data/README.md`), seeded into the database when it holds
//! no record yet; a database that holds records keeps them. Without it, the register is
//! the compiled-in demo one in a build with the `demo-register` feature (the desktop demo,
//! the tests), and empty in the shipped build, which then says at start that no
//! eligibility check can find anyone ([`crate::demo`]). The key keeps its name from the
//! time the demo register was the only default, so that existing files still load.
//!
//! Terminals and platforms present client certificates of the same CA (`tls.terminal_ca`)
//! and are told apart by their CN, so no terminal id may equal a platform issuer id: a
//! terminal certificate could otherwise confirm links as the platform.
//!
//! `[[terminals]]` and `[[platforms]]` may change while the server runs: SIGHUP
//! (`systemctl reload`) loads the file again with [`Settings::load`] and puts those two
//! lists in force ([`crate::in_force`]); every other key applies at start only.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use backend_kit::caller::role_clash;
use backend_kit::config::{ConfigError, invalid, load_toml, read_file};
use backend_kit::serve::{ConnectionsConfig, ServeLimits};
use counter_api::assertion::KeySet;
use counter_api::ident::check_id;
use madoguchi_time::UnixTime;
use serde::Deserialize;

use crate::demo;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    insurer_id: String,
    listen: String,
    database: PathBuf,
    #[serde(default = "default_bulk_secs")]
    bulk_processing_secs: i64,
    demo_data: Option<PathBuf>,
    #[serde(default)]
    connections: ConnectionsConfig,
    tls: FileTls,
    #[serde(default)]
    platforms: Vec<FilePlatform>,
    #[serde(default)]
    terminals: Vec<TerminalConfig>,
}

fn default_bulk_secs() -> i64 {
    30
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

/// A terminal allowed to call the insurer.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TerminalConfig {
    /// Terminal id: the CN of its client certificate.
    pub id: String,
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

/// Everything the insurer runs on, loaded and checked.
#[derive(Clone, Debug)]
pub struct Settings {
    /// This insurer's service id: the `aud` its assertions must carry.
    pub insurer_id: String,
    /// Where `serve` listens (the in-process mode ignores it).
    pub listen: SocketAddr,
    /// The SQLite file (register, bulk submissions, audit).
    pub database: PathBuf,
    /// The TLS listener's limits (`[connections]`).
    pub connections: ServeLimits,
    /// How long a bulk pre-check stays 処理中 before it is processed.
    pub bulk_processing_secs: i64,
    /// The register seeded into an empty database, as TOML (see [`crate::demo`]; `@today`
    /// and `@tomorrow` are resolved when the database is seeded): the file `demo_data`
    /// names, else [`crate::demo::DEFAULT`]. An empty text is an empty register.
    pub seed_toml: String,
    /// Server certificate chain (PEM).
    pub tls_certificate_pem: Vec<u8>,
    /// Server private key (PEM).
    pub tls_private_key_pem: Vec<u8>,
    /// Terminal CA certificate(s) (PEM).
    pub terminal_ca_pem: Vec<u8>,
    /// Trusted platforms' keys (reloaded on SIGHUP).
    pub platforms: Vec<KeySet>,
    /// Known terminals (reloaded on SIGHUP).
    pub terminals: Vec<TerminalConfig>,
}

impl Settings {
    /// Loads and checks `path`; every error names the file and the key.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let f: File = load_toml(path)?;
        let bad =
            |key: &str, problem: String, expected: &str| invalid(path, key, problem, expected);
        let listen: SocketAddr = f.listen.parse().map_err(|e| {
            bad(
                "listen",
                format!("{:?}: {e}", f.listen),
                "an address and port like 127.0.0.1:8444",
            )
        })?;
        let seed_toml = match &f.demo_data {
            Some(p) => {
                let bytes = read_file(path, "demo_data", p)?;
                String::from_utf8(bytes)
                    .map_err(|_| bad("demo_data", "not UTF-8 text".into(), "a TOML register"))?
            }
            None => demo::DEFAULT.to_owned(),
        };
        let mut platforms = Vec::new();
        for (i, p) in f.platforms.iter().enumerate() {
            let key = format!("platforms[{i}].keys");
            let bytes = read_file(path, &key, &p.keys)?;
            let set: KeySet = serde_json::from_slice(&bytes).map_err(|e| {
                bad(
                    &key,
                    e.to_string(),
                    "the platform's GET /v1/keys answer (JSON)",
                )
            })?;
            if set.issuer != p.issuer {
                return Err(bad(
                    &key,
                    format!("the key set is {:?}'s", set.issuer),
                    &format!("the keys of {:?}", p.issuer),
                ));
            }
            platforms.push(set);
        }
        let settings = Settings {
            insurer_id: f.insurer_id,
            listen,
            database: backend_kit::config::resolve(path, &f.database),
            connections: f.connections.limits(path, "connections")?,
            bulk_processing_secs: f.bulk_processing_secs,
            seed_toml,
            tls_certificate_pem: read_file(path, "tls.certificate", &f.tls.certificate)?,
            tls_private_key_pem: read_file(path, "tls.private_key", &f.tls.private_key)?,
            terminal_ca_pem: read_file(path, "tls.terminal_ca", &f.tls.terminal_ca)?,
            platforms,
            terminals: f.terminals,
        };
        settings
            .check()
            .map_err(|(key, problem, expected)| bad(&key, problem, &expected))?;
        Ok(settings)
    }

    /// Whether `id` (a client certificate's CN) is a listed terminal.
    pub fn knows_terminal(&self, id: &str) -> bool {
        self.terminal(id).is_some()
    }

    /// The listed terminal whose id is `id` (a client certificate's CN).
    pub fn terminal(&self, id: &str) -> Option<&TerminalConfig> {
        self.terminals.iter().find(|t| t.id == id)
    }

    /// Logs a warning naming the terminals whose entry registers no certificate
    /// (`certificate_sha256`); returns their ids.
    pub fn warn_unregistered_terminals(&self) -> Vec<&str> {
        backend_kit::terminal_certificate::warn_unregistered(
            "insurer",
            self.terminals
                .iter()
                .map(|t| (t.id.as_str(), t.certificate_sha256.as_ref())),
        )
    }

    /// The rules on values (shared by [`Self::load`] and settings built in code): returns
    /// (key, problem, expected).
    pub fn check(&self) -> Result<(), (String, String, String)> {
        let e = |k: &str, p: String, x: &str| Err((k.to_owned(), p, x.to_owned()));
        if let Err(err) = check_id("insurer_id", &self.insurer_id) {
            return e(
                "insurer_id",
                err.to_string(),
                "1 to 64 characters of A-Z a-z 0-9 . _ : -",
            );
        }
        if let Err((key, problem, expected)) = self.connections.check() {
            return Err((format!("connections.{key}"), problem, expected));
        }
        if !(0..=86_400).contains(&self.bulk_processing_secs) {
            return e(
                "bulk_processing_secs",
                self.bulk_processing_secs.to_string(),
                "0 to 86400 seconds",
            );
        }
        if let Err(err) = demo::parse(&self.seed_toml, UnixTime::EPOCH) {
            return e(
                "demo_data",
                err,
                "a TOML register ([[records]], see the crate's data/README.md)",
            );
        }
        if self.platforms.is_empty() {
            return e(
                "platforms",
                "no platform is trusted".into(),
                "at least one [[platforms]] entry, or no assertion could ever be accepted",
            );
        }
        let platforms: Vec<&str> = self.platforms.iter().map(|p| p.issuer.as_str()).collect();
        for (i, t) in self.terminals.iter().enumerate() {
            if let Err(err) = check_id("id", &t.id) {
                return e(
                    &format!("terminals[{i}].id"),
                    err.to_string(),
                    "a terminal id",
                );
            }
            if role_clash([t.id.as_str()], &platforms).is_some() {
                return e(
                    &format!("terminals[{i}].id"),
                    format!("{:?} is also a trusted platform's issuer id", t.id),
                    "a terminal id that no [[platforms]] issuer uses (the client certificate's \
                     CN tells a terminal from the platform that confirms links)",
                );
            }
        }
        if let Some(twice) = backend_kit::terminals::listed_twice(&self.terminals) {
            return e(&twice.key(), twice.problem(), twice.expected());
        }
        Ok(())
    }
}
