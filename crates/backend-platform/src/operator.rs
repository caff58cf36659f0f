//! The operator's commands on the storage a platform configuration names, run by
//! `madoguchi-platform terminals …` and `madoguchi-platform crl publish` beside (or
//! instead of) a running node: they write the storage directly, and every node applies the
//! change within its poll interval ([`crate::generations`]). Each returns the text to
//! print; none starts a server or needs one running.

use std::fmt::Write as _;
use std::path::Path;

use backend_kit::Clock;
use backend_kit::config::ConfigError;

use crate::Settings;
use crate::crl_source::CrlLoadError;
use crate::storage::{Republish, Storage, StorageError};
use crate::terminals::{TerminalError, TerminalWritten};

/// Why an operator command failed. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OperatorError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The storage did not answer.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A terminal change refused.
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    /// The CRL folder (nothing was published).
    #[error(transparent)]
    Crl(#[from] CrlLoadError),
    /// `crl publish` without a folder.
    #[error(
        "no CRL folder to publish: the configuration has no [jpki] crl_dir; give one with --dir"
    )]
    NoCrlFolder,
}

/// A terminal change to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TerminalCommand {
    /// Register (or re-enable) a terminal.
    Add {
        /// Its id (the CN of its client certificate).
        id: String,
        /// May call `/v1/admin/*`.
        admin: bool,
    },
    /// Disable a terminal.
    Disable {
        /// Its id.
        id: String,
    },
    /// List every terminal.
    List,
}

/// The storage `settings` name, opened (and migrated).
fn storage_of(settings: &Settings) -> Result<std::sync::Arc<dyn Storage>, OperatorError> {
    Ok(crate::storage::open(&settings.database)?)
}

/// Runs `command` on the storage of the configuration at `config`, at `clock`'s now.
pub fn terminals(
    config: &Path,
    command: &TerminalCommand,
    clock: &dyn Clock,
) -> Result<String, OperatorError> {
    let settings = Settings::load(config)?;
    let store = storage_of(&settings)?;
    let poll = settings.poll_interval.as_secs_f64();
    let written = |w: TerminalWritten, what: &str| {
        format!(
            "{what} terminal {} (admin: {}) at generation {}; every node applies it within {poll} s\n",
            w.terminal.id,
            if w.terminal.admin { "yes" } else { "no" },
            w.generation,
        )
    };
    Ok(match command {
        TerminalCommand::Add { id, admin } => written(
            crate::terminals::register(&*store, id, *admin, clock.now())?,
            "registered",
        ),
        TerminalCommand::Disable { id } => written(
            crate::terminals::disable(&*store, id, clock.now())?,
            "disabled",
        ),
        TerminalCommand::List => {
            let list = crate::terminals::list(&*store)?;
            let mut out = format!(
                "# terminals at generation {}\n# id\tadmin\tenabled\tmanaged_by\tupdated_at (Unix seconds)\n",
                list.generation
            );
            for t in list.terminals {
                // Writing into a String cannot fail.
                let _ = writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.admin,
                    t.enabled,
                    t.managed_by.as_str(),
                    t.updated_at.as_secs()
                );
            }
            out
        }
    })
}

/// Verifies the CRLs of `dir` (default: the configuration's `[jpki] crl_dir`) against the
/// configuration's roots and publishes them into its storage (a new generation, unless
/// `when` is [`Republish::IfChanged`] and the same set is published already).
pub fn publish_crls(
    config: &Path,
    dir: Option<&Path>,
    when: Republish,
    clock: &dyn Clock,
) -> Result<String, OperatorError> {
    let settings = Settings::load(config)?;
    let dir = match dir {
        Some(d) => d.to_owned(),
        None if settings.crl_dir.as_os_str().is_empty() => return Err(OperatorError::NoCrlFolder),
        None => settings.crl_dir.clone(),
    };
    let store = storage_of(&settings)?;
    let (set, p) = crate::crl_set::publish_folder(
        &*store,
        &dir,
        &settings.auth_store,
        &settings.sign_store,
        when,
        clock.now(),
    )?;
    let s = set.summary(p.generation);
    Ok(if p.changed {
        format!(
            "published {} CRLs ({} entries) at generation {}; every node takes them within {} s\n",
            s.files,
            s.entries,
            s.generation,
            settings.poll_interval.as_secs_f64()
        )
    } else {
        format!(
            "the same {} CRLs are published already (generation {}); nothing changed\n",
            s.files, s.generation
        )
    })
}
