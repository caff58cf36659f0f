//! Starting the acquirer: `serve --config FILE` and the in-process mode.

use std::sync::Arc;

use backend_kit::{Clock, ServerHandle, serve_tls};
use tokio::net::TcpListener;

use crate::StartError;
use crate::acquirer::Acquirer;
use crate::config::Settings;
use crate::http::router;

/// A running acquirer server.
#[derive(Debug)]
pub struct RunningAcquirer {
    handle: ServerHandle,
    acquirer: Arc<Acquirer>,
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

    /// Stops the server.
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
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

/// Starts the acquirer on `listener`.
pub async fn start(
    settings: Settings,
    clock: Arc<dyn Clock>,
    listener: TcpListener,
) -> Result<RunningAcquirer, StartError> {
    let tls = backend_kit::tls::server_config(
        &settings.tls_certificate_pem,
        &settings.tls_private_key_pem,
        Some(&settings.terminal_ca_pem),
    )?;
    let acquirer = tokio::task::spawn_blocking(move || Acquirer::new(settings, clock))
        .await
        .map_err(|e| StartError::Settings(format!("startup task failed: {e}")))??;
    let acquirer = Arc::new(acquirer);
    let handle = serve_tls(listener, tls, router(acquirer.clone()))?;
    Ok(RunningAcquirer { handle, acquirer })
}

/// The in-process mode: starts on an ephemeral loopback port (127.0.0.1:0); the desktop
/// demo and the tests read the port from [`RunningAcquirer::addr`].
pub async fn start_in_process(
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> Result<RunningAcquirer, StartError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    start(settings, clock, listener).await
}
