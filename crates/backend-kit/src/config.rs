//! TOML configuration: loading with errors that say which file, which key, what is wrong
//! and what is expected; paths in a config file are relative to that file.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file, as it was given.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// Not TOML, or a key of the wrong type, missing or unknown (toml names the key, line
    /// and column).
    #[error("configuration file {path}: {message}")]
    Parse {
        /// The file, as it was given.
        path: PathBuf,
        /// toml's message (key, position, expected type).
        message: String,
    },
    /// A key with a value outside its rules.
    #[error("configuration file {path}: key `{key}`: {problem}; expected {expected}")]
    Invalid {
        /// The file, as it was given.
        path: PathBuf,
        /// The key (`tls.certificate`, `services[1].kind`).
        key: String,
        /// What is wrong.
        problem: String,
        /// What is expected.
        expected: String,
    },
}

/// Reads and parses `path`. Use `#[serde(deny_unknown_fields)]` on the config types so a
/// misspelt key is an error, not a silent default.
pub fn load_toml<T: DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_toml(path, &text)
}

/// Parses `text` as the content of `path` (for tests and embedded defaults).
pub fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })
}

/// A [`ConfigError::Invalid`].
pub fn invalid(
    path: &Path,
    key: impl Into<String>,
    problem: impl Into<String>,
    expected: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_owned(),
        key: key.into(),
        problem: problem.into(),
        expected: expected.into(),
    }
}

/// Resolves `p` against the directory of the config file `config` (absolute paths stay).
pub fn resolve(config: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        return p.to_owned();
    }
    config.parent().unwrap_or(Path::new(".")).join(p)
}

/// Reads a file named by key `key` of the config file `config`, with an error naming both.
pub fn read_file(config: &Path, key: &str, p: &Path) -> Result<Vec<u8>, ConfigError> {
    let full = resolve(config, p);
    std::fs::read(&full).map_err(|e| {
        invalid(
            config,
            key,
            format!("cannot read {}: {e}", full.display()),
            "a readable file (relative paths are relative to the configuration file)",
        )
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct C {
        listen: String,
        ttl_secs: u32,
    }

    #[test]
    fn errors_name_the_key() {
        let p = Path::new("platform.toml");
        let e = parse_toml::<C>(p, "listen = \"x\"\nttl_secs = \"sixty\"\n").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("platform.toml") && m.contains("ttl_secs"), "{m}");
        let e = parse_toml::<C>(p, "listen = \"x\"\nttl_secs = 1\ntypo = 2\n").unwrap_err();
        assert!(e.to_string().contains("typo"), "{e}");
        let e = invalid(p, "tls.certificate", "missing", "a PEM file");
        assert_eq!(
            e.to_string(),
            "configuration file platform.toml: key `tls.certificate`: missing; expected a PEM file"
        );
        assert_eq!(
            resolve(Path::new("/etc/m/p.toml"), Path::new("k.pem")),
            Path::new("/etc/m/k.pem")
        );
    }
}
