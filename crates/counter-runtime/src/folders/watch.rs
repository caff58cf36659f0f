//! The loop that keeps `req/` answered: a scan at start (requests left from before a stop
//! or a crash are answered first), then a scan whenever the watcher reports a change, and
//! at least every poll period. The watcher only wakes the loop; the scan decides, so a
//! missed or coalesced event costs at most one period.
//!
//! `notify` mode uses the platform's file-system events (`notify`'s recommended watcher);
//! `poll` mode uses `notify`'s polling watcher, for network shares where events written by
//! another machine never arrive.

use std::future::Future;
use std::time::Duration;

use notify::Watcher;
use tokio::sync::mpsc;

use super::{FolderWorker, Processed, WatcherMode};
use crate::error::RuntimeError;

/// A running watcher: dropped, it stops.
enum Running {
    Events(notify::RecommendedWatcher),
    Poll(notify::PollWatcher),
}

fn start(
    mode: WatcherMode,
    poll: Duration,
    dir: &std::path::Path,
    wake: mpsc::UnboundedSender<()>,
) -> Result<Running, RuntimeError> {
    let handler = move |_: notify::Result<notify::Event>| {
        // Whatever happened (an error too), the scan finds out.
        let _ = wake.send(());
    };
    let fail = |e: notify::Error| RuntimeError::Config {
        key: "folders.watcher".into(),
        reason: format!("cannot watch {}: {e}", dir.display()),
    };
    let mut running = match mode {
        WatcherMode::Notify => Running::Events(notify::recommended_watcher(handler).map_err(fail)?),
        WatcherMode::Poll => Running::Poll(
            notify::PollWatcher::new(handler, notify::Config::default().with_poll_interval(poll))
                .map_err(fail)?,
        ),
    };
    let how = notify::RecursiveMode::NonRecursive;
    match &mut running {
        Running::Events(w) => w.watch(dir, how).map_err(fail)?,
        Running::Poll(w) => w.watch(dir, how).map_err(fail)?,
    }
    Ok(running)
}

/// One pass: every request that is ready, oldest first. Returns when the next one waiting
/// to settle will be ready, if any.
pub async fn pass(
    worker: &FolderWorker,
    settle: Duration,
    on_processed: &mut impl FnMut(&Processed),
) -> Result<Option<Duration>, RuntimeError> {
    let (names, wait) = worker.pending(settle)?;
    for name in names {
        match worker.process(&name).await {
            Ok(p) => on_processed(&p),
            // One file's failure (e.g. a permission) does not stop the others; it is
            // tried again on the next pass.
            Err(e) => tracing::error!(request = %name, "folder request not processed: {e}"),
        }
    }
    Ok(wait)
}

/// Answers `req/` until `stop` completes, holding the root's lock ([`super::Layout::lock`]).
///
/// # Errors
///
/// When another worker answers the root, or the folder cannot be watched.
pub async fn run(
    worker: FolderWorker,
    mode: WatcherMode,
    poll: Duration,
    settle: Duration,
    stop: impl Future<Output = ()>,
    mut on_processed: impl FnMut(&Processed),
) -> Result<(), RuntimeError> {
    let _lock = worker.layout().lock()?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _watcher = start(mode, poll, &worker.layout().req, tx)?;
    tokio::pin!(stop);
    loop {
        let wait = match pass(&worker, settle, &mut on_processed).await {
            Ok(w) => w,
            Err(e) => {
                tracing::error!("cannot scan the request folder: {e}");
                None
            }
        };
        let sleep = wait.map_or(poll, |w| w.min(poll));
        tokio::select! {
            woke = rx.recv() => {
                if woke.is_none() {
                    return Ok(());
                }
                while rx.try_recv().is_ok() {}
            }
            () = tokio::time::sleep(sleep) => {}
            () = &mut stop => return Ok(()),
        }
    }
}
