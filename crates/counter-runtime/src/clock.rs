//! The clock and the key generator: the only places the runtime reads time or draws random
//! numbers, so tests can replace both.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// "Now" in Unix seconds.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Unix seconds.
    fn now(&self) -> i64;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock tests move by hand.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock at `t`.
    pub fn at(t: i64) -> Self {
        Self(Arc::new(AtomicI64::new(t)))
    }
    /// Moves it by `secs`.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A fresh idempotency key: `<prefix>-<32 hex digits>` from the OS's random source
/// (unique without coordination, as Stripe's V4 UUID advice; payments-and-eid-clients.md §1.1).
pub fn new_key(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    // getrandom fails only on a broken OS; fall back to time + pid so a key is never empty
    // (uniqueness then rests on the sequence number the callers put in the prefix).
    if getrandom::fill(&mut bytes).is_err() {
        let t = SystemClock.now().to_le_bytes();
        bytes[..8].copy_from_slice(&t);
        bytes[8..12].copy_from_slice(&std::process::id().to_le_bytes());
    }
    format!("{prefix}-{}", hex::encode(bytes))
}
