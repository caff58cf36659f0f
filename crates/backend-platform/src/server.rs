//! Starting the platform: `serve --config FILE` and the in-process mode.

use std::sync::Arc;
use std::time::Duration;

use backend_kit::task::TaskGuard;
use backend_kit::{Clock, ServerHandle, serve_tls_with};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::StartError;
use crate::config::Settings;
use crate::http::router;
use crate::platform::Platform;

/// A running platform server. Its background tasks (the SIGHUP listener, the CRL reloads,
/// the poll of the published generations) stop when it is shut down or dropped.
#[derive(Debug)]
pub struct RunningPlatform {
    handle: ServerHandle,
    platform: Arc<Platform>,
    hangup: TaskGuard,
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

    /// Stops the server and flushes the audit log.
    pub async fn shutdown(self) {
        let Self {
            handle,
            platform,
            hangup,
            reload,
            poll,
        } = self;
        drop((hangup, reload, poll));
        handle.shutdown().await;
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
/// SIGHUP sent once the caller announced that it listens never ends the process); a signal
/// that cannot be registered is [`StartError::ReloadSignal`].
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
    let wake = Arc::new(Notify::new());
    let hangup = backend_kit::reload::on_hangup({
        let wake = wake.clone();
        move || wake.notify_one()
    })
    .map_err(StartError::ReloadSignal)?;
    let handle = serve_tls_with(listener, tls, router(platform.clone()), limits)?;
    let reload = TaskGuard::spawn(reload_loop(reload_secs, wake, {
        let platform = platform.clone();
        move || reload_crls_logged(&platform)
    }));
    let poll = TaskGuard::spawn(crate::generations::follow(platform.clone(), poll_interval));
    Ok(RunningPlatform {
        handle,
        platform,
        hangup,
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

/// Calls `reload` (on the blocking pool) every `secs` (0: never) and whenever `hangup` is
/// notified (SIGHUP, through [`backend_kit::reload::on_hangup`]), one call at a time; a
/// SIGHUP during a call runs one more after it.
async fn reload_loop<F>(secs: u64, hangup: Arc<Notify>, reload: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let reload = Arc::new(reload);
    let period = Duration::from_secs(if secs == 0 { u64::MAX / 4 } else { secs });
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = hangup.notified() => {}
        }
        let r = reload.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || r()).await {
            tracing::error!("CRL reload task failed: {e}");
        }
    }
}

/// Reloads `platform`'s CRLs ([`crate::crl_source::CrlSource::reload`]: a `folder` node
/// publishes its folder when it changed) and logs the outcome; blocking.
fn reload_crls_logged(platform: &Platform) {
    match platform.reload_crls() {
        Ok(s) => tracing::info!(
            files = s.files,
            entries = s.entries,
            generation = s.generation,
            "CRLs reloaded"
        ),
        Err(e) => tracing::error!("CRL reload failed, previous CRLs stay in use: {e}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Mutex;
    use std::sync::mpsc::{Receiver, channel};

    use super::*;

    /// A reload that reports each call on the returned channel.
    fn counted() -> (impl Fn() + Send + Sync + 'static, Receiver<()>) {
        let (tx, rx) = channel();
        let tx = Mutex::new(tx);
        let reload = move || {
            let _ = tx.lock().unwrap().send(());
        };
        (reload, rx)
    }

    async fn next_call(rx: Receiver<()>) -> (Receiver<()>, bool) {
        tokio::task::spawn_blocking(move || {
            let got = rx.recv_timeout(Duration::from_secs(10)).is_ok();
            (rx, got)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_hangup_reloads_and_the_interval_is_a_tick_of_its_own() {
        // No interval: only the hangup reloads, once per notification.
        let (reload, rx) = counted();
        let hangup = Arc::new(Notify::new());
        let task = TaskGuard::spawn(reload_loop(0, hangup.clone(), reload));
        hangup.notify_one();
        let (rx, got) = next_call(rx).await;
        assert!(got, "no reload after the hangup");
        drop(task);
        assert!(
            rx.try_recv().is_err(),
            "a reload without a hangup or a tick"
        );

        // A one-second interval reloads with no hangup at all.
        let (reload, rx) = counted();
        let task = TaskGuard::spawn(reload_loop(1, Arc::new(Notify::new()), reload));
        let (_, got) = next_call(rx).await;
        assert!(got, "no reload on the interval");
        drop(task);
    }
}
