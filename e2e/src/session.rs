//! A WebDriver session with the app: the windows, their text, their screenshots.

use std::{
    fs,
    future::Future,
    path::{Path, PathBuf},
    time::Duration,
};

use fantoccini::{Client, ClientBuilder, Locator, wd::Capabilities};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::time::{Instant, sleep, timeout};

use crate::{E2eError, display::Display, driver::TauriDriver, workspace_root};

/// How long one WebDriver step may take (a session start includes the app's start).
const STEP: Duration = Duration::from_secs(30);

/// How long the app gets to open both windows and load their pages.
const WINDOWS_READY: Duration = Duration::from_secs(20);

/// How often the window list is asked for meanwhile.
const WINDOWS_POLL: Duration = Duration::from_millis(100);

/// The app's windows, as their pages mark them (`<body class="…">`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The staff window.
    Staff,
    /// The customer window.
    Customer,
}

impl Screen {
    fn body_class(self) -> &'static str {
        match self {
            Screen::Staff => "staff",
            Screen::Customer => "customer",
        }
    }
}

/// The built app, running under tauri-driver, with a WebDriver session on it.
///
/// Start it with [`AppSession::start`], end it with [`AppSession::quit`]. Dropping it
/// without `quit` still stops tauri-driver (SIGTERM) and our Xvfb, if any.
#[derive(Debug)]
pub struct AppSession {
    client: Client,
    // Dropped after the client, in this order: the driver, then the display.
    _driver: TauriDriver,
    _display: Display,
}

impl AppSession {
    /// Starts the display (if `DISPLAY` is unset), tauri-driver, and a session with
    /// the app binary (`MADOGUCHI_APP`, or `madoguchi-app` beside the test's target
    /// directory), then waits until both windows have loaded their pages and reached
    /// the app over IPC.
    ///
    /// # Errors
    ///
    /// When a program is missing, the app is not built, or a step times out; the
    /// error says which and what to do.
    pub async fn start() -> Result<AppSession, E2eError> {
        let app = app_binary()?;
        let driver_program = TauriDriver::locate()?;
        let logs = workspace_root().join(".run/logs");
        fs::create_dir_all(&logs).map_err(E2eError::io(format!("create {}", logs.display())))?;
        let xvfb_log = logs.join("e2e-xvfb.log");
        let driver_log = logs.join("e2e-tauri-driver.log");

        let display = Display::open(
            fs::File::create(&xvfb_log)
                .map_err(E2eError::io(format!("create {}", xvfb_log.display())))?,
        )?;
        let driver = TauriDriver::start(&driver_program, display.name(), &driver_log)?;

        let mut capabilities = Capabilities::new();
        capabilities.insert(
            "tauri:options".into(),
            json!({ "application": app.to_string_lossy() }),
        );
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let client = match timeout(STEP, builder.connect(&driver.url())).await {
            Ok(Ok(client)) => client,
            Ok(Err(source)) => {
                return Err(E2eError::Session {
                    log: driver_log.display().to_string(),
                    source: Box::new(source),
                });
            }
            Err(_) => {
                return Err(E2eError::Timeout {
                    what: "the WebDriver session's start".into(),
                    limit: STEP,
                    hint: format!("; see {}", driver_log.display()),
                });
            }
        };
        let session = AppSession {
            client,
            _driver: driver,
            _display: display,
        };
        session.wait_for_windows().await?;
        Ok(session)
    }

    /// The WebDriver client, for what the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Makes `screen`'s window the one the next commands act on.
    ///
    /// # Errors
    ///
    /// When no window shows that screen.
    pub async fn switch_to(&self, screen: Screen) -> Result<(), E2eError> {
        for handle in step("list the windows", self.client.windows()).await? {
            step("switch window", self.client.switch_to_window(handle)).await?;
            if self.body_class().await? == screen.body_class() {
                return Ok(());
            }
        }
        Err(E2eError::Unexpected(format!(
            "no window shows the {screen:?} screen"
        )))
    }

    /// The visible text of the first element matching `css` in the current window.
    ///
    /// # Errors
    ///
    /// When there is no such element.
    pub async fn text(&self, css: &str) -> Result<String, E2eError> {
        let element = step(format!("find {css}"), self.client.find(Locator::Css(css))).await?;
        step(format!("read {css}"), element.text()).await
    }

    /// The value of `attribute` on the first element matching `css`.
    ///
    /// # Errors
    ///
    /// When there is no such element.
    pub async fn attribute(&self, css: &str, attribute: &str) -> Result<Option<String>, E2eError> {
        let element = step(format!("find {css}"), self.client.find(Locator::Css(css))).await?;
        step(format!("read {css} @{attribute}"), element.attr(attribute)).await
    }

    /// Clicks the first element matching `css`.
    ///
    /// # Errors
    ///
    /// When there is no such element.
    pub async fn click(&self, css: &str) -> Result<(), E2eError> {
        let element = step(format!("find {css}"), self.client.find(Locator::Css(css))).await?;
        step(format!("click {css}"), element.click()).await
    }

    /// Calls the app command `cmd` from the current window's page, as the page's own
    /// code would (through Tauri's IPC, subject to the window's capabilities):
    /// `Ok` with the answer, or `Err` with the refusal.
    ///
    /// # Errors
    ///
    /// When the script itself cannot run.
    pub async fn invoke(&self, cmd: &str) -> Result<Result<Value, String>, E2eError> {
        let script = "const [cmd, done] = arguments; \
             window.__TAURI_INTERNALS__.invoke(cmd).then( \
               (ok) => done({ ok }), (err) => done({ err: String(err) }))";
        let answer = step(
            format!("invoke {cmd}"),
            self.client.execute_async(script, vec![json!(cmd)]),
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

    /// Ends the session (WebKitWebDriver closes the app), then stops tauri-driver and
    /// our Xvfb.
    ///
    /// # Errors
    ///
    /// When the session cannot be ended cleanly.
    pub async fn quit(self) -> Result<(), E2eError> {
        let AppSession {
            client,
            _driver,
            _display,
        } = self;
        step("end the session", client.close()).await
    }

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

    /// Waits until two windows exist and each page has reached the app over IPC
    /// (`<html data-app-ready="true">`, set after its first `app_info`).
    async fn wait_for_windows(&self) -> Result<(), E2eError> {
        let deadline = Instant::now() + WINDOWS_READY;
        let mut last = String::new();
        while Instant::now() < deadline {
            match self.windows_ready().await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(error) => last = format!(" (last error: {error})"),
            }
            sleep(WINDOWS_POLL).await;
        }
        Err(E2eError::Timeout {
            what: "the app's two windows".into(),
            limit: WINDOWS_READY,
            hint: last,
        })
    }

    async fn windows_ready(&self) -> Result<bool, E2eError> {
        let handles = step("list the windows", self.client.windows()).await?;
        if handles.len() < 2 {
            return Ok(false);
        }
        for handle in handles {
            step("switch window", self.client.switch_to_window(handle)).await?;
            let ready = step(
                "read the page's state",
                self.client.execute(
                    "return document.documentElement.dataset.appReady === 'true';",
                    vec![],
                ),
            )
            .await?;
            if ready != Value::Bool(true) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Runs one WebDriver command with the [`STEP`] time limit.
async fn step<T>(
    what: impl Into<String>,
    command: impl Future<Output = Result<T, fantoccini::error::CmdError>>,
) -> Result<T, E2eError> {
    let what = what.into();
    match timeout(STEP, command).await {
        Ok(result) => result.map_err(E2eError::command(what)),
        Err(_) => Err(E2eError::Timeout {
            what,
            limit: STEP,
            hint: String::new(),
        }),
    }
}

/// The app binary: `MADOGUCHI_APP`, or `madoguchi-app` in the profile directory this
/// test was built into (`target/debug/deps/<test>` → `target/debug`).
fn app_binary() -> Result<PathBuf, E2eError> {
    let path = match std::env::var_os("MADOGUCHI_APP") {
        Some(path) => PathBuf::from(path),
        None => {
            let exe = std::env::current_exe().map_err(E2eError::io("find the test binary"))?;
            let profile = exe.parent().and_then(Path::parent).ok_or_else(|| {
                E2eError::Unexpected(format!("{} has no profile directory", exe.display()))
            })?;
            profile.join("madoguchi-app")
        }
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(E2eError::NoApp(path))
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), E2eError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(E2eError::io(format!("create {}", dir.display())))?;
    }
    fs::write(path, bytes).map_err(E2eError::io(format!("write {}", path.display())))
}
