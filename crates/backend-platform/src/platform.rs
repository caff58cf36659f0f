//! [`Platform`]: the server's state, shared by the handlers. Built once from
//! [`Settings`]; the decisions it makes are in [`crate::core`], the flows that tie them to
//! the registry in [`crate::identification`] and [`crate::enrollment`].

use std::sync::{Arc, Mutex, MutexGuard};

use backend_kit::ApiError;
use backend_kit::Clock;
use counter_api::assertion::{AssertionVerifier, KeySet, MemoryReplayGuard};
use counter_api::{Problem, ProblemCode};
use jpki_cert::Verifier;
use madoguchi_time::UnixTime;

use crate::StartError;
use crate::audit::{AuditEvent, AuditSink};
use crate::config::Settings;
use crate::core::challenges::ChallengeBook;
use crate::crl_source::{CrlLoadSummary, CrlSource};
use crate::links::LinkClient;
use crate::registry::Registry;

/// The platform's state.
#[derive(Debug)]
pub struct Platform {
    /// The settings it runs on.
    pub settings: Settings,
    /// Authentication-certificate verifier.
    pub auth: Verifier,
    /// Signature-certificate verifier.
    pub sign: Verifier,
    /// Revocation.
    pub crl: CrlSource,
    /// Pending challenges.
    pub challenges: Mutex<ChallengeBook>,
    /// The linkage registry.
    pub registry: Registry,
    /// The audit log.
    pub audit: AuditSink,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Verifies peer platforms' assertions (audience: this platform).
    pub federation: AssertionVerifier,
    /// `jti`s of peer assertions already exchanged.
    pub federation_replay: Mutex<MemoryReplayGuard>,
    /// Asks the services to confirm links (absent when no service needs it).
    pub links: Option<LinkClient>,
}

/// Locks a mutex whose data stays consistent even if a holder panicked (each operation on
/// the challenge book and replay guard is a single map update).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Platform {
    /// Builds the state: opens the registry, loads the CRLs, starts the audit writer.
    pub fn new(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, CrlLoadSummary), StartError> {
        settings.check().map_err(|(key, problem, expected)| {
            StartError::Settings(format!("{key}: {problem}; expected {expected}"))
        })?;
        let registry = Registry::open(&settings.database)?;
        let audit = AuditSink::start(&settings.database)?;
        let (crl, summary) = CrlSource::load(
            &settings.crl_dir,
            settings.auth_store.clone(),
            settings.sign_store.clone(),
        )?;
        let mut federation = AssertionVerifier::new(settings.platform_id.clone());
        for peer in &settings.federation_peers {
            federation.trust(peer).map_err(|e| {
                StartError::Settings(format!("federation peer {}: {e}", peer.issuer))
            })?;
        }
        let links = settings.links.as_ref().map(LinkClient::new).transpose()?;
        let platform = Self {
            auth: Verifier::new(settings.auth_store.clone()),
            sign: Verifier::new(settings.sign_store.clone()),
            challenges: Mutex::new(
                ChallengeBook::new(settings.platform_id.clone(), settings.challenge_ttl_secs)
                    .with_terminal_quota(settings.challenges_per_terminal),
            ),
            settings,
            crl,
            registry,
            audit,
            clock,
            federation,
            federation_replay: Mutex::new(MemoryReplayGuard::new()),
            links,
        };
        Ok((platform, summary))
    }

    /// Now, from the platform's clock.
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// The published key set.
    pub fn key_set(&self) -> KeySet {
        KeySet::of(&self.settings.platform_id, &self.settings.signer)
    }

    /// Records an audit row for `outcome` (a result whose error is a problem).
    pub fn audit_outcome(&self, mut event: AuditEvent, outcome: Result<(), &ApiError>) {
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
        self.audit.record(event);
    }
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
