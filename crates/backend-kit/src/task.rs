//! Request work run on another task (the blocking pool for SQLite and RSA, or a task of its
//! own that must not be cancelled with its request), and what the client hears when that
//! task fails; and the guard that ties a server's background task to the server
//! ([`TaskGuard`]).
//!
//! A task that panics or is cancelled answers `500 internal` saying only that the request
//! failed inside the server: the panic's message (which may name files, values of the
//! request, or the code's internals) goes to the server's log, never into a response.

use counter_api::ProblemCode;
use tokio::task::JoinError;

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
/// holding its state.
#[derive(Debug)]
#[must_use = "dropping the guard aborts its task at once"]
pub struct TaskGuard(tokio::task::JoinHandle<()>);

impl TaskGuard {
    /// Spawns `task` on the current Tokio runtime, owned by the guard.
    pub fn spawn(task: impl std::future::Future<Output = ()> + Send + 'static) -> Self {
        Self(tokio::spawn(task))
    }

    /// Whether the task has ended (finished, panicked or aborted).
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
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
        // The task holds the sender: once it is aborted and its future dropped, the
        // receiver sees the channel closed.
        let (held, freed) = tokio::sync::oneshot::channel::<()>();
        let guard = TaskGuard::spawn(async move {
            let _held = held;
            std::future::pending::<()>().await;
        });
        assert!(!guard.is_finished());
        drop(guard);
        let got = tokio::time::timeout(std::time::Duration::from_secs(10), freed).await;
        assert!(
            matches!(got, Ok(Err(_))),
            "the task still holds its state: {got:?}"
        );
    }
}
