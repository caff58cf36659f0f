//! The clock and the key generator: the only places the runtime reads time or draws random
//! numbers. (Its own `Clock` rather than `backend_kit::Clock`: the terminal does not depend
//! on the servers' plumbing.)

use counter_core::UnixTime;

/// "Now", to the second.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now (whole seconds, UTC).
    fn now(&self) -> UnixTime;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_system_time(std::time::SystemTime::now())
    }
}

/// A fresh idempotency key: `<prefix>-<32 hex digits>` from the OS's random source
/// (unique without coordination, as Stripe's V4 UUID advice; docs/domain/payments-and-eid-clients.md §1.1).
pub fn new_key(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    // getrandom fails only on a broken OS; fall back to time + pid so a key is never empty
    // (uniqueness then rests on the sequence number the callers put in the prefix).
    if getrandom::fill(&mut bytes).is_err() {
        let t = SystemClock.now().as_secs().to_le_bytes();
        bytes[..8].copy_from_slice(&t);
        bytes[8..12].copy_from_slice(&std::process::id().to_le_bytes());
    }
    format!("{prefix}-{}", hex::encode(bytes))
}
