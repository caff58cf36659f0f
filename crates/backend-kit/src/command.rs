//! What every backend's `serve --config FILE` command does once its settings are
//! loaded: set up logging, bind the listening address, start the server (and, for a server
//! that reloads its file, listen for SIGHUP before it says it listens), wait for Ctrl-C
//! (SIGINT), shut down cleanly, and turn the outcome into an exit code.
//! The servers' `main.rs` keep only their own settings type and subcommands.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tokio::net::TcpListener;

/// A started server the command can report and stop (each backend's `Running…`).
pub trait RunningServer {
    /// The bound address.
    fn addr(&self) -> SocketAddr;
    /// Stops the server, finishing what it must (audit flush, open requests).
    fn shutdown(self) -> impl Future<Output = ()>;
}

/// A started server whose configuration file a SIGHUP re-reads (the insurer, the
/// acquirer).
pub trait ReloadingServer: RunningServer {
    /// From now on each SIGHUP re-reads `config` and logs one line
    /// ([`crate::reload::reload_on_hangup`]); the signal is registered when this returns.
    fn reload_on_hangup(&mut self, config: PathBuf) -> std::io::Result<()>;
}

/// Logs to stderr at the level in `RUST_LOG` (default `info`).
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
}

/// Binds `listen`, calls `start` with the listener on a multi-threaded runtime,
/// and runs until Ctrl-C. `name` goes into the "listening" log line.
pub fn serve_until_ctrl_c<R, E, F, Fut>(
    name: &str,
    listen: SocketAddr,
    start: F,
) -> Result<(), String>
where
    R: RunningServer,
    E: std::fmt::Display,
    F: FnOnce(TcpListener) -> Fut,
    Fut: Future<Output = Result<R, E>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let running = start(listener).await.map_err(|e| e.to_string())?;
        tracing::info!(addr = %running.addr(), "{name} listening");
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
        running.shutdown().await;
        Ok(())
    })
}

/// `serve --config FILE` for a server that reloads `config` on SIGHUP: [`serve_until_ctrl_c`]
/// with `start`, and the SIGHUP listener registered before the "listening" line (a server
/// whose listener cannot be registered does not start).
pub fn serve_reloading<R, E, F, Fut>(
    name: &str,
    listen: SocketAddr,
    config: &Path,
    start: F,
) -> Result<(), String>
where
    R: ReloadingServer,
    E: std::fmt::Display,
    F: FnOnce(TcpListener) -> Fut,
    Fut: Future<Output = Result<R, E>>,
{
    let config = config.to_owned();
    serve_until_ctrl_c(name, listen, move |listener| async move {
        let mut running = start(listener).await.map_err(|e| e.to_string())?;
        running
            .reload_on_hangup(config)
            .map_err(|e| format!("cannot listen for SIGHUP (the reload signal): {e}"))?;
        Ok::<_, String>(running)
    })
}

/// The process exit code for a command's outcome; an error is printed as
/// `<program>: <message>` on stderr.
pub fn exit_code(program: &str, result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {e}");
            ExitCode::FAILURE
        }
    }
}
