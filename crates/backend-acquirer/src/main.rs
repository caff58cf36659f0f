//! `madoguchi-acquirer`: the acquirer reference server.
//!
//! ```sh
//! madoguchi-acquirer serve --config acquirer.toml
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "madoguchi-acquirer",
    about = "Madoguchi acquirer reference server"
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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { config } => serve(config),
    };
    backend_kit::command::exit_code("madoguchi-acquirer", result)
}

fn serve(config: PathBuf) -> Result<(), String> {
    let settings = backend_acquirer::Settings::load(&config).map_err(|e| e.to_string())?;
    let listen = settings.listen;
    backend_kit::command::serve_until_ctrl_c("acquirer", listen, move |listener| {
        backend_acquirer::start(settings, Arc::new(backend_kit::SystemClock), listener)
    })
}
