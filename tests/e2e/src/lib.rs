//! # madoguchi-e2e
//!
//! Drives the built desktop app through real WebKit: the demo build
//! (`target/debug/madoguchi-app-demo`) for the scenarios, the shipped build
//! (`target/debug/madoguchi-app`) for what it does without a configuration.
//! `tauri-driver` starts `WebKitWebDriver`, which starts the app; a WebDriver client
//! (fantoccini) reads and clicks the windows and takes their screenshots. When there is
//! no `DISPLAY`, the harness starts its own Xvfb first.
//!
//! This crate lives in the workspace's `tests/e2e`, with the other system tests.
//!
//! **Owns:** the harness ([`AppSession`]: display, driver, session; which app and the
//! demo's options ([`AppOptions`]); waits on the UI's `data-test` hooks (ui/README.md),
//! clicks, the PIN keypad; the axe-core accessibility check; screenshots; for the
//! benchmark, timing inside the windows and the memory of the app's processes) and, in
//! its `tests/e2e`, the end-to-end tests: the windows' smoke checks, the acceptance
//! scenarios of the desktop app, the shipped app without a configuration; in `benches/app.rs`,
//! the app's performance figures.
//!
//! **Never:** waits without a time limit, kills a process before it had SIGTERM and time
//! to stop (tauri-driver stops its `WebKitWebDriver` on SIGTERM; killed at once it would
//! leave it running with the test's pipes open: [`stop`] kills only what outlives the
//! grace, and everything under it), or passes silently when a tool is missing: every
//! missing piece is an [`E2eError`] that says how to get it.

mod axe;
mod display;
mod driver;
mod error;
mod footprint;
mod input;
mod invoke;
mod options;
mod page;
mod ports;
mod process;
mod screenshot;
mod session;
mod stopwatch;
mod windows;

pub use axe::AxeViolation;
pub use error::E2eError;
pub use footprint::{Footprint, ProcessMemory};
pub use options::{AppOptions, Build, DemoMode};
pub use page::{Seen, WAIT, Want, hook};
pub use ports::free_port;
pub use process::stop;
pub use session::{AppSession, Screen};
pub use stopwatch::Shown;

use std::path::PathBuf;

/// The shipped app's binary.
pub const APP: &str = "madoguchi-app";

/// The demo build's binary.
pub const DEMO_APP: &str = "madoguchi-app-demo";

/// The process ids of every `madoguchi-app` and `madoguchi-app-demo` running on this
/// machine, whoever started it. Another app's embedded demo places its cards on the
/// same virtual reader, so a test that drives the demo cannot run beside one.
pub fn apps_running() -> Vec<u32> {
    let mut pids = process::named(APP);
    pids.extend(process::named(DEMO_APP));
    pids
}

/// The repository's top directory (this crate is its `tests/e2e`).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or(manifest)
}
