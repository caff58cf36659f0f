//! A WebDriver session with the app: its start with the demo's options, its two windows,
//! its end. What is done in a window is in `page.rs`, `axe.rs` and `screenshot.rs`.

use std::{
    fs,
    future::Future,
    path::{Path, PathBuf},
    sync::Mutex,
    time::Duration,
};

use fantoccini::{Client, ClientBuilder, wd::Capabilities, wd::WindowHandle};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::time::{Instant, sleep, timeout};

use crate::{
    AppOptions, Build, E2eError,
    display::Display,
    driver::TauriDriver,
    process::{comm, running, terminate},
    workspace_root,
};

/// How long one WebDriver step may take (a session start includes the app's start).
pub(crate) const STEP: Duration = Duration::from_secs(30);

/// How long the app gets to open both windows and show their first frame: the demo
/// starts its backends and, in a fresh folder, enrols its personas first.
pub(crate) const WINDOWS_READY: Duration = Duration::from_secs(60);

/// How often the window list is asked for meanwhile.
pub(crate) const WINDOWS_POLL: Duration = Duration::from_millis(100);

/// How long the app and WebKitWebDriver get to exit once the session and tauri-driver
/// are gone, before the harness sends them SIGTERM itself.
const EXIT_GRACE: Duration = Duration::from_secs(10);

/// The app's windows, as their pages mark them (`<body class="…">`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The staff window.
    Staff,
    /// The customer window.
    Customer,
    /// The shipped app's setup window, when it has no configuration.
    Setup,
}

impl Screen {
    pub(crate) fn body_class(self) -> &'static str {
        match self {
            Screen::Staff => "staff",
            Screen::Customer => "customer",
            Screen::Setup => "setup",
        }
    }
}

/// The built app, running under tauri-driver, with a WebDriver session on it.
///
/// Start it with [`AppSession::start_with`], end it with [`AppSession::quit`]. Dropping
/// it without `quit` still stops tauri-driver (SIGTERM) and our Xvfb, if any.
#[derive(Debug)]
pub struct AppSession {
    pub(crate) client: Client,
    /// Each window's handle, found once both had loaded.
    windows: Vec<(Screen, WindowHandle)>,
    /// The window commands act on now.
    pub(crate) current: Mutex<Option<Screen>>,
    /// The windows the app opens (staff and customer, or setup).
    pub(crate) screens: &'static [Screen],
    /// The app binary's process name (as `/proc/<pid>/stat` shows it).
    app_name: String,
    /// tauri-driver's output, the app's included.
    log: PathBuf,
    // Dropped after the client, in this order: the driver, then the display.
    driver: TauriDriver,
    _display: Display,
}

impl AppSession {
    /// [`AppSession::start_with`] the default options.
    ///
    /// # Errors
    ///
    /// As [`AppSession::start_with`].
    pub async fn start() -> Result<AppSession, E2eError> {
        AppSession::start_with(AppOptions::default()).await
    }

    /// Starts the display (if `DISPLAY` is unset), tauri-driver with `options`'
    /// environment, and a session with the app binary ([`AppOptions::app`], else the
    /// build's variable, `MADOGUCHI_APP_DEMO` or `MADOGUCHI_APP`, else its binary beside
    /// the test's target directory), then waits until the build's windows (staff and
    /// customer; or setup) show their first frame (`<html data-app-ready="true">`).
    ///
    /// # Errors
    ///
    /// When a program is missing, the app is not built, or a step times out; the
    /// error says which and what to do.
    pub async fn start_with(options: AppOptions) -> Result<AppSession, E2eError> {
        let app = match options.app_path() {
            Some(path) if path.is_file() => path.to_path_buf(),
            Some(path) => return Err(E2eError::NoApp(path.to_path_buf())),
            None => app_binary(options.build())?,
        };
        let driver_program = TauriDriver::locate()?;
        let logs = workspace_root().join(".run/logs");
        fs::create_dir_all(&logs).map_err(E2eError::io(format!("create {}", logs.display())))?;
        let xvfb_log = logs.join("e2e-xvfb.log");
        let log = logs.join(format!("e2e-{}.log", options.log_label()));

        let display = Display::open(
            fs::File::create(&xvfb_log)
                .map_err(E2eError::io(format!("create {}", xvfb_log.display())))?,
        )?;
        let driver = TauriDriver::start(&driver_program, display.name(), &options.env(), &log)?;

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
                    log: log.display().to_string(),
                    source: Box::new(source),
                });
            }
            Err(_) => {
                return Err(E2eError::Timeout {
                    what: "the WebDriver session's start".into(),
                    limit: STEP,
                    hint: format!("; see {}", log.display()),
                });
            }
        };
        // /proc/<pid>/stat keeps the first 15 bytes of the name (TASK_COMM_LEN).
        let app_name: String = app
            .file_name()
            .map(|name| comm(&name.to_string_lossy()))
            .unwrap_or_default();
        let mut session = AppSession {
            client,
            windows: Vec::new(),
            current: Mutex::new(None),
            screens: options.build().screens(),
            app_name,
            log,
            driver,
            _display: display,
        };
        session.windows = session.wait_for_windows().await?;
        // Without it, AppSession::wait_for_app_exit would pass at once.
        if !session.app_running() {
            return Err(E2eError::Unexpected(format!(
                "the app's process ({}) is not among tauri-driver's children",
                session.app_name
            )));
        }
        Ok(session)
    }

    /// The WebDriver client, for what the helpers here do not cover. Switching windows
    /// through it directly confuses [`AppSession::switch_to`]: use that.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// tauri-driver's log file, where the app's own output goes too.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Makes `screen`'s window the one the next commands act on.
    ///
    /// # Errors
    ///
    /// When the window is gone.
    pub async fn switch_to(&self, screen: Screen) -> Result<(), E2eError> {
        if *self.current.lock().unwrap_or_else(|e| e.into_inner()) == Some(screen) {
            return Ok(());
        }
        let handle = self
            .windows
            .iter()
            .find(|(s, _)| *s == screen)
            .map(|(_, handle)| handle.clone())
            .ok_or_else(|| E2eError::Unexpected(format!("no {screen:?} window")))?;
        step(
            format!("switch to the {screen:?} window"),
            self.client.switch_to_window(handle),
        )
        .await?;
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(screen);
        Ok(())
    }

    /// Whether the app's process still runs under tauri-driver.
    pub fn app_running(&self) -> bool {
        self.app_pid().is_some()
    }

    /// The app's process name (as `/proc/<pid>/stat` shows it).
    pub(crate) fn app_name(&self) -> &str {
        &self.app_name
    }

    /// The process id of the app, while it runs under tauri-driver.
    pub fn app_pid(&self) -> Option<u32> {
        self.driver
            .children()
            .into_iter()
            .find(|(pid, name)| *name == self.app_name && running(*pid))
            .map(|(pid, _)| pid)
    }

    /// Waits until the app's process has exited (it killed itself at a crash point).
    ///
    /// # Errors
    ///
    /// When it still runs after `limit`.
    pub async fn wait_for_app_exit(&self, limit: Duration) -> Result<(), E2eError> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if !self.app_running() {
                return Ok(());
            }
            sleep(WINDOWS_POLL).await;
        }
        Err(E2eError::Timeout {
            what: "the app's exit".into(),
            limit,
            hint: format!("; see {}", self.log.display()),
        })
    }

    /// Ends the session (WebKitWebDriver closes the app), stops tauri-driver and our
    /// Xvfb, and waits until the processes tauri-driver started have exited, so that the
    /// next session finds the virtual reader free. One that outlives `EXIT_GRACE`
    /// gets SIGTERM (by its process id) and is named on stderr.
    ///
    /// # Errors
    ///
    /// When the session cannot be ended cleanly (as after the app died: then the rest
    /// is still done).
    pub async fn quit(self) -> Result<(), E2eError> {
        let AppSession {
            client,
            driver,
            _display,
            ..
        } = self;
        let started = driver.children();
        let closed = step("end the session", client.close()).await;
        drop(driver);
        let deadline = Instant::now() + EXIT_GRACE;
        let mut left: Vec<&(u32, String)> = started.iter().collect();
        while !left.is_empty() && Instant::now() < deadline {
            sleep(WINDOWS_POLL).await;
            left.retain(|(pid, _)| running(*pid));
        }
        for (pid, name) in left {
            eprintln!(
                "e2e: {name} ({pid}) still runs {EXIT_GRACE:?} after the session ended; SIGTERM"
            );
            terminate(*pid);
        }
        closed
    }
}

/// Runs one WebDriver command with the [`STEP`] time limit.
pub(crate) async fn step<T>(
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

/// The app binary of `build`: its variable (`MADOGUCHI_APP_DEMO`, `MADOGUCHI_APP`), or
/// its binary in the profile directory this test was built into
/// (`target/debug/deps/<test>` → `target/debug`).
fn app_binary(build: Build) -> Result<PathBuf, E2eError> {
    let path = match std::env::var_os(build.binary_env()) {
        Some(path) => PathBuf::from(path),
        None => {
            let exe = std::env::current_exe().map_err(E2eError::io("find the test binary"))?;
            let profile = exe.parent().and_then(Path::parent).ok_or_else(|| {
                E2eError::Unexpected(format!("{} has no profile directory", exe.display()))
            })?;
            profile.join(build.binary())
        }
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(E2eError::NoApp(path))
    }
}
