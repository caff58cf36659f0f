//! The shipped app without a usable configuration, run as a program: it names the file
//! it looked for and how to write one on standard error, and exits non-zero — here
//! without a display, so without its window (the end-to-end test `setup.rs` reads the
//! window). Never a silent exit.

use std::path::Path;
use std::process::{Command, Output};

use madoguchi_app::lookup::DEFAULT_CONFIG;
use madoguchi_app::setup::{EXIT_NO_CONFIG, EXIT_START_FAILED};

/// Runs the app with `args` and `config` as `MADOGUCHI_CONFIG` (or unset), and no display.
fn run(args: &[&str], config: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_madoguchi-app"));
    command
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("MADOGUCHI_CONFIG");
    if let Some(config) = config {
        command.env("MADOGUCHI_CONFIG", config);
    }
    command.output().expect("the app runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What every no-configuration message says besides the file.
fn assert_explains(err: &str) {
    for part in [
        "no configuration file",
        "1. --config FILE on the command line",
        "2. the environment variable MADOGUCHI_CONFIG=FILE",
        "3. /etc/madoguchi/counter.toml",
        "crates/counter-runtime/src/config.rs",
        "no display",
        "exiting with status 78",
    ] {
        assert!(err.contains(part), "{part:?} on stderr:\n{err}");
    }
}

#[test]
fn with_nothing_given_it_names_the_default_file_and_exits_78() {
    assert!(
        !Path::new(DEFAULT_CONFIG).exists(),
        "this machine has {DEFAULT_CONFIG}, so the shipped app would run on it: run this \
         test where there is none"
    );
    let output = run(&[], None);
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(i32::from(EXIT_NO_CONFIG)),
        "{err}"
    );
    assert!(
        err.contains(
            "It looked for /etc/madoguchi/counter.toml (the default path; neither --config \
             nor MADOGUCHI_CONFIG was given): there is no such file."
        ),
        "{err}"
    );
    assert_explains(&err);
    assert!(output.stdout.is_empty(), "nothing on stdout");
}

#[test]
fn a_file_named_by_the_argument_or_the_variable_is_the_one_it_reports() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("counter.toml");
    let shown = file.display().to_string();

    let output = run(&["--config", &shown], None);
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(i32::from(EXIT_NO_CONFIG)),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "It looked for {shown} (named by --config): there is no such file."
        )),
        "{err}"
    );
    assert_explains(&err);

    let output = run(&[], Some(&file));
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(i32::from(EXIT_NO_CONFIG)),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "It looked for {shown} (named by MADOGUCHI_CONFIG)"
        )),
        "{err}"
    );

    // A folder is not a configuration file either.
    let output = run(&["--config", &dir.path().display().to_string()], None);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_NO_CONFIG)));
    assert!(
        stderr(&output).contains("it is not a file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_file_the_counter_refuses_is_named_with_what_to_correct() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("counter.toml");
    std::fs::write(&file, "terminal_id = \"till-1\"\n").unwrap();
    let output = run(&["--config", &file.display().to_string()], None);
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(i32::from(EXIT_START_FAILED)),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "the counter did not start on the configuration file {} (named by --config)",
            file.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("crates/counter-runtime/src/config.rs"),
        "{err}"
    );
    assert!(err.contains("exiting with status 1"), "{err}");
}

#[test]
fn an_unknown_argument_is_refused_by_name() {
    let output = run(&["--demo"], None);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("unknown argument \"--demo\""), "{err}");
    assert!(err.contains("--config FILE"), "{err}");
}
