//! Finding the app's windows (staff and customer; or the shipped app's setup window)
//! once their pages have shown their first frame.

use fantoccini::wd::WindowHandle;
use serde_json::Value;
use tokio::time::{Instant, sleep};

use crate::{
    AppSession, E2eError,
    session::{Screen, WINDOWS_POLL, WINDOWS_READY, step},
};

impl AppSession {
    async fn body_class(&self) -> Result<String, E2eError> {
        let class = step(
            "read the page's body class",
            self.client.execute(
                "return document.body ? document.body.className : '';",
                vec![],
            ),
        )
        .await?;
        Ok(class.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the app's windows exist and each page has shown its first frame, and
    /// returns which window is which.
    pub(crate) async fn wait_for_windows(&self) -> Result<Vec<(Screen, WindowHandle)>, E2eError> {
        let deadline = Instant::now() + WINDOWS_READY;
        let mut last = String::new();
        while Instant::now() < deadline {
            match self.windows_ready().await {
                Ok(Some(windows)) => return Ok(windows),
                Ok(None) => {}
                Err(error) => last = format!(" (last error: {error})"),
            }
            sleep(WINDOWS_POLL).await;
        }
        Err(E2eError::Timeout {
            what: format!("the app's windows ({:?})", self.screens),
            limit: WINDOWS_READY,
            hint: format!("{last}; see {}", self.log().display()),
        })
    }

    async fn windows_ready(&self) -> Result<Option<Vec<(Screen, WindowHandle)>>, E2eError> {
        let handles = step("list the windows", self.client.windows()).await?;
        if handles.len() < self.screens.len() {
            return Ok(None);
        }
        let mut windows = Vec::new();
        for handle in handles {
            step(
                "switch window",
                self.client.switch_to_window(handle.clone()),
            )
            .await?;
            let ready = step(
                "read the page's state",
                self.client.execute(
                    "return document.documentElement.dataset.appReady === 'true';",
                    vec![],
                ),
            )
            .await?;
            if ready != Value::Bool(true) {
                return Ok(None);
            }
            let class = self.body_class().await?;
            match self
                .screens
                .iter()
                .find(|screen| screen.body_class() == class)
            {
                Some(screen) => windows.push((*screen, handle)),
                None => {
                    return Err(E2eError::Unexpected(format!(
                        "a window's page has body class {class:?}, not one of {:?}",
                        self.screens
                    )));
                }
            }
        }
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) =
            windows.last().map(|(screen, _)| *screen);
        Ok(Some(windows))
    }
}
