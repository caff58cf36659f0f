//! # madoguchi-app
//!
//! The counter terminal's desktop app: two windows over one process, `staff` for the
//! person behind the counter and `customer` for the person in front of it (both
//! declared in the repository's `tauri.conf.json`, with the UI in `ui/`).
//!
//! **Owns:** the Tauri builder and context ([`builder`], [`context`], [`run`]); the IPC
//! commands the windows call ([`commands`]); each window's frames ([`frames`]); where the
//! configuration file is looked for ([`lookup`]); what the app runs on ([`state`]); the
//! setup window and message when the counter cannot start ([`setup`]); the windows and
//! what each may see ([`windows`]). Which window may call which command is decided by the
//! capability files in `capabilities/` over the permission sets in `permissions/`,
//! checked by Tauri before a command runs; `tests/app` proves the split.
//!
//! **Never:** decides a workflow (that is `counter-core`, driven through
//! `counter-runtime`), holds a PIN longer than the call that passes it on, loads a
//! remote page, grants the customer window a staff command, or carries the demo: the
//! shipped binary `madoguchi-app` (`src/main.rs`) links no demo, test CA, persona,
//! reference backend, virtual card or crash point (`tests/app/shipping.rs` checks its
//! dependency tree). The demo is a binary of its own, `madoguchi-app-demo`
//! (`src-tauri/demo`), built on this library through [`state::DemoPanel`].
//!
//! This is the only crate that depends on `tauri`.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use tauri::{Manager, Runtime};

/// The app's IPC commands and the windows that may call each: the one list that
/// `build.rs`, the permission sets and the handler are checked against.
pub mod command_list;
pub mod commands;
pub mod customer_link;
pub mod frames;
pub mod lookup;
pub mod setup;
pub mod state;
pub mod windows;

use state::AppState;

/// Registers the app's commands on a builder, with the windows' frame subscriptions they
/// keep. Generic over the runtime so that the tests can use Tauri's mock runtime
/// (`tauri::test::mock_builder()`).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .manage(frames::Subscriptions::default())
        .manage(Mutex::new(customer_link::CustomerLink::default()))
        .on_page_load(|webview, payload| {
            // The customer's page (re)loading has not subscribed yet: its screens reach
            // nobody until it does (`customer_subscribe`), and staff are told meanwhile.
            if payload.event() == tauri::webview::PageLoadEvent::Started {
                customer_window_gone(webview.app_handle(), webview.label());
            }
        })
        .invoke_handler(commands::handler())
}

/// Tells the counter that the customer window receives no screens, when `label` is the
/// customer window's and the app has a counter.
fn customer_window_gone<R: Runtime>(app: &tauri::AppHandle<R>, label: &str) {
    if windows::Screen::from_label(label) == Some(windows::Screen::Customer) {
        update_customer_link(app, customer_link::CustomerLink::gone);
    }
}

/// Applies `change` to what the app knows of the customer page
/// ([`customer_link::CustomerLink`]) and tells the counter when whether the window receives
/// its screens changed. Nothing is told without a counter (the app has not started one).
pub(crate) fn update_customer_link<R: Runtime>(
    app: &tauri::AppHandle<R>,
    change: impl FnOnce(&mut customer_link::CustomerLink) -> Option<bool>,
) {
    let Some(link) = app.try_state::<Mutex<customer_link::CustomerLink>>() else {
        return;
    };
    // A panic elsewhere while it was held leaves it whole: keep using it. Told while held,
    // so that two changes reach the counter in the order they were made.
    let mut link = link.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(connected) = change(&mut link)
        && let Some(state) = app.try_state::<AppState>()
    {
        state.counter.customer_window(connected);
    }
}

/// Checks the customer page's silence every [`customer_link::CHECK_EVERY`], for as long
/// as the app runs ([`customer_link::CustomerLink::check`]).
fn watch_customer_page<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut every = tokio::time::interval(customer_link::CHECK_EVERY);
        loop {
            every.tick().await;
            update_customer_link(&app, |link| link.check(Instant::now()));
        }
    });
}

/// The app's context: `tauri.conf.json`, the UI bundle `ui/dist` embedded at compile
/// time, and the access control list resolved by `build.rs` from the capabilities.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("../tauri.conf.json")
}

/// Runs `future` to its end on the app's tokio runtime, the one the counter's tasks (and
/// the demo's backends) keep running on once the windows are open. Start the counter
/// ([`AppState::start`]) through it.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tauri::async_runtime::block_on(future)
}

/// Opens the staff and customer windows over the started counter with the real
/// (WebKitGTK) runtime and runs until the staff window is closed
/// ([`windows::Screen::on_close`]: the customer's cannot be closed, since nothing would
/// open it again); the counter is closed (its reader let go) before the process exits.
///
/// # Errors
///
/// When the runtime cannot start (no display, no WebKitGTK) or a window cannot be
/// created.
pub fn run(state: AppState) -> Result<(), RunError> {
    let counter = state.counter.clone();
    // No customer window receives screens until one subscribes: staff are told until then
    // (and again whenever its page goes or loads again).
    counter.customer_window(false);
    let app = builder(tauri::Builder::default())
        .manage(state)
        .build(context())?;
    watch_customer_page(app.handle().clone());
    app.run(move |app, event| match event {
        tauri::RunEvent::WindowEvent {
            label,
            event: tauri::WindowEvent::CloseRequested { api, .. },
            ..
        } => match windows::Screen::on_close(&label) {
            windows::OnClose::KeepOpen => api.prevent_close(),
            windows::OnClose::Exit => app.exit(0),
            windows::OnClose::Close => {}
        },
        // The staff window gone by any path (one destroyed without a close request as well
        // as the close answered above): the app ends with it. Exiting twice is harmless,
        // and the customer window, which cannot be closed, never stays alone.
        tauri::RunEvent::WindowEvent {
            label,
            event: tauri::WindowEvent::Destroyed,
            ..
        } if windows::Screen::on_close(&label) == windows::OnClose::Exit => app.exit(0),
        // `minimizable: false` does not hold on Linux: a customer window the window manager
        // minimised anyway (GTK reports it as a move and a resize) is restored at once.
        tauri::RunEvent::WindowEvent {
            label,
            event: tauri::WindowEvent::Moved(_) | tauri::WindowEvent::Resized(_),
            ..
        } if windows::Screen::stays_unminimised(&label) => restore_if_minimised(app, &label),
        // The customer window gone by a path other than a close (which it refuses).
        tauri::RunEvent::WindowEvent {
            label,
            event: tauri::WindowEvent::Destroyed,
            ..
        } => customer_window_gone(app, &label),
        tauri::RunEvent::Exit => {
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
        _ => {}
    });
    Ok(())
}

/// Restores window `label` when it is minimised.
fn restore_if_minimised<R: Runtime>(app: &tauri::AppHandle<R>, label: &str) {
    let Some(window) = app.get_webview_window(label) else {
        return;
    };
    if window.is_minimized().unwrap_or(false) {
        tracing::warn!(window = label, "the window was minimised; restoring it");
        if let Err(error) = window.unminimize() {
            tracing::warn!(window = label, %error, "the window could not be restored");
        }
    }
}

/// How long the exit waits for the counter to let go of the reader.
const CLOSE_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Why the app stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The window system did not start.
    #[error("the window system did not start: {0}")]
    Tauri(#[from] tauri::Error),
}

/// Logs to standard error, at `info` unless `RUST_LOG` says otherwise. Both binaries
/// call it first.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Why no window can open, when there is no display (Linux: neither `DISPLAY` nor
/// `WAYLAND_DISPLAY` is set), with how to get one; `None` when there is one.
pub fn no_display(program: &str) -> Option<String> {
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        Some(format!(
            "{program}: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so no window \
             can open; run it on a desktop, or under a virtual display: `xvfb-run -a {program}`"
        ))
    } else {
        None
    }
}
