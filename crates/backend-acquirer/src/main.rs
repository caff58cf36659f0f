//! `madoguchi-acquirer`: the acquirer reference server.
//!
//! ```sh
//! madoguchi-acquirer serve --config acquirer.toml
//! kill -HUP <pid>    # or `systemctl reload madoguchi-acquirer`: re-reads [[terminals]] and [[trusted_platforms]]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Runs the server until Ctrl-C; SIGHUP (`systemctl reload`) re-reads the file's
    /// terminals and trusted platforms.
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
        Command::Serve { config } => backend_acquirer::server::serve_file(&config),
    };
    backend_kit::command::exit_code("madoguchi-acquirer", result)
}
