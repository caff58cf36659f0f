//! What the app runs on: a counter over a configuration file, or the embedded demo.
//!
//! - `--config <file>` (or `MADOGUCHI_CONFIG`): the terminal for real — the reader, the
//!   backends and the database its configuration names.
//! - Neither: the embedded demo (`counter-demo`): the reference backends in-process, demo
//!   data, and persona cards placed on our pcscd's virtual reader from the staff window's
//!   demo panel. Its files go to `MADOGUCHI_DEMO_DIR` (default `.run/demo`); the counter's
//!   mode is `MADOGUCHI_DEMO_MODE` (reception, pharmacy, cashier; default reception), and
//!   `MADOGUCHI_DEMO_INSURER=down` starts it without the insurer (to show the fallback);
//!   `MADOGUCHI_DEMO_SIGN_CRL=stale` leaves the signature CRL of the persona who moved out
//!   of date (to show the notice that her attributes could not be checked).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use counter_demo::{Demo, DemoCards, DemoOptions};
use counter_runtime::clock::SystemClock;
use counter_runtime::config::{Config, CounterMode};
use counter_runtime::counter::{Counter, TerminalSettings};

/// The running counter and, in the demo, its backends and cards.
pub struct AppState {
    /// The counter the windows drive.
    pub counter: Counter,
    /// The settings the staff window shows.
    pub settings: TerminalSettings,
    /// The embedded demo (its backends run for the app's life), when it runs.
    demo: Option<Demo>,
}

/// Where the app's configuration comes from.
pub enum Source {
    /// A terminal configuration file.
    Config(PathBuf),
    /// The embedded demo.
    Demo(DemoOptions),
}

/// Why the app cannot start its counter, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The command line is not one the app knows.
    #[error("unknown argument {0:?}: the app takes `--config <file>` or nothing (the demo)")]
    Usage(String),
    /// An environment variable has a value the app does not know.
    #[error("{name}={value:?} is not one of {expected}")]
    Env {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it may be.
        expected: &'static str,
    },
    /// The demo did not start.
    #[error("the embedded demo did not start: {0}")]
    Demo(#[from] counter_demo::DemoError),
    /// The configuration or the counter did not start.
    #[error("the counter did not start: {0}")]
    Counter(#[from] counter_runtime::RuntimeError),
}

impl Source {
    /// The source `args` (without the program name) and the environment ask for.
    pub fn from_env(args: impl IntoIterator<Item = String>) -> Result<Source, StartError> {
        let mut args = args.into_iter();
        let mut config = std::env::var_os("MADOGUCHI_CONFIG").map(PathBuf::from);
        while let Some(arg) = args.next() {
            match (arg.as_str(), args.next()) {
                ("--config", Some(path)) => config = Some(PathBuf::from(path)),
                _ => return Err(StartError::Usage(arg)),
            }
        }
        if let Some(path) = config {
            return Ok(Source::Config(path));
        }
        let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mode = match var("MADOGUCHI_DEMO_MODE").as_deref() {
            None | Some("reception") => CounterMode::Reception,
            Some("pharmacy") => CounterMode::Pharmacy,
            Some("cashier") => CounterMode::Cashier,
            Some(other) => {
                return Err(StartError::Env {
                    name: "MADOGUCHI_DEMO_MODE",
                    value: other.to_owned(),
                    expected: "reception, pharmacy, cashier",
                });
            }
        };
        let insurer_up = match var("MADOGUCHI_DEMO_INSURER").as_deref() {
            None | Some("up") => true,
            Some("down") => false,
            Some(other) => {
                return Err(StartError::Env {
                    name: "MADOGUCHI_DEMO_INSURER",
                    value: other.to_owned(),
                    expected: "up, down",
                });
            }
        };
        let stale_sign_crl = match var("MADOGUCHI_DEMO_SIGN_CRL").as_deref() {
            None | Some("current") => false,
            Some("stale") => true,
            Some(other) => {
                return Err(StartError::Env {
                    name: "MADOGUCHI_DEMO_SIGN_CRL",
                    value: other.to_owned(),
                    expected: "current, stale",
                });
            }
        };
        let dir =
            var("MADOGUCHI_DEMO_DIR").map_or_else(|| PathBuf::from(".run/demo"), PathBuf::from);
        Ok(Source::Demo(DemoOptions {
            dir,
            mode,
            insurer_up,
            stale_sign_crl,
        }))
    }
}

impl AppState {
    /// Starts the counter from `source` (inside the app's tokio runtime).
    pub async fn start(source: Source) -> Result<AppState, StartError> {
        let (config_path, demo) = match source {
            Source::Config(path) => (path, None),
            Source::Demo(options) => {
                let demo = Demo::start(options).await?;
                (demo.config_path().to_path_buf(), Some(demo))
            }
        };
        let config = Config::load(&config_path)?;
        let counter = Counter::start(&config, Arc::new(SystemClock)).await?;
        Ok(AppState {
            counter,
            settings: TerminalSettings::of(&config, absolute(&config_path).as_path()),
            demo,
        })
    }

    /// Whether the demo runs.
    pub fn demo(&self) -> bool {
        self.demo.is_some()
    }

    /// The demo's persona cards, when the demo runs.
    pub fn cards(&self) -> Option<DemoCards> {
        self.demo.as_ref().map(Demo::cards)
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
