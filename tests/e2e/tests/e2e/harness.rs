//! What every scenario shares: one app at a time (there is one virtual reader), a fresh
//! demo folder, the app session with its accessibility findings and screenshots, and
//! the secrets scan of the folder once the app is gone.

use std::{
    ops::Deref,
    path::{Path, PathBuf},
    sync::Mutex,
    time::{Duration, Instant},
};

use madoguchi_e2e::{AppOptions, AppSession, E2eError, Screen, apps_running, workspace_root};

use crate::secrets;

/// One app at a time: the tests of this binary run on parallel threads, but there is
/// one vpcd slot and one demo card reader. Runtime-agnostic, so every test's runtime
/// can wait on it.
static ONE_APP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The accessibility violations the running scenario met, by screen: reported when it
/// ends, so that its flow still runs through (scenarios run one at a time).
static PROBLEMS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// How long a scenario waits for an app it did not start (someone's demo) to end: it
/// would share the virtual reader.
const OTHER_APP_GRACE: Duration = Duration::from_secs(120);

/// A scenario's time limit once it has the app slot: two app starts, a dozen screens,
/// each with an axe run, on 2 cores.
const SCENARIO_LIMIT: Duration = Duration::from_secs(240);

/// A running app.
pub struct Scene {
    app: AppSession,
}

impl Deref for Scene {
    type Target = AppSession;

    fn deref(&self) -> &AppSession {
        &self.app
    }
}

impl Scene {
    /// Checks `screen`'s window with axe (a violation is noted and fails the scenario
    /// at its end, so the flow still runs through) and saves its screenshot as
    /// `name`.
    pub async fn capture(&self, screen: Screen, name: &str) -> Result<(), E2eError> {
        self.app.switch_to(screen).await?;
        match self.app.assert_accessible(name).await {
            Ok(()) => {}
            Err(E2eError::Unexpected(found)) => {
                PROBLEMS.lock().unwrap().push(found);
            }
            Err(error) => return Err(error),
        }
        self.app.screenshot(name).await?;
        Ok(())
    }
}

/// Starts the app with `options`, runs `body` on it, and ends the session whatever
/// happened. Fails with the body's error, or else with the session's end.
pub async fn with_app(
    options: AppOptions,
    body: impl AsyncFnOnce(&Scene) -> Result<(), E2eError>,
) -> Result<(), E2eError> {
    run_app(options, body, true).await
}

/// [`with_app`] for an app that dies on the way (a crash point): the session's end,
/// which then fails, is not checked.
pub async fn with_crashing_app(
    options: AppOptions,
    body: impl AsyncFnOnce(&Scene) -> Result<(), E2eError>,
) -> Result<(), E2eError> {
    run_app(options, body, false).await
}

async fn run_app(
    options: AppOptions,
    body: impl AsyncFnOnce(&Scene) -> Result<(), E2eError>,
    check_quit: bool,
) -> Result<(), E2eError> {
    let scene = Scene {
        app: AppSession::start_with(options).await?,
    };
    let result = body(&scene).await;
    let log = scene.app.log().to_path_buf();
    let quit = scene.app.quit().await;
    match result {
        Err(error) => Err(with_log(error, &log)),
        Ok(()) if check_quit => quit,
        Ok(()) => Ok(()),
    }
}

/// Runs the scenario `name`: waits for the app slot, makes a fresh demo folder under
/// `.run/e2e/`, runs `body` with it, then scans the folder's counter database for the
/// personas' secrets, and collects the accessibility violations met. On failure the folder is kept for a look and the test panics
/// with every failure.
pub async fn scenario(name: &str, body: impl AsyncFnOnce(&Path) -> Result<(), E2eError>) {
    let _slot = ONE_APP.lock().await;
    let parent = workspace_root().join(".run/e2e");
    std::fs::create_dir_all(&parent).unwrap();
    let dir = tempfile::Builder::new()
        .prefix(&format!("{name}-"))
        .tempdir_in(&parent)
        .unwrap();
    no_other_app(name).await;
    let started = Instant::now();
    PROBLEMS.lock().unwrap().clear();
    let mut failures = Vec::new();
    match tokio::time::timeout(SCENARIO_LIMIT, body(dir.path())).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => failures.push(error.to_string()),
        Err(_) => failures.push(format!("did not finish within {SCENARIO_LIMIT:?}")),
    }
    failures.append(&mut PROBLEMS.lock().unwrap());
    let others = apps_running();
    if !failures.is_empty() && !others.is_empty() {
        failures.push(format!(
            "note: another madoguchi-app or madoguchi-app-demo ran during this scenario (pids {others:?}); its demo \
             shares the virtual reader"
        ));
    }
    if let Err(found) = secrets::absent(dir.path()) {
        failures.push(found);
    }
    eprintln!(
        "e2e scenario {name}: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if !failures.is_empty() {
        let kept: PathBuf = dir.keep();
        panic!(
            "scenario {name} failed (demo folder kept: {}):\n{}",
            kept.display(),
            failures.join("\n")
        );
    }
}

/// Runs the scenario `name` on the shipped app without a configuration (no demo, so no
/// folder and no secrets scan): waits for the app slot, starts the app, runs `body`,
/// ends the session (the app may have exited on the way: its window was closed), and
/// panics with every failure.
pub async fn unconfigured(name: &str, body: impl AsyncFnOnce(&Scene) -> Result<(), E2eError>) {
    unconfigured_with(AppOptions::unconfigured(), name, body).await;
}

/// [`unconfigured`] with `options` (the install test's: the installed app, in its root).
pub async fn unconfigured_with(
    options: AppOptions,
    name: &str,
    body: impl AsyncFnOnce(&Scene) -> Result<(), E2eError>,
) {
    let _slot = ONE_APP.lock().await;
    no_other_app(name).await;
    let started = Instant::now();
    PROBLEMS.lock().unwrap().clear();
    let mut failures = Vec::new();
    let run = with_crashing_app(options.label(name), body);
    match tokio::time::timeout(SCENARIO_LIMIT, run).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => failures.push(error.to_string()),
        Err(_) => failures.push(format!("did not finish within {SCENARIO_LIMIT:?}")),
    }
    failures.append(&mut PROBLEMS.lock().unwrap());
    eprintln!(
        "e2e scenario {name}: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "scenario {name} failed:\n{}",
        failures.join("\n")
    );
}

/// Waits until no app of someone else's runs (one of ours has ended before this: the
/// scenarios run one at a time), and panics if one still runs after [`OTHER_APP_GRACE`].
async fn no_other_app(name: &str) {
    let deadline = Instant::now() + OTHER_APP_GRACE;
    loop {
        let others = apps_running();
        if others.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            panic!(
                "scenario {name}: another madoguchi-app or madoguchi-app-demo runs (pids {others:?}) and would share \
                 the virtual reader; end it and run again"
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Adds where the app's own output is to a failure.
fn with_log(error: E2eError, log: &Path) -> E2eError {
    E2eError::Unexpected(format!("{error}\n(the app's log: {})", log.display()))
}
