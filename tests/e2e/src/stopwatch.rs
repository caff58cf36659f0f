//! Timing inside the windows: when a button was pressed and when a screen came up, each
//! on the page's own clock (`performance.timeOrigin + performance.now()`, ms since the
//! epoch), so that WebDriver's round trips and the harness's polling stay out of the
//! figures. Both windows read the same system clock, so their times compare. For the
//! benchmarks; the tests wait with `page.rs`.
//!
//! Use: [`AppSession::stopwatch`] once the app is up; then for each step,
//! [`AppSession::watch`] for the screen to come, take the step, and read
//! [`AppSession::pressed_at`] and [`AppSession::shown_at`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::{AppSession, E2eError, Screen, session::step};

/// Installs the recorder in the current window, once: a click listener on the window, in
/// the capture phase (so before the page's own handlers), notes for the nearest
/// `data-test` hook of each click's target when the click began to be dispatched.
const INSTALL: &str = "if (window.__madoguchiStopwatch === undefined) { \
      const sw = { clicks: {}, watches: {} }; window.__madoguchiStopwatch = sw; \
      window.addEventListener('click', (event) => { \
        const at = performance.timeOrigin + performance.now(); \
        const hook = event.target instanceof Element ? event.target.closest('[data-test]') : null; \
        if (hook !== null) sw.clicks[hook.getAttribute('data-test')] = at; \
      }, true); \
    }";

/// Watches the current window until every selector of `arguments[1]` matches, then notes
/// when (`dom`, in the MutationObserver callback of the change that made it so) and when
/// the next animation frame began (`frame`). `early` when it held already.
const WATCH: &str = "const [name, selectors] = arguments; \
    const sw = window.__madoguchiStopwatch; \
    const now = () => performance.timeOrigin + performance.now(); \
    const holds = () => selectors.every((s) => document.querySelector(s) !== null); \
    const watch = { dom: null, frame: null, early: false }; sw.watches[name] = watch; \
    const fire = () => { watch.dom = now(); requestAnimationFrame(() => { watch.frame = now(); }); }; \
    if (holds()) { watch.early = true; fire(); return; } \
    const observer = new MutationObserver(() => { \
      if (watch.dom === null && holds()) { observer.disconnect(); fire(); } \
    }); \
    observer.observe(document.documentElement, \
      { subtree: true, childList: true, attributes: true, characterData: true });";

/// Resolves with the watch `arguments[0]` once it has its frame (or a second after its
/// DOM change without one), or after `arguments[1]` ms with what there is. It looks every
/// 5 ms, inside the page: no WebDriver traffic meanwhile.
const SHOWN: &str = "const [name, limit, done] = arguments; \
    const started = performance.now(); \
    const look = () => { \
      const watch = window.__madoguchiStopwatch?.watches?.[name]; \
      const now = performance.now(); \
      if (watch !== undefined && watch.dom !== null && (watch.frame !== null \
          || now + performance.timeOrigin - watch.dom > 1000)) { done(watch); return; } \
      if (now - started > limit) { done(watch ?? null); return; } \
      setTimeout(look, 5); \
    }; \
    look();";

/// The time of the last click on the hook `arguments[0]`, or null; taken, so that a
/// click lost later is not mistaken for this one.
const PRESSED: &str = "const clicks = window.__madoguchiStopwatch?.clicks ?? {}; \
    const at = clicks[arguments[0]] ?? null; delete clicks[arguments[0]]; return at;";

/// The page's clock now.
const NOW: &str = "return performance.timeOrigin + performance.now();";

/// How many times [`AppSession::page_clock`] reads the page's clock.
const CLOCK_READS: usize = 5;

/// How long [`AppSession::shown_at`] waits: under WebDriver's default script time
/// limit (30 s), which would otherwise end the wait with a less clear error.
const SHOWN_LIMIT: Duration = Duration::from_secs(25);

/// When a watched screen came up, on the page's clock (ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown {
    /// The page's DOM first held it.
    pub dom: f64,
    /// The animation frame after that began (the window paints the change in it), or
    /// `None` when no frame came within a second.
    pub frame: Option<f64>,
}

impl Shown {
    /// When it was on screen: the frame, or the DOM change when there was no frame.
    pub fn at(&self) -> f64 {
        self.frame.unwrap_or(self.dom)
    }
}

impl AppSession {
    /// Installs the recorder of clicks and screens in both windows (once; again is
    /// harmless). Leaves the customer window current.
    ///
    /// # Errors
    ///
    /// When a window is gone.
    pub async fn stopwatch(&self) -> Result<(), E2eError> {
        for screen in [Screen::Staff, Screen::Customer] {
            self.switch_to(screen).await?;
            step(
                format!("install the stopwatch in the {screen:?} window"),
                self.client.execute(INSTALL, vec![]),
            )
            .await?;
        }
        Ok(())
    }

    /// Starts watching `screen`'s window for the moment every selector of `all`
    /// matches, as `name` (a watch of the same name is replaced). Call it before the
    /// step that brings the screen up.
    ///
    /// # Errors
    ///
    /// When the window is gone.
    pub async fn watch(&self, screen: Screen, name: &str, all: &[&str]) -> Result<(), E2eError> {
        self.switch_to(screen).await?;
        step(
            format!("watch the {screen:?} window for {name}"),
            self.client.execute(WATCH, vec![json!(name), json!(all)]),
        )
        .await?;
        Ok(())
    }

    /// Waits until the watch `name` in `screen`'s window has seen its screen, and
    /// returns when.
    ///
    /// # Errors
    ///
    /// When it had been shown before it was watched (the figure would be wrong), or is
    /// not shown within 25 s.
    pub async fn shown_at(&self, screen: Screen, name: &str) -> Result<Shown, E2eError> {
        self.switch_to(screen).await?;
        let limit = SHOWN_LIMIT.as_millis() as u64;
        let watch = step(
            format!("wait for {name} in the {screen:?} window"),
            self.client
                .execute_async(SHOWN, vec![json!(name), json!(limit)]),
        )
        .await?;
        let Some(dom) = watch["dom"].as_f64() else {
            return Err(E2eError::Timeout {
                what: format!("{name} in the {screen:?} window"),
                limit: SHOWN_LIMIT,
                hint: if watch == Value::Null {
                    " (it was not watched)".into()
                } else {
                    String::new()
                },
            });
        };
        if watch["early"] == Value::Bool(true) {
            return Err(E2eError::Unexpected(format!(
                "{name} was shown in the {screen:?} window before it was watched"
            )));
        }
        Ok(Shown {
            dom,
            frame: watch["frame"].as_f64(),
        })
    }

    /// How far `screen`'s page clock is ahead of this process's clock (`SystemTime`),
    /// in ms, and within how much: the page's clock read between two of ours, the
    /// read with the shortest round trip of a few, its middle taken; the error is half
    /// that round trip.
    ///
    /// # Errors
    ///
    /// When the window is gone.
    pub async fn page_clock(&self, screen: Screen) -> Result<(f64, f64), E2eError> {
        self.switch_to(screen).await?;
        let mut best: Option<(f64, f64)> = None;
        for _ in 0..CLOCK_READS {
            let before = epoch_ms();
            let page = step(
                format!("read the {screen:?} window's clock"),
                self.client.execute(NOW, vec![]),
            )
            .await?;
            let after = epoch_ms();
            let page = page.as_f64().ok_or_else(|| {
                E2eError::Unexpected(format!("the {screen:?} window's clock read {page}"))
            })?;
            let half = (after - before) / 2.0;
            if best.is_none_or(|(_, error)| half < error) {
                best = Some((page - (before + half), half));
            }
        }
        best.ok_or_else(|| E2eError::Unexpected("no read of the page's clock".into()))
    }

    /// When the hook `hook` in `screen`'s window was last clicked, on the page's clock;
    /// the next call for `hook` needs a new click.
    ///
    /// # Errors
    ///
    /// When it was not clicked since [`AppSession::stopwatch`] or the last call.
    pub async fn pressed_at(&self, screen: Screen, hook: &str) -> Result<f64, E2eError> {
        self.switch_to(screen).await?;
        let at = step(
            format!("read when {hook} was pressed"),
            self.client.execute(PRESSED, vec![json!(hook)]),
        )
        .await?;
        at.as_f64().ok_or_else(|| {
            E2eError::Unexpected(format!(
                "no click on {hook} in the {screen:?} window since the stopwatch was installed"
            ))
        })
    }
}

/// This process's clock, in ms since the epoch.
fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64() * 1000.0)
}
