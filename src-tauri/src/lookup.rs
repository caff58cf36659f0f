//! Where the app finds the terminal's configuration file, in this order:
//!
//! 1. `--config FILE` on the command line;
//! 2. the environment variable `MADOGUCHI_CONFIG` (an empty value counts as unset);
//! 3. the default path [`DEFAULT_CONFIG`], `/etc/madoguchi/counter.toml`, where the
//!    installer writes it.
//!
//! The first one given is the one used: a file named by `--config` or `MADOGUCHI_CONFIG`
//! that does not exist is reported as missing, never replaced by the default (whoever
//! named it meant that file). The file's keys are documented, with an example, in
//! `crates/counter-runtime/src/config.rs` ([`CONFIG_DOCS`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment variable that names the configuration file.
pub const CONFIG_ENV: &str = "MADOGUCHI_CONFIG";

/// The configuration file used when neither `--config` nor [`CONFIG_ENV`] names one.
pub const DEFAULT_CONFIG: &str = "/etc/madoguchi/counter.toml";

/// Where the configuration's keys are documented (in the source, with an example).
pub const CONFIG_DOCS: &str = "crates/counter-runtime/src/config.rs";

/// Which step of the lookup named the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--config FILE`.
    Argument,
    /// `MADOGUCHI_CONFIG`.
    Environment,
    /// [`DEFAULT_CONFIG`].
    Default,
}

impl Origin {
    /// How the message names this step.
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Argument => "named by --config",
            Origin::Environment => "named by MADOGUCHI_CONFIG",
            Origin::Default => "the default path; neither --config nor MADOGUCHI_CONFIG was given",
        }
    }
}

/// The configuration file the lookup chose, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The file.
    pub path: PathBuf,
    /// The step that named it.
    pub origin: Origin,
}

/// The command line is not one the app knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown argument {0:?}: the app takes `--config FILE` or nothing (then MADOGUCHI_CONFIG, \
     then {DEFAULT_CONFIG})"
)]
pub struct UsageError(pub String);

impl Lookup {
    /// The file `args` (without the program name) and `env` (the value of
    /// [`CONFIG_ENV`]) name, else the default.
    ///
    /// # Errors
    ///
    /// An argument other than `--config FILE`.
    pub fn resolve(
        args: impl IntoIterator<Item = String>,
        env: Option<OsString>,
    ) -> Result<Lookup, UsageError> {
        let mut args = args.into_iter();
        let mut argument = None;
        while let Some(arg) = args.next() {
            match (arg.as_str(), args.next()) {
                ("--config", Some(path)) if !path.is_empty() => {
                    argument = Some(PathBuf::from(path))
                }
                _ => return Err(UsageError(arg)),
            }
        }
        Ok(match (argument, env.filter(|value| !value.is_empty())) {
            (Some(path), _) => Lookup {
                path,
                origin: Origin::Argument,
            },
            (None, Some(value)) => Lookup {
                path: PathBuf::from(value),
                origin: Origin::Environment,
            },
            (None, None) => Lookup {
                path: PathBuf::from(DEFAULT_CONFIG),
                origin: Origin::Default,
            },
        })
    }

    /// [`Lookup::resolve`] with this process's environment.
    ///
    /// # Errors
    ///
    /// As [`Lookup::resolve`].
    pub fn from_env(args: impl IntoIterator<Item = String>) -> Result<Lookup, UsageError> {
        Lookup::resolve(args, std::env::var_os(CONFIG_ENV))
    }

    /// Why the file cannot be used as the configuration, if it cannot be opened as a file
    /// ("there is no such file", "it is a folder"); `None` when it is a file. What is in it
    /// is checked later, when the counter loads it.
    pub fn missing(&self) -> Option<String> {
        missing(&self.path)
    }
}

fn missing(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => None,
        Ok(_) => Some("it is not a file".into()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Some("there is no such file".into())
        }
        Err(error) => Some(format!("it cannot be read: {error}")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_argument_comes_first_then_the_variable_then_the_default() {
        let env = Some(OsString::from("/from/env.toml"));
        assert_eq!(
            Lookup::resolve(args(&["--config", "a.toml"]), env.clone()).unwrap(),
            Lookup {
                path: "a.toml".into(),
                origin: Origin::Argument
            }
        );
        assert_eq!(
            Lookup::resolve(args(&[]), env).unwrap(),
            Lookup {
                path: "/from/env.toml".into(),
                origin: Origin::Environment
            }
        );
        for env in [None, Some(OsString::new())] {
            assert_eq!(
                Lookup::resolve(args(&[]), env).unwrap(),
                Lookup {
                    path: DEFAULT_CONFIG.into(),
                    origin: Origin::Default
                }
            );
        }
    }

    #[test]
    fn anything_else_on_the_command_line_is_refused_by_name() {
        for bad in [
            &["--demo"][..],
            &["--config"],
            &["--config", ""],
            &["x", "y"],
        ] {
            let error = Lookup::resolve(args(bad), None).unwrap_err();
            assert_eq!(error.0, bad[0]);
            assert!(error.to_string().contains("--config FILE"), "{error}");
        }
    }

    #[test]
    fn a_missing_file_or_a_folder_is_not_a_configuration() {
        let dir = std::env::temp_dir();
        assert_eq!(missing(&dir), Some("it is not a file".into()));
        let absent = dir.join("madoguchi-no-such-dir/counter.toml");
        assert_eq!(missing(&absent), Some("there is no such file".into()));
    }
}
