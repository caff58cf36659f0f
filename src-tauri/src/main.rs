//! `madoguchi-app`: the counter terminal's desktop app, as shipped (see the library's
//! doc). It runs on the terminal's configuration file — `--config FILE`, else
//! `MADOGUCHI_CONFIG`, else `/etc/madoguchi/counter.toml` (`lookup.rs`) — and never on
//! a demo. Without a usable configuration it says so on standard error and in a window,
//! and exits with a non-zero status (`setup.rs`).

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;
use std::time::Instant;

use counter_runtime::config::Config;
use madoguchi_app::lookup::Lookup;
use madoguchi_app::setup::{self, Problem};
use madoguchi_app::state::{AppState, StartError};

/// The status for a command line the app does not know, or no display to run on.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    madoguchi_app::init_logging();
    let lookup = match Lookup::from_env(std::env::args().skip(1)) {
        Ok(lookup) => lookup,
        Err(error) => {
            eprintln!("madoguchi-app: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Some(why) = lookup.missing() {
        return explain(Problem::NoConfig { lookup, why });
    }
    // A file that does not load is reported as such, display or not.
    if let Err(error) = Config::load(&lookup.path) {
        return explain(Problem::start_failed(lookup, &StartError::from(error)));
    }
    if let Some(message) = madoguchi_app::no_display("madoguchi-app") {
        eprintln!("{message}");
        return ExitCode::from(EXIT_USAGE);
    }
    let started = Instant::now();
    let state = match madoguchi_app::block_on(AppState::start(&lookup.path)) {
        Ok(state) => state,
        Err(error) => return explain(Problem::start_failed(lookup, &error)),
    };
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        demo = false,
        "counter started"
    );
    match madoguchi_app::run(state) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("madoguchi-app: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Says what is wrong on standard error, then in the setup window until it is closed
/// (not when there is no display), and returns the problem's non-zero status.
fn explain(problem: Problem) -> ExitCode {
    eprintln!("{}", problem.message());
    let status = ExitCode::from(problem.exit_code());
    if let Some(message) = madoguchi_app::no_display("madoguchi-app") {
        eprintln!("{message}");
    } else if let Err(error) = setup::show(&problem) {
        eprintln!("madoguchi-app: the window with this message did not open: {error}");
    }
    eprintln!(
        "madoguchi-app: exiting with status {} (not started)",
        problem.exit_code()
    );
    status
}
