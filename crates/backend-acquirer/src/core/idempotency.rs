//! Idempotency decisions (payments-and-eid-clients.md §1.1, §1.10): the key is the
//! client's; the first answer is stored with the request's fingerprint and replayed for
//! retries (errors included); the same key with other parameters is refused; a request
//! still running answers "in progress", never a decline.
//!
//! The server claims a key (a row "in progress") before it works, and stores the answer in
//! the same transaction as the payment itself. A claim older than the lease whose answer
//! never came can only be a request that died before committing (nothing was charged), so
//! it may be taken over.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A claim older than this (seconds) without an answer died before committing.
pub const CLAIM_LEASE_SECS: i64 = 120;

/// The longest idempotency key (Stripe's limit, payments-and-eid-clients.md §1.1).
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
        /// When it was claimed (Unix seconds).
        started_at: i64,
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

/// Decides what to do with a request of `fingerprint` given what is `stored` for its key.
pub fn decide(stored: Option<&Stored>, fingerprint: &str, now: i64) -> Decision {
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
        }) => {
            if f != fingerprint {
                Decision::Mismatch
            } else if now - started_at >= CLAIM_LEASE_SECS {
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

    fn done(f: &str) -> Stored {
        Stored::Done {
            fingerprint: f.into(),
            status: 402,
            body: "{}".into(),
        }
    }

    #[test]
    fn new_key_is_claimed_and_answer_replayed_errors_included() {
        assert_eq!(decide(None, "a", 0), Decision::Claim);
        assert_eq!(
            decide(Some(&done("a")), "a", 10),
            Decision::Replay {
                status: 402,
                body: "{}".into()
            }
        );
    }

    #[test]
    fn other_parameters_are_a_mismatch_running_or_done() {
        assert_eq!(decide(Some(&done("a")), "b", 10), Decision::Mismatch);
        let running = Stored::InProgress {
            fingerprint: "a".into(),
            started_at: 100,
        };
        assert_eq!(decide(Some(&running), "b", 101), Decision::Mismatch);
    }

    #[test]
    fn running_is_in_progress_until_the_lease_ends() {
        let running = Stored::InProgress {
            fingerprint: "a".into(),
            started_at: 100,
        };
        assert_eq!(decide(Some(&running), "a", 101), Decision::InProgress);
        assert_eq!(
            decide(Some(&running), "a", 100 + CLAIM_LEASE_SECS - 1),
            Decision::InProgress
        );
        assert_eq!(
            decide(Some(&running), "a", 100 + CLAIM_LEASE_SECS),
            Decision::TakeOver
        );
    }

    #[test]
    fn a_reversal_tombstone_answers_any_late_request() {
        assert!(matches!(
            decide(Some(&done(REVERSED_TOMBSTONE)), "anything", 0),
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
