//! How an identification's answer uses its challenge up: the rules
//! ([`crate::core::challenges`]) judge the challenge's binding (this node's copy,
//! [`crate::issued`], or the storage's row), the card's signature is checked against it,
//! and then one transaction of the storage **settles** the answer: it consumes the challenge
//! if it is still pending and writes the answer's audit row, whatever the verdict, so that
//! a failed verification uses the challenge up as a successful one does, and no verdict is
//! given out for an answer that did not consume its challenge. Of two answers at once, on
//! any nodes, one settles; the other finds the challenge taken and is refused as replayed.
//!
//! Every refusal the rules make on a copy, and every answer that finds its challenge no
//! longer pending, takes the storage's own judgement ([`refusal`]): the enrollment's step,
//! which reads the row, asks the rules in their order and carries out their decision (an
//! expired challenge is forgotten). Those are refusals; their audit rows are written by the
//! caller, as for any refusal before the challenge.

use backend_kit::ApiError;
use counter_api::platform::{ChallengeBinding, ChallengePurpose};
use madoguchi_time::UnixTime;

use crate::audit::AuditEvent;
use crate::core::challenges::Stored;
use crate::platform::{Platform, outcome_of};

/// An answer, and whether its audit row is written.
#[derive(Debug)]
#[must_use]
pub enum Answered<T> {
    /// Written, in the transaction that consumed the challenge.
    Audited(Result<T, ApiError>),
    /// For the caller to write ([`Platform::audited`]).
    Unaudited(Result<T, ApiError>),
}

impl<T> Answered<T> {
    /// The answer to send, once its row is written.
    pub fn audited(self, p: &Platform, event: AuditEvent) -> Result<T, ApiError> {
        match self {
            Answered::Audited(result) => result,
            Answered::Unaudited(result) => p.audited(event, result),
        }
    }
}

/// Challenge `id` as the rules judge it: this node's copy if it issued it, else the
/// storage's row (`None`: never issued, or forgotten).
pub fn stored(p: &Platform, id: &str) -> Result<Option<Stored>, ApiError> {
    if let Some(b) = p.issued.get(id) {
        return Ok(Some(Stored::Pending(b)));
    }
    p.store
        .challenge(p.challenges.platform_id(), id)
        .map_err(|e| ApiError::from(e.problem()))
}

/// The storage's judgement of an answer to `id` that the rules refused on a copy, or whose
/// challenge was found no longer pending: a refusal (a challenge that is not pending never
/// becomes so again).
pub fn refusal(
    p: &Platform,
    id: &str,
    terminal_id: &str,
    purposes: &[ChallengePurpose],
    now: UnixTime,
) -> ApiError {
    p.issued.remove(id);
    match p
        .store
        .take_challenge(&p.challenges, id, terminal_id, purposes, now)
    {
        Err(e) => ApiError::from(e.problem()),
        // The row was pending after all, and is now used: the rules judged a copy that
        // differs from it (which the copies' module rules out). Nothing is given out.
        Ok(_) => ApiError::from(counter_api::Problem::new(
            counter_api::ProblemCode::Internal,
            format!("challenge {id} changed while it was answered; ask for a new one"),
        )),
    }
}

/// Settles an answer to `binding` with `verdict`: consumes the challenge and writes
/// `event` with the verdict's outcome, in one transaction. When the challenge is no longer
/// pending, the storage's refusal instead.
pub fn settle<T>(
    p: &Platform,
    binding: &ChallengeBinding,
    purposes: &[ChallengePurpose],
    now: UnixTime,
    event: &AuditEvent,
    verdict: Result<T, ApiError>,
) -> Answered<T> {
    let id = &binding.challenge_id;
    let row = outcome_of(event.clone(), verdict.as_ref().map(|_| ()));
    match p.store.settle_answer(id, &binding.terminal_id, &row) {
        Ok(true) => {
            p.issued.remove(id);
            Answered::Audited(verdict)
        }
        Ok(false) => Answered::Unaudited(Err(refusal(p, id, &binding.terminal_id, purposes, now))),
        Err(e) => Answered::Unaudited(Err(ApiError::from(e.problem()))),
    }
}
