//! The re-check worker (docs/domain/eligibility.md §5 R1, R3): confirms the fallbacks in the store's
//! queue online through the insurer's bulk pre-check (§2.6), following the loop of
//! `counter_core::eligibility::recheck`: the items due → [`bulk_requests`] → submit each
//! ([`Backends::bulk_submit`]) → store its 受付番号 → fetch its result
//! ([`Backends::bulk_fetch`]) → [`decide_bulk`] → store every decision.
//!
//! Call [`run_due`] at start and then on a schedule (every minute is plenty: the policy's
//! waits are a minute or more). It decides nothing itself: every outcome is the core's
//! [`RecheckDecision`], stored by [`Store::record_recheck_decision`].
//!
//! A stop at any point loses nothing: the 受付番号 is stored **before** the fetch, so a
//! worker stopped between submitting and fetching fetches that submission on its next run
//! instead of submitting again; so does one whose fetch met an unreachable insurer. Only a
//! submission whose answer was lost before it could be stored is sent again (harmless: a
//! pre-check changes nothing at the insurer).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use counter_api::ProblemCode;
use counter_api::insurer::{BulkPrecheckResult, BulkStatus};
use counter_core::UnixTime;
use counter_core::eligibility::{
    RecheckDecision, RecheckPolicy, RecheckRequest, RetryOutcome, bulk_requests, decide,
    decide_bulk,
};
use counter_core::{BackendFailure, Code};
use counter_store::{DueRecheck, Store, StoreError};
use serde::Serialize;

use crate::error::RuntimeError;
use crate::http::Backends;

/// `last_error` of an item without the numbers a bulk entry needs (the machine never
/// queues one: `Presented::can_recheck`).
const NO_NUMBERS: &str = "no insurer number and number to re-check by";

/// What one run did, for staff and the log (check ids only, no personal details).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RecheckReport {
    /// Items that were due.
    pub due: usize,
    /// Bulk submissions sent (each holds the items of one visit date).
    pub submissions: usize,
    /// Checks confirmed online as presented: their record is now the insurer's answer.
    pub confirmed: Vec<String>,
    /// Checks whose re-check contradicts what the patient presented
    /// ([`Code::RecheckContradiction`]: not valid, another share, another person, or
    /// refused by the insurer). Their record is now the insurer's answer; staff must look
    /// at each, since the share charged may be wrong.
    pub contradicted: Vec<String>,
    /// Items left queued to try again after the policy's backoff (insurer unreachable,
    /// result missing, record not loaded yet).
    pub retried: usize,
    /// Items whose bulk result is still 処理中, to fetch again with the same 受付番号.
    pub fetching: usize,
    /// Checks whose re-check was given up ([`Code::RecheckGaveUp`]): the fallback stands
    /// as recorded, and staff are told.
    pub gave_up: Vec<String>,
    /// Outcomes dropped because staff queued a new request for the check meanwhile (that
    /// request runs on its own).
    pub superseded: usize,
}

/// Runs every re-check due at `now` once, through `backends`' insurer, for the institution
/// `medical_institution_code` (the bulk pre-check's `MedicalInstitutionCode`), and returns
/// what happened. Items whose bulk result is still 処理中 are fetched again on a later run.
///
/// Errors only when the store fails (what was stored before stays; the rest is still
/// queued and runs next time); the insurer's failures are outcomes, stored per item.
pub async fn run_due(
    store: &Mutex<Store>,
    backends: &Backends,
    medical_institution_code: &str,
    now: UnixTime,
    policy: &RecheckPolicy,
) -> Result<RecheckReport, RuntimeError> {
    let due = with_store(store, |s| s.due_rechecks(now))?;
    let mut run = Run {
        store,
        now,
        policy,
        report: RecheckReport {
            due: due.len(),
            ..RecheckReport::default()
        },
    };
    let mut outstanding: BTreeMap<&str, Vec<&DueRecheck>> = BTreeMap::new();
    let mut fresh: HashMap<&str, &DueRecheck> = HashMap::new();
    let mut fresh_requests: Vec<RecheckRequest> = Vec::new();
    for item in &due {
        if item.request.entry().is_none() {
            let decision = decide(&item.request, RetryOutcome::Refused, now, policy);
            run.record(item, &decision, None, Some(NO_NUMBERS))?;
        } else if let Some(reception) = item.reception_number.as_deref() {
            outstanding.entry(reception).or_default().push(item);
        } else {
            fresh.insert(item.request.check_id.as_str(), item);
            fresh_requests.push(item.request.clone());
        }
    }
    for (reception, items) in &outstanding {
        run.fetch_and_decide(backends, reception, items).await?;
    }
    for bulk in bulk_requests(&fresh_requests, medical_institution_code, now) {
        let items: Vec<&DueRecheck> = bulk
            .entries
            .iter()
            .filter_map(|e| fresh.get(e.reference.as_str()).copied())
            .collect();
        match backends.bulk_submit(&bulk).await {
            Ok(accepted) => {
                run.report.submissions += 1;
                let reception = accepted.reception_number;
                with_store(store, |s| s.set_recheck_reception(&items, &reception))?;
                run.fetch_and_decide(backends, &reception, &items).await?;
            }
            Err(failure) => run.decide_all(&items, &Err(failure), None)?,
        }
    }
    let r = &run.report;
    if r.due > 0 {
        tracing::info!(
            due = r.due,
            submissions = r.submissions,
            confirmed = r.confirmed.len(),
            contradicted = r.contradicted.len(),
            retried = r.retried,
            fetching = r.fetching,
            gave_up = r.gave_up.len(),
            superseded = r.superseded,
            "re-checks run"
        );
    }
    Ok(run.report)
}

/// One run's state.
struct Run<'a> {
    store: &'a Mutex<Store>,
    now: UnixTime,
    policy: &'a RecheckPolicy,
    report: RecheckReport,
}

impl Run<'_> {
    /// Fetches the submission `reception` and decides for its `items`.
    async fn fetch_and_decide(
        &mut self,
        backends: &Backends,
        reception: &str,
        items: &[&DueRecheck],
    ) -> Result<(), RuntimeError> {
        let outcome = backends.bulk_fetch(reception).await;
        // The submission is still worth fetching while it is 処理中, and when the fetch
        // did not reach it; a finished, failed or forgotten one is submitted anew.
        let keep = match &outcome {
            Ok(r) => r.status == BulkStatus::Processing,
            Err(f) => f.problem() != Some(ProblemCode::ReceptionUnknown),
        };
        self.decide_all(items, &outcome, keep.then_some(reception))
    }

    /// [`decide_bulk`] for `items` from one submission's `outcome`, and stores each
    /// decision; `reception` is the submission a retry may fetch again.
    fn decide_all(
        &mut self,
        items: &[&DueRecheck],
        outcome: &Result<BulkPrecheckResult, BackendFailure>,
        reception: Option<&str>,
    ) -> Result<(), RuntimeError> {
        let requests: Vec<RecheckRequest> = items.iter().map(|d| d.request.clone()).collect();
        let decisions = decide_bulk(&requests, outcome, self.now, self.policy);
        for (item, decision) in items.iter().zip(&decisions) {
            let (reception, note) = match decision {
                RecheckDecision::Done(_) => (None, None),
                RecheckDecision::GaveUp { .. } => (None, Some(note(outcome, item))),
                RecheckDecision::FetchAgain { .. } | RecheckDecision::RetryAt { .. } => {
                    (reception, Some(note(outcome, item)))
                }
            };
            self.record(item, decision, reception, note.as_deref())?;
        }
        Ok(())
    }

    /// Stores one decision and counts it.
    fn record(
        &mut self,
        item: &DueRecheck,
        decision: &RecheckDecision,
        reception: Option<&str>,
        note: Option<&str>,
    ) -> Result<(), RuntimeError> {
        let applied = with_store(self.store, |s| {
            s.record_recheck_decision(item, decision, reception, note)
        })?;
        let r = &mut self.report;
        if !applied {
            r.superseded += 1;
            return Ok(());
        }
        match decision {
            RecheckDecision::Done(done) if done.contradictions.is_empty() => {
                r.confirmed.push(done.check_id.clone());
            }
            RecheckDecision::Done(done) => {
                tracing::warn!(check = %done.check_id, "a re-check contradicts the document presented");
                r.contradicted.push(done.check_id.clone());
            }
            RecheckDecision::FetchAgain { .. } => r.fetching += 1,
            RecheckDecision::RetryAt { .. } => r.retried += 1,
            RecheckDecision::GaveUp { check_id, .. } => {
                tracing::warn!(check = %check_id, "a re-check was given up");
                r.gave_up.push(check_id.clone());
            }
        }
        Ok(())
    }
}

/// What an attempt met, for the item's `last_error`: codes and statuses only (the
/// insurer's free text may name the patient).
fn note(outcome: &Result<BulkPrecheckResult, BackendFailure>, item: &DueRecheck) -> String {
    match outcome {
        Err(BackendFailure::Unreachable { .. }) => "insurer_unreachable".to_owned(),
        Err(BackendFailure::Malformed { .. }) => "insurer_answer_malformed".to_owned(),
        // Only the platform's answers are sent to another node; not the insurer's.
        Err(BackendFailure::AnswerLost { .. }) => "answer_lost".to_owned(),
        Err(BackendFailure::Problem { status, code, .. }) => {
            format!("insurer_problem {code} (HTTP {status})")
        }
        Ok(r) => match r.status {
            BulkStatus::Processing => "bulk_processing".to_owned(),
            BulkStatus::Failed => "bulk_failed".to_owned(),
            BulkStatus::Completed => r
                .items
                .iter()
                .find(|i| i.reference == item.request.check_id)
                .map_or_else(
                    || "bulk_item_missing".to_owned(),
                    |i| format!("validity {}", i.qualification_validity),
                ),
        },
    }
}

/// Runs `f` on the locked store.
fn with_store<T>(
    store: &Mutex<Store>,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> Result<T, RuntimeError> {
    let mut guard = store
        .lock()
        .map_err(|_| RuntimeError::Refused(Code::StorageFailure))?;
    Ok(f(&mut guard)?)
}
