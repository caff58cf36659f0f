//! The re-check queue's decisions (docs/domain/eligibility.md §5 R1, R3, R5): after a fallback, the
//! runtime's worker re-checks by insurance number through the insurer's bulk pre-check
//! (`POST /v1/bulk-prechecks`, then `GET …/{reception_number}`, §2.6), and asks here what
//! each answer means: done (and whether it contradicts what the patient presented), fetch
//! the bulk result again, retry later with backoff, or give up.
//!
//! Worker loop: [`bulk_requests`] for the items due → submit each → fetch its result →
//! [`decide_bulk`] with the items submitted → persist every [`RecheckDecision`].

use std::collections::BTreeMap;

use counter_api::insurer::{
    BulkPrecheckEntry, BulkPrecheckItem, BulkPrecheckRequest, BulkPrecheckResult, BulkStatus,
    EligibilityResponse,
};
use serde::{Deserialize, Serialize};

use super::fallback::Presented;
use super::record::{CheckDetails, CheckRecord, CheckSource, CheckSummary};
use super::setup::Mode;
use super::validity::{Ratio, RatioSource, Validity, primary_index, ratio_of};
use super::warnings::{Known, PersonField, person_diff};
use crate::{BackendFailure, Code, UnixTime};

/// Most entries per bulk submission: the insurer reference server's limit
/// (`backend-insurer` `MAX_BULK_ENTRIES`; the real limit is not public \[C\]).
pub const MAX_BULK_ENTRIES: usize = 1000;
/// Wait between recording a fallback and its first re-check (our choice: the failure that
/// caused the fallback has just happened).
pub const FIRST_RECHECK_SECS: i64 = 60;
/// Wait before fetching a bulk result that is still 処理中 (`SegmentOfResult` 2).
pub const FETCH_AGAIN_SECS: i64 = 60;

/// Why a pending re-check was given up when staff recorded the check's fallback again with
/// a document that cannot be re-checked (the queue's `last_error`: no personal details).
pub const RECHECK_REPLACED: &str =
    "the fallback was recorded again with a document that cannot be re-checked";

/// How often to retry and when to stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecheckPolicy {
    /// Waits after the 1st, 2nd, … failed attempt; the last one repeats (our choice: 1 min,
    /// 5 min, 15 min, then hourly).
    pub backoff_secs: Vec<i64>,
    /// Give up this long after queueing (our choice: 7 days; insurer lag is usually a day or
    /// two, §1.4, and claims go out monthly).
    pub give_up_after_secs: i64,
}

impl Default for RecheckPolicy {
    fn default() -> Self {
        Self {
            backoff_secs: vec![60, 300, 900, 3600],
            give_up_after_secs: 7 * 86_400,
        }
    }
}

impl RecheckPolicy {
    /// The wait after `attempts` failed attempts (1-based; 0 is the first try).
    pub fn delay(&self, attempts: u32) -> i64 {
        let i = (attempts.max(1) - 1) as usize;
        self.backoff_secs
            .get(i)
            .or(self.backoff_secs.last())
            .copied()
            .unwrap_or(60)
            .max(1)
    }
}

/// `EnqueueRecheck`: one queued re-check (the runtime persists it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecheckRequest {
    /// The check it completes (also the bulk entry's `reference`).
    pub check_id: String,
    /// Reception or pharmacy.
    pub mode: Mode,
    /// The clinic's patient id, when known.
    pub patient_ref: Option<String>,
    /// The visit day the check is "as of" (`QualificationConfirmationDate`, `YYYYMMDD`).
    pub visit_date: String,
    /// What the patient presented (its numbers are asked about).
    pub presented: Presented,
    /// When queued.
    pub queued_at: UnixTime,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When to try next.
    pub next_at: UnixTime,
}

impl RecheckRequest {
    /// The bulk entry (§2.2 fields); `None` without insurer number and number.
    pub fn entry(&self) -> Option<BulkPrecheckEntry> {
        Some(BulkPrecheckEntry {
            reference: self.check_id.clone(),
            insurer_number: self.presented.insurer_number.clone()?,
            symbol: self.presented.symbol.clone(),
            number: self.presented.number.clone()?,
            branch: self.presented.branch.clone(),
            birth_date: self.presented.birth_date.clone(),
        })
    }
}

/// How a re-check result differs from what the patient presented.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Contradiction {
    /// The qualification is not valid as presented (`QualificationValidity` 2–5 or unknown).
    Validity {
        /// As answered.
        validity: String,
    },
    /// The ratio differs from the one charged.
    Ratio {
        /// Charged, in tenths.
        presented: u8,
        /// Found.
        found: Ratio,
    },
    /// The person differs from the form.
    Person {
        /// What differs.
        fields: Vec<PersonField>,
    },
    /// The insurer refused the entry (`ProcessingResultStatus` 2), message verbatim.
    InsurerError {
        /// `ProcessingResultCode`.
        code: Option<String>,
        /// `ProcessingResultMessage`.
        message: Option<String>,
    },
}

/// A finished re-check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecheckDone {
    /// The check.
    pub check_id: String,
    /// [`Code::RecheckContradiction`] when `contradictions` is not empty, else the
    /// validity's code.
    pub code: Code,
    /// Differences from what was presented, for staff.
    pub contradictions: Vec<Contradiction>,
    /// `RecordCheck` replacing the fallback record.
    pub record: CheckRecord,
}

/// What to do with one queued item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum RecheckDecision {
    /// Remove it from the queue; show staff `done.code` if it is a contradiction.
    Done(Box<RecheckDone>),
    /// The bulk result is still 処理中: fetch the same reception number again at `at`.
    FetchAgain {
        /// The check.
        check_id: String,
        /// When (Unix seconds).
        at: UnixTime,
    },
    /// Keep it queued: store `attempts` and `next_at`.
    RetryAt {
        /// The check.
        check_id: String,
        /// Failed attempts so far.
        attempts: u32,
        /// When to try next.
        next_at: UnixTime,
    },
    /// Remove it from the queue and tell staff ([`Code::RecheckGaveUp`]).
    GaveUp {
        /// The check.
        check_id: String,
        /// [`Code::RecheckGaveUp`].
        code: Code,
    },
}

/// The outcome of one attempt for one item.
#[derive(Clone, Copy, Debug)]
pub enum RetryOutcome<'a> {
    /// The insurer answered for this entry.
    Answered(&'a BulkPrecheckItem),
    /// The bulk pre-check is still 処理中.
    Processing,
    /// No answer for this entry: unreachable, 5xx, 408 or 429, `SegmentOfResult` 9, or
    /// missing.
    Unreachable,
    /// A definite refusal that retrying will not change ([`BackendFailure::refused`]).
    Refused,
}

/// The bulk submissions for the items due at `now`: one per visit date (the date is per
/// submission), at most [`MAX_BULK_ENTRIES`] entries each.
pub fn bulk_requests(
    items: &[RecheckRequest],
    medical_institution_code: &str,
    now: UnixTime,
) -> Vec<BulkPrecheckRequest> {
    let mut by_date: BTreeMap<&str, Vec<BulkPrecheckEntry>> = BTreeMap::new();
    for item in items.iter().filter(|i| i.next_at <= now) {
        if let Some(e) = item.entry() {
            by_date.entry(item.visit_date.as_str()).or_default().push(e);
        }
    }
    by_date
        .into_iter()
        .flat_map(|(date, entries)| {
            entries
                .chunks(MAX_BULK_ENTRIES)
                .map(|c| BulkPrecheckRequest {
                    medical_institution_code: medical_institution_code.to_owned(),
                    qualification_confirmation_date: date.to_owned(),
                    entries: c.to_vec(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Decides for every item of one submission from the fetch's outcome.
pub fn decide_bulk(
    submitted: &[RecheckRequest],
    outcome: &Result<BulkPrecheckResult, BackendFailure>,
    now: UnixTime,
    policy: &RecheckPolicy,
) -> Vec<RecheckDecision> {
    submitted
        .iter()
        .map(|item| {
            let o = match outcome {
                // An unknown 受付番号 is not the entry's refusal: it is submitted again.
                Err(f)
                    if f.refused()
                        && f.problem() != Some(counter_api::ProblemCode::ReceptionUnknown) =>
                {
                    RetryOutcome::Refused
                }
                Err(_) => RetryOutcome::Unreachable,
                Ok(r) => match r.status {
                    BulkStatus::Processing => RetryOutcome::Processing,
                    BulkStatus::Failed => RetryOutcome::Unreachable,
                    BulkStatus::Completed => r
                        .items
                        .iter()
                        .find(|i| i.reference == item.check_id)
                        .map_or(RetryOutcome::Unreachable, RetryOutcome::Answered),
                },
            };
            decide(item, o, now, policy)
        })
        .collect()
}

/// Decides for one queued item.
pub fn decide(
    item: &RecheckRequest,
    outcome: RetryOutcome<'_>,
    now: UnixTime,
    policy: &RecheckPolicy,
) -> RecheckDecision {
    let check_id = item.check_id.clone();
    let expired = now.secs_since(item.queued_at) >= policy.give_up_after_secs;
    let retry = |item: &RecheckRequest| {
        let attempts = item.attempts.saturating_add(1);
        RecheckDecision::RetryAt {
            check_id: item.check_id.clone(),
            attempts,
            next_at: now.plus_secs(policy.delay(attempts)),
        }
    };
    let gave_up = RecheckDecision::GaveUp {
        check_id: check_id.clone(),
        code: Code::RecheckGaveUp,
    };
    match outcome {
        RetryOutcome::Refused => gave_up,
        RetryOutcome::Processing if expired => gave_up,
        RetryOutcome::Processing => RecheckDecision::FetchAgain {
            check_id,
            at: now.plus_secs(FETCH_AGAIN_SECS),
        },
        RetryOutcome::Unreachable if expired => gave_up,
        RetryOutcome::Unreachable => retry(item),
        RetryOutcome::Answered(a) => {
            // 4 with a normal processing result is most often insurer lag (§1.4): wait for
            // the record to arrive, until the window closes.
            if a.qualification_validity == "4" && a.processing_result.status == "1" && !expired {
                return retry(item);
            }
            RecheckDecision::Done(Box::new(done(item, a, now)))
        }
    }
}

fn done(item: &RecheckRequest, a: &BulkPrecheckItem, now: UnixTime) -> RecheckDone {
    let p = &item.presented;
    let validity = Validity::parse(&a.qualification_validity);
    let response = EligibilityResponse {
        processing_result: a.processing_result.clone(),
        qualification_validity: a.qualification_validity.clone(),
        arbitrary_identifier: Some(item.check_id.clone()),
        results: a.results.clone(),
    };
    let primary = primary_index(&validity, &response, None, &item.visit_date);
    let record = primary.and_then(|i| a.results.get(i));
    let found = record.map(|r| ratio_of(r, &item.visit_date));
    let mut contradictions = Vec::new();
    if a.processing_result.status == "2" {
        contradictions.push(Contradiction::InsurerError {
            code: a.processing_result.code.clone(),
            message: a.processing_result.message.clone(),
        });
    }
    if !validity.is_valid() {
        contradictions.push(Contradiction::Validity {
            validity: a.qualification_validity.clone(),
        });
    }
    if validity.is_valid()
        && let Some(found) = &found
        && !matches!(found, Ratio::Tenths { tenths, .. } if *tenths == p.ratio_tenths)
    {
        contradictions.push(Contradiction::Ratio {
            presented: p.ratio_tenths,
            found: found.clone(),
        });
    }
    if let Some(r) = record {
        let known = Known {
            name: Some(&p.name),
            kana: None,
            birth: Some(&p.birth_date),
            sex: None,
        };
        let fields = person_diff(r, &known);
        if !fields.is_empty() {
            contradictions.push(Contradiction::Person { fields });
        }
    }
    let code = if contradictions.is_empty() {
        validity.code()
    } else {
        Code::RecheckContradiction
    };
    let ratio_tenths = match found {
        Some(Ratio::Tenths { tenths, .. }) if validity.is_valid() => Some(tenths),
        _ => None,
    };
    let summary = CheckSummary {
        check_id: item.check_id.clone(),
        at: now,
        mode: item.mode,
        patient_ref: item.patient_ref.clone(),
        source: CheckSource::Recheck,
        validity: a.qualification_validity.clone(),
        ratio_tenths,
        warnings: if contradictions.is_empty() {
            vec![]
        } else {
            vec![Code::RecheckContradiction]
        },
        recheck_queued: false,
    };
    let details = CheckDetails {
        response: Some(response),
        chosen_record: None,
        presented: Some(p.clone()),
        consents: None,
    };
    RecheckDone {
        check_id: item.check_id.clone(),
        code,
        contradictions,
        record: CheckRecord { summary, details },
    }
}

/// The document ratio as a [`Ratio`] (for views).
pub fn presented_ratio(p: &Presented) -> Ratio {
    Ratio::Tenths {
        tenths: p.ratio_tenths,
        source: RatioSource::Document,
    }
}

#[cfg(test)]
#[path = "recheck_tests.rs"]
mod tests;
