//! Starting the insurer: `serve --config FILE` (which reloads the file on SIGHUP) and the
//! in-process mode.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use backend_kit::command::ReloadingServer;
use backend_kit::task::TaskGuard;
use backend_kit::{Clock, ServerHandle, serve_tls_with};
use tokio::net::TcpListener;

use crate::StartError;
use crate::config::Settings;
use crate::http::router;
use crate::insurer::Insurer;

/// A running insurer server.
#[derive(Debug)]
pub struct RunningInsurer {
    handle: ServerHandle,
    insurer: Arc<Insurer>,
    /// The SIGHUP listener, once [`ReloadingServer::reload_on_hangup`] ran; dropping the
    /// server stops it.
    reload: Option<TaskGuard>,
}

impl RunningInsurer {
    /// The bound address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.handle.addr()
    }

    /// The state (tests read the audit log through it).
    pub fn insurer(&self) -> &Arc<Insurer> {
        &self.insurer
    }

    /// Connections open now (at most the configured `[connections] max`).
    pub fn open_connections(&self) -> usize {
        self.handle.open_connections()
    }

    /// Resolves once the SIGHUP listener of [`ReloadingServer::reload_on_hangup`] has
    /// stopped and freed what it held (the server shut down or dropped, or a later call
    /// replaced it); `None` before the first call.
    pub fn reload_ended(&self) -> Option<impl Future<Output = ()> + Send + 'static> {
        self.reload.as_ref().map(TaskGuard::ended)
    }

    /// Stops the server.
    pub async fn shutdown(self) {
        let Self { handle, reload, .. } = self;
        drop(reload);
        handle.shutdown().await;
    }
}

impl ReloadingServer for RunningInsurer {
    /// From now on, each SIGHUP re-reads `config` ([`Insurer::reload`]) and logs one line
    /// ([`backend_kit::reload::log_outcome`]), instead of the file of an earlier call. The
    /// signal is registered when this returns.
    fn reload_on_hangup(&mut self, config: PathBuf) -> std::io::Result<()> {
        let insurer = self.insurer.clone();
        let guard =
            backend_kit::reload::reload_on_hangup("insurer", config, move |p| insurer.reload(p))?;
        // The listener of an earlier call, if any, stops as its guard drops here.
        self.reload = Some(guard);
        Ok(())
    }
}

impl backend_kit::command::RunningServer for RunningInsurer {
    fn addr(&self) -> std::net::SocketAddr {
        RunningInsurer::addr(self)
    }
    fn shutdown(self) -> impl std::future::Future<Output = ()> {
        RunningInsurer::shutdown(self)
    }
}

/// Starts the insurer on `listener`.
pub async fn start(
    settings: Settings,
    clock: Arc<dyn Clock>,
    listener: TcpListener,
) -> Result<RunningInsurer, StartError> {
    let tls = backend_kit::tls::server_config(
        &settings.tls_certificate_pem,
        &settings.tls_private_key_pem,
        Some(&settings.terminal_ca_pem),
    )?;
    let limits = settings.connections;
    settings.warn_unregistered_terminals();
    let insurer = tokio::task::spawn_blocking(move || Insurer::new(settings, clock))
        .await
        .map_err(|e| StartError::Settings(format!("startup task failed: {e}")))??;
    let insurer = Arc::new(insurer);
    let handle = serve_tls_with(listener, tls, router(insurer.clone()), limits)?;
    Ok(RunningInsurer {
        handle,
        insurer,
        reload: None,
    })
}

/// The in-process mode: starts on an ephemeral loopback port (127.0.0.1:0); the desktop
/// demo and the tests read the port from [`RunningInsurer::addr`].
pub async fn start_in_process(
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> Result<RunningInsurer, StartError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    start(settings, clock, listener).await
}

/// `madoguchi-insurer serve --config FILE`: loads the file, serves on its `listen` address
/// until Ctrl-C on the system clock, and re-reads the file on SIGHUP.
pub fn serve_file(config: &Path) -> Result<(), String> {
    let settings = Settings::load(config).map_err(|e| e.to_string())?;
    let listen = settings.listen;
    backend_kit::command::serve_reloading("insurer", listen, config, move |listener| {
        start(settings, Arc::new(backend_kit::SystemClock), listener)
    })
}
