//! Replay protection for assertions: each `jti` is accepted once per issuer.

use std::collections::HashMap;

use madoguchi_time::UnixTime;

/// How often, at most, the in-memory guard forgets expired entries: a sweep costs one pass
/// over the map, and ten seconds keep it far below an assertion's two-minute life.
const PRUNE_EVERY_SECS: i64 = 10;

/// Remembers the `jti`s seen until they expire.
pub trait ReplayGuard {
    /// Records `(issuer, jti)` valid until `exp`; false when it was seen before. `now` lets
    /// the guard forget entries that have expired (an expired assertion is refused anyway).
    fn first_use(&mut self, issuer: &str, jti: &str, exp: UnixTime, now: UnixTime) -> bool;
}

/// An in-memory [`ReplayGuard`]. A server that restarts forgets it, which is safe only
/// because assertions live about two minutes; a server that must survive restarts within
/// that time keeps the `jti`s in its database instead.
#[derive(Debug, Default)]
pub struct MemoryReplayGuard {
    seen: HashMap<(String, String), UnixTime>,
    next_prune: UnixTime,
}

impl MemoryReplayGuard {
    /// An empty guard.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn first_use(&mut self, issuer: &str, jti: &str, exp: UnixTime, now: UnixTime) -> bool {
        if now >= self.next_prune {
            self.seen.retain(|_, e| *e >= now);
            self.next_prune = now.plus_secs(PRUNE_EVERY_SECS);
        }
        let key = (issuer.to_owned(), jti.to_owned());
        if self.seen.contains_key(&key) {
            return false;
        }
        self.seen.insert(key, exp);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_then_forgotten_after_expiry() {
        let mut g = MemoryReplayGuard::new();
        let t = UnixTime::from_secs;
        assert!(g.first_use("pf", "j1", t(100), t(10)));
        assert!(!g.first_use("pf", "j1", t(100), t(11)));
        assert!(g.first_use("other", "j1", t(100), t(11)));
        assert!(g.first_use("pf", "j2", t(100), t(200)));
        assert_eq!(g.len(), 1);
    }
}
