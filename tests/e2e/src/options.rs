//! Which app is started, and with what: the demo build with its folder and mode, the
//! insurer up or down, a crash point; or the shipped build without a configuration. The
//! app reads these from its environment, which it inherits from tauri-driver
//! (tauri-driver → WebKitWebDriver → app), so they are set on the tauri-driver process
//! of each session.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

use crate::Screen;

/// The demo's files (`counter.sqlite`, `exports/`, the backends' databases); the demo's
/// default is `.run/demo` relative to its working directory (src-tauri/demo/src/options.rs).
const DEMO_DIR: &str = "MADOGUCHI_DEMO_DIR";

/// The counter's mode at start: reception, pharmacy or cashier.
const DEMO_MODE: &str = "MADOGUCHI_DEMO_MODE";

/// `down`: the demo starts without its insurer, so the counter records fallbacks.
const DEMO_INSURER: &str = "MADOGUCHI_DEMO_INSURER";

/// `down`: the demo's counter is given a closed port for the acquirer.
const DEMO_ACQUIRER: &str = "MADOGUCHI_DEMO_ACQUIRER";

/// `stale`: the signature CRL of the persona who moved is out of date.
const DEMO_SIGN_CRL: &str = "MADOGUCHI_DEMO_SIGN_CRL";

/// The port on loopback of the register's (POS) payment API the demo serves.
const DEMO_POS: &str = "MADOGUCHI_DEMO_POS";

/// `pin-pad`: the demo's counter and cards use the virtual reader with a PIN pad.
const DEMO_READER: &str = "MADOGUCHI_DEMO_READER";

/// The step of a sale at which the app kills itself (crates/counter-runtime/src/crash.rs).
const CRASH_AT: &str = "MADOGUCHI_CRASH_AT";

/// The shipped app's configuration file (src-tauri/src/lookup.rs): never inherited, so
/// that the shipped app looks where it looks by default.
const CONFIG: &str = "MADOGUCHI_CONFIG";

/// Which build of the app a session runs, and so which windows it waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Build {
    /// `madoguchi-app-demo`: the staff and customer windows on the embedded demo.
    #[default]
    Demo,
    /// `madoguchi-app`, as shipped, with no configuration: its setup window.
    Shipped,
    /// `madoguchi-app`, as shipped, on the configuration at its default path (the
    /// install test's root, where the package put it): the staff and customer windows.
    Configured,
}

impl Build {
    /// The binary's file name.
    pub fn binary(self) -> &'static str {
        match self {
            Build::Demo => crate::DEMO_APP,
            Build::Shipped | Build::Configured => crate::APP,
        }
    }

    /// The variable that names another binary to run (an absolute path).
    pub fn binary_env(self) -> &'static str {
        match self {
            Build::Demo => "MADOGUCHI_APP_DEMO",
            Build::Shipped | Build::Configured => "MADOGUCHI_APP",
        }
    }

    /// The windows this build opens.
    pub(crate) fn screens(self) -> &'static [Screen] {
        match self {
            Build::Demo | Build::Configured => &[Screen::Staff, Screen::Customer],
            Build::Shipped => &[Screen::Setup],
        }
    }
}

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

/// How [`crate::AppSession::start_with`] starts the app. The default is the demo build
/// with the app's environment as the test's, minus the variables above; a demo folder
/// should always be given, so that runs do not share files.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    build: Build,
    demo_dir: Option<PathBuf>,
    mode: Option<DemoMode>,
    insurer_down: bool,
    acquirer_down: bool,
    stale_sign_crl: bool,
    pos_port: Option<u16>,
    pin_pad: bool,
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

    /// The shipped app (`madoguchi-app`) with no configuration: neither `--config` nor
    /// `MADOGUCHI_CONFIG`, so it looks for its default file, finds none and opens its
    /// setup window.
    pub fn unconfigured() -> AppOptions {
        AppOptions {
            build: Build::Shipped,
            ..AppOptions::default()
        }
    }

    /// The shipped app on its default configuration file, `/etc/madoguchi/counter.toml`
    /// as the program `app` sees it (neither `--config` nor `MADOGUCHI_CONFIG`): the install
    /// test gives a program that runs the installed app inside its root.
    pub fn configured(app: impl Into<PathBuf>) -> AppOptions {
        AppOptions {
            build: Build::Configured,
            app: Some(app.into()),
            ..AppOptions::default()
        }
    }

    /// Which build runs.
    pub fn build(&self) -> Build {
        self.build
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

    /// Starts the demo with its counter unable to reach the acquirer.
    pub fn acquirer_down(mut self) -> AppOptions {
        self.acquirer_down = true;
        self
    }

    /// Starts the demo with the signature CRL of the persona who moved out of date.
    pub fn stale_sign_crl(mut self) -> AppOptions {
        self.stale_sign_crl = true;
        self
    }

    /// The demo serves the register's (POS) payment API on `127.0.0.1:port`.
    pub fn pos(mut self, port: u16) -> AppOptions {
        self.pos_port = Some(port);
        self
    }

    /// The demo's counter and persona cards use the virtual PIN-pad reader (the PIN is
    /// typed on the pad's keys, `madoguchi_ifd_pinpad::PadKeys`).
    pub fn pin_pad_reader(mut self) -> AppOptions {
        self.pin_pad = true;
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
    /// finds (`MADOGUCHI_APP_DEMO` or `MADOGUCHI_APP`, else the build's binary beside the
    /// running test): a benchmark is built into `target/release` but may measure the
    /// debug app.
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
            (DEMO_ACQUIRER, self.acquirer_down.then(|| "down".into())),
            (DEMO_SIGN_CRL, self.stale_sign_crl.then(|| "stale".into())),
            (DEMO_POS, self.pos_port.map(|p| p.to_string().into())),
            (DEMO_READER, self.pin_pad.then(|| "pin-pad".into())),
            (CRASH_AT, self.crash_at.clone().map(OsString::from)),
            (CONFIG, None),
        ]
    }
}
