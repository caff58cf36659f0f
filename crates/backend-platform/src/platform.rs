//! [`Platform`]: the server's state, shared by the handlers. Built once from
//! [`Settings`]; the decisions it makes are in [`crate::core`], the flows that tie them to
//! the storage in [`crate::identification`] and [`crate::enrollment`]. Everything a node
//! must share with the others (challenges, replay guard, registry, audit, terminals, CRL
//! set) is in the [`Storage`]; a node keeps configuration, and snapshots of the terminals
//! and of the CRL set that follow the storage's generation numbers
//! ([`crate::generations`]).

use std::sync::Arc;

use backend_kit::ApiError;
use backend_kit::Clock;
use counter_api::assertion::{AssertionVerifier, KeySet};
use counter_api::{Problem, ProblemCode};
use jpki_cert::Verifier;
use madoguchi_time::UnixTime;

use crate::StartError;
use crate::audit::{AuditError, AuditEvent, AuditReceipt, AuditSink};
use crate::audit_backlog::{AuditBacklog, BacklogStatus};
use crate::config::Settings;
use crate::core::challenges::ChallengeRules;
use crate::crl_source::{CrlLoadSummary, CrlSource};
use crate::generations::Applied;
use crate::issued::IssuedChallenges;
use crate::links::LinkClient;
use crate::storage::Storage;
use crate::terminals::{TerminalDirectory, TerminalError, TerminalWritten};

/// The platform's state.
#[derive(Debug)]
pub struct Platform {
    /// The settings it runs on.
    pub settings: Settings,
    /// Authentication-certificate verifier.
    pub auth: Verifier,
    /// Signature-certificate verifier.
    pub sign: Verifier,
    /// Revocation: the published CRL set's index.
    pub crl: CrlSource,
    /// The terminals accepted (a snapshot of the storage's).
    pub terminals: TerminalDirectory,
    /// The challenges' rules (the challenges themselves are in [`Self::store`]).
    pub challenges: ChallengeRules,
    /// Copies of the challenges this node issued ([`crate::issued`]: an optimisation, never
    /// the authority).
    pub issued: IssuedChallenges,
    /// Challenges, federation replay guard, registry, audit trail.
    pub store: Arc<dyn Storage>,
    /// The audit log's writer (into [`Self::store`]).
    pub audit: AuditSink,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Verifies peer platforms' assertions (audience: this platform).
    pub federation: AssertionVerifier,
    /// Asks the services to confirm links (absent when no service needs it).
    pub links: Option<LinkClient>,
    /// What this node has applied ([`Self::watch_applied`]).
    applied: tokio::sync::watch::Sender<Applied>,
    /// The audit rows of this node's CRL work not written yet ([`Self::audit_crl_work`]).
    crl_audit: AuditBacklog,
}

impl Platform {
    /// Builds the state: opens the storage, starts the audit writer, applies the
    /// configuration's terminals and loads them, loads (and, from a folder, publishes) the
    /// CRLs.
    pub fn new(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, CrlLoadSummary), StartError> {
        settings.check().map_err(|(key, problem, expected)| {
            StartError::Settings(format!("{key}: {problem}; expected {expected}"))
        })?;
        let store = crate::storage::open(&settings.database)?;
        let audit = AuditSink::start(store.clone())?;
        let applied = crate::terminals::apply_config(&*store, &settings.terminals, clock.now())?;
        if applied.written > 0 {
            tracing::info!(
                written = applied.written,
                generation = applied.generation,
                "terminals of the configuration applied to the storage"
            );
        }
        let terminals = TerminalDirectory::load(&*store)?;
        let (crl, summary) = CrlSource::start(
            settings.crl_from,
            settings.crl_dir.clone(),
            settings.auth_store.clone(),
            settings.sign_store.clone(),
            store.clone(),
            clock.clone(),
            settings.crl_warn_secs,
        )?;
        let mut federation = AssertionVerifier::new(settings.platform_id.clone());
        for peer in &settings.federation_peers {
            federation.trust(peer).map_err(|e| {
                StartError::Settings(format!("federation peer {}: {e}", peer.issuer))
            })?;
        }
        let links = settings.links.as_ref().map(LinkClient::new).transpose()?;
        let applied = tokio::sync::watch::Sender::new(Applied {
            terminals: terminals.generation(),
            crls: crl.status().generation,
            polls: 0,
        });
        let platform = Self {
            auth: Verifier::new(settings.auth_store.clone()),
            sign: Verifier::new(settings.sign_store.clone()),
            challenges: ChallengeRules::new(
                settings.platform_id.clone(),
                settings.challenge_ttl_secs,
            )
            .with_terminal_quota(settings.challenges_per_terminal),
            issued: IssuedChallenges::default(),
            settings,
            crl,
            terminals,
            store,
            audit,
            clock,
            federation,
            links,
            applied,
            crl_audit: AuditBacklog::default(),
        };
        Ok((platform, summary))
    }

    /// Now, from the platform's clock.
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// Registers (or re-enables) terminal `id` in the storage and applies it on this node at
    /// once; the other nodes apply it within their poll interval. Blocking.
    pub fn register_terminal(
        &self,
        id: &str,
        admin: bool,
    ) -> Result<TerminalWritten, TerminalError> {
        let written = crate::terminals::register(&*self.store, id, admin, self.now())?;
        self.terminals.refresh(&*self.store)?;
        self.note_applied(false);
        Ok(written)
    }

    /// Disables terminal `id` in the storage and on this node at once; the other nodes
    /// refuse it within their poll interval. Blocking.
    pub fn disable_terminal(&self, id: &str) -> Result<TerminalWritten, TerminalError> {
        let written = crate::terminals::disable(&*self.store, id, self.now())?;
        self.terminals.refresh(&*self.store)?;
        self.note_applied(false);
        Ok(written)
    }

    /// Reloads the CRLs at once ([`CrlSource::reload`]) and publishes what this node then
    /// holds. Blocking.
    pub fn reload_crls(&self) -> Result<CrlLoadSummary, crate::crl_source::CrlLoadError> {
        let result = self.crl.reload();
        self.note_applied(false);
        result
    }

    /// The reload of SIGHUP and of `crl_reload_secs` ([`Self::reload_crls`]), logged; a
    /// failure is also audited as the admin reload's are (`crl_reload`, outcome
    /// `unavailable`), without a terminal and with the error as the reason, through
    /// [`Self::audit_crl_work`] (a row that cannot be written waits, and is written with
    /// the next ones). Blocking.
    pub fn reload_crls_scheduled(&self) -> Result<CrlLoadSummary, crate::crl_source::CrlLoadError> {
        let result = self.reload_crls();
        let failure = match &result {
            Ok(s) => {
                tracing::info!(
                    files = s.files,
                    entries = s.entries,
                    generation = s.generation,
                    earliest_next_update = %s
                        .earliest_next_update
                        .map_or("none".into(), |t| t.to_string()),
                    "CRLs reloaded"
                );
                None
            }
            Err(e) => {
                tracing::error!("CRL reload failed, previous CRLs stay in use: {e}");
                Some(AuditEvent {
                    at: self.now(),
                    action: "crl_reload",
                    outcome: ProblemCode::Unavailable.as_str().into(),
                    reason: Some(e.to_string()),
                    ..AuditEvent::default()
                })
            }
        };
        // A row not written waits in the backlog (logged there): the next reload, poll or
        // admin reload writes it.
        let _ = self.audit_crl_work(failure);
        result
    }

    /// Writes the audit rows of this node's CRL work that wait ([`crate::audit_backlog`]),
    /// then `event`, in that order, and waits for their commits (blocking). The rows not
    /// written (the storage refused their batch) wait again, `event` among them, for the
    /// next call: the next scheduled reload, poll or admin reload. Calls run one at a time
    /// ([`AuditBacklog::flush`]), so rows are written in the order they happened. The error
    /// is the first failure.
    pub fn audit_crl_work(&self, event: Option<AuditEvent>) -> Result<(), AuditError> {
        let result = self.crl_audit.flush(
            self.now(),
            event,
            |r| self.audit.record(r),
            AuditReceipt::wait,
        );
        if let Err(e) = &result {
            let waiting = self.crl_audit.status();
            tracing::error!(
                waiting = waiting.rows,
                lost = waiting.lost,
                "audit rows of CRL reloads or refreshes not written; they wait and are \
                 written at the next poll or reload: {e}"
            );
        }
        result
    }

    /// At a graceful stop (the server's shutdown, once requests and the poll have ended):
    /// one last try to write the audit rows of this node's CRL work that wait
    /// ([`Self::audit_crl_work`]; blocking). What still cannot be written goes with the
    /// process: each such row, and the count of rows lost before, is logged at error, the
    /// only record left of it. Returns what could not be written.
    pub fn flush_crl_audit_at_stop(&self) -> BacklogStatus {
        if self.audit_crl_work(None).is_ok() {
            return BacklogStatus::default();
        }
        let left = self.crl_audit.status();
        let (lost, rows) = self.crl_audit.take();
        for r in &rows {
            tracing::error!(
                at = %r.at,
                terminal = r.terminal_id.as_deref().unwrap_or("-"),
                action = r.action,
                outcome = %r.outcome,
                reason = r.reason.as_deref().unwrap_or(""),
                "audit row of CRL work not written: the node stops and this log line is its \
                 only record; add it to the audit by hand if the audit must hold it"
            );
        }
        if lost > 0 {
            tracing::error!(
                lost,
                "audit rows of CRL work lost before this stop (more waited than the node \
                 keeps): earlier lines of this log have them"
            );
        }
        left
    }

    /// The audit rows of this node's CRL work that wait to be written
    /// ([`Self::audit_crl_work`]).
    pub fn crl_audit_backlog(&self) -> BacklogStatus {
        self.crl_audit.status()
    }

    /// [`Self::audited`] for the admin CRL reload: the rows of [`Self::audit_crl_work`]
    /// that wait are written first, then this call's; when one cannot be written the call
    /// answers `503 unavailable` saying what the reload itself did (its CRLs are in use, or
    /// its error) and how many rows wait (this call's among them: it is written with them
    /// later).
    pub fn audited_crl_reload<T>(
        &self,
        event: AuditEvent,
        result: Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let event = outcome_of(event, result.as_ref().map(|_| ()));
        let reloaded = match &result {
            Ok(_) => format!(
                "the CRLs were reloaded and this node uses them ({})",
                event.reason.as_deref().unwrap_or("no summary")
            ),
            Err(e) => {
                let p = e.problem();
                format!(
                    "the CRL reload failed: {}",
                    p.detail.as_deref().unwrap_or(&p.title)
                )
            }
        };
        self.audit_crl_work(Some(event)).map_err(|e| {
            let waiting = self.crl_audit.status().rows;
            ApiError::from(Problem::new(
                ProblemCode::Unavailable,
                format!(
                    "{reloaded}; but its audit row could not be written: {e}; {waiting} audit \
                     rows of CRL reloads and refreshes wait to be written, this call's among \
                     them, and this node writes them at its next poll: check that the \
                     platform's storage accepts writes"
                ),
            ))
        })?;
        result
    }

    /// What this node has applied, updated after every poll and every change it made: wait
    /// on it for a node to hold a generation.
    pub fn watch_applied(&self) -> tokio::sync::watch::Receiver<Applied> {
        self.applied.subscribe()
    }

    /// Publishes the generations the snapshots hold now (`polled`: after a poll).
    pub(crate) fn note_applied(&self, polled: bool) {
        let (terminals, crls) = (self.terminals.generation(), self.crl.status().generation);
        self.applied.send_if_modified(|a| {
            let next = Applied {
                terminals,
                crls,
                polls: a.polls.saturating_add(u64::from(polled)),
            };
            let changed = next != *a;
            *a = next;
            changed
        });
    }

    /// The published key set.
    pub fn key_set(&self) -> KeySet {
        KeySet::of(&self.settings.platform_id, &self.settings.signer)
    }

    /// Records an audit row for `outcome` (a result whose error is a problem) and waits for
    /// its commit, blocking (call it on the blocking pool); returns `result`, or
    /// `503 unavailable` when the row could not be written.
    pub fn audited<T>(
        &self,
        event: AuditEvent,
        result: Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let receipt = self
            .audit
            .record(outcome_of(event, result.as_ref().map(|_| ())));
        receipt.wait().map_err(|e| ApiError::from(e.problem()))?;
        result
    }

    /// [`Self::audited`] from async code.
    pub async fn audited_async<T>(
        &self,
        event: AuditEvent,
        result: Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let receipt = self
            .audit
            .record(outcome_of(event, result.as_ref().map(|_| ())));
        receipt
            .committed()
            .await
            .map_err(|e| ApiError::from(e.problem()))?;
        result
    }

    /// [`Self::audited_async`] with `earlier` rows of the same step written first.
    pub async fn audited_all_async<T>(
        &self,
        earlier: Vec<AuditEvent>,
        event: AuditEvent,
        result: Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let receipts: Vec<_> = earlier.into_iter().map(|e| self.audit.record(e)).collect();
        for r in receipts {
            r.committed()
                .await
                .map_err(|e| ApiError::from(e.problem()))?;
        }
        self.audited_async(event, result).await
    }
}

/// `event` with the verdict of `outcome`: `ok` or the problem's code and reason.
pub fn outcome_of(mut event: AuditEvent, outcome: Result<(), &ApiError>) -> AuditEvent {
    match outcome {
        Ok(()) => event.outcome = "ok".into(),
        Err(e) => {
            let p = e.problem();
            event.outcome = p.code.as_str().into();
            if event.reason.is_none() {
                event.reason = p.reason.clone().or_else(|| p.field.clone());
            }
        }
    }
    event
}

/// A fresh random id: `prefix` + 128 random bits in base64url.
pub fn random_id(prefix: &str) -> Result<String, ApiError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| Problem::new(ProblemCode::Internal, format!("no randomness: {e}")))?;
    Ok(format!("{prefix}{}", counter_api::b64::encode_url(&b)))
}

/// 32 fresh random bytes.
pub fn random_nonce() -> Result<[u8; 32], ApiError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|e| Problem::new(ProblemCode::Internal, format!("no randomness: {e}")))?;
    Ok(b)
}
