//! Reader and card hot-plug as a stream of [`ReaderEvent`]s.
//!
//! A [`Monitor`] runs its own thread with its own `pcsc::Context` and waits in
//! `SCardGetStatusChange` on every reader plus the PnP pseudo-reader
//! (`PNP_NOTIFICATION()`), the loop of pcsc's `examples/monitor.rs`: drop dead
//! readers, add new ones, sync the current state, wait. The wait has no
//! timeout, so nothing polls; stopping cancels it through a clone of the
//! context (`SCardCancel` must be called on the waiting context).
//!
//! When the PC/SC service goes away, every known reader is reported removed,
//! then [`ReaderEvent::ServiceStopped`]; the thread retries `establish` with a
//! backoff (100 ms doubling to 1 s, a sleep the stop request interrupts) and
//! reports [`ReaderEvent::ServiceRestored`] and the readers when it is back.
//!
//! On start, the readers already there and the cards already in them are
//! reported as `ReaderAttached` / `CardInserted`, so a consumer needs no
//! separate first scan.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pcsc::{Context, PNP_NOTIFICATION, ReaderState, Scope, State};

use crate::error::{describe, is_service_lost};
use crate::readers::reader_names_c;

const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(1);
const STOP_WAIT: Duration = Duration::from_secs(5);

/// A change in the readers or the cards in them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReaderEvent {
    /// A reader appeared (or was there when the monitor started).
    ReaderAttached {
        /// Its PC/SC name.
        name: String,
    },
    /// A reader went away (unplugged, or the service stopped).
    ReaderRemoved {
        /// Its PC/SC name.
        name: String,
    },
    /// A card is in a reader (inserted, or there when the monitor started).
    CardInserted {
        /// The reader's name.
        reader: String,
        /// The card's ATR. Never identify the card by it (docs/domain/jpki.md §1.8).
        atr: Vec<u8>,
    },
    /// The card left a reader.
    CardRemoved {
        /// The reader's name.
        reader: String,
    },
    /// The PC/SC service (pcscd) is not running or stopped answering.
    ServiceStopped,
    /// The PC/SC service is back after [`ReaderEvent::ServiceStopped`].
    ServiceRestored,
}

struct Shared {
    stop: AtomicBool,
    context: Mutex<Option<Context>>,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
    fn publish(&self, ctx: Option<Context>) {
        if let Ok(mut slot) = self.context.lock() {
            *slot = ctx;
        }
    }
}

/// Watches readers and cards on its own thread; stops when dropped.
pub struct Monitor {
    events: Receiver<ReaderEvent>,
    shared: Arc<Shared>,
    wake: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor").finish_non_exhaustive()
    }
}

impl Monitor {
    /// Starts watching. Fails only if the thread cannot be started; a PC/SC
    /// service that is down is reported as [`ReaderEvent::ServiceStopped`].
    pub fn start() -> std::io::Result<Monitor> {
        let (tx, events) = mpsc::channel();
        let (wake, wake_rx) = mpsc::channel();
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            context: Mutex::new(None),
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("reader monitor".to_owned())
            .spawn(move || Watcher::new(thread_shared, tx, wake_rx).run())?;
        Ok(Monitor {
            events,
            shared,
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// The event stream.
    pub fn events(&self) -> &Receiver<ReaderEvent> {
        &self.events
    }

    /// The next event, or `None` after `timeout` (or if the monitor ended).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<ReaderEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Skips events until one matches `wanted`; `None` after `timeout`.
    pub fn wait_for(
        &self,
        timeout: Duration,
        mut wanted: impl FnMut(&ReaderEvent) -> bool,
    ) -> Option<ReaderEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.events.recv_timeout(left) {
                Ok(e) if wanted(&e) => return Some(e),
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Stops the thread and waits (at most 5 s) for it to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.wake = None; // interrupts a backoff sleep
        let Some(thread) = self.thread.take() else {
            return;
        };
        // The cancel can land just before the thread starts waiting; repeat it
        // until the thread has seen the stop flag.
        let deadline = Instant::now() + STOP_WAIT;
        while !thread.is_finished() && Instant::now() < deadline {
            if let Ok(slot) = self.shared.context.lock()
                && let Some(ctx) = slot.as_ref()
            {
                let _ = ctx.cancel();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if thread.is_finished() {
            let _ = thread.join();
        } else {
            tracing::warn!("reader monitor did not stop in time; leaving it");
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// What a reader looked like at the last wait.
#[derive(Clone, Copy)]
struct Seen {
    present: bool,
    count: u32,
}

enum WatchEnd {
    Stop,
    ServiceLost,
}

struct Watcher {
    shared: Arc<Shared>,
    tx: Sender<ReaderEvent>,
    wake: Receiver<()>,
    seen: HashMap<String, Seen>,
}

impl Watcher {
    fn new(shared: Arc<Shared>, tx: Sender<ReaderEvent>, wake: Receiver<()>) -> Watcher {
        Watcher {
            shared,
            tx,
            wake,
            seen: HashMap::new(),
        }
    }

    fn emit(&self, event: ReaderEvent) {
        tracing::debug!(?event, "reader event");
        if self.tx.send(event).is_err() {
            self.shared.stop.store(true, Ordering::SeqCst);
        }
    }

    /// Sleeps unless stopped first; returns whether to go on.
    fn pause(&self, how_long: Duration) -> bool {
        match self.wake.recv_timeout(how_long) {
            Err(RecvTimeoutError::Timeout) => !self.shared.stopping(),
            _ => false,
        }
    }

    fn run(mut self) {
        let mut backoff = BACKOFF_FIRST;
        let mut down_reported = false;
        while !self.shared.stopping() {
            let ctx = match Context::establish(Scope::User) {
                Ok(ctx) => ctx,
                Err(e) => {
                    if !down_reported {
                        tracing::info!(error = %describe(e), "PC/SC service unavailable; retrying");
                        self.emit(ReaderEvent::ServiceStopped);
                        down_reported = true;
                    }
                    if !self.pause(backoff) {
                        break;
                    }
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    continue;
                }
            };
            if down_reported {
                self.emit(ReaderEvent::ServiceRestored);
            }
            backoff = BACKOFF_FIRST;
            self.shared.publish(Some(ctx.clone()));
            let end = self.watch(&ctx);
            self.shared.publish(None);
            match end {
                WatchEnd::Stop => break,
                WatchEnd::ServiceLost => {
                    self.forget_all_readers();
                    self.emit(ReaderEvent::ServiceStopped);
                    down_reported = true;
                    if !self.pause(backoff) {
                        break;
                    }
                }
            }
        }
    }

    fn forget_all_readers(&mut self) {
        let mut names: Vec<(String, Seen)> = self.seen.drain().collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, seen) in names {
            self.reader_gone(name, seen);
        }
    }

    fn reader_gone(&self, name: String, seen: Seen) {
        if seen.present {
            self.emit(ReaderEvent::CardRemoved {
                reader: name.clone(),
            });
        }
        self.emit(ReaderEvent::ReaderRemoved { name });
    }

    fn watch(&mut self, ctx: &Context) -> WatchEnd {
        let mut states = vec![ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE)];
        let mut backoff = BACKOFF_FIRST;
        loop {
            // Drop dead readers.
            let mut i = 1;
            while i < states.len() {
                if states[i]
                    .event_state()
                    .intersects(State::UNKNOWN | State::IGNORE)
                {
                    let rs = states.remove(i);
                    let name = rs.name().to_string_lossy().into_owned();
                    if let Some(seen) = self.seen.remove(&name) {
                        self.reader_gone(name, seen);
                    }
                } else {
                    i += 1;
                }
            }
            // Add new readers.
            match reader_names_c(ctx) {
                Ok(names) => {
                    for name_c in names {
                        if !states.iter().any(|rs| rs.name() == name_c.as_c_str()) {
                            let name = name_c.to_string_lossy().into_owned();
                            self.seen.insert(
                                name.clone(),
                                Seen {
                                    present: false,
                                    count: 0,
                                },
                            );
                            states.push(ReaderState::new(name_c, State::UNAWARE));
                            self.emit(ReaderEvent::ReaderAttached { name });
                        }
                    }
                }
                Err(e) if is_service_lost(e) => return WatchEnd::ServiceLost,
                Err(e) => tracing::warn!(error = %describe(e), "listing readers failed"),
            }
            for rs in &mut states {
                rs.sync_current_state();
            }
            if self.shared.stopping() {
                return WatchEnd::Stop;
            }
            match ctx.get_status_change(None, &mut states) {
                Ok(()) => {
                    backoff = BACKOFF_FIRST;
                    self.report_changes(&states[1..]);
                }
                Err(pcsc::Error::Cancelled) if self.shared.stopping() => return WatchEnd::Stop,
                Err(pcsc::Error::Cancelled | pcsc::Error::Timeout | pcsc::Error::UnknownReader) => {
                }
                Err(e) if is_service_lost(e) => return WatchEnd::ServiceLost,
                Err(e) => {
                    tracing::warn!(error = %describe(e), "waiting for reader changes failed");
                    if !self.pause(backoff) {
                        return WatchEnd::Stop;
                    }
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    fn report_changes(&mut self, states: &[ReaderState]) {
        for rs in states {
            let event_state = rs.event_state();
            if event_state.intersects(State::UNKNOWN | State::IGNORE) {
                continue; // reported as removed at the top of the loop
            }
            let name = rs.name().to_string_lossy().into_owned();
            let now = Seen {
                present: event_state.contains(State::PRESENT),
                count: rs.event_count(),
            };
            let before = self.seen.insert(name.clone(), now).unwrap_or(Seen {
                present: false,
                count: now.count,
            });
            let swapped =
                before.present && now.present && now.count.wrapping_sub(before.count) >= 2;
            if before.present && (!now.present || swapped) {
                self.emit(ReaderEvent::CardRemoved {
                    reader: name.clone(),
                });
            }
            if now.present && (!before.present || swapped) {
                self.emit(ReaderEvent::CardInserted {
                    reader: name,
                    atr: rs.atr().to_vec(),
                });
            }
        }
    }
}
