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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { config } => serve(config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("madoguchi-acquirer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: PathBuf) -> Result<(), String> {
    let settings = backend_acquirer::Settings::load(&config).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
        let running =
            backend_acquirer::start(settings, Arc::new(backend_kit::SystemClock), listener)
                .await
                .map_err(|e| e.to_string())?;
        tracing::info!(addr = %running.addr(), "acquirer listening");
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
        running.shutdown().await;
        Ok(())
    })
}
