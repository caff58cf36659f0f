//! The shipped app (`madoguchi-app`, not the demo build) started without a
//! configuration: one window, which says which file the app looked for, where it looks
//! and how to write one, and which ends the app when closed — with the same message and
//! its non-zero status on standard error (the app's log).

use std::{path::Path, time::Duration};

use madoguchi_e2e::{E2eError, Screen, hook};

use crate::harness::{Scene, unconfigured};

/// Where the shipped app looks when neither `--config` nor `MADOGUCHI_CONFIG` names a
/// file (src-tauri/src/lookup.rs).
const DEFAULT_CONFIG: &str = "/etc/madoguchi/counter.toml";

/// How long the app gets to exit once its window is closed.
const EXIT_LIMIT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_configuration_the_shipped_app_says_which_file_it_looked_for() {
    assert!(
        !Path::new(DEFAULT_CONFIG).exists(),
        "this machine has {DEFAULT_CONFIG}, so the shipped app would run on it: run this \
         test where there is none"
    );
    unconfigured("setup", check).await;
}

pub(crate) async fn check(app: &Scene) -> Result<(), E2eError> {
    app.switch_to(Screen::Setup).await?;
    let title = app
        .client()
        .title()
        .await
        .map_err(|e| E2eError::Unexpected(format!("title: {e}")))?;
    expect(
        "title",
        title == "窓口 — 開始できません / Madoguchi — Cannot start",
        &title,
    )?;
    expect_eq("heading", app.text("h1").await?, "窓口を開始できません")?;
    let message = app.text(&hook("setup-message")).await?;
    for part in [
        "no configuration file",
        "It looked for /etc/madoguchi/counter.toml (the default path; neither --config nor \
         MADOGUCHI_CONFIG was given): there is no such file.",
        "1. --config FILE on the command line",
        "2. the environment variable MADOGUCHI_CONFIG=FILE",
        "3. /etc/madoguchi/counter.toml",
        "Write the configuration",
        "crates/counter-runtime/src/config.rs",
    ] {
        expect(
            "the message",
            message.contains(part),
            &format!("{part:?} in {message:?}"),
        )?;
    }
    app.capture(Screen::Setup, "setup-no-config").await?;

    // Closing the window ends the app, which says why on standard error. The button is
    // pressed from a timer, so that the window is gone only after this command answered.
    app.client()
        .execute(
            "setTimeout(() => document.querySelector('[data-test=\"setup-close\"]').click(), 100); \
             return true;",
            vec![],
        )
        .await
        .map_err(|e| E2eError::Unexpected(format!("press setup-close: {e}")))?;
    app.wait_for_app_exit(EXIT_LIMIT).await?;
    let log = std::fs::read_to_string(app.log())
        .map_err(|e| E2eError::Unexpected(format!("read {}: {e}", app.log().display())))?;
    for part in [
        "madoguchi-app: no configuration file. It looked for /etc/madoguchi/counter.toml",
        "3. /etc/madoguchi/counter.toml",
        "madoguchi-app: exiting with status 78 (not started)",
    ] {
        expect(
            "the app's standard error",
            log.contains(part),
            &format!("{part:?} in {}", app.log().display()),
        )?;
    }
    Ok(())
}

fn expect(what: &str, ok: bool, detail: &str) -> Result<(), E2eError> {
    if ok {
        Ok(())
    } else {
        Err(E2eError::Unexpected(format!("{what}: {detail}")))
    }
}

fn expect_eq(what: &str, got: String, want: &str) -> Result<(), E2eError> {
    expect(what, got == want, &format!("{got:?}, expected {want:?}"))
}
