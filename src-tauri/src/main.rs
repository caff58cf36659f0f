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
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let source = match madoguchi_app::state::Source::from_env(std::env::args().skip(1)) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("madoguchi-app: {error}");
            return ExitCode::from(2);
        }
    };
    match madoguchi_app::run(source) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("madoguchi-app: {error}");
            ExitCode::FAILURE
        }
    }
}
