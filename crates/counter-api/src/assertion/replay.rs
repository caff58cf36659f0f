//! Replay protection for assertions: each `jti` is accepted once per issuer.

use std::collections::HashMap;

/// Remembers the `jti`s seen until they expire.
pub trait ReplayGuard {
    /// Records `(issuer, jti)` valid until `exp`; false when it was seen before. `now` lets
    /// the guard forget entries that have expired (an expired assertion is refused anyway).
    fn first_use(&mut self, issuer: &str, jti: &str, exp: i64, now: i64) -> bool;
}

/// An in-memory [`ReplayGuard`]. A server that restarts forgets it, which is safe only
/// because assertions live about two minutes; a server that must survive restarts within
/// that time keeps the `jti`s in its database instead.
#[derive(Debug, Default)]
pub struct MemoryReplayGuard {
    seen: HashMap<(String, String), i64>,
    next_prune: i64,
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
    fn first_use(&mut self, issuer: &str, jti: &str, exp: i64, now: i64) -> bool {
        if now >= self.next_prune {
            self.seen.retain(|_, e| *e >= now);
            self.next_prune = now + 10;
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
        assert!(g.first_use("pf", "j1", 100, 10));
        assert!(!g.first_use("pf", "j1", 100, 11));
        assert!(g.first_use("other", "j1", 100, 11));
        assert!(g.first_use("pf", "j2", 100, 200));
        assert_eq!(g.len(), 1);
    }
}
