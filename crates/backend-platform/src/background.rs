//! The node's own background work on the blocking pool (the poll of the generations, the
//! CRL reloads of SIGHUP and of `crl_reload_secs`) and the stop that waits for it. The
//! server's tasks that start that work are aborted at a stop, but aborting a task does not
//! end what it started on the blocking pool: a poll or reload already running would go on,
//! and a row it leaves waiting after the stop's last flush of the audit backlog would be
//! written by no one. So each piece of that work holds a [`WorkHold`] while it runs, and
//! the stop ([`BackgroundWork::stop`]) refuses new holds, then waits for the last one to
//! end before the last flush.

use tokio::sync::watch;

/// Background work running now, and whether the node stops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkState {
    /// Holds taken and not yet dropped.
    pub running: usize,
    /// The node stops: no new hold is given.
    pub stopping: bool,
}

/// The gate of the node's background work ([`crate::background`]).
#[derive(Debug)]
pub struct BackgroundWork {
    state: watch::Sender<WorkState>,
}

impl Default for BackgroundWork {
    fn default() -> Self {
        Self {
            state: watch::Sender::new(WorkState::default()),
        }
    }
}

/// Held while one piece of background work runs; dropping it ends that piece.
#[derive(Debug)]
#[must_use = "the work counts as running only while the hold is kept"]
pub struct WorkHold<'a> {
    state: &'a watch::Sender<WorkState>,
}

impl Drop for WorkHold<'_> {
    fn drop(&mut self) {
        self.state
            .send_modify(|s| s.running = s.running.saturating_sub(1));
    }
}

impl BackgroundWork {
    /// A hold for one piece of work, or `None` once the node stops (the work is not to be
    /// done: the stop's last flush may already have run).
    pub fn enter(&self) -> Option<WorkHold<'_>> {
        let mut entered = false;
        self.state.send_if_modified(|s| {
            if s.stopping {
                return false;
            }
            s.running = s.running.saturating_add(1);
            entered = true;
            true
        });
        // Built only when entered: a hold dropped counts a piece of work as ended.
        entered.then(|| WorkHold { state: &self.state })
    }

    /// Refuses new holds, then waits until every hold taken before has been dropped.
    pub async fn stop(&self) {
        self.state.send_modify(|s| s.stopping = true);
        let mut state = self.state.subscribe();
        // The sender is `self`: it outlives this wait, which thus ends only at zero.
        let _ = state.wait_for(|s| s.running == 0).await;
    }

    /// Follows the state: a test waits on it for a stop to begin while its work runs.
    pub fn watch(&self) -> watch::Receiver<WorkState> {
        self.state.subscribe()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_stop_waits_for_the_work_running_and_refuses_new_work() {
        let work = std::sync::Arc::new(BackgroundWork::default());
        let (held_tx, held_rx) = tokio::sync::oneshot::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let w = work.clone();
        let worker = std::thread::spawn(move || {
            let hold = w.enter().unwrap();
            held_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            drop(hold);
        });
        held_rx.await.unwrap();
        let w = work.clone();
        let stop = tokio::spawn(async move { w.stop().await });
        let mut state = work.watch();
        state.wait_for(|s| s.stopping).await.unwrap();
        assert!(
            work.enter().is_none(),
            "a hold was given after the stop began"
        );
        // A zero timeout polls the stop once more: it still waits for the worker.
        let mut stop = stop;
        assert!(
            tokio::time::timeout(Duration::ZERO, &mut stop)
                .await
                .is_err(),
            "the stop ended while work ran"
        );
        release_tx.send(()).unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(10), stop).await;
        assert!(
            matches!(ended, Ok(Ok(()))),
            "the stop did not end once the work ended"
        );
        worker.join().unwrap();
        assert_eq!(
            *work.watch().borrow(),
            WorkState {
                running: 0,
                stopping: true
            }
        );
    }
}
