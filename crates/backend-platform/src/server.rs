//! Starting the platform: `serve --config FILE` and the in-process mode.

use std::sync::Arc;
use std::time::Duration;

use backend_kit::task::TaskGuard;
use backend_kit::{Clock, ServerHandle, serve_tls_with};
use tokio::net::TcpListener;

use crate::StartError;
use crate::config::Settings;
use crate::http::router;
use crate::platform::Platform;

/// A running platform server. Its background tasks (the CRL reloads on SIGHUP and on their
/// period, the poll of the published generations) stop when it is shut down or dropped.
#[derive(Debug)]
pub struct RunningPlatform {
    handle: ServerHandle,
    platform: Arc<Platform>,
    /// Reloads the CRLs at each SIGHUP and every `crl_reload_secs`.
    reload: TaskGuard,
    poll: TaskGuard,
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

    /// Stops the server and flushes the audit log: the audit rows of CRL work that wait
    /// are tried once more, and those that cannot be written are logged
    /// ([`Platform::flush_crl_audit_at_stop`]).
    pub async fn shutdown(self) {
        let Self {
            handle,
            platform,
            reload,
            poll,
        } = self;
        drop((reload, poll));
        handle.shutdown().await;
        let p = platform.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || p.flush_crl_audit_at_stop()).await {
            tracing::error!("the last write of the CRL audit rows that wait failed: {e}");
        }
        platform.audit.flush();
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

/// Starts the platform on `listener`. SIGHUP reloads the CRLs from when this returns (a
/// SIGHUP sent once the caller announced that it listens never ends the process), and so
/// does each `crl_reload_secs`, one reload at a time ([`backend_kit::reload::on_hangup`]);
/// a signal that cannot be registered is [`StartError::ReloadSignal`].
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
        earliest_next_update = %summary
            .earliest_next_update
            .map_or("none".into(), |t| t.to_string()),
        "CRLs loaded"
    );
    let platform = Arc::new(platform);
    // A zero period (`crl_reload_secs = 0`) is none: SIGHUP only.
    let every = backend_kit::reload::ReloadPeriod::new(Duration::from_secs(reload_secs));
    let reload = backend_kit::reload::on_hangup(every, {
        let platform = platform.clone();
        move || reload_crls_logged(&platform)
    })
    .map_err(StartError::ReloadSignal)?;
    let handle = serve_tls_with(listener, tls, router(platform.clone()), limits)?;
    let poll = TaskGuard::spawn(crate::generations::follow(platform.clone(), poll_interval));
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

/// Reloads `platform`'s CRLs ([`Platform::reload_crls_scheduled`]: logged, and audited
/// when it fails); blocking.
fn reload_crls_logged(platform: &Platform) {
    // The outcome is logged and audited there (a row that cannot be written waits and is
    // written at the next poll or reload: `Platform::audit_crl_work`); nothing waits for
    // it here.
    let _ = platform.reload_crls_scheduled();
}
