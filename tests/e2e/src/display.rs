//! The X display the app runs on: the caller's, or an Xvfb of our own.

use std::{
    env,
    fs::File,
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    thread,
    time::Duration,
};

use crate::{
    E2eError,
    process::{Guarded, find_in_path},
};

/// How long Xvfb may take to say which display it opened.
const XVFB_START: Duration = Duration::from_secs(15);

/// The screen of our Xvfb: room for both windows (1280x800 and 800x600).
const XVFB_SCREEN: &str = "1920x1080x24";

/// A display to run the app on.
#[derive(Debug)]
pub(crate) enum Display {
    /// `DISPLAY` was set: use it.
    Existing(String),
    /// No display: an Xvfb of ours, stopped when this is dropped.
    Xvfb {
        /// `:N`.
        name: String,
        /// The server.
        _server: Guarded,
    },
}

impl Display {
    /// The caller's display, or a new Xvfb on a free display number.
    pub(crate) fn open(log: File) -> Result<Display, E2eError> {
        match env::var("DISPLAY") {
            Ok(name) if !name.is_empty() => Ok(Display::Existing(name)),
            _ => Display::start_xvfb(log),
        }
    }

    /// The value for `DISPLAY`.
    pub(crate) fn name(&self) -> &str {
        match self {
            Display::Existing(name) | Display::Xvfb { name, .. } => name,
        }
    }

    /// Starts Xvfb with `-displayfd 1`: the server picks a free display number
    /// itself and writes it to its standard output once it accepts clients, so
    /// there is neither a race for a number nor a poll for a socket.
    fn start_xvfb(log: File) -> Result<Display, E2eError> {
        let program = find_in_path("Xvfb").ok_or(E2eError::Missing {
            program: "Xvfb",
            install: "apt-get install xvfb xauth (scripts/deps.sh does it), or run with DISPLAY set",
        })?;
        let mut child = Command::new(program)
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                XVFB_SCREEN,
                "-nolisten",
                "tcp",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(E2eError::io("start Xvfb"))?;
        let stdout = child.stdout.take();
        let server = Guarded::new("Xvfb", child);

        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            if let Some(stdout) = stdout {
                // An error or end of file leaves the line empty: reported below.
                let _ = BufReader::new(stdout).read_line(&mut line);
            }
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(XVFB_START).map_err(|_| E2eError::Timeout {
            what: "Xvfb's start".into(),
            limit: XVFB_START,
            hint: String::new(),
        })?;
        let number = line.trim();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E2eError::Unexpected(format!(
                "Xvfb did not report a display number (it wrote {line:?})"
            )));
        }
        Ok(Display::Xvfb {
            name: format!(":{number}"),
            _server: server,
        })
    }
}
