//! What can go wrong in an end-to-end run, each with what to do about it.

use std::{io, path::PathBuf, time::Duration};

/// An end-to-end run that could not start or did not go as expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum E2eError {
    /// A program the run needs is not installed.
    #[error("{program} not found: {install}")]
    Missing {
        /// The program's name.
        program: &'static str,
        /// How to install it.
        install: &'static str,
    },
    /// The app binary has not been built.
    #[error("the app binary {} does not exist: build it first (`make build`, or `cargo build --workspace`)", .0.display())]
    NoApp(PathBuf),
    /// A program could not be started or stopped.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A step did not finish in time.
    #[error("{what} did not finish within {limit:?}{hint}")]
    Timeout {
        /// The step.
        what: String,
        /// Its time limit.
        limit: Duration,
        /// Where to look (a log file), or empty.
        hint: String,
    },
    /// The WebDriver session could not be created.
    #[error("no WebDriver session through tauri-driver (see {log}): {source}")]
    Session {
        /// tauri-driver's log file.
        log: String,
        /// The client's error.
        source: Box<fantoccini::error::NewSessionError>,
    },
    /// A WebDriver command failed.
    #[error("WebDriver: {what}: {source}")]
    Command {
        /// What was being done.
        what: String,
        /// The client's error.
        source: Box<fantoccini::error::CmdError>,
    },
    /// The app did not show what was expected of it.
    #[error("{0}")]
    Unexpected(String),
}

impl E2eError {
    /// An I/O error while doing `what`.
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(io::Error) -> E2eError {
        let what = what.into();
        move |source| E2eError::Io { what, source }
    }

    /// A failed WebDriver command while doing `what`.
    pub(crate) fn command(
        what: impl Into<String>,
    ) -> impl FnOnce(fantoccini::error::CmdError) -> E2eError {
        let what = what.into();
        move |source| E2eError::Command {
            what,
            source: Box::new(source),
        }
    }
}
