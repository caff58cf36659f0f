//! # madoguchi-e2e
//!
//! Drives the built desktop app (`target/debug/madoguchi-app`) through real WebKit:
//! `tauri-driver` starts `WebKitWebDriver`, which starts the app; a WebDriver client
//! (fantoccini) reads and clicks the windows and takes their screenshots. When there is
//! no `DISPLAY`, the harness starts its own Xvfb first.
//!
//! **Owns:** the harness ([`AppSession`]: display, driver, session, screenshots) and,
//! in `tests/e2e`, the end-to-end tests.
//!
//! **Never:** waits without a time limit, stops `tauri-driver` with SIGKILL (it would
//! leave `WebKitWebDriver` running with the test's pipes open), or passes silently when
//! a tool is missing: every missing piece is an [`E2eError`] that says how to get it.

mod display;
mod driver;
mod error;
mod process;
mod session;

pub use error::E2eError;
pub use session::{AppSession, Screen};

use std::path::PathBuf;

/// The repository's top directory (this crate's parent).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
