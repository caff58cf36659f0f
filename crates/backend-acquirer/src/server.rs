//! Starting the acquirer: `serve --config FILE` (which reloads the file on SIGHUP) and the
//! in-process mode.

use std::path::PathBuf;
use std::sync::Arc;

use backend_kit::command::ReloadingServer;
use backend_kit::task::TaskGuard;
use backend_kit::{Clock, ServerHandle, serve_tls_with};
use tokio::net::TcpListener;

use crate::StartError;
use crate::acquirer::Acquirer;
use crate::config::{KeyRules, Settings};
use crate::http::router;

/// A running acquirer server.
#[derive(Debug)]
pub struct RunningAcquirer {
    handle: ServerHandle,
    acquirer: Arc<Acquirer>,
    /// The SIGHUP listener, once [`ReloadingServer::reload_on_hangup`] ran; dropping the
    /// server stops it.
    reload: Option<TaskGuard>,
}

impl RunningAcquirer {
    /// The bound address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.handle.addr()
    }

    /// The state (tests set faults and read the database through it).
    pub fn acquirer(&self) -> &Arc<Acquirer> {
        &self.acquirer
    }

    /// Connections open now (at most the configured `[connections] max`).
    pub fn open_connections(&self) -> usize {
        self.handle.open_connections()
    }

    /// Stops the server.
    pub async fn shutdown(self) {
        let Self { handle, reload, .. } = self;
        drop(reload);
        handle.shutdown().await;
    }
}

impl ReloadingServer for RunningAcquirer {
    /// From now on, each SIGHUP re-reads `config` ([`Acquirer::reload`]) and logs one line
    /// ([`backend_kit::reload::log_outcome`]), instead of the file of an earlier call. The
    /// signal is registered when this returns.
    fn reload_on_hangup(&mut self, config: PathBuf) -> std::io::Result<()> {
        let acquirer = self.acquirer.clone();
        let guard =
            backend_kit::reload::reload_on_hangup("acquirer", config, move |p| acquirer.reload(p))?;
        // The listener of an earlier call, if any, stops as its guard drops here.
        self.reload = Some(guard);
        Ok(())
    }
}

impl backend_kit::command::RunningServer for RunningAcquirer {
    fn addr(&self) -> std::net::SocketAddr {
        RunningAcquirer::addr(self)
    }
    fn shutdown(self) -> impl std::future::Future<Output = ()> {
        RunningAcquirer::shutdown(self)
    }
}

/// Starts the acquirer on `listener` with the default [`KeyRules`].
pub async fn start(
    settings: Settings,
    clock: Arc<dyn Clock>,
    listener: TcpListener,
) -> Result<RunningAcquirer, StartError> {
    start_with(settings, KeyRules::default(), clock, listener).await
}

/// Starts the acquirer on `listener` with `keys` (the file's `[idempotency]`, or a test's
/// short lease).
pub async fn start_with(
    settings: Settings,
    keys: KeyRules,
    clock: Arc<dyn Clock>,
    listener: TcpListener,
) -> Result<RunningAcquirer, StartError> {
    let tls = backend_kit::tls::server_config(
        &settings.tls_certificate_pem,
        &settings.tls_private_key_pem,
        Some(&settings.terminal_ca_pem),
    )?;
    let limits = settings.connections;
    settings.warn_unregistered_terminals();
    let acquirer = tokio::task::spawn_blocking(move || Acquirer::with_rules(settings, keys, clock))
        .await
        .map_err(|e| StartError::Settings(format!("startup task failed: {e}")))??;
    let acquirer = Arc::new(acquirer);
    let handle = serve_tls_with(listener, tls, router(acquirer.clone()), limits)?;
    Ok(RunningAcquirer {
        handle,
        acquirer,
        reload: None,
    })
}

/// The in-process mode: starts on an ephemeral loopback port (127.0.0.1:0); the desktop
/// demo and the tests read the port from [`RunningAcquirer::addr`].
pub async fn start_in_process(
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> Result<RunningAcquirer, StartError> {
    start_in_process_with(settings, KeyRules::default(), clock).await
}

/// [`start_in_process`] with `keys`.
pub async fn start_in_process_with(
    settings: Settings,
    keys: KeyRules,
    clock: Arc<dyn Clock>,
) -> Result<RunningAcquirer, StartError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    start_with(settings, keys, clock, listener).await
}

/// `madoguchi-acquirer serve --config FILE`: loads the file, serves on its `listen`
/// address until Ctrl-C, on the system clock, and re-reads the file on SIGHUP. Also what
/// the tests run in a process of its own when they kill the acquirer with SIGKILL.
pub fn serve_file(config: &std::path::Path) -> Result<(), String> {
    let (settings, keys) = crate::config::load(config).map_err(|e| e.to_string())?;
    let listen = settings.listen;
    backend_kit::command::serve_reloading("acquirer", listen, config, move |listener| {
        start_with(settings, keys, Arc::new(backend_kit::SystemClock), listener)
    })
}
