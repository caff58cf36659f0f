//! The built app through real WebKit: tauri-driver, WebKitWebDriver, and Xvfb when
//! there is no display. Needs `make build` (or `cargo build --workspace`) first, and
//! the tools `scripts/deps.sh` installs; without them it fails and says what is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod windows;
