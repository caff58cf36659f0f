//! When the counter cannot start: the setup window, and the same message on standard
//! error.
//!
//! The app never exits silently. With no configuration file where [`crate::lookup`]
//! looked, or with one the counter does not start on, `madoguchi-app` writes a
//! [`Problem`]'s message on standard error, opens one window (`setup`, the page
//! `ui/setup.html`) that shows the same message, and exits with [`Problem::exit_code`]
//! once that window is closed — at once when there is no display to open it on.

use tauri::{Runtime, WebviewUrl, WebviewWindowBuilder};

use crate::lookup::{CONFIG_DOCS, CONFIG_ENV, DEFAULT_CONFIG, Lookup};
use crate::state::StartError;
use crate::windows::Screen;

/// The exit status when there is no configuration file: `EX_CONFIG` of sysexits.h
/// ("something was found in an unconfigured or misconfigured state").
pub const EXIT_NO_CONFIG: u8 = 78;

/// The exit status when the counter did not start on the configuration.
pub const EXIT_START_FAILED: u8 = 1;

/// The setup window's title (its page has the same).
const TITLE: &str = "窓口 — 開始できません / Madoguchi — Cannot start";

/// The setup window's size: the customer window's, enough for the message unwrapped.
const SIZE: (f64, f64) = (800.0, 600.0);

/// Why the counter did not start.
#[derive(Debug, Clone)]
pub enum Problem {
    /// No configuration file where the lookup looked.
    NoConfig {
        /// The file looked for, and which step named it.
        lookup: Lookup,
        /// Why it is not a configuration ("there is no such file").
        why: String,
    },
    /// The file is there, but the counter did not start on it.
    StartFailed {
        /// The file, and which step named it.
        lookup: Lookup,
        /// What went wrong (it names the key and what to write, for a bad file).
        error: String,
        /// What the message ends with: what fits the cause.
        remedy: Remedy,
    },
}

/// What to do after a start failure: the closing sentence of [`Problem::message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// The file (or a file it names) is wrong: correct it.
    CorrectTheFile,
    /// The system refused this login a file of the counter
    /// ([`StartError::permission_denied`]): the login joins `madoguchi-counter` and logs in
    /// again (a group added to a login takes effect at its next login).
    JoinTheGroup,
}

/// The group whose members may run the counter (made by the package's postinst:
/// packaging/debian/app.postinst).
pub const COUNTER_GROUP: &str = "madoguchi-counter";

impl Problem {
    /// The message for standard error and the setup window: what happened, which file,
    /// where the app looks, and what to do.
    pub fn message(&self) -> String {
        match self {
            Problem::NoConfig { lookup, why } => format!(
                "madoguchi-app: no configuration file. It looked for {path} ({origin}): {why}.\n\
                 \n\
                 The app looks for the terminal's configuration file in this order, and uses \
                 the first one given:\n\
                 \x20 1. --config FILE on the command line;\n\
                 \x20 2. the environment variable {CONFIG_ENV}=FILE;\n\
                 \x20 3. {DEFAULT_CONFIG}.\n\
                 \n\
                 Write the configuration (TOML: the terminal's id, the backends' addresses, \
                 its TLS files, the card reader, the counter's mode) to {path}, or name \
                 another file with --config FILE or {CONFIG_ENV}. {docs}",
                path = lookup.path.display(),
                origin = lookup.origin.describe(),
                docs = docs(),
            ),
            Problem::StartFailed {
                lookup,
                error,
                remedy,
            } => format!(
                "madoguchi-app: the counter did not start on the configuration file {path} \
                 ({origin}): {error}\n\
                 \n\
                 {closing} {docs}",
                path = lookup.path.display(),
                origin = lookup.origin.describe(),
                closing = closing(*remedy),
                docs = docs(),
            ),
        }
    }

    /// The problem of a counter that did not start on `lookup`'s file with `error`.
    pub fn start_failed(lookup: Lookup, error: &StartError) -> Problem {
        Problem::StartFailed {
            lookup,
            error: error.to_string(),
            remedy: if error.permission_denied() {
                Remedy::JoinTheGroup
            } else {
                Remedy::CorrectTheFile
            },
        }
    }

    /// The app's exit status: [`EXIT_NO_CONFIG`] or [`EXIT_START_FAILED`].
    pub fn exit_code(&self) -> u8 {
        match self {
            Problem::NoConfig { .. } => EXIT_NO_CONFIG,
            Problem::StartFailed { .. } => EXIT_START_FAILED,
        }
    }
}

/// The commented sample the Debian package installs (packaging/config/counter.toml,
/// scripts/package.sh).
pub const CONFIG_SAMPLE: &str = "/usr/share/doc/madoguchi-app/examples/counter.toml";

/// The sentence after a start failure's error: what to do about `remedy`.
fn closing(remedy: Remedy) -> String {
    match remedy {
        Remedy::CorrectTheFile => "Correct the file and start the app again.".to_owned(),
        Remedy::JoinTheGroup => format!(
            "This login may not open the counter's files (its database, exports and keys are \
             the group {COUNTER_GROUP}'s). Add it to the group (sudo adduser \"$USER\" \
             {COUNTER_GROUP}, typed in this login), then log out and log in again: a group \
             takes effect at the next login (newgrp {COUNTER_GROUP} gives it to one terminal \
             window at once). Then start the app again. If the login is in the group \
             already, check the owner and mode of the file named above (README.md, \
             \"Installing\")."
        ),
    }
}

/// Where the keys are explained: the last sentences of every message.
fn docs() -> String {
    format!(
        "Every key is explained, with an example file, in {CONFIG_DOCS} of the Madoguchi \
         source; its README.md (\"The desktop app\") says how the app finds the file. \
         Installed from the Debian package, start from its sample: {CONFIG_SAMPLE}."
    )
}

/// The setup window's state: the message its page shows (`setup_problem`).
pub struct SetupState {
    /// [`Problem::message`].
    pub message: String,
}

/// The app with the setup window only, showing `problem`, on `builder`'s runtime (the
/// tests use the mock runtime). Its context is [`crate::context`] without the counter's
/// windows.
///
/// # Errors
///
/// When the runtime cannot build the app.
pub fn app<R: Runtime>(
    builder: tauri::Builder<R>,
    problem: &Problem,
) -> Result<tauri::App<R>, tauri::Error> {
    let mut context = crate::context();
    // The staff and customer windows of tauri.conf.json need a counter: not opened.
    context.config_mut().app.windows.clear();
    crate::builder(builder)
        .manage(SetupState {
            message: problem.message(),
        })
        .setup(|app| {
            WebviewWindowBuilder::new(
                app.handle(),
                Screen::Setup.label(),
                WebviewUrl::App("setup.html".into()),
            )
            .title(TITLE)
            .inner_size(SIZE.0, SIZE.1)
            .min_inner_size(640.0, 480.0)
            .build()?;
            Ok(())
        })
        .build(context)
}

/// Opens the setup window with the real (WebKitGTK) runtime and runs until it is closed.
///
/// # Errors
///
/// When the window system does not start.
pub fn show(problem: &Problem) -> Result<(), tauri::Error> {
    let app = app(tauri::Builder::default(), problem)?;
    // The window's close ends the event loop; the status is the caller's, not Tauri's.
    let _ = app.run_return(|_, _| {});
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::lookup::Origin;

    fn lookup(origin: Origin) -> Lookup {
        Lookup {
            path: PathBuf::from("/srv/till/counter.toml"),
            origin,
        }
    }

    #[test]
    fn without_a_file_the_message_names_it_the_lookup_order_and_the_documentation() {
        let problem = Problem::NoConfig {
            lookup: lookup(Origin::Argument),
            why: "there is no such file".into(),
        };
        let message = problem.message();
        for part in [
            "no configuration file",
            "It looked for /srv/till/counter.toml (named by --config): there is no such file.",
            "1. --config FILE",
            "2. the environment variable MADOGUCHI_CONFIG=FILE",
            "3. /etc/madoguchi/counter.toml",
            "to /srv/till/counter.toml",
            "crates/counter-runtime/src/config.rs",
            CONFIG_SAMPLE,
        ] {
            assert!(message.contains(part), "{part:?} in {message}");
        }
        assert_eq!(problem.exit_code(), 78);
    }

    #[test]
    fn a_file_the_counter_does_not_start_on_is_named_with_the_error() {
        let error = StartError::Counter(counter_runtime::RuntimeError::Config {
            key: "terminal_id".into(),
            reason: "write the terminal's id".into(),
        });
        let problem = Problem::start_failed(lookup(Origin::Environment), &error);
        let message = problem.message();
        assert!(
            message.contains(
                "/srv/till/counter.toml (named by MADOGUCHI_CONFIG): the counter did not start: \
                 configuration: terminal_id: write the terminal's id"
            ),
            "{message}"
        );
        assert!(message.contains("Correct the file and start the app again."));
        assert!(!message.contains("adduser"), "{message}");
        assert!(message.contains("crates/counter-runtime/src/config.rs"));
        assert_eq!(problem.exit_code(), 1);
    }

    #[test]
    fn a_database_the_login_may_not_open_says_to_join_the_group_and_log_in_again() {
        // A login outside madoguchi-counter: the folder /var/lib/madoguchi-counter is the
        // group's (0770). (Which errors count: counter_runtime's permission_denied tests.)
        let db = std::path::Path::new("/var/lib/madoguchi-counter/counter.sqlite");
        let refused = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let error = StartError::Counter(counter_runtime::RuntimeError::files(
            "cannot create",
            db,
            &refused,
        ));
        let problem = Problem::start_failed(lookup(Origin::Default), &error);
        let message = problem.message();
        for part in [
            "/var/lib/madoguchi-counter/counter.sqlite",
            "sudo adduser \"$USER\" madoguchi-counter",
            "log out and log in again",
            "newgrp madoguchi-counter",
            "start the app again",
        ] {
            assert!(message.contains(part), "{part:?} in {message}");
        }
        assert!(!message.contains("Correct the file"), "{message}");
        assert_eq!(problem.exit_code(), 1);
    }
}
