//! The limits of one server's TLS listener, as set in that server's configuration file
//! (`[connections]`), and the file-descriptor budget they must fit in.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::config::{ConfigError, invalid};

/// Default most connections open at once. A terminal keeps one or two keep-alive
/// connections, so this serves about two thousand desks per server; raise it (and the
/// process's `RLIMIT_NOFILE`) for more.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Default time a client has to finish its TLS handshake (a terminal on a slow clinic
/// line needs well under a second; ten seconds leaves room for retransmissions).
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for a request's headers to arrive, counted from the moment the server waits
/// for them: also how long an idle keep-alive connection stays open (hyper's default).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// File descriptors kept out of the connection budget for everything else the process
/// opens: the SQLite database and its WAL, CRL files during a reload, outgoing link calls.
pub const RESERVED_FDS: usize = 128;

/// What one listener accepts.
///
/// * At most [`Self::max_connections`] connections hold a slot. A new one over the limit
///   takes the slot of the oldest connection that has no verified client certificate (still
///   in its handshake, or served without a certificate), which is closed; when every slot
///   belongs to a verified client the new connection is closed at once (logged, no HTTP
///   answer: nothing has been negotiated to answer with).
/// * A TLS handshake not finished within [`Self::handshake_timeout`] is closed.
/// * Request headers not received within [`Self::header_timeout`] close the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeLimits {
    /// Most connections open at once.
    pub max_connections: usize,
    /// Deadline of the TLS handshake.
    pub handshake_timeout: Duration,
    /// Deadline of a request's headers (and the idle time of a kept-alive connection).
    pub header_timeout: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
        }
    }
}

/// The `[connections]` section of a server's configuration file; every key is optional.
///
/// ```toml
/// [connections]
/// max = 4096                   # 1..=1000000: connections open at once
/// handshake_timeout_ms = 10000 # 100..=60000: to finish the TLS handshake
/// header_timeout_ms = 30000    # 100..=300000: for a request's headers (and keep-alive idling)
/// ```
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionsConfig {
    /// Most connections open at once.
    pub max: usize,
    /// TLS handshake deadline, milliseconds.
    pub handshake_timeout_ms: u64,
    /// Request header deadline, milliseconds.
    pub header_timeout_ms: u64,
}

impl Default for ConnectionsConfig {
    fn default() -> Self {
        let d = ServeLimits::default();
        Self {
            max: d.max_connections,
            handshake_timeout_ms: millis(d.handshake_timeout),
            header_timeout_ms: millis(d.header_timeout),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl ConnectionsConfig {
    /// The limits, checked; errors name `file` and the key under `section`
    /// (`connections.max`).
    pub fn limits(&self, file: &Path, section: &str) -> Result<ServeLimits, ConfigError> {
        let limits = ServeLimits {
            max_connections: self.max,
            handshake_timeout: Duration::from_millis(self.handshake_timeout_ms),
            header_timeout: Duration::from_millis(self.header_timeout_ms),
        };
        limits.check().map_err(|(key, problem, expected)| {
            invalid(file, format!("{section}.{key}"), problem, expected)
        })?;
        Ok(limits)
    }
}

impl ServeLimits {
    /// The rules on values: returns (key in `[connections]`, problem, expected).
    pub fn check(&self) -> Result<(), (String, String, String)> {
        let e = |k: &str, p: String, x: &str| Err((k.to_owned(), p, x.to_owned()));
        if !(1..=1_000_000).contains(&self.max_connections) {
            return e(
                "max",
                self.max_connections.to_string(),
                "1 to 1000000 connections",
            );
        }
        let ms = millis(self.handshake_timeout);
        if !(100..=60_000).contains(&ms) {
            return e(
                "handshake_timeout_ms",
                ms.to_string(),
                "100 to 60000 milliseconds",
            );
        }
        let ms = millis(self.header_timeout);
        if !(100..=300_000).contains(&ms) {
            return e(
                "header_timeout_ms",
                ms.to_string(),
                "100 to 300000 milliseconds",
            );
        }
        Ok(())
    }

    /// The connection limit that fits the process's open-file limit: `max_connections`,
    /// or the soft `RLIMIT_NOFILE` minus [`RESERVED_FDS`] when that is lower (logged, since
    /// beyond it `accept` fails with EMFILE for everyone, terminals included).
    pub fn effective_max_connections(&self) -> usize {
        match open_file_limit() {
            Some(soft) => {
                let budget = soft.saturating_sub(RESERVED_FDS).max(1);
                if budget < self.max_connections {
                    tracing::warn!(
                        configured = self.max_connections,
                        open_file_limit = soft,
                        used = budget,
                        "the open-file limit is below the configured connection limit; \
                         raise RLIMIT_NOFILE (LimitNOFILE= in systemd) to serve more"
                    );
                }
                budget.min(self.max_connections)
            }
            None => self.max_connections,
        }
    }
}

/// The soft open-file limit of this process (Linux: `/proc/self/limits`), `None` elsewhere
/// or when it cannot be read or is unlimited.
pub fn open_file_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_open_file_limit(&text)
}

/// The soft value of the "Max open files" line of a `/proc/<pid>/limits` text.
fn parse_open_file_limit(text: &str) -> Option<usize> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()?;
    soft.parse().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_open_file_limit_is_read_from_proc_limits() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max cpu time              unlimited            unlimited            seconds   \n\
                    Max open files            1024                 524288               files     \n";
        assert_eq!(parse_open_file_limit(text), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(parse_open_file_limit(unlimited), None);
        assert_eq!(parse_open_file_limit(""), None);
    }

    #[test]
    fn config_defaults_and_rules() {
        let file = Path::new("server.toml");
        let d = ConnectionsConfig::default();
        assert_eq!(
            d.limits(file, "connections").unwrap(),
            ServeLimits::default()
        );
        let bad = ConnectionsConfig { max: 0, ..d };
        let e = bad.limits(file, "connections").unwrap_err().to_string();
        assert!(
            e.contains("connections.max") && e.contains("server.toml"),
            "{e}"
        );
        let bad = ConnectionsConfig {
            handshake_timeout_ms: 5,
            ..d
        };
        let e = bad.limits(file, "connections").unwrap_err().to_string();
        assert!(e.contains("connections.handshake_timeout_ms"), "{e}");
        let bad = ConnectionsConfig {
            header_timeout_ms: 0,
            ..d
        };
        assert!(bad.limits(file, "connections").is_err());
    }
}
