//! Starting the platform: `serve --config FILE` and the in-process mode.

use std::sync::Arc;
use std::time::Duration;

use backend_kit::{Clock, ServerHandle, serve_tls_with};
use tokio::net::TcpListener;

use crate::StartError;
use crate::config::Settings;
use crate::http::router;
use crate::platform::Platform;

/// A running platform server.
#[derive(Debug)]
pub struct RunningPlatform {
    handle: ServerHandle,
    platform: Arc<Platform>,
    reload: tokio::task::JoinHandle<()>,
    poll: tokio::task::JoinHandle<()>,
}

impl RunningPlatform {
    /// The bound address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.handle.addr()
    }

    /// Connections open now (at most the configured `[connections] max`).
    pub fn open_connections(&self) -> usize {
        self.handle.open_connections()
    }

    /// The state (tests read the audit log and reload CRLs through it).
    pub fn platform(&self) -> &Arc<Platform> {
        &self.platform
    }

    /// Stops the server and flushes the audit log.
    pub async fn shutdown(self) {
        self.reload.abort();
        self.poll.abort();
        self.handle.shutdown().await;
        self.platform.audit.flush();
    }
}

impl backend_kit::command::RunningServer for RunningPlatform {
    fn addr(&self) -> std::net::SocketAddr {
        RunningPlatform::addr(self)
    }
    fn shutdown(self) -> impl std::future::Future<Output = ()> {
        RunningPlatform::shutdown(self)
    }
}

/// Starts the platform on `listener`.
pub async fn start(
    settings: Settings,
    clock: Arc<dyn Clock>,
    listener: TcpListener,
) -> Result<RunningPlatform, StartError> {
    let tls = backend_kit::tls::server_config(
        &settings.tls_certificate_pem,
        &settings.tls_private_key_pem,
        Some(&settings.terminal_ca_pem),
    )?;
    let reload_secs = settings.crl_reload_secs;
    let poll_interval = settings.poll_interval;
    let limits = settings.connections;
    let (platform, summary) = tokio::task::spawn_blocking(move || Platform::new(settings, clock))
        .await
        .map_err(|e| StartError::Settings(format!("startup task failed: {e}")))??;
    tracing::info!(
        files = summary.files,
        entries = summary.entries,
        generation = summary.generation,
        "CRLs loaded"
    );
    let platform = Arc::new(platform);
    let handle = serve_tls_with(listener, tls, router(platform.clone()), limits)?;
    let reload = tokio::spawn(reload_loop(platform.clone(), reload_secs));
    let poll = tokio::spawn(crate::generations::follow(platform.clone(), poll_interval));
    Ok(RunningPlatform {
        handle,
        platform,
        reload,
        poll,
    })
}

/// The in-process mode: starts on an ephemeral loopback port (127.0.0.1:0); the desktop
/// demo and the tests read the port from [`RunningPlatform::addr`].
pub async fn start_in_process(
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> Result<RunningPlatform, StartError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    start(settings, clock, listener).await
}

/// Reloads the CRLs every `secs` (0: never) and on SIGHUP ([`crate::crl_source::CrlSource::reload`]:
/// a `folder` node publishes its folder when it changed).
async fn reload_loop(platform: Arc<Platform>, secs: u64) {
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let period = Duration::from_secs(if secs == 0 { u64::MAX / 4 } else { secs });
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        #[cfg(unix)]
        {
            let hup_fut = async {
                match hup.as_mut() {
                    Some(h) => h.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = tick.tick() => {}
                _ = hup_fut => {}
            }
        }
        #[cfg(not(unix))]
        tick.tick().await;
        let p = platform.clone();
        let r = tokio::task::spawn_blocking(move || p.reload_crls()).await;
        match r {
            Ok(Ok(s)) => tracing::info!(
                files = s.files,
                entries = s.entries,
                generation = s.generation,
                "CRLs reloaded"
            ),
            Ok(Err(e)) => tracing::error!("CRL reload failed, previous CRLs stay in use: {e}"),
            Err(e) => tracing::error!("CRL reload task failed: {e}"),
        }
    }
}
