//! The built app through real WebKit: tauri-driver, WebKitWebDriver, and Xvfb when
//! there is no display. Needs `make build` (or `npm run build` then `cargo build
//! --workspace`) first, the tools `scripts/deps.sh` installs, and our pcscd with its
//! virtual reader (`scripts/pcscd.sh run cargo test -p madoguchi-e2e`): the scenarios
//! run the app's demo build, `madoguchi-app-demo`. Without them it fails and says what
//! is missing.
//!
//! The acceptance scenarios of the desktop app each run the demo build on a fresh demo folder,
//! one app at a time (`harness`), check every screen they reach with axe-core and
//! screenshot it, and end with a scan of the folder's counter database for PINs,
//! passwords and card numbers (`secrets`). `setup` runs the shipped app,
//! `madoguchi-app`, without a configuration (no pcscd needed for it). `install` (ignored
//! here) runs the installed packages in the root scripts/install-test.sh makes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod cashier;
mod enroll;
mod flows;
mod harness;
mod identify;
mod install;
mod install_root;
mod journal;
mod links;
mod pin_pad;
mod reception;
mod recovery;
mod register;
mod secrets;
mod setup;
mod visit;
mod windows;
