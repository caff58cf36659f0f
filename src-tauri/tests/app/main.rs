//! The app's IPC through Tauri's mock runtime: no display, no WebKit, but the real
//! configuration, the real command handler and the real access control list that
//! `build.rs` resolved from `capabilities/` and `permissions/` (`acl`); the shipped
//! binary without a configuration, run as a program (`no_config`); and what the shipped
//! app is made of (`shipping`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod acl;
mod no_config;
mod shipping;

use serde_json::Value;
use tauri::{
    App, Manager, WebviewWindowBuilder,
    ipc::{CallbackFn, InvokeBody},
    test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder},
    webview::InvokeRequest,
};

/// The app on the mock runtime, with every window of `tauri.conf.json` created the
/// way `App::run` would create it.
fn app() -> App<MockRuntime> {
    let app = madoguchi_app::builder(mock_builder())
        .build(madoguchi_app::context())
        .expect("the app builds on the mock runtime");
    for config in app.config().app.windows.clone() {
        WebviewWindowBuilder::from_config(app.handle(), &config)
            .and_then(WebviewWindowBuilder::build)
            .expect("the configured window opens");
    }
    app
}

/// The origin our pages are served from on Linux (`http://tauri.localhost` is the
/// one on Windows, and is treated as remote here).
const LOCAL_ORIGIN: &str = "tauri://localhost";

/// Calls `cmd` from the window `label` as the page in it would.
fn invoke(app: &App<MockRuntime>, label: &str, cmd: &str) -> Result<Value, Value> {
    invoke_from(app, label, cmd, LOCAL_ORIGIN)
}

/// Calls `cmd` from the window `label` as a page from `origin` would.
fn invoke_from(
    app: &App<MockRuntime>,
    label: &str,
    cmd: &str,
    origin: &str,
) -> Result<Value, Value> {
    let webview = app
        .get_webview_window(label)
        .unwrap_or_else(|| panic!("no window labelled {label}"));
    get_ipc_response(
        &webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: origin.parse().unwrap(),
            body: InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}
