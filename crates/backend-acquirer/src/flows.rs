//! The request flows: claim the key (a lease with a token), apply the injected fault, run
//! the operation on the blocking pool (it commits only if the claim is still ours), answer
//! (or drop the answer); the status query, which honours leases too. Decisions are in
//! [`crate::core`], the transaction in [`crate::operations`].

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use backend_kit::ApiError;
use counter_api::acquirer::{FaultKind, MAX_FAULT_DELAY_MS, SettlementTotals};
use counter_api::{Problem, ProblemCode};
use madoguchi_time::UnixTime;

use crate::acquirer::{Acquirer, Answer, claim_token};
use crate::core::idempotency::{ClaimView, Decision, Stored, decide, view};
use crate::core::settlement::{as_of, day_bounds, totals};
use crate::http::Terminal;
use crate::operations::{Executed, Operation, execute};
use crate::store::{self, JournalEntry};

/// The problem of a store failure.
pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ProblemCode::Internal,
        format!("the acquirer's store failed: {e}"),
    )
}

/// Runs `f` with the database connection on the blocking pool.
pub(crate) async fn with_db<T: Send + 'static>(
    a: &Arc<Acquirer>,
    f: impl FnOnce(&Acquirer, &mut rusqlite::Connection) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let a = a.clone();
    backend_kit::task::run_blocking("acquirer store", move || {
        let mut c = a.store.lock();
        f(&a, &mut c)
    })
    .await
}

/// A response whose body fails: the connection closes without an answer (the fault
/// "drop the response after committing").
fn dropped() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other(
            "injected: response dropped",
        ))
    });
    Body::from_stream(failing).into_response()
}

/// Journals a payment request's outcome.
async fn record(
    a: &Arc<Acquirer>,
    t: &Terminal,
    op: &Operation,
    key: &str,
    now: UnixTime,
    outcome: &str,
    payment_id: Option<&str>,
) {
    a.journal(&JournalEntry {
        at: now,
        terminal_id: Some(&t.id),
        action: op.name(),
        outcome,
        idempotency_key: Some(key),
        payment_id,
        reason: None,
    })
    .await;
}

/// A payment request that changes money: idempotent under `key`.
pub async fn mutate(a: Arc<Acquirer>, t: Terminal, key: String, op: Operation) -> Response {
    // Run to the end on a task of its own: a client that hangs up (a terminal's timeout)
    // must not cancel the request half-way and leave its key claimed forever; a real
    // acquirer goes on processing, and the terminal learns the outcome by a status query.
    match tokio::spawn(mutate_to_the_end(a, t, key, op)).await {
        Ok(r) => r,
        // The panic's text goes to the log, not to the terminal.
        Err(e) => backend_kit::task::task_failed(
            "payment request",
            &e,
            "query the payment's status before retrying",
        )
        .into_response(),
    }
}

async fn mutate_to_the_end(a: Arc<Acquirer>, t: Terminal, key: String, op: Operation) -> Response {
    let fp = op.fingerprint();
    let now = a.now();
    if a.prune_due(now) {
        prune(&a, now).await;
    }
    let token = match claim_token() {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let lease = a.keys.claim_lease_secs;
    let claim = {
        let (t, key, fp) = (t.clone(), key.clone(), fp.clone());
        with_db(&a, move |_, c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(internal)?;
            let stored = store::stored(&tx, &t.id, &key).map_err(internal)?;
            let d = decide(stored.as_ref().map(|(s, _)| s), &fp, now, lease);
            if matches!(d, Decision::Claim | Decision::TakeOver) {
                store::claim(&tx, &t.id, &key, &fp, token, now).map_err(internal)?;
            }
            tx.commit().map_err(internal)?;
            Ok(d)
        })
        .await
    };
    match claim {
        Err(e) => return e.into_response(),
        Ok(Decision::Replay { status, body }) => {
            record(&a, &t, &op, &key, now, "replayed", None).await;
            return Answer { status, body }.into_response();
        }
        Ok(Decision::InProgress) => {
            record(
                &a,
                &t,
                &op,
                &key,
                now,
                ProblemCode::RequestInProgress.as_str(),
                None,
            )
            .await;
            return in_progress().into_response();
        }
        Ok(Decision::Mismatch) => {
            record(
                &a,
                &t,
                &op,
                &key,
                now,
                ProblemCode::IdempotencyKeyMismatch.as_str(),
                None,
            )
            .await;
            return ApiError::new(
                ProblemCode::IdempotencyKeyMismatch,
                "this idempotency key was used with other parameters: use a new key for a new payment request",
            )
            .into_response();
        }
        Ok(Decision::Claim | Decision::TakeOver) => {}
    }
    let fault = a.next_fault();
    match fault.kind {
        FaultKind::ServerError => {
            release(&a, &t, &key, token).await;
            record(&a, &t, &op, &key, now, "injected_server_error", None).await;
            return ApiError::new(
                ProblemCode::Unavailable,
                "injected fault: the acquirer is unavailable, nothing was processed",
            )
            .into_response();
        }
        FaultKind::CannotCancel => {
            release(&a, &t, &key, token).await;
            record(&a, &t, &op, &key, now, "injected_cannot_cancel", None).await;
            return ApiError::new(
                ProblemCode::InvalidPaymentState,
                "injected fault: not allowed in this payment state now, nothing was processed",
            )
            .into_response();
        }
        FaultKind::Delay => {
            tokio::time::sleep(Duration::from_millis(
                fault.delay_ms.min(MAX_FAULT_DELAY_MS),
            ))
            .await;
        }
        _ => {}
    }
    let executed = {
        let (t, key, op) = (t.clone(), key.clone(), op.clone());
        with_db(&a, move |a, c| {
            let now = a.now();
            match execute(a, c, &t, &key, token, &op, now) {
                Ok(x) => Ok(x),
                Err(e) => {
                    // Nothing was committed; free the key for a retry now rather than at
                    // the end of the lease.
                    if let Err(r) = store::release(c, &t.id, &key, token) {
                        tracing::error!("releasing a claim after a failure failed: {r}");
                    }
                    Err(internal(e))
                }
            }
        })
        .await
    };
    let answer = match executed {
        Err(e) => {
            record(&a, &t, &op, &key, now, ProblemCode::Internal.as_str(), None).await;
            return e.into_response();
        }
        Ok(Executed::Transient(answer)) => {
            release(&a, &t, &key, token).await;
            record(&a, &t, &op, &key, now, &answer.code(), None).await;
            return answer.into_response();
        }
        Ok(Executed::LeaseLost) => {
            record(&a, &t, &op, &key, now, "lease_lost", None).await;
            return after_lease_lost(&a, &t, &key).await.into_response();
        }
        Ok(Executed::Final(answer, payment_id)) => {
            record(
                &a,
                &t,
                &op,
                &key,
                now,
                &answer.code(),
                payment_id.as_deref(),
            )
            .await;
            answer
        }
    };
    match fault.kind {
        FaultKind::DropResponse => {
            record(&a, &t, &op, &key, now, "injected_drop_response", None).await;
            dropped()
        }
        FaultKind::InProgress => {
            record(&a, &t, &op, &key, now, "injected_in_progress", None).await;
            ApiError::new(
                ProblemCode::RequestInProgress,
                "injected fault: the request is being processed; query its status",
            )
            .into_response()
        }
        _ => answer.into_response(),
    }
}

fn in_progress() -> ApiError {
    ApiError::new(
        ProblemCode::RequestInProgress,
        "a request with this idempotency key is still being processed: query its status; this is not a decline",
    )
}

/// Releases the claim `token` of a request that stored nothing (a failed release only
/// means the claim ends with its lease).
async fn release(a: &Arc<Acquirer>, t: &Terminal, key: &str, token: i64) {
    let (t, k) = (t.id.clone(), key.to_owned());
    let done = with_db(a, move |_, c| {
        store::release(c, &t, &k, token).map_err(internal)
    })
    .await;
    if let Err(e) = done {
        tracing::error!("releasing a claim failed (it ends with its lease): {e:?}");
    }
}

/// The answer of a request that lost its claim: what the key holds now (the tombstone or
/// the answer of the retry that took it over), else "nothing was processed".
async fn after_lease_lost(a: &Arc<Acquirer>, t: &Terminal, key: &str) -> Result<Answer, ApiError> {
    let (tid, k) = (t.id.clone(), key.to_owned());
    match with_db(a, move |_, c| store::stored(c, &tid, &k).map_err(internal)).await? {
        Some((Stored::Done { status, body, .. }, _)) => Ok(Answer { status, body }),
        Some((Stored::InProgress { .. }, _)) => Err(in_progress()),
        None => Err(ApiError::new(
            ProblemCode::Unavailable,
            "the request outlived its claim on the key and was not processed: nothing was \
             charged under it; query the key's status",
        )),
    }
}

/// Deletes keys and tombstones past the retention; a failure is logged (the next request
/// an hour later tries again).
async fn prune(a: &Arc<Acquirer>, now: UnixTime) {
    let before = now.minus_secs(a.keys.retention_secs);
    let done = with_db(a, move |_, c| store::prune(c, before).map_err(internal)).await;
    match done {
        Ok(0) => {}
        Ok(n) => {
            a.journal(&JournalEntry {
                at: now,
                action: "keys_pruned",
                outcome: "ok",
                reason: Some(&n.to_string()),
                ..JournalEntry::default()
            })
            .await;
        }
        Err(e) => tracing::error!("pruning idempotency keys failed: {e:?}"),
    }
}

/// `GET /v1/payments/by-idempotency-key/{key}`: the payment the calling terminal
/// authorised under `key`, whatever merchant the terminal takes payments for now (the
/// payment names its own).
///
/// A claim past its lease is released in the same transaction that answers `404`, so the
/// answer is a promise: the request that held it can no longer commit (its
/// compare-and-set fails). A key whose answer was pruned is found through its payment.
pub async fn status(a: Arc<Acquirer>, t: Terminal, key: String) -> Result<Answer, ApiError> {
    with_db(&a, move |a, c| {
        let now = a.now();
        let tx = c
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(internal)?;
        let pid = match store::stored(&tx, &t.id, &key).map_err(internal)? {
            None => store::payment_by_key(&tx, &t.id, &key).map_err(internal)?,
            Some((
                Stored::InProgress {
                    started_at, claim, ..
                },
                _,
            )) => match view(started_at, now, a.keys.claim_lease_secs) {
                ClaimView::Running => {
                    return Err(ApiError::new(
                        ProblemCode::RequestInProgress,
                        "the request under this key is still being processed; ask again shortly",
                    ));
                }
                ClaimView::Expired => {
                    store::release(&tx, &t.id, &key, claim).map_err(internal)?;
                    tx.commit().map_err(internal)?;
                    return Err(ApiError::from(
                        Problem::new(
                            ProblemCode::NotFound,
                            "the request under this key was never completed (its claim \
                                 expired) and now cannot be: nothing was charged",
                        )
                        .with_reason("claim_expired"),
                    ));
                }
            },
            Some((Stored::Done { status, body, .. }, None)) => {
                let code = Answer { status, body }.code();
                return Err(ApiError::from(
                    Problem::new(
                        ProblemCode::NotFound,
                        "the request under this key was refused: nothing was charged",
                    )
                    .with_reason(code),
                ));
            }
            Some((Stored::Done { .. }, Some(pid))) => Some(pid),
        };
        let Some(pid) = pid else {
            return Err(ApiError::new(
                ProblemCode::NotFound,
                "nothing was completed under this key: nothing was charged",
            ));
        };
        // The key is the terminal's, so its payment is the terminal's, under the merchant
        // it was authorised for even if a reload has since moved the terminal to another:
        // `404` here means "nothing was charged", which would be false.
        match store::payment(&tx, &pid).map_err(internal)? {
            Some((p, _)) => Ok(Answer::ok(&p)),
            None => Err(internal(format!(
                "the key names payment {pid}, which is not in the store"
            ))),
        }
    })
    .await
}

/// `GET /v1/settlements/{date}`: the day's totals of the terminal's merchant, each
/// operation on the business day it happened (see [`totals`]).
pub async fn settlement(
    a: Arc<Acquirer>,
    t: Terminal,
    date: String,
) -> Result<SettlementTotals, ApiError> {
    let (start, end) = day_bounds(&date).map_err(|d| {
        ApiError::from(Problem::new(ProblemCode::InvalidField, d).with_field("date"))
    })?;
    with_db(&a, move |a, c| {
        let now = a.now();
        let movements =
            store::movements(c, &t.merchant_id, start, as_of(end, now)).map_err(internal)?;
        let (brands, pending_authorisations) = totals(&movements, start, end, now);
        Ok(SettlementTotals {
            date,
            merchant_id: t.merchant_id,
            brands,
            pending_authorisations,
        })
    })
    .await
}
