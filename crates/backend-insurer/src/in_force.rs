//! What the insurer changes while it serves: the terminals (`[[terminals]]`) and the
//! trusted platforms (`[[platforms]]`, with the assertion verifier built from their keys),
//! re-read from the configuration file on SIGHUP ([`Insurer::reload`], which `systemctl
//! reload madoguchi-insurer` triggers), so that a terminal enrolled at the platform is
//! accepted here without a restart.
//!
//! A reload validates the file exactly as `serve` does at start (the same
//! [`ConfigError`], naming the key and the file) and then checks the new lists against the
//! values in force; a file that fails keeps the previous lists
//! ([`backend_kit::reload::in_force::reload_lists`]). Every other key applies at start
//! only: a reload that finds one changed applies nothing of it and names it in its log
//! line ([`RestartKeys`]).

use std::path::Path;

use backend_kit::config::ConfigError;
use backend_kit::reload::in_force::{RuleBroken, ServiceSettings, reload_lists};
use backend_kit::reload::{Reloaded, RestartKeys};
use counter_api::assertion::KeySet;

use crate::config::Settings;
use crate::insurer::Insurer;

/// The settings in force (the terminals and platforms of the last good reload, the other
/// keys as at start) and the verifier of their platforms' assertions: one value, read once
/// by each request and swapped whole by a reload.
pub type InForce = backend_kit::reload::in_force::InForce<Settings>;

impl ServiceSettings for Settings {
    const PLATFORMS_KEY: &'static str = "platforms";

    fn service_id(&self) -> &str {
        &self.insurer_id
    }

    fn platforms(&self) -> &[KeySet] {
        &self.platforms
    }

    fn terminal_count(&self) -> usize {
        self.terminals.len()
    }

    fn check_rules(&self) -> Result<(), RuleBroken> {
        self.check()
    }

    fn take_lists(&mut self, file: &Self) {
        self.terminals = file.terminals.clone();
        self.platforms = file.platforms.clone();
    }
}

/// The keys that apply at start only and differ between `running` and `file`.
fn restart_keys(running: &Settings, file: &Settings) -> RestartKeys {
    let mut r = RestartKeys::default();
    r.compare("insurer_id", &running.insurer_id, &file.insurer_id);
    r.compare("listen", &running.listen, &file.listen);
    r.compare("database", &running.database, &file.database);
    r.compare("connections", &running.connections, &file.connections);
    r.compare(
        "bulk_processing_secs",
        &running.bulk_processing_secs,
        &file.bulk_processing_secs,
    );
    r.compare("demo_data", &running.seed_toml, &file.seed_toml);
    r.compare(
        "tls.certificate",
        &running.tls_certificate_pem,
        &file.tls_certificate_pem,
    );
    r.compare(
        "tls.private_key",
        &running.tls_private_key_pem,
        &file.tls_private_key_pem,
    );
    r.compare(
        "tls.terminal_ca",
        &running.terminal_ca_pem,
        &file.terminal_ca_pem,
    );
    r
}

impl Insurer {
    /// Re-reads the configuration file `path` and puts its `[[terminals]]` and
    /// `[[platforms]]` in force; blocking (it reads files). A file that does not load as at
    /// start, or whose lists break a rule against the values in force (a terminal named as
    /// a platform), is refused with the error and changes nothing. Terminals put in force
    /// without a registered certificate are named in a warning, as at start.
    pub fn reload(&self, path: &Path) -> Result<Reloaded, ConfigError> {
        let file = Settings::load(path)?;
        let reloaded = reload_lists(&self.live, path, &file, |running| {
            restart_keys(running, &file)
        })?;
        self.in_force().settings.warn_unregistered_terminals();
        Ok(reloaded)
    }
}
