//! Idempotency decisions (docs/domain/payments-and-eid-clients.md §1.1, §1.10): the key is the
//! client's; the first answer is stored with the request's fingerprint and replayed for
//! retries (errors included); the same key with other parameters is refused; a request
//! still running answers "in progress", never a decline.
//!
//! The server claims a key (a row "in progress", with a random claim token) before it
//! works, and stores the answer in the same transaction as the payment itself, **only if
//! the row still holds its own claim** (compare-and-set on the state and the token:
//! [`crate::store::finish`]). So a claim is a lease, honoured everywhere:
//!
//! - a claim older than the lease ([`crate::config::KeyRules::claim_lease_secs`]) is "not
//!   done": a retry takes it over ([`Decision::TakeOver`]), the status query releases it
//!   and answers "nothing was charged" ([`ClaimView::Expired`]), a reversal turns it into
//!   its tombstone;
//! - the request that held it, if it was only slow and not dead, then fails its
//!   compare-and-set and commits nothing: its transaction (payment, operations, `jti`) is
//!   rolled back, so whatever the others answered stays true;
//! - a claim found when the acquirer starts belongs to a process that is gone: it is
//!   released at once ([`crate::store::release_stale`]).
//!
//! Without the lease a request killed inside its work (SIGKILL, power cut) left its claim
//! "in progress" for good, and the terminal's sale in doubt for ever.

use madoguchi_time::UnixTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The longest idempotency key (Stripe's limit, docs/domain/payments-and-eid-clients.md §1.1).
pub const MAX_KEY_LEN: usize = 255;

/// The fingerprint stored by a reversal for an authorisation key it found unused: a late
/// authorisation under that key gets the stored refusal, whatever its parameters.
pub const REVERSED_TOMBSTONE: &str = "reversed-before-arrival";

/// What the store holds for a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Claimed, not answered yet.
    InProgress {
        /// The request's fingerprint.
        fingerprint: String,
        /// When it was claimed.
        started_at: UnixTime,
        /// The claim's token: only the request holding it may answer the key.
        claim: i64,
    },
    /// Answered: the answer to replay.
    Done {
        /// The request's fingerprint.
        fingerprint: String,
        /// HTTP status of the stored answer.
        status: u16,
        /// The stored body (JSON).
        body: String,
    },
}

/// What to do with a request carrying a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// New key: claim it and process the request.
    Claim,
    /// A dead claim with the same fingerprint: take it over and process.
    TakeOver,
    /// Replay the stored answer.
    Replay {
        /// Status.
        status: u16,
        /// Body.
        body: String,
    },
    /// The first request is still running: answer `409 request_in_progress`.
    InProgress,
    /// The key was used with other parameters: answer `idempotency_key_mismatch`.
    Mismatch,
}

/// Whether a claim made at `started_at` has outlived a lease of `lease_secs` at `now`.
pub fn expired(started_at: UnixTime, now: UnixTime, lease_secs: i64) -> bool {
    now.secs_since(started_at) >= lease_secs
}

/// How a status query or a reversal sees a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimView {
    /// Inside its lease: the request may still commit; ask again.
    Running,
    /// Past its lease: nothing was committed under it, and (once released or tombstoned
    /// in the same transaction) nothing can be.
    Expired,
}

/// How a status query or a reversal at `now` sees a claim made at `started_at`.
pub fn view(started_at: UnixTime, now: UnixTime, lease_secs: i64) -> ClaimView {
    if expired(started_at, now, lease_secs) {
        ClaimView::Expired
    } else {
        ClaimView::Running
    }
}

/// Decides what to do with a request of `fingerprint` given what is `stored` for its key,
/// at `now`, claims lasting `lease_secs`.
pub fn decide(
    stored: Option<&Stored>,
    fingerprint: &str,
    now: UnixTime,
    lease_secs: i64,
) -> Decision {
    match stored {
        None => Decision::Claim,
        Some(Stored::Done {
            fingerprint: f,
            status,
            body,
        }) => {
            if f == fingerprint || f == REVERSED_TOMBSTONE {
                Decision::Replay {
                    status: *status,
                    body: body.clone(),
                }
            } else {
                Decision::Mismatch
            }
        }
        Some(Stored::InProgress {
            fingerprint: f,
            started_at,
            ..
        }) => {
            if f != fingerprint {
                Decision::Mismatch
            } else if expired(*started_at, now, lease_secs) {
                Decision::TakeOver
            } else {
                Decision::InProgress
            }
        }
    }
}

/// The fingerprint of a request: SHA-256 over the operation, its target (payment id or
/// empty) and the parameters as JSON, lower-case hex. The assertion is not a parameter: a
/// retry may carry the same one, and a replayed answer does not use it.
pub fn fingerprint(operation: &str, target: &str, params: &impl Serialize) -> String {
    let json = serde_json::to_vec(params).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(operation.as_bytes());
    h.update([0]);
    h.update(target.as_bytes());
    h.update([0]);
    h.update(&json);
    hex::encode(h.finalize())
}

/// Checks a client key: 1-255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err("the idempotency key is 1-255 characters");
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the idempotency key is visible ASCII (a V4 UUID is a good key)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: i64 = 120;

    const fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    fn running(f: &str, started_at: i64) -> Stored {
        Stored::InProgress {
            fingerprint: f.into(),
            started_at: at(started_at),
            claim: 7,
        }
    }

    fn done(f: &str) -> Stored {
        Stored::Done {
            fingerprint: f.into(),
            status: 402,
            body: "{}".into(),
        }
    }

    #[test]
    fn new_key_is_claimed_and_answer_replayed_errors_included() {
        assert_eq!(decide(None, "a", at(0), LEASE), Decision::Claim);
        assert_eq!(
            decide(Some(&done("a")), "a", at(10), LEASE),
            Decision::Replay {
                status: 402,
                body: "{}".into()
            }
        );
    }

    #[test]
    fn other_parameters_are_a_mismatch_running_or_done() {
        assert_eq!(
            decide(Some(&done("a")), "b", at(10), LEASE),
            Decision::Mismatch
        );
        assert_eq!(
            decide(Some(&running("a", 100)), "b", at(101), LEASE),
            Decision::Mismatch
        );
    }

    #[test]
    fn running_is_in_progress_until_the_lease_ends() {
        let r = running("a", 100);
        assert_eq!(decide(Some(&r), "a", at(101), LEASE), Decision::InProgress);
        assert_eq!(
            decide(Some(&r), "a", at(100 + LEASE - 1), LEASE),
            Decision::InProgress
        );
        assert_eq!(
            decide(Some(&r), "a", at(100 + LEASE), LEASE),
            Decision::TakeOver
        );
        // A short lease (the tests') ends sooner.
        assert_eq!(decide(Some(&r), "a", at(102), 2), Decision::TakeOver);
    }

    #[test]
    fn status_and_reversal_see_a_claim_past_its_lease_as_not_done() {
        assert_eq!(view(at(100), at(100), LEASE), ClaimView::Running);
        assert_eq!(
            view(at(100), at(100 + LEASE - 1), LEASE),
            ClaimView::Running
        );
        assert_eq!(view(at(100), at(100 + LEASE), LEASE), ClaimView::Expired);
        // A clock stepped back never makes a claim older.
        assert_eq!(view(at(100), at(50), LEASE), ClaimView::Running);
        assert_eq!(view(at(i64::MIN), at(i64::MAX), LEASE), ClaimView::Expired);
    }

    #[test]
    fn a_reversal_tombstone_answers_any_late_request() {
        assert!(matches!(
            decide(Some(&done(REVERSED_TOMBSTONE)), "anything", at(0), LEASE),
            Decision::Replay { .. }
        ));
    }

    #[test]
    fn fingerprints_separate_operation_target_and_parameters() {
        let a = fingerprint("capture", "pay_1", &serde_json::json!({"amount_jpy": 1}));
        assert_eq!(
            a,
            fingerprint("capture", "pay_1", &serde_json::json!({"amount_jpy": 1}))
        );
        assert_ne!(
            a,
            fingerprint("capture", "pay_2", &serde_json::json!({"amount_jpy": 1}))
        );
        assert_ne!(
            a,
            fingerprint("refund", "pay_1", &serde_json::json!({"amount_jpy": 1}))
        );
        assert_ne!(
            a,
            fingerprint("capture", "pay_1", &serde_json::json!({"amount_jpy": 2}))
        );
    }

    #[test]
    fn keys_are_checked() {
        assert!(check_key("3f1c-uuid").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("has space").is_err());
        assert!(check_key(&"k".repeat(256)).is_err());
    }
}
