//! # madoguchi-e2e
//!
//! Drives the built desktop app (`target/debug/madoguchi-app`) through real WebKit:
//! `tauri-driver` starts `WebKitWebDriver`, which starts the app; a WebDriver client
//! (fantoccini) reads and clicks the windows and takes their screenshots. When there is
//! no `DISPLAY`, the harness starts its own Xvfb first.
//!
//! **Owns:** the harness ([`AppSession`]: display, driver, session; the app's demo
//! options ([`AppOptions`]); waits on the UI's `data-test` hooks (ui/README.md), clicks,
//! the PIN keypad; the axe-core accessibility check; screenshots; for the benchmark,
//! timing inside the windows and the memory of the app's processes) and, in
//! `tests/e2e`, the end-to-end tests: the windows' smoke checks and the acceptance
//! scenarios of issue 6; in `benches/app.rs`, the app's performance figures.
//!
//! **Never:** waits without a time limit, stops `tauri-driver` with SIGKILL (it would
//! leave `WebKitWebDriver` running with the test's pipes open), or passes silently when
//! a tool is missing: every missing piece is an [`E2eError`] that says how to get it.

mod axe;
mod display;
mod driver;
mod error;
mod footprint;
mod input;
mod invoke;
mod options;
mod page;
mod process;
mod screenshot;
mod session;
mod stopwatch;
mod windows;

pub use axe::AxeViolation;
pub use error::E2eError;
pub use footprint::{Footprint, ProcessMemory};
pub use options::{AppOptions, DemoMode};
pub use page::{Seen, WAIT, Want, hook};
pub use session::{AppSession, Screen};
pub use stopwatch::Shown;

use std::path::PathBuf;

/// The process ids of every `madoguchi-app` running on this machine, whoever started
/// it. Another app's embedded demo places its cards on the same virtual reader, so a
/// test that drives the demo cannot run beside one.
pub fn apps_running() -> Vec<u32> {
    process::named("madoguchi-app")
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
