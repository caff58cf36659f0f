//! The terminal's configuration file (TOML). Relative paths are relative to the file's
//! folder. Every error names the key and says what to write instead.
//!
//! ```toml
//! terminal_id = "till-1"
//! merchant_id = "shop-a"
//! database = "counter.sqlite"
//! timeout_ms = 5000             # each backend request's timeout: 100-60000 milliseconds
//! [backends]
//! platform = "https://localhost:8443"   # or the platform's nodes, tried in this order
//!                                       # when one fails: ["https://pf-1:8443", "https://pf-2:8443"]
//! platform_id = "pf-tokyo"
//! insurer = "https://localhost:8444"
//! acquirer = "https://localhost:8445"
//! [tls]
//! ca = "backend-ca.pem"
//! certificate = "terminal.pem"
//! key = "terminal-key.pem"
//! [counter]                     # the interactive counter (the app); the driver's
//! mode = "reception"            # `pay` etc. do not need it. reception | pharmacy | cashier
//! reader = "Madoguchi Virtual Reader 00 00"  # or name patterns, `*` for any characters:
//!                               # ["ACS ACR39U ICC Reader*", "*PaSoRi*"] (crate::reader_names)
//! export_dir = "exports"        # the receipt system's folder (docs/domain/eligibility.md §2.6)
//! medical_institution_code = "1312345678"
//! [pos]                         # the register's (POS) payment API; absent: not served
//! listen = "127.0.0.1:8710"     # loopback by default; another address needs api_key_file
//!                               # or [pos.tls] client_ca
//! api_key_file = "pos-api-key"  # the register sends `Authorization: Bearer <its text>`
//! [pos.tls]                     # HTTPS for the register (optional)
//! certificate = "pos.pem"       # the terminal's server certificate chain (PEM)
//! key = "pos-key.pem"           # its private key (PEM)
//! client_ca = "pos-ca.pem"      # registers must present a certificate of this CA
//! [folders]                     # the eligibility PC's folders the receipt system uses
//! root = "/srv/oqs"             # req/, res/, face/, done/, rejected/ beneath it
//! watcher = "notify"            # notify (file-system events) | poll (network shares)
//! poll_interval_ms = 1000       # the poll watcher's period, and the rescan under notify
//! settle_ms = 300               # a request is read once unchanged this long
//! face_character_code = "utf-8" # utf-8 | shift_jis: the face/ files' code
//! medical_institution_code = "1312345678" # default: [counter]'s
//! ```
//!
//! Errors name the key and the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::RuntimeError;
use crate::http::{Backends, Endpoints};
pub use crate::reader_names::ReaderNames;

/// The range of `timeout_ms`, the timeout of every request to a backend: the range the
/// backends allow their own timeouts (backend-kit `serve/limits.rs`, `handshake_timeout_ms`
/// 100–60000). Below it no backend answers in time; above it a customer waits at the till
/// for minutes before the counter says a backend cannot be reached.
pub const TIMEOUT_MS: std::ops::RangeInclusive<u64> = 100..=60_000;

/// The file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// This terminal's id (the CN of its client certificate).
    pub terminal_id: String,
    /// The merchant id at the acquirer: 1 to 64 of `A-Z a-z 0-9 . _ : -`, the rule of every
    /// id on the wire (`counter_api::ident::check_id`), checked at load.
    pub merchant_id: String,
    /// The SQLite journal.
    pub database: PathBuf,
    /// Per-request timeout in milliseconds (default 5,000; [`TIMEOUT_MS`]).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Backend URLs.
    pub backends: BackendsFile,
    /// TLS material.
    pub tls: TlsFile,
    /// The interactive counter's settings.
    #[serde(default)]
    pub counter: Option<CounterFile>,
    /// The receipt system's folder interface (`madoguchi-counter folders`).
    #[serde(default)]
    pub folders: Option<crate::folders::FoldersFile>,
    /// The register's (POS) payment API (`counter_runtime::pos`); not served when absent.
    #[serde(default)]
    pub pos: Option<PosFile>,
    /// How long personal data stay on the terminal (`crate::retention`).
    #[serde(default)]
    pub retention: RetentionFile,
}

/// `[retention]`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionFile {
    /// Whole days before today that keep their personal data: check details, the folder's
    /// answers, results and archived requests, the exports (default
    /// [`RetentionFile::DEFAULT_DAYS`]).
    pub days: u32,
}

impl RetentionFile {
    /// 90 days, our choice: a quarter covers the month a claim is sent in and the insurer's
    /// queries back on it; a site that needs longer sets it (docs/DECISIONS.md).
    pub const DEFAULT_DAYS: u32 = 90;
    /// The longest kept: ten years is beyond any record-keeping duty a counter has.
    pub const MAX_DAYS: u32 = 3_650;

    /// As the core's policy.
    pub fn policy(self) -> counter_core::eligibility::RetentionPolicy {
        counter_core::eligibility::RetentionPolicy { days: self.days }
    }
}

impl Default for RetentionFile {
    fn default() -> Self {
        Self {
            days: Self::DEFAULT_DAYS,
        }
    }
}

/// `[pos]`: the register's payment API.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosFile {
    /// The address to listen on (default `127.0.0.1:8710`, loopback). An address beyond
    /// loopback is refused unless the register must authenticate (`api_key_file` or
    /// `[pos.tls] client_ca`).
    #[serde(default = "default_pos_listen")]
    pub listen: String,
    /// A file holding the API key (16 to 256 visible ASCII characters, one line) the
    /// register sends as `Authorization: Bearer <key>`. Never logged.
    #[serde(default)]
    pub api_key_file: Option<PathBuf>,
    /// HTTPS, and mutual TLS when `client_ca` is given.
    #[serde(default)]
    pub tls: Option<PosTlsFile>,
}

/// `[pos.tls]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosTlsFile {
    /// The terminal's server certificate chain (PEM).
    pub certificate: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// The CA (PEM) whose certificates registers must present (mutual TLS).
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
}

fn default_pos_listen() -> String {
    "127.0.0.1:8710".to_owned()
}

pub use counter_core::counter::CounterMode;

/// `[counter]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterFile {
    /// What the counter does when it starts (staff may switch).
    pub mode: CounterMode,
    /// The PC/SC reader's name, exactly as `pcsc_scan` lists it, or a list of name
    /// patterns (a contact and a contactless reader): [`ReaderNames`].
    pub reader: ReaderNames,
    /// The receipt system's folder for eligibility results.
    pub export_dir: PathBuf,
    /// 医療機関コード (10 digits); needed in reception and pharmacy modes.
    #[serde(default)]
    pub medical_institution_code: Option<String>,
    /// The shop's name on receipts (the merchant id when absent).
    #[serde(default)]
    pub shop_name: Option<String>,
}

/// `backends.platform`: one URL (a single node, or a load balancer in front of several),
/// or the list of the platform's nodes.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(
    untagged,
    expecting = "one https:// URL, or a list of them (the platform's nodes)"
)]
pub enum PlatformUrls {
    /// `platform = "https://…"`.
    One(String),
    /// `platform = ["https://…", "https://…"]`.
    Nodes(Vec<String>),
}

impl PlatformUrls {
    /// The most nodes a terminal lists: each is tried once when the ones before fail, so a
    /// longer list only makes a terminal wait longer (a balancer fronts more nodes).
    pub const MAX_NODES: usize = 8;

    /// The URLs, in the order they are tried.
    pub fn urls(&self) -> &[String] {
        match self {
            Self::One(u) => std::slice::from_ref(u),
            Self::Nodes(v) => v,
        }
    }

    /// Checks the list: 1 to [`Self::MAX_NODES`] distinct `https://` URLs.
    fn check(&self) -> Result<(), RuntimeError> {
        let urls = self.urls();
        if urls.is_empty() || urls.len() > Self::MAX_NODES {
            return Err(err(
                "backends.platform",
                format!(
                    "list 1 to {} node URLs (there are {}); more nodes go behind a load balancer",
                    Self::MAX_NODES,
                    urls.len()
                ),
            ));
        }
        for (i, url) in urls.iter().enumerate() {
            let key = match self {
                Self::One(_) => "backends.platform".to_owned(),
                Self::Nodes(_) => format!("backends.platform[{i}]"),
            };
            check_https(&key, url)?;
            let trimmed = url.trim_end_matches('/');
            if urls[..i].iter().any(|u| u.trim_end_matches('/') == trimmed) {
                return Err(err(&key, format!("{url:?} is listed twice")));
            }
        }
        Ok(())
    }
}

/// `url` is an `https://` URL with a host.
fn check_https(key: &str, url: &str) -> Result<(), RuntimeError> {
    match url.strip_prefix("https://") {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(()),
        _ => Err(err(
            key,
            format!("{url:?} is not an https:// URL; the terminal speaks TLS only"),
        )),
    }
}

/// `[backends]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendsFile {
    /// The platform: one base URL or its nodes' ([`PlatformUrls`]).
    pub platform: PlatformUrls,
    /// The platform's id (bound into its challenges).
    pub platform_id: String,
    /// Insurer base URL.
    pub insurer: String,
    /// Acquirer base URL.
    pub acquirer: String,
}

/// `[tls]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    /// The backend CA (PEM): the only CA trusted.
    pub ca: PathBuf,
    /// The terminal's certificate (PEM).
    pub certificate: PathBuf,
    /// The terminal's private key (PEM).
    pub key: PathBuf,
}

/// A loaded configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// As written, paths resolved.
    pub file: ConfigFile,
}

pub(crate) fn err(key: &str, reason: impl Into<String>) -> RuntimeError {
    RuntimeError::Config {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

impl Config {
    /// Reads and checks `path`; an error names the key and this file.
    pub fn load(path: &Path) -> Result<Self, RuntimeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| err("(file)", format!("cannot read {}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base).map_err(|e| match e {
            RuntimeError::Config { key, reason } => RuntimeError::Config {
                key,
                reason: format!("{reason} (in {})", path.display()),
            },
            other => other,
        })
    }

    /// Parses TOML `text`; relative paths are taken from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self, RuntimeError> {
        let mut file: ConfigFile = toml::from_str(text).map_err(|e| {
            let key = e
                .span()
                .and_then(|s| crate::toml_key::key_at(text, s.start))
                .unwrap_or_else(|| "(file)".into());
            err(&key, e.message().to_owned())
        })?;
        file.backends.platform.check()?;
        for (key, url) in [
            ("backends.insurer", &file.backends.insurer),
            ("backends.acquirer", &file.backends.acquirer),
        ] {
            check_https(key, url)?;
        }
        // The backends' rule for a terminal id (the CN of its certificate, which
        // `certificate-request` checks the same way): an id they refuse, or one the URL of
        // a status query could not carry, is caught here rather than at the first sale.
        counter_api::ident::check_id("terminal_id", &file.terminal_id).map_err(|e| {
            err(
                "terminal_id",
                format!(
                    "{e}: write the id the terminal's certificate was made for (its CN), \
                     e.g. \"till-1\""
                ),
            )
        })?;
        // The merchant id goes into every payment challenge and authorisation: the platform
        // and the acquirer refuse one outside their rule, which would fail every card sale
        // with a code that does not name the setting.
        counter_api::ident::check_id("merchant_id", &file.merchant_id).map_err(|e| {
            err(
                "merchant_id",
                format!(
                    "{e}: write the merchant id the acquirer registered this terminal under \
                     (its contract names it), e.g. \"shop-a\""
                ),
            )
        })?;
        // Its checks are named after it, and a check id is part of a file name.
        if !counter_core::eligibility::terminal_makes_check_ids(&file.terminal_id) {
            return Err(err(
                "terminal_id",
                format!(
                    "{:?} cannot name this terminal's eligibility checks: a check id is the \
                     terminal id, \"-chk-\" and a number, and may hold only A-Z a-z 0-9 - _ \
                     and at most 64 characters, so the terminal id at most 39 of those: \
                     choose such an id and make the terminal's certificate for it \
                     (madoguchi-terminal-cert refuses the others too)",
                    file.terminal_id
                ),
            ));
        }
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        file.database = resolve(&file.database);
        file.tls.ca = resolve(&file.tls.ca);
        file.tls.certificate = resolve(&file.tls.certificate);
        file.tls.key = resolve(&file.tls.key);
        let counter_code = file
            .counter
            .as_ref()
            .and_then(|c| c.medical_institution_code.clone());
        // Checked before [folders] borrows it, so that a bad code is named by the key it
        // was written under.
        if let Some(code) = &counter_code
            && !(code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(err(
                "counter.medical_institution_code",
                format!("{code:?} is not the 10-digit 医療機関コード"),
            ));
        }
        if let Some(f) = file.folders.as_mut() {
            f.check(base, counter_code)?;
        }
        if let Some(c) = file.counter.as_mut() {
            c.export_dir = resolve(&c.export_dir);
            c.reader
                .check()
                .map_err(|e| err("counter.reader", e.to_string()))?;
        }
        if !(1..=RetentionFile::MAX_DAYS).contains(&file.retention.days) {
            return Err(err(
                "retention.days",
                format!(
                    "{} is not a number of days from 1 to {}",
                    file.retention.days,
                    RetentionFile::MAX_DAYS
                ),
            ));
        }
        if let Some(ms) = file.timeout_ms
            && !TIMEOUT_MS.contains(&ms)
        {
            return Err(err(
                "timeout_ms",
                format!(
                    "{ms} is not a timeout of {} to {} milliseconds (the unit is \
                     milliseconds: 5000 is five seconds, the default)",
                    TIMEOUT_MS.start(),
                    TIMEOUT_MS.end()
                ),
            ));
        }
        if let Some(pos) = file.pos.as_mut() {
            check_pos(pos)?;
            pos.api_key_file = pos.api_key_file.as_deref().map(resolve);
            if let Some(tls) = pos.tls.as_mut() {
                tls.certificate = resolve(&tls.certificate);
                tls.key = resolve(&tls.key);
                tls.client_ca = tls.client_ca.as_deref().map(resolve);
            }
        }
        Ok(Self { file })
    }

    /// The address of the register's API, when `[pos]` is given.
    pub fn pos_listen(&self) -> Option<std::net::SocketAddr> {
        self.file.pos.as_ref().and_then(|p| p.listen.parse().ok())
    }

    /// The HTTPS clients this configuration describes.
    pub fn backends(&self) -> Result<Backends, RuntimeError> {
        let t = &self.file.tls;
        refuse_exposed("tls.key", &t.key)?;
        let tls = crate::tls::client_config(
            &read_named("tls.ca", &t.ca)?,
            &read_named("tls.certificate", &t.certificate)?,
            &read_named("tls.key", &t.key)?,
        )?;
        let trim = |s: &str| s.trim_end_matches('/').to_owned();
        Backends::new(
            tls,
            Endpoints {
                platform: self
                    .file
                    .backends
                    .platform
                    .urls()
                    .iter()
                    .map(|u| trim(u))
                    .collect(),
                insurer: trim(&self.file.backends.insurer),
                acquirer: trim(&self.file.backends.acquirer),
                timeout: Duration::from_millis(self.file.timeout_ms.unwrap_or(5_000)),
            },
        )
    }
}

/// Refuses the secret `path` (named by `key`: `tls.key`, `pos.api_key_file`,
/// `pos.tls.key`) when every user may read it ([`private_files::readable_by_all`]): the
/// sample's folder for the terminal's files, `/etc/madoguchi/counter/`, is the group's
/// (0750), but a file copied elsewhere (`/etc/madoguchi/` is 0755) or written with a umask
/// of 022 would be open to all. A file that cannot be looked at is left to the read that
/// follows, whose error names it.
pub(crate) fn refuse_exposed(key: &str, path: &Path) -> Result<(), RuntimeError> {
    match private_files::readable_by_all(path) {
        Some(mode) => Err(RuntimeError::ExposedSecret {
            key: key.to_owned(),
            path: path.to_owned(),
            mode,
        }),
        None => Ok(()),
    }
}

/// Reads the file `path` the configuration names under `key` (a `[tls]` file, the
/// register's key or TLS files); the error says whether the file or this login's access
/// to it is at fault ([`RuntimeError::reading`]).
pub(crate) fn read_named(key: &str, path: &Path) -> Result<Vec<u8>, RuntimeError> {
    std::fs::read(path).map_err(|e| RuntimeError::reading(key, path, &e))
}

/// `[pos]`: the address parses, and one beyond loopback makes the register authenticate.
fn check_pos(pos: &PosFile) -> Result<(), RuntimeError> {
    let addr: std::net::SocketAddr = pos.listen.parse().map_err(|_| {
        err(
            "pos.listen",
            format!(
                "{:?} is not an address and port (e.g. \"127.0.0.1:8710\")",
                pos.listen
            ),
        )
    })?;
    let mutual = pos.tls.as_ref().is_some_and(|t| t.client_ca.is_some());
    if !addr.ip().is_loopback() && pos.api_key_file.is_none() && !mutual {
        return Err(err(
            "pos.listen",
            format!(
                "{addr} is reachable from the network, where any machine could send sales: \
                 set pos.api_key_file (an API key the register sends) or [pos.tls] client_ca \
                 (registers present a client certificate), or listen on 127.0.0.1"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
