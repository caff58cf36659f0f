//! Screenshots of a window: the last run's under `.run/screens`, the committed ones under
//! `docs/screens`.

use std::{
    fs,
    path::{Path, PathBuf},
};

use crate::{AppSession, E2eError, session::step, workspace_root};

impl AppSession {
    /// Saves a PNG of the current window's page as `.run/screens/<name>.png` (the last
    /// run's, git-ignored) and, when it is missing there or `MADOGUCHI_SCREENS=update`
    /// is set, as `docs/screens/<name>.png` (the committed ones). WebKit's text
    /// antialiasing differs by a few pixels from run to run, so the committed files
    /// are only rewritten on request. Returns the path under `.run/screens`.
    ///
    /// # Errors
    ///
    /// When the screenshot or a file fails.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, E2eError> {
        let png = step(format!("screenshot {name}"), self.client.screenshot()).await?;
        if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(E2eError::Unexpected(format!(
                "screenshot {name} is not a PNG"
            )));
        }
        let file = format!("{name}.png");
        let last = workspace_root().join(".run/screens").join(&file);
        write(&last, &png)?;
        let committed = workspace_root().join("docs/screens").join(&file);
        let update = std::env::var("MADOGUCHI_SCREENS").is_ok_and(|value| value == "update");
        if update || !committed.exists() {
            write(&committed, &png)?;
        }
        Ok(last)
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), E2eError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(E2eError::io(format!("create {}", dir.display())))?;
    }
    fs::write(path, bytes).map_err(E2eError::io(format!("write {}", path.display())))
}
