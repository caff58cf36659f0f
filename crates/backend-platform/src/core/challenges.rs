//! The challenge rules: which challenge to issue to a terminal, and what answering one does.
//! Sans-IO: the storages ([`crate::storage`]) read the stored challenge, ask these rules,
//! and carry out the decision in the same transaction, so that a challenge is taken exactly
//! once even when two nodes are answered at once.
//!
//! Rules, in the order [`ChallengeRules::take`] checks them:
//! 1. an id never issued (or forgotten after expiry) → [`ChallengeError::Unknown`];
//! 2. an id already taken → [`ChallengeError::Replayed`] (taken ids are remembered until
//!    they would have expired, after which a replay is `Unknown` *and* expired anyway);
//! 3. another terminal → [`ChallengeError::WrongTerminal`], and the challenge stays
//!    pending: a terminal cannot burn another's challenge;
//! 4. past `expires_at` → [`ChallengeError::Expired`] (the challenge is dropped);
//! 5. a purpose not accepted by the endpoint → [`ChallengeError::WrongPurpose`] (stays);
//! 6. otherwise the challenge is consumed whatever the signature's verdict: a failed
//!    verification uses it up, so a terminal cannot try signatures against one nonce.
//!
//! Where they are enforced: rules 1–5 here, in [`ChallengeRules::take`], which the storages
//! call on the stored row before an enrollment checks anything
//! (`Storage::take_challenge`), and which an identification calls on the challenge's binding
//! (this node's copy, `crate::issued`, or the row) before it checks the signature. Rule 6's
//! "once" is the storages': an identification then *settles* (`Storage::settle_answer`,
//! `settle_enrolled`): one transaction consumes the challenge if it is still pending and
//! writes the answer's audit row, whatever the verdict; an answer that finds it taken gets
//! no verdict, only the storage's refusal (`Replayed`). The quota below is
//! [`ChallengeRules::admits`]; the PostgreSQL storage compares the count with
//! [`ChallengeRules::quota`] in the statement that inserts, then asks `admits`.
//!
//! Issuing is bounded per terminal: a terminal holds at most its quota of live challenges
//! ([`DEFAULT_PER_TERMINAL`] unless configured; beyond it
//! [`ChallengeError::QuotaExceeded`]), so a terminal that asks for challenges and never
//! answers them fills its own quota, not the store for everyone. The store holds at most
//! the registered terminals' quotas plus the used ids of one lifetime; storages forget
//! challenges once they are no longer live ([`is_live`]).

use counter_api::platform::{ChallengeBinding, ChallengePurpose, ChallengeRequest, NONCE_LEN};
use madoguchi_time::UnixTime;

/// Largest per-terminal quota accepted in the configuration. At 3,000 identifications/s and
/// a 60 s lifetime the steady state is 180,000 live challenges at worst if none were
/// answered; real terminals answer within seconds.
pub const MAX_PENDING: usize = 200_000;

/// Default live challenges per terminal. A counter asks for one challenge per card and
/// answers it within seconds (the PIN, the card's signature); with a 60 s lifetime even a
/// desk that restarts its identifications every second holds about 60. A hundred leaves
/// room for that.
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
    /// Too many pending challenges (the rules bound each terminal instead; kept for the
    /// problem table).
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

/// A stored challenge, as a storage read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Issued, not answered yet.
    Pending(ChallengeBinding),
    /// Answered once already; remembered until it would have expired.
    Used,
}

/// What answering a challenge does, for the storage to carry out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TakeDecision {
    /// Accept the answer: mark the challenge used (remembered until its expiry, so that a
    /// replay is told apart from an unknown id), then verify the signature.
    Consume(ChallengeBinding),
    /// Refuse and forget the challenge (it expired).
    Forget(ChallengeError),
    /// Refuse and leave the challenge as it is.
    Keep(ChallengeError),
}

impl TakeDecision {
    /// The binding accepted, or the refusal.
    pub fn into_result(self) -> Result<ChallengeBinding, ChallengeError> {
        match self {
            TakeDecision::Consume(b) => Ok(b),
            TakeDecision::Forget(e) | TakeDecision::Keep(e) => Err(e),
        }
    }
}

/// The rules of one platform's challenges: its id, their lifetime, the quota per terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeRules {
    platform_id: String,
    ttl_secs: i64,
    per_terminal_limit: usize,
}

impl ChallengeRules {
    /// Rules for `platform_id` whose challenges live `ttl_secs`, each terminal holding at
    /// most [`DEFAULT_PER_TERMINAL`] of them.
    pub fn new(platform_id: impl Into<String>, ttl_secs: i64) -> Self {
        Self {
            platform_id: platform_id.into(),
            ttl_secs,
            per_terminal_limit: DEFAULT_PER_TERMINAL,
        }
    }

    /// The platform whose challenges these are.
    pub fn platform_id(&self) -> &str {
        &self.platform_id
    }

    /// Each terminal holds at most `limit` live challenges (at least one).
    pub fn with_terminal_quota(mut self, limit: usize) -> Self {
        self.per_terminal_limit = limit.max(1);
        self
    }

    /// The challenge to issue for a validated `req` from `terminal_id`, which holds `held`
    /// live (unanswered, unexpired) challenges now. `id` and `nonce` are fresh random values
    /// from the caller.
    pub fn issue(
        &self,
        terminal_id: &str,
        req: &ChallengeRequest,
        now: UnixTime,
        held: usize,
        id: String,
        nonce: [u8; NONCE_LEN],
    ) -> Result<ChallengeBinding, ChallengeError> {
        self.admits(held)?;
        Ok(self.binding(terminal_id, req, now, id, nonce))
    }

    /// The quota rule alone: whether a terminal holding `held` live challenges may be given
    /// one more. A storage that writes the challenge in the statement that counts (the
    /// PostgreSQL storage, to spare a round trip) inserts only while fewer than
    /// [`Self::quota`] are held, and then asks this rule with the count it read: the rule
    /// decides the answer, the statement only takes its parameter.
    pub fn admits(&self, held: usize) -> Result<(), ChallengeError> {
        if held >= self.per_terminal_limit {
            return Err(ChallengeError::QuotaExceeded {
                limit: self.per_terminal_limit,
                ttl_secs: self.ttl_secs,
            });
        }
        Ok(())
    }

    /// The live challenges a terminal may hold: a count that reaches it refuses the next
    /// ([`Self::admits`]), so a terminal never holds more (but after the quota is lowered,
    /// until its challenges expire).
    pub fn quota(&self) -> usize {
        self.per_terminal_limit
    }

    /// The binding of a challenge issued now (whether the quota admits it is
    /// [`Self::admits`]'s question).
    pub fn binding(
        &self,
        terminal_id: &str,
        req: &ChallengeRequest,
        now: UnixTime,
        id: String,
        nonce: [u8; NONCE_LEN],
    ) -> ChallengeBinding {
        ChallengeBinding {
            platform_id: self.platform_id.clone(),
            challenge_id: id,
            nonce,
            terminal_id: terminal_id.to_owned(),
            purpose: req.purpose,
            context: req.context.clone(),
            expires_at: now.plus_secs(self.ttl_secs),
        }
    }

    /// What answering challenge `id` (found as `stored`, `None`: not stored) from
    /// `terminal_id` for one of `purposes` does (see the module doc).
    pub fn take(
        &self,
        id: &str,
        stored: Option<&Stored>,
        terminal_id: &str,
        purposes: &[ChallengePurpose],
        now: UnixTime,
    ) -> TakeDecision {
        let b = match stored {
            None => return TakeDecision::Keep(ChallengeError::Unknown(id.to_owned())),
            Some(Stored::Used) => {
                return TakeDecision::Keep(ChallengeError::Replayed(id.to_owned()));
            }
            Some(Stored::Pending(b)) => b,
        };
        if b.terminal_id != terminal_id {
            return TakeDecision::Keep(ChallengeError::WrongTerminal { id: id.to_owned() });
        }
        if now > b.expires_at {
            return TakeDecision::Forget(ChallengeError::Expired {
                id: id.to_owned(),
                expires_at: b.expires_at,
            });
        }
        if !purposes.contains(&b.purpose) {
            return TakeDecision::Keep(ChallengeError::WrongPurpose {
                id: id.to_owned(),
                found: b.purpose,
            });
        }
        TakeDecision::Consume(b.clone())
    }
}

/// Whether a stored challenge expiring at `expires_at` is live at `now`: a pending one
/// counts against its terminal's quota, a used one is remembered. A challenge that is not
/// live may be forgotten: an answer to it is refused anyway, and a replay of a used one past
/// its expiry is `Unknown` and expired alike.
pub fn is_live(expires_at: UnixTime, now: UnixTime) -> bool {
    expires_at >= now
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
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

    fn issued(r: &ChallengeRules, p: ChallengePurpose) -> Stored {
        Stored::Pending(
            r.issue("t1", &req(p), at(1000), 0, "c1".into(), [1; 32])
                .unwrap(),
        )
    }

    #[test]
    fn consumed_once_then_replayed() {
        let r = ChallengeRules::new("pf", 60);
        let s = issued(&r, ID);
        let Stored::Pending(b) = &s else { panic!() };
        assert_eq!(b.expires_at, at(1060));
        assert_eq!(
            r.take("c1", Some(&s), "t1", &[ID], at(1001)),
            TakeDecision::Consume(b.clone())
        );
        assert_eq!(
            r.take("c1", Some(&Stored::Used), "t1", &[ID], at(1002)),
            TakeDecision::Keep(ChallengeError::Replayed("c1".into()))
        );
        assert_eq!(
            r.take("zz", None, "t1", &[ID], at(1002)),
            TakeDecision::Keep(ChallengeError::Unknown("zz".into()))
        );
    }

    #[test]
    fn expiry_is_checked_with_the_callers_clock() {
        let r = ChallengeRules::new("pf", 60);
        let s = issued(&r, ID);
        assert!(matches!(
            r.take("c1", Some(&s), "t1", &[ID], at(1061)),
            TakeDecision::Forget(ChallengeError::Expired { expires_at, .. }) if expires_at == at(1060)
        ));
        assert!(matches!(
            r.take("c1", Some(&s), "t1", &[ID], at(1060)),
            TakeDecision::Consume(_)
        ));
        assert!(is_live(at(1060), at(1060)) && !is_live(at(1060), at(1061)));
    }

    #[test]
    fn another_terminal_neither_uses_nor_burns_it() {
        let r = ChallengeRules::new("pf", 60);
        let s = issued(&r, ID);
        assert!(matches!(
            r.take("c1", Some(&s), "t2", &[ID], at(1001)),
            TakeDecision::Keep(ChallengeError::WrongTerminal { .. })
        ));
    }

    #[test]
    fn purpose_must_match() {
        let r = ChallengeRules::new("pf", 60);
        let s = issued(&r, ChallengePurpose::Payment);
        assert!(matches!(
            r.take("c1", Some(&s), "t1", &[ChallengePurpose::Enroll], at(1001)),
            TakeDecision::Keep(ChallengeError::WrongPurpose {
                found: ChallengePurpose::Payment,
                ..
            })
        ));
        let c = r
            .take(
                "c1",
                Some(&s),
                "t1",
                &[ID, ChallengePurpose::Payment],
                at(1001),
            )
            .into_result()
            .unwrap();
        assert_eq!(c.context.unwrap().amount_jpy, 500);
    }

    #[test]
    fn the_quota_counts_the_terminals_live_challenges() {
        let r = ChallengeRules::new("pf", 60).with_terminal_quota(2);
        assert!(
            r.issue("t1", &req(ID), at(1000), 1, "a".into(), [1; 32])
                .is_ok()
        );
        assert_eq!(
            r.issue("t1", &req(ID), at(1000), 2, "b".into(), [1; 32]),
            Err(ChallengeError::QuotaExceeded {
                limit: 2,
                ttl_secs: 60
            })
        );
        let r = ChallengeRules::new("pf", 60).with_terminal_quota(0);
        assert!(
            r.issue("t1", &req(ID), at(1000), 0, "a".into(), [1; 32])
                .is_ok()
        );
        assert_eq!(r.quota(), 1);
    }

    #[test]
    fn the_quota_rule_alone_says_what_issue_says() {
        let r = ChallengeRules::new("pf", 60).with_terminal_quota(3);
        assert_eq!(r.quota(), 3);
        for held in 0..6 {
            assert_eq!(
                r.admits(held).is_ok(),
                r.issue("t1", &req(ID), at(1000), held, "a".into(), [1; 32])
                    .is_ok(),
                "held {held}"
            );
        }
        assert!(r.admits(2).is_ok() && r.admits(3).is_err());
        assert_eq!(
            r.binding("t1", &req(ID), at(1000), "a".into(), [1; 32]),
            r.issue("t1", &req(ID), at(1000), 0, "a".into(), [1; 32])
                .unwrap()
        );
    }
}
