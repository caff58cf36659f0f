//! The terminal's configuration file (TOML). Relative paths are relative to the file's
//! folder. Every error names the key and says what to write instead.
//!
//! ```toml
//! terminal_id = "till-1"
//! merchant_id = "shop-a"
//! database = "counter.sqlite"
//! timeout_ms = 5000
//! [backends]
//! platform = "https://localhost:8443"
//! platform_id = "pf-tokyo"
//! insurer = "https://localhost:8444"
//! acquirer = "https://localhost:8445"
//! [tls]
//! ca = "backend-ca.pem"
//! certificate = "terminal.pem"
//! key = "terminal-key.pem"
//! [counter]                     # the interactive counter (the app); the driver's
//! mode = "reception"            # `pay` etc. do not need it. reception | pharmacy | cashier
//! reader = "Madoguchi Virtual Reader 00 00"
//! export_dir = "exports"        # the receipt system's folder (docs/domain/eligibility.md §2.6)
//! medical_institution_code = "1312345678"
//! [folders]                     # the eligibility PC's folders the receipt system uses
//! root = "/srv/oqs"             # req/, res/, face/, done/, rejected/ beneath it
//! watcher = "notify"            # notify (file-system events) | poll (network shares)
//! poll_interval_ms = 1000       # the poll watcher's period, and the rescan under notify
//! settle_ms = 300               # a request is read once unchanged this long
//! face_character_code = "utf-8" # utf-8 | shift_jis: the face/ files' code
//! medical_institution_code = "1312345678" # default: [counter]'s
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::RuntimeError;
use crate::http::{Backends, Endpoints};

/// The file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// This terminal's id (the CN of its client certificate).
    pub terminal_id: String,
    /// The merchant id at the acquirer.
    pub merchant_id: String,
    /// The SQLite journal.
    pub database: PathBuf,
    /// Per-request timeout in milliseconds (default 5,000).
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
}

pub use counter_core::counter::CounterMode;

/// `[counter]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterFile {
    /// What the counter does when it starts (staff may switch).
    pub mode: CounterMode,
    /// The PC/SC reader's name, exactly as `pcsc_scan` lists it.
    pub reader: String,
    /// The receipt system's folder for eligibility results.
    pub export_dir: PathBuf,
    /// 医療機関コード (10 digits); needed in reception and pharmacy modes.
    #[serde(default)]
    pub medical_institution_code: Option<String>,
    /// The shop's name on receipts (the merchant id when absent).
    #[serde(default)]
    pub shop_name: Option<String>,
}

/// `[backends]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendsFile {
    /// Platform base URL.
    pub platform: String,
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
                .map(|s| format!("(at byte {})", s.start))
                .unwrap_or_else(|| "(file)".into());
            err(&key, e.message().to_owned())
        })?;
        for (key, url) in [
            ("backends.platform", &file.backends.platform),
            ("backends.insurer", &file.backends.insurer),
            ("backends.acquirer", &file.backends.acquirer),
        ] {
            if !url.starts_with("https://") {
                return Err(err(
                    key,
                    format!("{url:?} is not an https:// URL; the terminal speaks TLS only"),
                ));
            }
        }
        if file.terminal_id.trim().is_empty() {
            return Err(err("terminal_id", "write the terminal's id"));
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
        if let Some(f) = file.folders.as_mut() {
            f.check(base, counter_code)?;
        }
        if let Some(c) = file.counter.as_mut() {
            c.export_dir = resolve(&c.export_dir);
            if c.reader.trim().is_empty() {
                return Err(err(
                    "counter.reader",
                    "write the reader's name as pcsc_scan lists it",
                ));
            }
            if let Some(code) = &c.medical_institution_code
                && !(code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(err(
                    "counter.medical_institution_code",
                    format!("{code:?} is not the 10-digit 医療機関コード"),
                ));
            }
        }
        Ok(Self { file })
    }

    /// The HTTPS clients this configuration describes.
    pub fn backends(&self) -> Result<Backends, RuntimeError> {
        let read = |key: &str, p: &Path| {
            std::fs::read(p).map_err(|e| err(key, format!("cannot read {}: {e}", p.display())))
        };
        let t = &self.file.tls;
        let tls = crate::tls::client_config(
            &read("tls.ca", &t.ca)?,
            &read("tls.certificate", &t.certificate)?,
            &read("tls.key", &t.key)?,
        )?;
        let trim = |s: &str| s.trim_end_matches('/').to_owned();
        Backends::new(
            tls,
            Endpoints {
                platform: trim(&self.file.backends.platform),
                insurer: trim(&self.file.backends.insurer),
                acquirer: trim(&self.file.backends.acquirer),
                timeout: Duration::from_millis(self.file.timeout_ms.unwrap_or(5_000)),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const GOOD: &str = r#"
terminal_id = "till-1"
merchant_id = "shop-a"
database = "j.sqlite"
[backends]
platform = "https://localhost:1"
platform_id = "pf"
insurer = "https://localhost:2"
acquirer = "https://localhost:3/"
[tls]
ca = "ca.pem"
certificate = "/etc/t.pem"
key = "k.pem"
"#;

    #[test]
    fn paths_resolve_and_bad_files_name_the_key() {
        let c = Config::parse(GOOD, Path::new("/cfg")).unwrap();
        assert_eq!(c.file.database, Path::new("/cfg/j.sqlite"));
        assert_eq!(c.file.tls.certificate, Path::new("/etc/t.pem"));
        let http = GOOD.replace("https://localhost:2", "http://localhost:2");
        let e = Config::parse(&http, Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("backends.insurer") && e.contains("https"), "{e}");
        let e = Config::parse("terminal_id = 3", Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("configuration"), "{e}");
        let typo = GOOD
            .replace("timeout_ms", "x")
            .replace("database", "databse");
        assert!(Config::parse(&typo, Path::new("/")).is_err());
        let counter = format!(
            "{GOOD}[counter]\nmode = \"pharmacy\"\nreader = \"R 00\"\nexport_dir = \"out\"\n"
        );
        let c = Config::parse(&counter, Path::new("/cfg")).unwrap();
        let cf = c.file.counter.unwrap();
        assert_eq!(
            (cf.mode, cf.export_dir),
            (CounterMode::Pharmacy, "/cfg/out".into())
        );
        let bad = format!("{counter}medical_institution_code = \"12\"\n");
        let e = Config::parse(&bad, Path::new("/")).unwrap_err().to_string();
        assert!(e.contains("counter.medical_institution_code"), "{e}");
        let e = Config::load(Path::new("/nonexistent/x.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read"), "{e}");
    }

    #[test]
    fn bad_pem_is_a_clear_error() {
        let e = crate::tls::client_config(b"nope", b"", b"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("tls.ca"), "{e}");
    }
}
