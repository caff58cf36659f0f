//! Re-reading a server's configuration file while it serves: the value that a reload swaps
//! and requests read ([`Live`]), the SIGHUP listener that starts a reload
//! ([`on_hangup`], what `systemctl reload` sends through the units' `ExecReload`; the
//! platform reloads its CRLs with it, and on its period), the same wired to a configuration
//! file and its log line ([`reload_on_hangup`], the insurer's and the acquirer's), the keys
//! of the re-read file that only a restart applies ([`RestartKeys`]), the one log line per
//! reload ([`log_outcome`]), and the terminals and trusted platforms a service reloads with
//! the verifier of their assertions ([`in_force`]).
//!
//! Each server decides what it reloads and validates the file exactly as at start; this
//! module holds no rule about any key.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use crate::config::ConfigError;
use crate::task::TaskGuard;

pub mod in_force;

/// A value the server reads on every request and a reload replaces whole.
///
/// Calling contract: [`Live::get`] on the request path (a read lock held only to clone an
/// [`Arc`], so a request never waits for a reload's file reading or checks);
/// [`Live::update`] to compute and swap a new value (updates run one at a time; a request
/// keeps the value it got until it drops it).
pub struct Live<T> {
    current: RwLock<Arc<T>>,
    /// Held while an update computes, so two reloads do not race to swap.
    updating: Mutex<()>,
}

impl<T> Live<T> {
    /// Starts with `value`.
    pub fn new(value: T) -> Self {
        Self {
            current: RwLock::new(Arc::new(value)),
            updating: Mutex::new(()),
        }
    }

    /// The value in force now.
    pub fn get(&self) -> Arc<T> {
        // A poisoned lock only means a panic elsewhere while it was held; the Arc inside is
        // whole either way (a swap is one assignment).
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Computes the next value from the one in force and swaps it in; an error keeps the
    /// value in force and is returned.
    pub fn update<E>(&self, next: impl FnOnce(&T) -> Result<T, E>) -> Result<Arc<T>, E> {
        let _one_at_a_time = self.updating.lock().unwrap_or_else(PoisonError::into_inner);
        let new = Arc::new(next(&self.get())?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = new.clone();
        Ok(new)
    }
}

impl<T: fmt::Debug> fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Live").field(&self.get()).finish()
    }
}

/// The keys of a re-read file whose values differ from those the server runs on but that
/// apply only at start (the listening address, the database, TLS material, …).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestartKeys(Vec<&'static str>);

impl RestartKeys {
    /// Notes `key` when the running value and the file's differ.
    pub fn compare<V: PartialEq + ?Sized>(&mut self, key: &'static str, running: &V, file: &V) {
        if running != file {
            self.0.push(key);
        }
    }

    /// The keys noted, in the order compared.
    pub fn keys(&self) -> &[&'static str] {
        &self.0
    }
}

/// What a reload put in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reloaded {
    /// Terminals known now.
    pub terminals: usize,
    /// Platforms trusted now.
    pub platforms: usize,
    /// Keys changed in the file but not applied (a restart applies them).
    pub restart: RestartKeys,
}

/// Logs one line for the reload of `path` by `server`: what is in force now and the keys
/// left for a restart, or the refusal (which names the key and the file) and that the
/// previous lists stay in force.
pub fn log_outcome(server: &str, path: &Path, outcome: &Result<Reloaded, ConfigError>) {
    match outcome {
        Ok(r) if r.restart.keys().is_empty() => tracing::info!(
            "{server}: configuration {} reloaded: {} terminals, {} platforms",
            path.display(),
            r.terminals,
            r.platforms,
        ),
        Ok(r) => tracing::warn!(
            "{server}: configuration {} reloaded: {} terminals, {} platforms; not applied, \
             restart to apply: {}",
            path.display(),
            r.terminals,
            r.platforms,
            r.restart.keys().join(", "),
        ),
        Err(e) => tracing::error!(
            "{server}: configuration reload refused, the previous terminals and platforms \
             stay in force: {e}"
        ),
    }
}

/// How often [`on_hangup`] reloads without a signal: a period that is not zero. A
/// configuration's zero period is none ([`ReloadPeriod::new`] answers `None`): SIGHUP alone
/// reloads, one spelling of "no period".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReloadPeriod(Duration);

impl ReloadPeriod {
    /// `period`, or `None` for zero (no periodic reload).
    pub fn new(period: Duration) -> Option<Self> {
        (!period.is_zero()).then_some(Self(period))
    }

    /// The period.
    pub fn get(self) -> Duration {
        self.0
    }
}

/// Calls `reload` (on the blocking pool) at each SIGHUP and, with `every`, once per period
/// too (the first a period after the task starts; `None`: SIGHUP only), one call at a time, until the guard is dropped; a SIGHUP during a call runs one more
/// after it. The signal is registered before this returns, so a SIGHUP sent once the
/// caller announced that it listens reloads instead of ending the process; an error here
/// (the signal cannot be registered) is the caller's to report, never ignored. Call it
/// inside a Tokio runtime.
pub fn on_hangup<F>(every: Option<ReloadPeriod>, reload: F) -> std::io::Result<TaskGuard>
where
    F: Fn() + Send + Sync + 'static,
{
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let reload = Arc::new(reload);
    Ok(TaskGuard::spawn(async move {
        let mut tick = every.and_then(interval);
        loop {
            #[cfg(unix)]
            let hangup = hup.recv();
            #[cfg(not(unix))]
            let hangup = std::future::pending::<Option<()>>();
            tokio::select! {
                got = hangup => if got.is_none() { return },
                () = next_tick(tick.as_mut()) => {}
            }
            let r = reload.clone();
            if let Err(e) = tokio::task::spawn_blocking(move || r()).await {
                tracing::error!("the reload task failed: {e}");
            }
        }
    }))
}

/// A tick every `period`, the first a period from now, missed ticks not made up; none for
/// a period beyond the clock's range (an overflowing instant would panic; so would an
/// interval of zero, which a [`ReloadPeriod`] never is).
fn interval(period: ReloadPeriod) -> Option<tokio::time::Interval> {
    let period = period.get();
    let first = tokio::time::Instant::now().checked_add(period)?;
    let mut tick = tokio::time::interval_at(first, period);
    // A reload slower than the period (or a suspended machine) is followed by one more a
    // period later, not by a burst of the ticks it missed.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    Some(tick)
}

/// The next tick of `tick`; never without one.
async fn next_tick(tick: Option<&mut tokio::time::Interval>) {
    match tick {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// [`on_hangup`] for a configuration file: each SIGHUP calls `reload` with `path` (blocking:
/// it reads files) and logs its outcome under `server`'s name ([`log_outcome`]). Dropping
/// the guard stops it and frees what `reload` holds (the server's state).
pub fn reload_on_hangup<F>(
    server: &'static str,
    path: PathBuf,
    reload: F,
) -> std::io::Result<TaskGuard>
where
    F: Fn(&Path) -> Result<Reloaded, ConfigError> + Send + Sync + 'static,
{
    on_hangup(None, move || {
        let outcome = reload(&path);
        log_outcome(server, &path, &outcome);
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_update_swaps_and_a_failed_one_keeps_the_value() {
        let live = Live::new(vec!["desk-1"]);
        let held = live.get();
        let new = live
            .update(|v| {
                let mut v = v.clone();
                v.push("desk-2");
                Ok::<_, String>(v)
            })
            .unwrap();
        assert_eq!(*new, ["desk-1", "desk-2"]);
        assert_eq!(*live.get(), ["desk-1", "desk-2"]);
        // A request that took the value before keeps it whole.
        assert_eq!(*held, ["desk-1"]);
        let e = live.update(|_| Err("bad file")).unwrap_err();
        assert_eq!(e, "bad file");
        assert_eq!(*live.get(), ["desk-1", "desk-2"]);
    }

    #[test]
    fn restart_keys_are_the_ones_that_differ() {
        let mut r = RestartKeys::default();
        r.compare("listen", "127.0.0.1:1", "127.0.0.1:1");
        r.compare("database", "a.sqlite", "b.sqlite");
        r.compare("tls.certificate", &b"x"[..], &b"y"[..]);
        assert_eq!(r.keys(), ["database", "tls.certificate"]);
    }

    /// Held by each test that sends SIGHUP and by the one that must see none: a signal
    /// reaches every listener of this process, whichever test registered it.
    static SIGNALS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    /// A reload that reports each call on the returned channel.
    fn counted() -> (
        impl Fn() + Send + Sync + 'static,
        std::sync::mpsc::Receiver<()>,
    ) {
        let (tx, rx) = std::sync::mpsc::channel();
        let tx = Mutex::new(tx);
        let reload = move || {
            let _ = tx.lock().unwrap().send(());
        };
        (reload, rx)
    }

    /// Whether `n` calls came within 10 s.
    async fn calls(rx: std::sync::mpsc::Receiver<()>, n: usize) -> bool {
        tokio::task::spawn_blocking(move || {
            (0..n).all(|_| rx.recv_timeout(Duration::from_secs(10)).is_ok())
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_hangup_runs_the_reload() {
        let _signals = SIGNALS.lock().await;
        let (reload, rx) = counted();
        let task = on_hangup(None, reload).unwrap();
        hang_up();
        let got = calls(rx, 1).await;
        drop(task);
        assert!(got, "no reload after SIGHUP");
    }

    #[tokio::test]
    async fn a_period_reloads_without_a_hangup_and_a_zero_or_endless_one_is_none() {
        // No test sends SIGHUP meanwhile, so every call is a tick.
        let _signals = SIGNALS.lock().await;
        let (reload, rx) = counted();
        let task = on_hangup(ReloadPeriod::new(Duration::from_millis(100)), reload).unwrap();
        let got = calls(rx, 2).await;
        drop(task);
        assert!(got, "fewer than two reloads on a 100 ms period");
        assert_eq!(ReloadPeriod::new(Duration::ZERO), None);
        let period = |d| ReloadPeriod::new(d).unwrap();
        assert!(interval(period(Duration::MAX)).is_none());
        assert_eq!(
            interval(period(Duration::from_secs(3600))).map(|i| i.period()),
            Some(Duration::from_secs(3600))
        );
    }

    /// A real SIGHUP to this process. Call it with a handler registered (as every test
    /// here does before) and [`SIGNALS`] held, so it reaches the handler instead of ending
    /// the test process and no test expecting no signal sees it.
    fn hang_up() {
        let st = std::process::Command::new("kill")
            .args(["-HUP", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
    }

    #[tokio::test]
    async fn a_hangup_reloads_the_file_and_a_dropped_guard_frees_the_reload() {
        let _signals = SIGNALS.lock().await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("server.toml");
        let (tx, rx) = std::sync::mpsc::channel();
        // The reload closure holds `held`; dropping the guard must drop it.
        let (held, freed) = tokio::sync::oneshot::channel::<()>();
        let guard = reload_on_hangup("test", file.clone(), {
            let tx = Mutex::new(tx);
            move |path| {
                let _ = held.is_closed();
                let _ = tx.lock().unwrap().send(path.to_owned());
                Ok(Reloaded {
                    terminals: 1,
                    platforms: 1,
                    restart: RestartKeys::default(),
                })
            }
        })
        .unwrap();
        hang_up();
        let got = tokio::task::spawn_blocking(move || {
            rx.recv_timeout(std::time::Duration::from_secs(10))
        })
        .await
        .unwrap();
        assert_eq!(got.unwrap(), file, "no reload of the file after SIGHUP");
        drop(guard);
        let got = tokio::time::timeout(std::time::Duration::from_secs(10), freed).await;
        assert!(
            matches!(got, Ok(Err(_))),
            "the dropped guard's task still holds the reload: {got:?}"
        );
    }
}
