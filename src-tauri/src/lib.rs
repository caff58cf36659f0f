//! # madoguchi-app
//!
//! The counter terminal's desktop app: two windows over one process, `staff` for the
//! person behind the counter and `customer` for the person in front of it (both
//! declared in the repository's `tauri.conf.json`, with the UI in `ui/`).
//!
//! **Owns:** the Tauri builder and context ([`builder`], [`context`], [`run`]); the IPC
//! commands the windows call ([`commands`]); the windows and what each may see
//! ([`windows`]). Which window may call which command is decided by the capability
//! files in `capabilities/` over the permission sets in `permissions/`, checked by
//! Tauri before a command runs; `tests/app` proves the split.
//!
//! **Never:** decides a workflow (that is `counter-core`, driven through
//! `counter-runtime`), holds a PIN longer than the call that passes it on, loads a
//! remote page, or grants the customer window a staff command.
//!
//! This is the only crate that depends on `tauri`.

use tauri::Runtime;

pub mod commands;
pub mod windows;

/// Registers the app's commands on a builder. Generic over the runtime so that the
/// tests can use Tauri's mock runtime (`tauri::test::mock_builder()`).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(commands::handler())
}

/// The app's context: `tauri.conf.json`, the UI bundle `ui/dist` embedded at compile
/// time, and the access control list resolved by `build.rs` from the capabilities.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("../tauri.conf.json")
}

/// Builds the app with the real (WebKitGTK) runtime, opens the windows declared in
/// the configuration and runs until the last window is closed.
///
/// # Errors
///
/// When the runtime cannot start (no display, no WebKitGTK) or a window cannot be
/// created.
pub fn run() -> Result<(), tauri::Error> {
    builder(tauri::Builder::default()).run(context())
}
