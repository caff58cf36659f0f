//! The server's clock, injectable so tests can move time (challenge and assertion expiry).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use madoguchi_time::UnixTime;

/// A source of "now". Cores never read the clock themselves: handlers ask the server's
/// clock and pass `now` down.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now (whole seconds, UTC).
    fn now(&self) -> UnixTime;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_system_time(std::time::SystemTime::now())
    }
}

/// The system clock plus an offset that tests move by hand.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    offset: Arc<AtomicI64>,
}

impl ManualClock {
    /// Starts at the system time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `secs` (backward when negative).
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixTime {
        SystemClock
            .now()
            .plus_secs(self.offset.load(Ordering::SeqCst))
    }
}
