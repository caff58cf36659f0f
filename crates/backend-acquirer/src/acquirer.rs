//! [`Acquirer`]: the server's state shared by the handlers, and [`Answer`], a stored or
//! fresh HTTP answer.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use backend_kit::reload::Live;
use backend_kit::{ApiError, Clock};
use counter_api::acquirer::{FaultKind, FaultPlan};
use counter_api::assertion::ReplayGuard;
use counter_api::{PROBLEM_CONTENT_TYPE, Problem, ProblemCode};
use madoguchi_time::UnixTime;
use serde::Serialize;

use crate::StartError;
use crate::config::{KeyRules, Settings};
use crate::in_force::InForce;
use crate::store::{self, JournalEntry, Store};

/// How often answered keys are pruned at most (seconds): the check rides on payment
/// requests, so an idle acquirer does no work.
pub const PRUNE_INTERVAL_SECS: i64 = 3_600;

/// The acquirer's state.
///
/// Calling contract: [`Acquirer::with_rules`] once; each request reads
/// [`Acquirer::in_force`] (the settings and the verifier) once, in the terminal's
/// extractor (`crate::http::Terminal`, which carries it to the operations) or the link
/// handler (which hands it to [`crate::links`]), and keeps it;
/// [`Acquirer::reload`] (on SIGHUP) swaps the terminals and platforms in force at any time.
#[derive(Debug)]
pub struct Acquirer {
    pub(crate) live: Live<InForce>,
    /// The database.
    pub store: Store,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// How keys are claimed and kept.
    pub keys: KeyRules,
    faults: Mutex<FaultPlan>,
    /// When keys were last pruned.
    last_prune: Mutex<UnixTime>,
}

impl Acquirer {
    /// [`Acquirer::with_rules`] with the default [`KeyRules`].
    pub fn new(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        Self::with_rules(settings, KeyRules::default(), clock)
    }

    /// Builds the state: checks the settings and the key rules, opens the store, releases
    /// the claims a previous process left (it is gone: nothing it did not commit can
    /// commit now), prunes keys past their retention, registers the configured card tokens
    /// (keeping their links when their cardholder is unchanged).
    pub fn with_rules(
        settings: Settings,
        keys: KeyRules,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        let rule = |(key, problem, expected): (String, String, String)| {
            StartError::Settings(format!("{key}: {problem}; expected {expected}"))
        };
        let in_force = InForce::new(settings).map_err(rule)?;
        let settings = &in_force.settings;
        keys.check().map_err(rule)?;
        let store = Store::open(&settings.database)?;
        let db_err = |source| {
            StartError::Db(backend_kit::sqlite::DbError::Sqlite {
                path: settings.database.display().to_string(),
                source,
            })
        };
        let now = clock.now();
        {
            let c = store.lock();
            let released = store::release_stale(&c).map_err(db_err)?;
            let pruned = store::prune(&c, now.minus_secs(keys.retention_secs)).map_err(db_err)?;
            if released > 0 {
                tracing::warn!(
                    released,
                    "claims left by the previous process were released: their requests \
                     committed nothing"
                );
            }
            for (action, n) in [
                ("claims_released_at_start", released),
                ("keys_pruned", pruned),
            ] {
                if n > 0 {
                    store::journal(
                        &c,
                        &JournalEntry {
                            at: now,
                            action,
                            outcome: "ok",
                            reason: Some(&n.to_string()),
                            ..JournalEntry::default()
                        },
                    )
                    .map_err(db_err)?;
                }
            }
        }
        {
            let c = store.lock();
            for t in &settings.card_tokens {
                let done = store::put_token(&c, t, clock.now()).map_err(|source| {
                    StartError::Db(backend_kit::sqlite::DbError::Sqlite {
                        path: settings.database.display().to_string(),
                        source,
                    })
                })?;
                if done == store::Registered::LinkDropped {
                    tracing::warn!(
                        "card token {}: the cardholder changed, its link was dropped",
                        t.card_token_ref
                    );
                }
            }
        }
        Ok(Self {
            faults: Mutex::new(settings.faults),
            live: Live::new(in_force),
            store,
            clock,
            keys,
            last_prune: Mutex::new(now),
        })
    }

    /// The settings and verifier in force now: a request reads it once and keeps it, so a
    /// reload meanwhile does not change a request halfway.
    pub fn in_force(&self) -> Arc<InForce> {
        self.live.get()
    }

    /// Whether keys are due for pruning at `now` (at most every [`PRUNE_INTERVAL_SECS`]);
    /// when it says yes it counts as done, so one request prunes.
    pub fn prune_due(&self, now: UnixTime) -> bool {
        let mut last = lock(&self.last_prune);
        if now.secs_since(*last) < PRUNE_INTERVAL_SECS {
            return false;
        }
        *last = now;
        true
    }

    /// Now, from the acquirer's clock.
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// Replaces the fault plan.
    pub fn set_faults(&self, plan: FaultPlan) {
        *lock(&self.faults) = plan;
    }

    /// The fault for the next payment request (counting down `times`).
    pub fn next_fault(&self) -> FaultPlan {
        let mut f = lock(&self.faults);
        let current = *f;
        match f.times {
            Some(0) => return FaultPlan::default(),
            Some(n) => {
                f.times = Some(n - 1);
                if n == 1 {
                    f.kind = FaultKind::None;
                }
            }
            None => {}
        }
        current
    }

    /// Appends a journal row on the blocking pool (the store syncs to disk); a failure is
    /// logged, never hides the answer.
    pub async fn journal(self: &Arc<Self>, e: &JournalEntry<'_>) {
        let owned = (
            e.at,
            e.terminal_id.map(str::to_owned),
            e.action.to_owned(),
            e.outcome.to_owned(),
            e.idempotency_key.map(str::to_owned),
            e.payment_id.map(str::to_owned),
            e.reason.map(str::to_owned),
        );
        let a = self.clone();
        let done = tokio::task::spawn_blocking(move || {
            let (at, terminal, action, outcome, key, payment, reason) = owned;
            let c = a.store.lock();
            store::journal(
                &c,
                &JournalEntry {
                    at,
                    terminal_id: terminal.as_deref(),
                    action: &action,
                    outcome: &outcome,
                    idempotency_key: key.as_deref(),
                    payment_id: payment.as_deref(),
                    reason: reason.as_deref(),
                },
            )
        })
        .await;
        match done {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!("journal write failed: {err}"),
            Err(err) => tracing::error!("journal task failed: {err}"),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// A replay guard that accepts every `jti`: the acquirer checks the context first and
/// records the `jti` in its database, in the transaction of the payment.
#[derive(Debug)]
pub struct DeferredReplay;

impl ReplayGuard for DeferredReplay {
    fn first_use(&mut self, _issuer: &str, _jti: &str, _exp: UnixTime, _now: UnixTime) -> bool {
        true
    }
}

/// An HTTP answer as stored for an idempotency key: status and JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

impl Answer {
    /// `200` with `v`.
    pub fn ok(v: &impl Serialize) -> Self {
        match serde_json::to_string(v) {
            Ok(body) => Self { status: 200, body },
            Err(e) => Self::problem(&ApiError::new(
                ProblemCode::Internal,
                format!("cannot encode the answer: {e}"),
            )),
        }
    }

    /// The problem of `e`.
    pub fn problem(e: &ApiError) -> Self {
        Self::of_problem(e.problem())
    }

    /// The problem `p`.
    pub fn of_problem(p: &Problem) -> Self {
        Self {
            status: p.status,
            body: serde_json::to_string(p).unwrap_or_else(|_| "{}".into()),
        }
    }

    /// The problem code when it is a problem.
    pub fn code(&self) -> String {
        if self.status < 400 {
            return "ok".into();
        }
        serde_json::from_str::<Problem>(&self.body)
            .map(|p| p.code.as_str().to_owned())
            .unwrap_or_else(|_| "problem".into())
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let ct = if self.status >= 400 {
            PROBLEM_CONTENT_TYPE
        } else {
            "application/json"
        };
        let mut r = (status, self.body).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        r
    }
}

/// A fresh random id: `prefix` + 128 random bits in base64url.
pub fn random_id(prefix: &str) -> Result<String, ApiError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| ApiError::new(ProblemCode::Internal, format!("no randomness: {e}")))?;
    Ok(format!("{prefix}{}", counter_api::b64::encode_url(&b)))
}

/// A fresh claim token (63 random bits, never 0: rows claimed before tokens existed hold
/// 0).
pub fn claim_token() -> Result<i64, ApiError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b)
        .map_err(|e| ApiError::new(ProblemCode::Internal, format!("no randomness: {e}")))?;
    Ok((i64::from_be_bytes(b) & i64::MAX).max(1))
}

/// A 6-digit approval code (承認番号).
pub fn approval_code() -> Result<String, ApiError> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b)
        .map_err(|e| ApiError::new(ProblemCode::Internal, format!("no randomness: {e}")))?;
    Ok(format!("{:06}", u32::from_be_bytes(b) % 1_000_000))
}
