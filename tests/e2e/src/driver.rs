//! `tauri-driver`: the WebDriver server in front of `WebKitWebDriver`.

use std::{
    ffi::OsString,
    fs::File,
    net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use crate::{
    E2eError,
    process::{Guarded, descendants, find_in_path, is_executable},
    workspace_root,
};

/// How long tauri-driver and the WebKitWebDriver it starts may take to accept connections.
const DRIVER_START: Duration = Duration::from_secs(15);

/// How often their ports are tried meanwhile.
const DRIVER_POLL: Duration = Duration::from_millis(50);

/// A running tauri-driver (and, under it, WebKitWebDriver), stopped with SIGTERM when
/// dropped.
#[derive(Debug)]
pub(crate) struct TauriDriver {
    process: Guarded,
    port: u16,
}

impl TauriDriver {
    /// Where tauri-driver is: `.tools/bin` (where `scripts/deps.sh` installs it), then
    /// `PATH`. WebKitWebDriver must be in `PATH` (tauri-driver looks for it there).
    pub(crate) fn locate() -> Result<PathBuf, E2eError> {
        find_in_path("WebKitWebDriver").ok_or(E2eError::Missing {
            program: "WebKitWebDriver",
            install: "apt-get install webkit2gtk-driver (scripts/deps.sh does it)",
        })?;
        let local = workspace_root().join(".tools/bin/tauri-driver");
        if is_executable(&local) {
            return Ok(local);
        }
        find_in_path("tauri-driver").ok_or(E2eError::Missing {
            program: "tauri-driver",
            install: "run scripts/deps.sh (installs it into .tools/bin), \
                      or cargo install tauri-driver --locked",
        })
    }

    /// Starts `program` on free loopback ports with `DISPLAY` set and `env` applied (a
    /// value to set, or `None` to remove the variable; the app inherits them), its
    /// output going to `log`, and waits until it accepts connections.
    pub(crate) fn start(
        program: &Path,
        display: &str,
        env: &[(&str, Option<OsString>)],
        log: &Path,
    ) -> Result<TauriDriver, E2eError> {
        let port = free_port()?;
        let native_port = free_port()?;
        let out = File::create(log).map_err(E2eError::io(format!("create {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(E2eError::io("duplicate the log file"))?;
        // Output to a file, never to our pipes: whatever outlives the test must not
        // keep `cargo test | tee` waiting.
        let mut command = Command::new(program);
        for (name, value) in env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let child = command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("DISPLAY", display)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(E2eError::io(format!("start {}", program.display())))?;
        let mut driver = TauriDriver {
            process: Guarded::new("tauri-driver", child),
            port,
        };
        // tauri-driver starts WebKitWebDriver and listens at once, without waiting for it:
        // a session asked for before WebKitWebDriver listens is refused ("Connection
        // refused" in tauri-driver's log), which a loaded machine showed. Both must listen.
        driver.wait_until_listening(&[port, native_port], log)?;
        Ok(driver)
    }

    /// The processes it started, and theirs (WebKitWebDriver, the app).
    pub(crate) fn children(&self) -> Vec<(u32, String)> {
        descendants(self.process.id())
    }

    /// The URL of its WebDriver endpoint.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_until_listening(&mut self, ports: &[u16], log: &Path) -> Result<(), E2eError> {
        let deadline = Instant::now() + DRIVER_START;
        let mut waiting = ports.to_vec();
        while Instant::now() < deadline {
            if let Some(status) = self.process.exited() {
                return Err(E2eError::Unexpected(format!(
                    "tauri-driver (pid {}) exited at start ({status}); see {}",
                    self.process.id(),
                    log.display()
                )));
            }
            waiting.retain(|&port| {
                let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
                TcpStream::connect_timeout(&address, DRIVER_POLL).is_err()
            });
            if waiting.is_empty() {
                return Ok(());
            }
            thread::sleep(DRIVER_POLL);
        }
        Err(E2eError::Timeout {
            what: format!("tauri-driver's start (ports {waiting:?} not listening)"),
            limit: DRIVER_START,
            hint: format!("; see {}", log.display()),
        })
    }
}

/// A loopback port nobody listens on now, the kernel's pick (for tauri-driver and the
/// WebKitWebDriver it starts). Not [`crate::free_port`]: WebKitWebDriver binds without
/// SO_REUSEADDR, so a port picked at random that a recent scenario left in TIME_WAIT can
/// be refused to it, while the kernel's pick never is one of those. These two are bound
/// before WebKitWebDriver picks the app's inspector port, so they cannot meet it.
fn free_port() -> Result<u16, E2eError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(E2eError::io("find a free loopback port"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(E2eError::io("find a free loopback port"))
}
