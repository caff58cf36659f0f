//! The challenge book: issues challenges bound to a terminal and a context, and takes each
//! one back exactly once.
//!
//! Rules, in the order [`ChallengeBook::take`] checks them:
//! 1. an id never issued (or forgotten after expiry) → [`ChallengeError::Unknown`];
//! 2. an id already taken → [`ChallengeError::Replayed`] (taken ids are remembered until
//!    they would have expired, after which a replay is `Unknown` *and* expired anyway);
//! 3. another terminal → [`ChallengeError::WrongTerminal`], and the challenge stays
//!    pending: a terminal cannot burn another's challenge;
//! 4. past `expires_at` → [`ChallengeError::Expired`] (the challenge is dropped);
//! 5. a purpose not accepted by the endpoint → [`ChallengeError::WrongPurpose`] (stays);
//! 6. otherwise the challenge is consumed, *before* any signature is checked: a failed
//!    verification uses it up, so a terminal cannot try signatures against one nonce.
//!
//! Issuing is bounded twice: a terminal holds at most its quota of live challenges
//! ([`DEFAULT_PER_TERMINAL`] unless configured; beyond it
//! [`ChallengeError::QuotaExceeded`]), and the whole book at most [`MAX_PENDING`]
//! ([`ChallengeError::Full`]). The quota is checked first, so a terminal that asks for
//! challenges and never answers them fills its own quota, not the book for everyone.

use std::collections::HashMap;

use counter_api::platform::{ChallengeBinding, ChallengePurpose, ChallengeRequest, NONCE_LEN};
use madoguchi_time::UnixTime;

/// Most challenges pending at once (all terminals); beyond it new ones are refused as
/// `unavailable`. At 3,000 identifications/s and a 60 s lifetime the steady state is
/// 180,000 at worst if none were answered; real terminals answer within seconds.
pub const MAX_PENDING: usize = 200_000;

/// Default live challenges per terminal. A counter asks for one challenge per card and
/// answers it within seconds (the PIN, the card's signature); with a 60 s lifetime even a
/// desk that restarts its identifications every second holds about 60. A hundred leaves
/// room for that and takes two thousand misbehaving terminals to fill [`MAX_PENDING`].
pub const DEFAULT_PER_TERMINAL: usize = 100;

/// Why a challenge is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// Never issued, or forgotten.
    #[error("no challenge {0}")]
    Unknown(String),
    /// Already used.
    #[error("challenge {0} was already used")]
    Replayed(String),
    /// Issued to another terminal.
    #[error("challenge {id} was issued to another terminal")]
    WrongTerminal {
        /// The challenge.
        id: String,
    },
    /// Expired.
    #[error("challenge {id} expired at {}", expires_at.as_secs())]
    Expired {
        /// The challenge.
        id: String,
        /// When.
        expires_at: UnixTime,
    },
    /// Issued for another purpose.
    #[error("challenge {id} was issued for {found:?}")]
    WrongPurpose {
        /// The challenge.
        id: String,
        /// Its purpose.
        found: ChallengePurpose,
    },
    /// Too many pending challenges.
    #[error("too many pending challenges; retry in a moment")]
    Full,
    /// This terminal holds its quota of live challenges already.
    #[error(
        "this terminal holds {limit} unanswered challenges, its quota; answer or let them expire (at most {ttl_secs} s) before asking for more"
    )]
    QuotaExceeded {
        /// The quota.
        limit: usize,
        /// The challenges' lifetime: the longest wait for one to expire.
        ttl_secs: i64,
    },
}

/// Pending and recently used challenges. Not thread-safe by itself: the server holds it
/// behind a mutex (each operation is a hash-map access).
#[derive(Debug)]
pub struct ChallengeBook {
    platform_id: String,
    ttl_secs: i64,
    pending: HashMap<String, ChallengeBinding>,
    used: HashMap<String, UnixTime>,
    next_prune: UnixTime,
    per_terminal_limit: usize,
    /// Pending challenges per terminal id (no entry: none).
    per_terminal: HashMap<String, usize>,
}

impl ChallengeBook {
    /// A book for `platform_id` whose challenges live `ttl_secs`, each terminal holding at
    /// most [`DEFAULT_PER_TERMINAL`] of them.
    pub fn new(platform_id: impl Into<String>, ttl_secs: i64) -> Self {
        Self {
            platform_id: platform_id.into(),
            ttl_secs,
            pending: HashMap::new(),
            used: HashMap::new(),
            next_prune: UnixTime::EPOCH,
            per_terminal_limit: DEFAULT_PER_TERMINAL,
            per_terminal: HashMap::new(),
        }
    }

    /// Each terminal holds at most `limit` live challenges (at least one).
    pub fn with_terminal_quota(mut self, limit: usize) -> Self {
        self.per_terminal_limit = limit.max(1);
        self
    }

    /// Issues a challenge for a validated `req` from `terminal_id`. `id` and `nonce` are
    /// fresh random values from the caller.
    pub fn issue(
        &mut self,
        terminal_id: &str,
        req: &ChallengeRequest,
        now: UnixTime,
        id: String,
        nonce: [u8; NONCE_LEN],
    ) -> Result<ChallengeBinding, ChallengeError> {
        self.prune(now);
        let held = self.per_terminal.get(terminal_id).copied().unwrap_or(0);
        if held >= self.per_terminal_limit {
            return Err(ChallengeError::QuotaExceeded {
                limit: self.per_terminal_limit,
                ttl_secs: self.ttl_secs,
            });
        }
        if self.pending.len() >= MAX_PENDING {
            return Err(ChallengeError::Full);
        }
        let binding = ChallengeBinding {
            platform_id: self.platform_id.clone(),
            challenge_id: id.clone(),
            nonce,
            terminal_id: terminal_id.to_owned(),
            purpose: req.purpose,
            context: req.context.clone(),
            expires_at: now.plus_secs(self.ttl_secs),
        };
        if let Some(old) = self.pending.insert(id, binding.clone()) {
            // A repeated id (ids are 128 random bits) replaces its challenge: one less.
            release(&mut self.per_terminal, &old.terminal_id);
        }
        *self.per_terminal.entry(terminal_id.to_owned()).or_insert(0) += 1;
        Ok(binding)
    }

    /// Takes challenge `id` for `terminal_id` and one of `purposes` (see the module doc).
    pub fn take(
        &mut self,
        id: &str,
        terminal_id: &str,
        purposes: &[ChallengePurpose],
        now: UnixTime,
    ) -> Result<ChallengeBinding, ChallengeError> {
        let Some(b) = self.pending.get(id) else {
            return Err(if self.used.contains_key(id) {
                ChallengeError::Replayed(id.to_owned())
            } else {
                ChallengeError::Unknown(id.to_owned())
            });
        };
        if b.terminal_id != terminal_id {
            return Err(ChallengeError::WrongTerminal { id: id.to_owned() });
        }
        if now > b.expires_at {
            let expires_at = b.expires_at;
            if let Some(b) = self.pending.remove(id) {
                release(&mut self.per_terminal, &b.terminal_id);
            }
            return Err(ChallengeError::Expired {
                id: id.to_owned(),
                expires_at,
            });
        }
        if !purposes.contains(&b.purpose) {
            return Err(ChallengeError::WrongPurpose {
                id: id.to_owned(),
                found: b.purpose,
            });
        }
        let b = self
            .pending
            .remove(id)
            .ok_or_else(|| ChallengeError::Unknown(id.to_owned()))?;
        release(&mut self.per_terminal, &b.terminal_id);
        self.used.insert(id.to_owned(), b.expires_at);
        Ok(b)
    }

    /// Pending challenges.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Forgets expired challenges and used ids past their expiry, at most once a second.
    fn prune(&mut self, now: UnixTime) {
        if now < self.next_prune {
            return;
        }
        self.next_prune = now.plus_secs(1);
        let per_terminal = &mut self.per_terminal;
        self.pending.retain(|_, b| {
            let keep = b.expires_at >= now;
            if !keep {
                release(per_terminal, &b.terminal_id);
            }
            keep
        });
        self.used.retain(|_, exp| *exp >= now);
    }
}

/// One challenge of `terminal_id` is no longer pending.
fn release(per_terminal: &mut HashMap<String, usize>, terminal_id: &str) {
    if let Some(n) = per_terminal.get_mut(terminal_id) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            per_terminal.remove(terminal_id);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use counter_api::platform::ChallengeContext;

    const fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    const ID: ChallengePurpose = ChallengePurpose::Identify;

    fn req(p: ChallengePurpose) -> ChallengeRequest {
        let context = (p == ChallengePurpose::Payment).then(|| ChallengeContext {
            merchant_id: "m".into(),
            amount_jpy: 500,
        });
        ChallengeRequest {
            purpose: p,
            context,
        }
    }

    #[test]
    fn single_use() {
        let mut b = ChallengeBook::new("pf", 60);
        let c = b
            .issue("t1", &req(ID), at(1000), "c1".into(), [1; 32])
            .unwrap();
        assert_eq!(c.expires_at, at(1060));
        assert_eq!(b.take("c1", "t1", &[ID], at(1001)).unwrap(), c);
        assert_eq!(
            b.take("c1", "t1", &[ID], at(1002)),
            Err(ChallengeError::Replayed("c1".into()))
        );
        assert_eq!(
            b.take("zz", "t1", &[ID], at(1002)),
            Err(ChallengeError::Unknown("zz".into()))
        );
    }

    #[test]
    fn expiry_is_checked_with_the_callers_clock() {
        let mut b = ChallengeBook::new("pf", 60);
        b.issue("t1", &req(ID), at(1000), "c1".into(), [1; 32])
            .unwrap();
        assert!(matches!(
            b.take("c1", "t1", &[ID], at(1061)),
            Err(ChallengeError::Expired { expires_at, .. }) if expires_at == at(1060)
        ));
        b.issue("t1", &req(ID), at(1000), "c2".into(), [1; 32])
            .unwrap();
        assert!(b.take("c2", "t1", &[ID], at(1060)).is_ok());
    }

    #[test]
    fn another_terminal_neither_uses_nor_burns_it() {
        let mut b = ChallengeBook::new("pf", 60);
        b.issue("t1", &req(ID), at(1000), "c1".into(), [1; 32])
            .unwrap();
        assert!(matches!(
            b.take("c1", "t2", &[ID], at(1001)),
            Err(ChallengeError::WrongTerminal { .. })
        ));
        assert!(b.take("c1", "t1", &[ID], at(1001)).is_ok());
    }

    #[test]
    fn purpose_must_match() {
        let mut b = ChallengeBook::new("pf", 60);
        b.issue(
            "t1",
            &req(ChallengePurpose::Payment),
            at(1000),
            "c1".into(),
            [1; 32],
        )
        .unwrap();
        assert!(matches!(
            b.take("c1", "t1", &[ChallengePurpose::Enroll], at(1001)),
            Err(ChallengeError::WrongPurpose {
                found: ChallengePurpose::Payment,
                ..
            })
        ));
        let c = b
            .take("c1", "t1", &[ID, ChallengePurpose::Payment], at(1001))
            .unwrap();
        assert_eq!(c.context.unwrap().amount_jpy, 500);
    }

    /// One terminal asking for challenges it never answers filled the book for everyone:
    /// the next terminal was refused `unavailable`.
    #[test]
    fn one_terminal_cannot_fill_the_book_for_the_others() {
        let mut b = ChallengeBook::new("pf", 60);
        let mut i = 0u64;
        let refused = loop {
            match b.issue("greedy", &req(ID), at(1000), format!("g{i}"), [1; 32]) {
                Ok(_) => i += 1,
                Err(e) => break e,
            }
            assert!(i <= MAX_PENDING as u64, "never refused");
        };
        assert!(
            i < MAX_PENDING as u64,
            "{i} challenges for one terminal: {refused}"
        );
        assert!(
            b.issue("t2", &req(ID), at(1000), "c1".into(), [1; 32])
                .is_ok()
        );
    }

    #[test]
    fn the_quota_frees_as_challenges_are_used_or_expire() {
        let mut b = ChallengeBook::new("pf", 60).with_terminal_quota(2);
        b.issue("t1", &req(ID), at(1000), "a".into(), [1; 32])
            .unwrap();
        b.issue("t1", &req(ID), at(1000), "b".into(), [1; 32])
            .unwrap();
        assert_eq!(
            b.issue("t1", &req(ID), at(1000), "c".into(), [1; 32]),
            Err(ChallengeError::QuotaExceeded {
                limit: 2,
                ttl_secs: 60
            })
        );
        // Used: room for one more.
        b.take("a", "t1", &[ID], at(1001)).unwrap();
        b.issue("t1", &req(ID), at(1001), "c".into(), [1; 32])
            .unwrap();
        assert!(
            b.issue("t1", &req(ID), at(1001), "d".into(), [1; 32])
                .is_err()
        );
        // Expired and taken: room again.
        assert!(matches!(
            b.take("b", "t1", &[ID], at(1061)),
            Err(ChallengeError::Expired { .. })
        ));
        b.issue("t1", &req(ID), at(1061), "d".into(), [1; 32])
            .unwrap();
        // Expired and pruned: the whole quota back.
        b.issue("t1", &req(ID), at(2000), "e".into(), [1; 32])
            .unwrap();
        b.issue("t1", &req(ID), at(2000), "f".into(), [1; 32])
            .unwrap();
        assert_eq!(b.pending(), 2);
    }

    #[test]
    fn pruned_after_expiry() {
        let mut b = ChallengeBook::new("pf", 60);
        b.issue("t1", &req(ID), at(1000), "c1".into(), [1; 32])
            .unwrap();
        b.issue("t1", &req(ID), at(1000), "c2".into(), [1; 32])
            .unwrap();
        b.take("c2", "t1", &[ID], at(1001)).unwrap();
        b.issue("t1", &req(ID), at(2000), "c3".into(), [1; 32])
            .unwrap();
        assert_eq!(b.pending(), 1);
        assert_eq!(
            b.take("c2", "t1", &[ID], at(2001)),
            Err(ChallengeError::Unknown("c2".into()))
        );
    }
}
