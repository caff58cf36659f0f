//! `madoguchi-app`: the counter terminal's desktop app (see the library's doc).

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "madoguchi-app: no display (neither DISPLAY nor WAYLAND_DISPLAY is set); \
             run it on a desktop, or under a virtual display: `xvfb-run -a target/debug/madoguchi-app`"
        );
        return ExitCode::from(2);
    }
    match madoguchi_app::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("madoguchi-app: {error}");
            ExitCode::FAILURE
        }
    }
}
