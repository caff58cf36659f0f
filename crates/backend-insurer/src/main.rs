//! `madoguchi-insurer`: the insurer reference server.
//!
//! ```sh
//! madoguchi-insurer serve --config insurer.toml
//! kill -HUP <pid>    # or `systemctl reload madoguchi-insurer`: re-reads [[terminals]] and [[platforms]]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Runs the server until Ctrl-C; SIGHUP (`systemctl reload`) re-reads the file's
    /// terminals and platforms.
    Serve {
        /// The TOML configuration file.
        #[arg(long)]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    backend_kit::command::init_logging();
    let result = match Cli::parse().command {
        Command::Serve { config } => backend_insurer::server::serve_file(&config),
    };
    backend_kit::command::exit_code("madoguchi-insurer", result)
}
