//! # madoguchi-app
//!
//! The counter terminal's desktop app: two windows over one process, `staff` for the
//! person behind the counter and `customer` for the person in front of it (both
//! declared in the repository's `tauri.conf.json`, with the UI in `ui/`).
//!
//! **Owns:** the Tauri builder and context ([`builder`], [`context`], [`run`]); the IPC
//! commands the windows call ([`commands`]); each window's frames ([`frames`]); what the
//! app runs on, a configuration or the embedded demo ([`state`]); the windows and what
//! each may see ([`windows`]). Which window may call which command is decided by the capability
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
pub mod frames;
pub mod state;
pub mod windows;

use state::{AppState, Source};

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

/// Starts the counter from `source`, then builds the app with the real (WebKitGTK)
/// runtime, opens the windows declared in the configuration and runs until the last
/// window is closed; the counter is closed (its reader let go) before returning.
///
/// # Errors
///
/// When the counter cannot start (the error says what to do), or the runtime cannot
/// (no display, no WebKitGTK) or a window cannot be created.
pub fn run(source: Source) -> Result<(), RunError> {
    let started = std::time::Instant::now();
    let state = tauri::async_runtime::block_on(AppState::start(source))?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        demo = state.demo(),
        "counter started"
    );
    let counter = state.counter.clone();
    let app = builder(tauri::Builder::default())
        .manage(state)
        .build(context())?;
    app.run(move |_, event| {
        if let tauri::RunEvent::Exit = event {
            // Let go of the reader cleanly, but never hang the exit on it: the system
            // releases the reader with the process anyway.
            let closed = tauri::async_runtime::block_on(tokio::time::timeout(
                CLOSE_LIMIT,
                counter.clone().close(),
            ));
            if closed.is_err() {
                tracing::warn!(limit = ?CLOSE_LIMIT, "the counter did not close in time; exiting anyway");
            }
        }
    });
    Ok(())
}

/// How long the exit waits for the counter to let go of the reader.
const CLOSE_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Why the app stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The counter did not start.
    #[error(transparent)]
    Start(#[from] state::StartError),
    /// The window system did not.
    #[error("the window system did not start: {0}")]
    Tauri(#[from] tauri::Error),
}
