//! The challenges this node issued, kept in memory until they are answered or expire, so
//! that an answer at the node that issued its challenge (the usual case: a terminal keeps
//! its connection to one node, behind a TCP load balancer too) is checked without reading
//! the challenge back from the storage first: on PostgreSQL that is one round trip fewer.
//!
//! A copy, never the authority. The storage holds every challenge; a node that did not issue
//! one (or restarted, or was full) reads it from there; and whether an answer consumes a
//! challenge is decided by the storage's settling statement ([`crate::storage::Storage`]'s
//! `settle_answer`), on any number of nodes. A binding never changes once issued, so the
//! rules judge the copy as they would the row; what the copy cannot know (used by an answer
//! at another node, forgotten) the settling finds, and the answer then takes the storage's
//! own judgement.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use counter_api::platform::ChallengeBinding;
use madoguchi_time::UnixTime;

/// Copies kept at most. Japan has 7–8 million eligibility checks a working day
/// (docs/domain/eligibility.md §1.6), about 1,400 a second at the peak (docs/PERFORMANCE.md,
/// "A national projection", derives it), and a challenge lives 60 s by default: 84,000 live
/// challenges for the whole platform if none were answered, fewer per node. Beyond this a
/// node keeps no copy (the answer reads the storage), so memory stays bounded (a few hundred
/// bytes a copy).
pub const CAPACITY: usize = 100_000;

/// This node's issued challenges. See the module doc.
#[derive(Debug, Default)]
pub struct IssuedChallenges {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    by_id: HashMap<String, ChallengeBinding>,
    /// When expired copies are dropped next (seconds).
    next_sweep: i64,
}

impl IssuedChallenges {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            // A map of copies: a panic while it was held leaves it usable.
            Err(p) => p.into_inner(),
        }
    }

    /// Keeps a copy of `b`, just stored; drops expired copies at most once a second.
    pub fn insert(&self, b: &ChallengeBinding, now: UnixTime) {
        let mut inner = self.lock();
        if now.as_secs() >= inner.next_sweep {
            inner.by_id.retain(|_, c| c.expires_at >= now);
            inner.next_sweep = now.as_secs().saturating_add(1);
        }
        if inner.by_id.len() < CAPACITY {
            inner.by_id.insert(b.challenge_id.clone(), b.clone());
        }
    }

    /// The copy of challenge `id`, if this node issued it and it is not known to be answered.
    pub fn get(&self, id: &str) -> Option<ChallengeBinding> {
        self.lock().by_id.get(id).cloned()
    }

    /// Drops the copy of `id` (answered, or found not pending).
    pub fn remove(&self, id: &str) {
        self.lock().by_id.remove(id);
    }

    /// Copies held now.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether no copy is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use counter_api::platform::ChallengePurpose;

    fn binding(id: &str, expires_at: i64) -> ChallengeBinding {
        ChallengeBinding {
            platform_id: "pf".into(),
            challenge_id: id.into(),
            nonce: [1; 32],
            terminal_id: "t1".into(),
            purpose: ChallengePurpose::Identify,
            context: None,
            expires_at: UnixTime::from_secs(expires_at),
        }
    }

    #[test]
    fn copies_are_kept_until_answered_or_expired() {
        let issued = IssuedChallenges::default();
        issued.insert(&binding("a", 1060), UnixTime::from_secs(1000));
        issued.insert(&binding("b", 1100), UnixTime::from_secs(1000));
        assert_eq!(issued.get("a"), Some(binding("a", 1060)));
        issued.remove("a");
        assert_eq!(issued.get("a"), None);
        issued.insert(&binding("c", 1070), UnixTime::from_secs(1050));
        // A second later "c" is live and "b" too; at 1101 "b" and "c" have expired.
        issued.insert(&binding("d", 1200), UnixTime::from_secs(1101));
        assert_eq!(issued.get("b"), None);
        assert_eq!(issued.get("c"), None);
        assert_eq!(issued.len(), 1);
    }

    #[test]
    fn beyond_capacity_no_copy_is_kept() {
        let issued = IssuedChallenges::default();
        for i in 0..CAPACITY {
            issued.insert(&binding(&i.to_string(), 2000), UnixTime::from_secs(1000));
        }
        issued.insert(&binding("late", 2000), UnixTime::from_secs(1000));
        assert_eq!(issued.get("late"), None);
        assert_eq!(issued.len(), CAPACITY);
    }
}
