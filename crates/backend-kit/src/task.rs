//! Request work run on another task (the blocking pool for SQLite and RSA, or a task of its
//! own that must not be cancelled with its request), and what the client hears when that
//! task fails.
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
}
