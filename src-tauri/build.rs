//! Build script of `madoguchi-app`: resolves the capabilities against the app's
//! command permissions and prepares what `tauri::generate_context!` embeds.

use std::path::Path;

/// The app's IPC commands and who may call them: `src/command_list.rs`, the one list.
/// `tauri-build` generates an `allow-<command>` and a `deny-<command>` permission for each
/// (underscores become dashes); the permission sets in `permissions/` group them per
/// window, and the files in `capabilities/` grant a set to a window.
#[allow(
    dead_code,
    reason = "the app and its tests use the callers; the build only the names"
)]
mod command_list {
    include!("src/command_list.rs");
}

/// The UI bundle `generate_context!` embeds, relative to this crate.
const UI_DIST: &str = "../ui/dist";

fn main() {
    // generate_context! embeds ui/dist at compile time, and a proc macro cannot
    // ask Cargo to watch files: rebuild when the UI bundle changes.
    println!("cargo:rerun-if-changed={UI_DIST}");
    if !Path::new(UI_DIST).join("staff.html").is_file() {
        eprintln!(
            "madoguchi-app: the UI bundle ui/dist is missing; build it first with \
             `npm ci && npm run build` at the repository's top (`make build` does both)"
        );
        std::process::exit(1);
    }

    println!("cargo:rerun-if-changed=src/command_list.rs");
    let names: Vec<&'static str> = command_list::COMMANDS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    // tauri-build keeps the list for the whole build: a few bytes, once.
    let names: &'static [&'static str] = Box::leak(names.into_boxed_slice());
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(names));
    if let Err(error) = tauri_build::try_build(attributes) {
        eprintln!("madoguchi-app: tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
