//! `madoguchi-insurer`: the insurer reference server.
//!
//! ```sh
//! madoguchi-insurer serve --config insurer.toml
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "madoguchi-insurer",
    about = "Madoguchi insurer reference server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server until Ctrl-C.
    Serve {
        /// The TOML configuration file.
        #[arg(long)]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    backend_kit::command::init_logging();
    let result = match Cli::parse().command {
        Command::Serve { config } => serve(config),
    };
    backend_kit::command::exit_code("madoguchi-insurer", result)
}

fn serve(config: PathBuf) -> Result<(), String> {
    let settings = backend_insurer::Settings::load(&config).map_err(|e| e.to_string())?;
    let listen = settings.listen;
    backend_kit::command::serve_until_ctrl_c("insurer", listen, move |listener| {
        backend_insurer::start(settings, Arc::new(backend_kit::SystemClock), listener)
    })
}
