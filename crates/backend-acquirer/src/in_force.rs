//! What the acquirer changes while it serves: the terminals (`[[terminals]]`, with their
//! merchant and admin flag) and the trusted platforms (`[[trusted_platforms]]`, with the
//! assertion verifier built from their keys), re-read from the configuration file on
//! SIGHUP ([`Acquirer::reload`], which `systemctl reload madoguchi-acquirer` triggers), so
//! that a terminal enrolled at the platform takes payments here without a restart.
//!
//! A reload validates the file exactly as `serve` does at start (the same
//! [`ConfigError`], naming the key and the file, `[idempotency]` included) and then checks
//! the new lists against the values in force; a file that fails keeps the previous lists
//! ([`backend_kit::reload::in_force::reload_lists`]). Every other key applies at start
//! only (card tokens are registered in the database at start): a reload that finds one
//! changed applies nothing of it and names it in its log line ([`RestartKeys`]).

use std::path::Path;

use backend_kit::config::ConfigError;
use backend_kit::reload::in_force::{RuleBroken, ServiceSettings, reload_lists};
use backend_kit::reload::{Reloaded, RestartKeys};
use counter_api::assertion::KeySet;

use crate::acquirer::Acquirer;
use crate::config::{KeyRules, Settings};

/// The settings in force (the terminals and platforms of the last good reload, the other
/// keys as at start) and the verifier of their platforms' payment assertions: one value,
/// read once by each request and swapped whole by a reload.
pub type InForce = backend_kit::reload::in_force::InForce<Settings>;

impl ServiceSettings for Settings {
    const PLATFORMS_KEY: &'static str = "trusted_platforms";

    fn service_id(&self) -> &str {
        &self.acquirer_id
    }

    fn platforms(&self) -> &[KeySet] {
        &self.trusted_platforms
    }

    fn terminal_count(&self) -> usize {
        self.terminals.len()
    }

    fn check_rules(&self) -> Result<(), RuleBroken> {
        self.check()
    }

    fn take_lists(&mut self, file: &Self) {
        self.terminals = file.terminals.clone();
        self.trusted_platforms = file.trusted_platforms.clone();
    }
}

/// The keys that apply at start only and differ between the running ones and the file's.
fn restart_keys(running: (&Settings, KeyRules), file: (&Settings, KeyRules)) -> RestartKeys {
    let ((r, r_keys), (f, f_keys)) = (running, file);
    let mut k = RestartKeys::default();
    k.compare("acquirer_id", &r.acquirer_id, &f.acquirer_id);
    k.compare("listen", &r.listen, &f.listen);
    k.compare("database", &r.database, &f.database);
    k.compare("connections", &r.connections, &f.connections);
    k.compare("idempotency", &r_keys, &f_keys);
    k.compare("card_tokens", &r.card_tokens, &f.card_tokens);
    k.compare(
        "tls.certificate",
        &r.tls_certificate_pem,
        &f.tls_certificate_pem,
    );
    k.compare(
        "tls.private_key",
        &r.tls_private_key_pem,
        &f.tls_private_key_pem,
    );
    k.compare("tls.terminal_ca", &r.terminal_ca_pem, &f.terminal_ca_pem);
    k
}

impl Acquirer {
    /// Re-reads the configuration file `path` and puts its `[[terminals]]` and
    /// `[[trusted_platforms]]` in force; blocking (it reads files). A file that does not
    /// load as at start, or whose lists break a rule against the values in force (a
    /// terminal named as a platform), is refused with the error and changes nothing.
    /// Terminals put in force without a registered certificate are named in a warning, as
    /// at start.
    pub fn reload(&self, path: &Path) -> Result<Reloaded, ConfigError> {
        let (file, file_keys) = crate::config::load(path)?;
        let reloaded = reload_lists(&self.live, path, &file, |running| {
            restart_keys((running, self.keys), (&file, file_keys))
        })?;
        self.in_force().settings.warn_unregistered_terminals();
        Ok(reloaded)
    }
}
