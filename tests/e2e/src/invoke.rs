//! Calling the app's commands from a window's page, as its own code does.

use serde_json::{Value, json};

use crate::{AppSession, E2eError, session::step};

impl AppSession {
    /// Calls the app command `cmd` with `args` from the current window's page, as the
    /// page's own code would (through Tauri's IPC, subject to the window's
    /// capabilities): `Ok` with the answer, or `Err` with the refusal.
    ///
    /// # Errors
    ///
    /// When the script itself cannot run.
    pub async fn invoke_with(
        &self,
        cmd: &str,
        args: Value,
    ) -> Result<Result<Value, String>, E2eError> {
        let script = "const [cmd, args, done] = arguments; \
             window.__TAURI_INTERNALS__.invoke(cmd, args).then( \
               (ok) => done({ ok: ok ?? null }), \
               (err) => done({ err: typeof err === 'string' ? err : JSON.stringify(err) }))";
        let answer = step(
            format!("invoke {cmd}"),
            self.client.execute_async(script, vec![json!(cmd), args]),
        )
        .await?;
        match (answer.get("ok"), answer.get("err")) {
            (Some(ok), _) => Ok(Ok(ok.clone())),
            (None, Some(err)) => Ok(Err(err.as_str().unwrap_or_default().to_owned())),
            (None, None) => Err(E2eError::Unexpected(format!(
                "invoke {cmd} answered {answer}"
            ))),
        }
    }

    /// [`AppSession::invoke_with`] no arguments.
    ///
    /// # Errors
    ///
    /// As [`AppSession::invoke_with`].
    pub async fn invoke(&self, cmd: &str) -> Result<Result<Value, String>, E2eError> {
        self.invoke_with(cmd, json!({})).await
    }
}
