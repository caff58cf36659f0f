//! A backend's `serve --config FILE` run as a child process, its log read line by line, and
//! signals sent to it as systemd's `ExecReload=/bin/kill -HUP $MAINPID` sends them. Shared
//! by the insurer's and the acquirer's reload tests (`#[path]` module; not a test of
//! backend-kit itself).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// How long a log line may take to come (a loaded machine, a debug build).
pub const LOG_WAIT: Duration = Duration::from_secs(60);

/// A loopback port free now, for the server's `listen` (the kernel's pick).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running server process.
pub struct Served {
    child: Child,
    lines: Receiver<String>,
    /// Every line read so far (for failure messages).
    pub log: Vec<String>,
}

fn forward(from: impl Read + Send + 'static, to: Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if to.send(line).is_err() {
                break;
            }
        }
    });
}

impl Served {
    /// Starts `bin serve --config config` and waits for its "listening" line.
    pub fn start(bin: &str, config: &Path) -> Served {
        let mut child = Command::new(bin)
            .args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        forward(child.stdout.take().unwrap(), tx.clone());
        forward(child.stderr.take().unwrap(), tx);
        let mut served = Served {
            child,
            lines,
            log: Vec::new(),
        };
        served.wait_for(" listening");
        served
    }

    /// Waits for the next line that contains `what` (lines before it are kept in
    /// [`Self::log`]); fails with the log if the process ends or [`LOG_WAIT`] passes.
    pub fn wait_for(&mut self, what: &str) -> String {
        let deadline = Instant::now() + LOG_WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(what) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no line with {what:?} in:\n{}", self.log.join("\n"))
                }
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "the server ended ({:?}) before a line with {what:?}:\n{}",
                    self.child.try_wait(),
                    self.log.join("\n")
                ),
            }
        }
    }

    /// Sends SIGHUP, as `systemctl reload` does through the unit's `ExecReload`.
    pub fn hangup(&self) {
        let st = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success(), "kill -HUP failed");
    }

    /// Whether the process still runs.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
