//! What the app is started with: the embedded demo's folder and mode, the insurer up or
//! down, a crash point. The app reads these from its environment, which it inherits from
//! tauri-driver (tauri-driver → WebKitWebDriver → app), so they are set on the
//! tauri-driver process of each session.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

/// The demo's files (`counter.sqlite`, `exports/`, the backends' databases); the app's
/// default is `.run/demo` relative to its working directory (src-tauri/src/state.rs).
const DEMO_DIR: &str = "MADOGUCHI_DEMO_DIR";

/// The counter's mode at start: reception, pharmacy or cashier.
const DEMO_MODE: &str = "MADOGUCHI_DEMO_MODE";

/// `down`: the demo starts without its insurer, so the counter records fallbacks.
const DEMO_INSURER: &str = "MADOGUCHI_DEMO_INSURER";

/// `stale`: the signature CRL of the persona who moved is out of date.
const DEMO_SIGN_CRL: &str = "MADOGUCHI_DEMO_SIGN_CRL";

/// The step of a sale at which the app kills itself (crates/counter-runtime/src/crash.rs).
const CRASH_AT: &str = "MADOGUCHI_CRASH_AT";

/// A terminal configuration file: the app would run it instead of the demo.
const CONFIG: &str = "MADOGUCHI_CONFIG";

/// What the counter is for when the demo starts (`MADOGUCHI_DEMO_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoMode {
    /// 受付: eligibility checks.
    Reception,
    /// 薬局: eligibility checks at a pharmacy.
    Pharmacy,
    /// レジ: payments.
    Cashier,
}

impl DemoMode {
    /// The variable's value.
    pub fn as_str(self) -> &'static str {
        match self {
            DemoMode::Reception => "reception",
            DemoMode::Pharmacy => "pharmacy",
            DemoMode::Cashier => "cashier",
        }
    }
}

/// How [`crate::AppSession::start_with`] starts the app. The default leaves the app's
/// environment as the test's, minus the variables above; a demo folder should always be
/// given, so that runs do not share files.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    demo_dir: Option<PathBuf>,
    mode: Option<DemoMode>,
    insurer_down: bool,
    stale_sign_crl: bool,
    crash_at: Option<String>,
    label: Option<String>,
    app: Option<PathBuf>,
}

impl AppOptions {
    /// The embedded demo with its files in `dir` (made absolute: the app's working
    /// directory is tauri-driver's).
    pub fn demo(dir: impl Into<PathBuf>) -> AppOptions {
        let dir = dir.into();
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        AppOptions {
            demo_dir: Some(dir),
            ..AppOptions::default()
        }
    }

    /// The counter's mode at start.
    pub fn mode(mut self, mode: DemoMode) -> AppOptions {
        self.mode = Some(mode);
        self
    }

    /// Starts the demo without its insurer.
    pub fn insurer_down(mut self) -> AppOptions {
        self.insurer_down = true;
        self
    }

    /// Starts the demo with the signature CRL of the persona who moved out of date.
    pub fn stale_sign_crl(mut self) -> AppOptions {
        self.stale_sign_crl = true;
        self
    }

    /// The app kills itself (SIGKILL) when a sale reaches `step`.
    pub fn crash_at(mut self, step: &str) -> AppOptions {
        self.crash_at = Some(step.to_owned());
        self
    }

    /// Names the session's log file (`.run/logs/e2e-<label>.log`).
    pub fn label(mut self, label: &str) -> AppOptions {
        self.label = Some(label.to_owned());
        self
    }

    /// Runs the app binary at `path` instead of the one [`crate::AppSession::start_with`]
    /// finds (`MADOGUCHI_APP`, or `madoguchi-app` beside the running test): a benchmark
    /// is built into `target/release` but may measure the debug app.
    pub fn app(mut self, path: impl Into<PathBuf>) -> AppOptions {
        self.app = Some(path.into());
        self
    }

    /// The app binary asked for with [`AppOptions::app`].
    pub(crate) fn app_path(&self) -> Option<&Path> {
        self.app.as_deref()
    }

    /// The log file's name part.
    pub(crate) fn log_label(&self) -> &str {
        self.label.as_deref().unwrap_or("app")
    }

    /// Each variable the app reads, with the value to set, or `None` to remove it (an
    /// outer `MADOGUCHI_CRASH_AT` must not kill a test that did not ask for it).
    pub(crate) fn env(&self) -> Vec<(&'static str, Option<OsString>)> {
        vec![
            (DEMO_DIR, self.demo_dir.clone().map(OsString::from)),
            (DEMO_MODE, self.mode.map(|mode| mode.as_str().into())),
            (DEMO_INSURER, self.insurer_down.then(|| "down".into())),
            (DEMO_SIGN_CRL, self.stale_sign_crl.then(|| "stale".into())),
            (CRASH_AT, self.crash_at.clone().map(OsString::from)),
            (CONFIG, None),
        ]
    }
}
