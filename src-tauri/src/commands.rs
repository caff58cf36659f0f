//! The IPC commands the windows call with `invoke`.
//!
//! Each command is listed three times, and the three must agree: in [`handler`] (so
//! Tauri can route it), in `build.rs`'s `COMMANDS` (so an `allow-<command>` permission
//! exists for it) and in a permission set under `permissions/` (so a window may call
//! it). A command in the handler but in no set is refused to every window.
//!
//! Commands stay thin: they read the calling window and hand over to the runtime.
//! They live in this module rather than at the crate root because
//! `#[tauri::command] pub fn` at the root collides with the macro's generated names
//! (E0255).

use serde::Serialize;
use tauri::{AppHandle, Runtime, Window, ipc::Invoke};

/// What every window may know about the running app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version (`tauri.conf.json`, or the crate's version when it has none).
    pub version: String,
    /// The label of the window that asked (`staff` or `customer`).
    pub window: String,
}

/// The app's version and the calling window's label. Allowed to both windows.
#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>, window: Window<R>) -> AppInfo {
    AppInfo {
        version: app.package_info().version.to_string(),
        window: window.label().to_owned(),
    }
}

/// Answers `"pong"`. Allowed to the staff window only: it stands for the staff
/// actions to come and proves that the capabilities keep them from the customer.
#[tauri::command]
pub fn staff_ping() -> &'static str {
    "pong"
}

/// The router of every command above, for [`tauri::Builder::invoke_handler`].
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![app_info, staff_ping]
}
