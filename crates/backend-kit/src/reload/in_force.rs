//! What a service (the insurer, the acquirer) reads on every request and a reload swaps:
//! its settings with the verifier of its trusted platforms' assertions ([`InForce`]), and
//! the reload that puts a re-read file's terminals and trusted platforms in force
//! ([`reload_lists`]).
//!
//! Each service says through [`ServiceSettings`] where its lists and its id are, what its
//! rules are, and which keys only a restart applies; the steps (check the whole new value
//! as at start, trust the new keys, swap, or keep the old value on any error) are here
//! once.

use std::path::Path;
use std::sync::Arc;

use counter_api::assertion::{AssertionVerifier, KeySet};

use super::{Live, Reloaded, RestartKeys};
use crate::caller::trusting_verifier;
use crate::config::{ConfigError, invalid};

/// A configuration rule broken: (key, problem, expected), as the servers' checks give it
/// and [`invalid`] turns it into a [`ConfigError`] naming the file.
pub type RuleBroken = (String, String, String);

/// The settings of a service that trusts platforms' assertions and reloads its terminals
/// and platforms.
pub trait ServiceSettings: Clone {
    /// The configuration key of the trusted platforms' list (`platforms`,
    /// `trusted_platforms`): errors about a platform's keys name it.
    const PLATFORMS_KEY: &'static str;

    /// This service's id: the audience (`aud`) of the assertions it accepts.
    fn service_id(&self) -> &str;

    /// The trusted platforms' key sets.
    fn platforms(&self) -> &[KeySet];

    /// The ids of the trusted platforms (their key sets' `issuer`): the issuers of the
    /// assertions, and the only callers of the link endpoints (by their client
    /// certificate's CN).
    fn platform_ids(&self) -> impl Iterator<Item = &str> {
        self.platforms().iter().map(|k| k.issuer.as_str())
    }

    /// How many terminals are listed.
    fn terminal_count(&self) -> usize;

    /// The service's rules on the whole settings, the same at start and at a reload.
    fn check_rules(&self) -> Result<(), RuleBroken>;

    /// Puts the lists a reload applies (the terminals and the trusted platforms) of `file`
    /// in place of these; every other value stays.
    fn take_lists(&mut self, file: &Self);
}

/// The settings in force (the terminals and platforms of the last good reload, the other
/// keys as at start) and the verifier of their platforms' assertions: one value, read once
/// by each request and swapped whole by a reload.
#[derive(Debug)]
pub struct InForce<S> {
    /// The settings.
    pub settings: S,
    /// Verifies assertions addressed to this service from the trusted platforms.
    pub verifier: AssertionVerifier,
}

impl<S: ServiceSettings> InForce<S> {
    /// Checks `settings` ([`ServiceSettings::check_rules`]) and trusts their platforms'
    /// keys.
    pub fn new(settings: S) -> Result<Self, RuleBroken> {
        settings.check_rules()?;
        let verifier = trusting_verifier(
            settings.service_id(),
            S::PLATFORMS_KEY,
            settings.platforms(),
        )?;
        Ok(Self { settings, verifier })
    }
}

/// Puts the terminals and trusted platforms of `file` (the configuration file at `path`,
/// loaded as at start) in force in `live`, checked with the other values in force as
/// [`InForce::new`] checks them at start; a broken rule is refused as a [`ConfigError`]
/// naming the key and `path`, and changes nothing. `restart` names the keys that differ
/// between the values in force and `file` but apply at start only.
pub fn reload_lists<S: ServiceSettings>(
    live: &Live<InForce<S>>,
    path: &Path,
    file: &S,
    restart: impl FnOnce(&S) -> RestartKeys,
) -> Result<Reloaded, ConfigError> {
    let now: Arc<InForce<S>> = live.update(|running| {
        let mut next = running.settings.clone();
        next.take_lists(file);
        InForce::new(next).map_err(|(key, problem, expected)| invalid(path, key, problem, expected))
    })?;
    Ok(Reloaded {
        terminals: now.settings.terminal_count(),
        platforms: now.settings.platforms().len(),
        restart: restart(&now.settings),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A service with terminals, no platform (an empty list trusts nobody) and one
    /// start-only key.
    #[derive(Clone, Debug)]
    struct Desk {
        id: String,
        listen: String,
        terminals: Vec<String>,
        platforms: Vec<KeySet>,
    }

    impl ServiceSettings for Desk {
        const PLATFORMS_KEY: &'static str = "platforms";
        fn service_id(&self) -> &str {
            &self.id
        }
        fn platforms(&self) -> &[KeySet] {
            &self.platforms
        }
        fn terminal_count(&self) -> usize {
            self.terminals.len()
        }
        fn check_rules(&self) -> Result<(), RuleBroken> {
            match self.terminals.iter().position(|t| t.is_empty()) {
                Some(i) => Err((
                    format!("terminals[{i}]"),
                    "empty".into(),
                    "a terminal id".into(),
                )),
                None => Ok(()),
            }
        }
        fn take_lists(&mut self, file: &Self) {
            self.terminals = file.terminals.clone();
            self.platforms = file.platforms.clone();
        }
    }

    fn desk(listen: &str, terminals: &[&str]) -> Desk {
        Desk {
            id: "svc".into(),
            listen: listen.into(),
            terminals: terminals.iter().map(|t| (*t).to_owned()).collect(),
            platforms: Vec::new(),
        }
    }

    fn restart(file: &Desk) -> impl FnOnce(&Desk) -> RestartKeys + '_ {
        move |running| {
            let mut k = RestartKeys::default();
            k.compare("listen", &running.listen, &file.listen);
            k
        }
    }

    #[test]
    fn a_reload_swaps_the_lists_only_and_names_the_start_only_keys() {
        let live = Live::new(InForce::new(desk("a:1", &["desk-1"])).unwrap());
        let path = Path::new("svc.toml");
        let file = desk("b:2", &["desk-1", "desk-2"]);
        let r = reload_lists(&live, path, &file, restart(&file)).unwrap();
        assert_eq!((r.terminals, r.platforms), (2, 0));
        assert_eq!(r.restart.keys(), ["listen"]);
        let now = live.get();
        assert_eq!(now.settings.terminals, ["desk-1", "desk-2"]);
        // The start-only key keeps its running value.
        assert_eq!(now.settings.listen, "a:1");
        assert_eq!(now.settings.platform_ids().count(), 0);
    }

    #[test]
    fn a_broken_rule_is_refused_with_the_file_and_key_and_keeps_the_value() {
        let live = Live::new(InForce::new(desk("a:1", &["desk-1"])).unwrap());
        let before = live.get();
        let path = Path::new("svc.toml");
        let file = desk("a:1", &["desk-1", ""]);
        let e = reload_lists(&live, path, &file, restart(&file)).unwrap_err();
        assert!(
            matches!(&e, ConfigError::Invalid { path: p, key, .. }
                if p == path && key == "terminals[1]"),
            "{e:?}"
        );
        assert!(Arc::ptr_eq(&before, &live.get()));
        // The same rule at start.
        assert!(InForce::new(file).is_err());
    }
}
