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

use std::collections::HashMap;

use counter_api::platform::{ChallengeBinding, ChallengePurpose, ChallengeRequest, NONCE_LEN};

/// Most challenges pending at once (all terminals); beyond it new ones are refused as
/// `unavailable`. At 3,000 identifications/s and a 60 s lifetime the steady state is
/// 180,000 at worst if none were answered; real terminals answer within seconds.
pub const MAX_PENDING: usize = 200_000;

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
    #[error("challenge {id} expired at {expires_at}")]
    Expired {
        /// The challenge.
        id: String,
        /// When.
        expires_at: i64,
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
}

/// Pending and recently used challenges. Not thread-safe by itself: the server holds it
/// behind a mutex (each operation is a hash-map access).
#[derive(Debug)]
pub struct ChallengeBook {
    platform_id: String,
    ttl_secs: i64,
    pending: HashMap<String, ChallengeBinding>,
    used: HashMap<String, i64>,
    next_prune: i64,
}

impl ChallengeBook {
    /// A book for `platform_id` whose challenges live `ttl_secs`.
    pub fn new(platform_id: impl Into<String>, ttl_secs: i64) -> Self {
        Self {
            platform_id: platform_id.into(),
            ttl_secs,
            pending: HashMap::new(),
            used: HashMap::new(),
            next_prune: 0,
        }
    }

    /// Issues a challenge for a validated `req` from `terminal_id`. `id` and `nonce` are
    /// fresh random values from the caller.
    pub fn issue(
        &mut self,
        terminal_id: &str,
        req: &ChallengeRequest,
        now: i64,
        id: String,
        nonce: [u8; NONCE_LEN],
    ) -> Result<ChallengeBinding, ChallengeError> {
        self.prune(now);
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
            expires_at: now + self.ttl_secs,
        };
        self.pending.insert(id, binding.clone());
        Ok(binding)
    }

    /// Takes challenge `id` for `terminal_id` and one of `purposes` (see the module doc).
    pub fn take(
        &mut self,
        id: &str,
        terminal_id: &str,
        purposes: &[ChallengePurpose],
        now: i64,
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
            self.pending.remove(id);
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
        self.used.insert(id.to_owned(), b.expires_at);
        Ok(b)
    }

    /// Pending challenges.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Forgets expired challenges and used ids past their expiry, at most once a second.
    fn prune(&mut self, now: i64) {
        if now < self.next_prune {
            return;
        }
        self.next_prune = now + 1;
        self.pending.retain(|_, b| b.expires_at >= now);
        self.used.retain(|_, exp| *exp >= now);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use counter_api::platform::ChallengeContext;

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
        let c = b.issue("t1", &req(ID), 1000, "c1".into(), [1; 32]).unwrap();
        assert_eq!(c.expires_at, 1060);
        assert_eq!(b.take("c1", "t1", &[ID], 1001).unwrap(), c);
        assert_eq!(
            b.take("c1", "t1", &[ID], 1002),
            Err(ChallengeError::Replayed("c1".into()))
        );
        assert_eq!(
            b.take("zz", "t1", &[ID], 1002),
            Err(ChallengeError::Unknown("zz".into()))
        );
    }

    #[test]
    fn expiry_is_checked_with_the_callers_clock() {
        let mut b = ChallengeBook::new("pf", 60);
        b.issue("t1", &req(ID), 1000, "c1".into(), [1; 32]).unwrap();
        assert!(matches!(
            b.take("c1", "t1", &[ID], 1061),
            Err(ChallengeError::Expired {
                expires_at: 1060,
                ..
            })
        ));
        b.issue("t1", &req(ID), 1000, "c2".into(), [1; 32]).unwrap();
        assert!(b.take("c2", "t1", &[ID], 1060).is_ok());
    }

    #[test]
    fn another_terminal_neither_uses_nor_burns_it() {
        let mut b = ChallengeBook::new("pf", 60);
        b.issue("t1", &req(ID), 1000, "c1".into(), [1; 32]).unwrap();
        assert!(matches!(
            b.take("c1", "t2", &[ID], 1001),
            Err(ChallengeError::WrongTerminal { .. })
        ));
        assert!(b.take("c1", "t1", &[ID], 1001).is_ok());
    }

    #[test]
    fn purpose_must_match() {
        let mut b = ChallengeBook::new("pf", 60);
        b.issue(
            "t1",
            &req(ChallengePurpose::Payment),
            1000,
            "c1".into(),
            [1; 32],
        )
        .unwrap();
        assert!(matches!(
            b.take("c1", "t1", &[ChallengePurpose::Enroll], 1001),
            Err(ChallengeError::WrongPurpose {
                found: ChallengePurpose::Payment,
                ..
            })
        ));
        let c = b
            .take("c1", "t1", &[ID, ChallengePurpose::Payment], 1001)
            .unwrap();
        assert_eq!(c.context.unwrap().amount_jpy, 500);
    }

    #[test]
    fn pruned_after_expiry() {
        let mut b = ChallengeBook::new("pf", 60);
        b.issue("t1", &req(ID), 1000, "c1".into(), [1; 32]).unwrap();
        b.issue("t1", &req(ID), 1000, "c2".into(), [1; 32]).unwrap();
        b.take("c2", "t1", &[ID], 1001).unwrap();
        b.issue("t1", &req(ID), 2000, "c3".into(), [1; 32]).unwrap();
        assert_eq!(b.pending(), 1);
        assert_eq!(
            b.take("c2", "t1", &[ID], 2001),
            Err(ChallengeError::Unknown("c2".into()))
        );
    }
}
