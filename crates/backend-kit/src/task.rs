//! Request work run on another task (the blocking pool for SQLite and RSA, or a task of its
//! own that must not be cancelled with its request), and what the client hears when that
//! task fails; and the guard that ties a server's background task to the server
//! ([`TaskGuard`]).
//!
//! A task that panics or is cancelled answers `500 internal` saying only that the request
//! failed inside the server: the panic's message (which may name files, values of the
//! request, or the code's internals) goes to the server's log, never into a response.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use counter_api::ProblemCode;
use tokio::sync::watch;
use tokio::task::{JoinError, JoinHandle};

use crate::http::ApiError;

/// The problem a failed task answers; logs what failed (`what`: the route or flow) and the
/// panic's message. `next_step` tells the client what to do ("retry", "enrol again").
pub fn task_failed(what: &str, e: &JoinError, next_step: &str) -> ApiError {
    if e.is_panic() {
        // JoinError's Display carries the panic payload when it is a string.
        tracing::error!(task = what, "request task panicked: {e}");
    } else {
        tracing::error!(task = what, "request task was cancelled: {e}");
    }
    ApiError::new(
        ProblemCode::Internal,
        format!(
            "the request failed inside the server (the server's log has the cause); {next_step}"
        ),
    )
}

/// Runs `f` on the blocking pool; a panic in it answers [`task_failed`]'s problem.
pub async fn run_blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(task_failed(what, &e, "retry the request")),
    }
}

/// A background task a server owns (a reload listener, a timer, a poll loop): dropping the
/// guard aborts the task, so a server dropped without `shutdown` leaves no task behind
/// holding its state; [`TaskGuard::ended`] says when the task is gone.
#[derive(Debug)]
#[must_use = "dropping the guard aborts its task at once"]
pub struct TaskGuard {
    task: JoinHandle<()>,
    /// Closed when the task's future is dropped ([`Ending`]).
    ended: watch::Receiver<()>,
}

impl TaskGuard {
    /// Spawns `task` on the current Tokio runtime, owned by the guard.
    pub fn spawn(task: impl Future<Output = ()> + Send + 'static) -> Self {
        let (ended_tx, ended) = watch::channel(());
        let task = tokio::spawn(Ending {
            task: Box::pin(task),
            _ended: ended_tx,
        });
        Self { task, ended }
    }

    /// Resolves once the task's future has been dropped (it finished, panicked or was
    /// aborted), and with it everything the task held; it may be awaited after the guard
    /// is dropped. Dropping the guard only asks the runtime to abort the task, and nothing
    /// else tells when it is gone (a count of what the task held has no event to wait on):
    /// this is how a test shows that a server dropped without `shutdown` leaves no task
    /// holding its state (backend-insurer's `RunningInsurer::reload_ended`).
    pub fn ended(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut ended = self.ended.clone();
        async move {
            // No value is ever sent: `changed` fails only once the sender is dropped.
            while ended.changed().await.is_ok() {}
        }
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A guarded task's future with the sender [`TaskGuard::ended`] watches: fields drop in
/// declaration order, so the future and what it holds are gone before the sender closes.
struct Ending {
    task: Pin<Box<dyn Future<Output = ()> + Send>>,
    _ended: watch::Sender<()>,
}

impl Future for Ending {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.task.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use std::time::Duration;

    use tokio::sync::oneshot::error::TryRecvError;

    use super::*;

    #[tokio::test]
    async fn a_panic_answers_internal_without_its_text() {
        let e = run_blocking::<()>("test", || panic!("secret detail /etc/x.crl"))
            .await
            .unwrap_err();
        let p = e.problem();
        assert_eq!((p.code, p.status), (ProblemCode::Internal, 500));
        let json = serde_json::to_string(p).unwrap();
        assert!(
            !json.contains("secret") && !json.contains("panicked"),
            "{json}"
        );
        assert_eq!(run_blocking("test", || Ok(7)).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn dropping_the_guard_ends_the_task_and_frees_what_it_held() {
        // The task holds the sender: once its future is dropped, the receiver sees the
        // channel closed, and by then the guard's `ended` has resolved or soon will.
        let (held, freed) = tokio::sync::oneshot::channel::<()>();
        let guard = TaskGuard::spawn(async move {
            let _held = held;
            std::future::pending::<()>().await;
        });
        let ended = guard.ended();
        // A zero timeout polls `ended` once: not ready while the task runs.
        let early = tokio::time::timeout(Duration::ZERO, guard.ended()).await;
        assert!(early.is_err(), "ended while the guard is held");
        drop(guard);
        let got = tokio::time::timeout(Duration::from_secs(10), ended).await;
        assert!(
            got.is_ok(),
            "the task did not end when its guard was dropped"
        );
        // `ended` comes after the future is dropped: what it held is already freed.
        let mut freed = freed;
        assert!(
            matches!(freed.try_recv(), Err(TryRecvError::Closed)),
            "the task ended but still holds its state"
        );
    }

    #[tokio::test]
    async fn a_task_that_finishes_or_panics_has_ended() {
        let done = TaskGuard::spawn(async {});
        let panicked = TaskGuard::spawn(async { panic!("a task's panic") });
        for guard in [done, panicked] {
            let got = tokio::time::timeout(Duration::from_secs(10), guard.ended()).await;
            assert!(
                got.is_ok(),
                "a task that returned or panicked is not seen as ended"
            );
        }
    }
}
