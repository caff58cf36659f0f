//! Starting the insurer: `serve --config FILE` and the in-process mode.

use std::sync::Arc;

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

    /// Stops the server.
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
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
    let insurer = tokio::task::spawn_blocking(move || Insurer::new(settings, clock))
        .await
        .map_err(|e| StartError::Settings(format!("startup task failed: {e}")))??;
    let insurer = Arc::new(insurer);
    let handle = serve_tls_with(listener, tls, router(insurer.clone()), limits)?;
    Ok(RunningInsurer { handle, insurer })
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
