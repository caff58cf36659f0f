//! The PostgreSQL storage: any number of platform nodes on one database. `tokio-postgres`
//! connections in a `deadpool-postgres` pool, driven by a small runtime of the storage's
//! own, so that the flows stay synchronous (they run on the blocking pool between RSA
//! verifications) and the storage works under any caller's runtime.
//!
//! Concurrency: an answer consumes its challenge with `UPDATE ... WHERE NOT used` (an
//! enrollment reads it `FOR UPDATE` first), so of two nodes answering it at once the second
//! waits for the first's commit and then finds it used; a terminal's challenges are counted
//! and issued under an advisory lock on the terminal, so that its quota holds across nodes;
//! enrollments take one advisory lock, as SQLite's IMMEDIATE transactions serialise them;
//! the replay guard is one `INSERT ... ON CONFLICT`. Round trips: see
//! `postgres_challenges`.

use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use counter_api::platform::{ChallengeBinding, ChallengePurpose, ServiceLink};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use jpki_cert::LinkageKey;
use madoguchi_time::UnixTime;
use tokio_postgres::NoTls;

use super::postgres_challenges as challenges;
use super::postgres_schema::{MIGRATION_LOCK, MIGRATIONS};
use super::postgres_shared as shared;
use super::{
    AuthAttachment, ChallengeFailure, ChallengeToIssue, CorrectionAcceptance, CorrectionRule,
    CrlFile, CrlWrite, Generations, PRUNE_EVERY_SECS, Republish, SettledEnrolled, Storage,
    StorageError, StoredCrlSet, StoredTerminals, TerminalsUpdated, Version,
};
use crate::audit::AuditEvent;
use crate::config::{PostgresSettings, is_sql_name};
use crate::core::challenges::{ChallengeRules, Stored};
use crate::core::correction::CorrectionRefusal;
use crate::core::holder::{AttachRefusal, AttachState, CardHolders};
use crate::core::terminals::TerminalRecord;
use crate::registry::{EnrollError, Enrolled, FederatedEnrollment, NewEnrollment};

/// How long a call waits for a free connection, or for a new one to open.
const POOL_WAIT: Duration = Duration::from_secs(5);

/// The PostgreSQL storage.
#[derive(Debug)]
pub struct PostgresStorage {
    pool: Pool,
    /// Drives the connections; `None` only while dropping.
    rt: Option<tokio::runtime::Runtime>,
    next_prune: AtomicI64,
}

impl Drop for PostgresStorage {
    fn drop(&mut self) {
        // Dropping a runtime waits for its tasks, which an async caller may not do.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// A driver error as a [`StorageError`]: the server's message when it sent one.
pub(crate) fn pg(what: &'static str) -> impl Fn(tokio_postgres::Error) -> StorageError {
    move |e| StorageError::Postgres {
        what,
        detail: match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => e.to_string(),
        },
    }
}

fn pool_err(e: deadpool_postgres::PoolError) -> StorageError {
    StorageError::Postgres {
        what: "connection pool",
        detail: e.to_string(),
    }
}

impl PostgresStorage {
    /// Connects (at least once, to migrate) and migrates.
    pub fn open(s: &PostgresSettings) -> Result<Self, StorageError> {
        let setup = |detail: String| StorageError::Postgres {
            what: "setup",
            detail,
        };
        let mut config: tokio_postgres::Config = s
            .connection
            .parse()
            .map_err(|e: tokio_postgres::Error| setup(format!("connection string: {e}")))?;
        if let Some(p) = &s.password {
            config.password(p);
        }
        if config.get_application_name().is_none() {
            config.application_name("madoguchi-platform");
        }
        if let Some(schema) = &s.schema {
            if !is_sql_name(schema) {
                return Err(setup(format!("schema {schema:?} is not a plain SQL name")));
            }
            config.options(format!("-c search_path={schema}"));
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("platform-pg")
            .enable_all()
            .build()
            .map_err(|e| setup(format!("runtime: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = rt.block_on(async {
            Pool::builder(manager)
                .max_size(s.pool_size.max(1))
                .wait_timeout(Some(POOL_WAIT))
                .create_timeout(Some(POOL_WAIT))
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .build()
                .map_err(|e| setup(format!("pool: {e}")))
        })?;
        let store = Self {
            pool,
            rt: Some(rt),
            next_prune: AtomicI64::new(0),
        };
        store.run(migrate(&store.pool, s.schema.as_deref()))?;
        Ok(store)
    }

    /// Runs `f` to completion on the storage's runtime, blocking the caller.
    fn run<T, E>(&self, f: impl Future<Output = Result<T, E>>) -> Result<T, E>
    where
        E: From<StorageError>,
    {
        match &self.rt {
            Some(rt) => rt.block_on(f),
            None => Err(StorageError::Postgres {
                what: "runtime",
                detail: "the storage is shutting down".into(),
            }
            .into()),
        }
    }

    pub(super) fn prune_due(&self, now: UnixTime) -> bool {
        let next = self.next_prune.load(Ordering::Relaxed);
        now.as_secs() >= next
            && self
                .next_prune
                .compare_exchange(
                    next,
                    now.as_secs() + PRUNE_EVERY_SECS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }

    /// A connection from the pool.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Client, StorageError> {
        self.pool.get().await.map_err(pool_err)
    }
}

/// Applies the migrations the database lacks, under an advisory lock.
async fn migrate(pool: &Pool, schema: Option<&str>) -> Result<(), StorageError> {
    let e = pg("migration");
    let mut c = pool.get().await.map_err(pool_err)?;
    let tx = c.transaction().await.map_err(&e)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(&e)?;
    if let Some(schema) = schema {
        // A plain SQL name (checked in `open`): safe to write into the statement.
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .await
            .map_err(&e)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(&e)?;
    let row = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .map_err(&e)?;
    let version: i32 = row.get(0);
    let known = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
    if version > known {
        return Err(StorageError::Postgres {
            what: "migration",
            detail: format!(
                "the database has schema version {version}; this program knows up to {known}: upgrade the program"
            ),
        });
    }
    for (n, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .map(|(i, sql)| (i32::try_from(i + 1).unwrap_or(i32::MAX), sql))
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.batch_execute(sql).await.map_err(&e)?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&n])
            .await
            .map_err(&e)?;
    }
    tx.commit().await.map_err(&e)
}

fn secs(t: UnixTime) -> i64 {
    t.as_secs()
}

impl PostgresStorage {
    async fn jti(
        &self,
        issuer: &str,
        jti: &str,
        exp: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StorageError> {
        let e = pg("federation replay guard");
        let c = self.client().await?;
        // A new (issuer, jti), or one no longer live, is (re)written; a live one is left
        // alone. Two nodes at once: the second waits on the key, then changes nothing.
        let st = c
            .prepare_cached(
                "INSERT INTO federation_jtis (issuer, jti, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (issuer, jti) DO UPDATE SET expires_at = excluded.expires_at
                 WHERE federation_jtis.expires_at < $4",
            )
            .await
            .map_err(&e)?;
        let n = c
            .execute(&st, &[&issuer, &jti, &secs(exp), &secs(now)])
            .await
            .map_err(&e)?;
        Ok(n == 1)
    }

    async fn audit(&self, rows: &[AuditEvent]) -> Result<(), StorageError> {
        let c = self.client().await?;
        super::postgres_registry::insert_audit(&c, rows).await
    }
}

impl Storage for PostgresStorage {
    fn issue_challenge(
        &self,
        rules: &ChallengeRules,
        new: &ChallengeToIssue<'_>,
    ) -> Result<ChallengeBinding, ChallengeFailure> {
        let sweep = self.prune_due(new.now);
        self.run(challenges::issue(self, rules, new, sweep))
    }

    fn take_challenge(
        &self,
        rules: &ChallengeRules,
        id: &str,
        terminal_id: &str,
        purposes: &[ChallengePurpose],
        now: UnixTime,
    ) -> Result<ChallengeBinding, ChallengeFailure> {
        self.run(challenges::take(
            self,
            rules,
            id,
            terminal_id,
            purposes,
            now,
        ))
    }

    fn challenge(&self, platform_id: &str, id: &str) -> Result<Option<Stored>, StorageError> {
        self.run(async { challenges::read(&self.client().await?, platform_id, id).await })
    }

    fn settle_answer(
        &self,
        id: &str,
        terminal_id: &str,
        audit: &AuditEvent,
    ) -> Result<bool, StorageError> {
        self.run(async { challenges::settle(&self.client().await?, id, terminal_id, audit).await })
    }

    fn settle_enrolled(
        &self,
        id: &str,
        terminal_id: &str,
        auth: &LinkageKey,
        audit: &AuditEvent,
    ) -> Result<SettledEnrolled, StorageError> {
        self.run(async {
            challenges::settle_enrolled(&self.client().await?, id, terminal_id, auth, audit).await
        })
    }

    fn first_use(
        &self,
        issuer: &str,
        jti: &str,
        exp: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StorageError> {
        self.run(self.jti(issuer, jti, exp, now))
    }

    fn append_audit(&self, rows: &[AuditEvent]) -> Result<(), StorageError> {
        self.run(self.audit(rows))
    }

    fn lookup(&self, auth: &LinkageKey) -> Result<Option<Enrolled>, StorageError> {
        self.run(async {
            let c = self.client().await?;
            super::postgres_registry::lookup(&c, auth).await
        })
    }

    fn lookup_federated(
        &self,
        peer: &str,
        peer_subject: &str,
    ) -> Result<Option<Enrolled>, StorageError> {
        self.run(async {
            let c = self.client().await?;
            super::postgres_registry::lookup_federated(&c, peer, peer_subject).await
        })
    }

    fn federated_subject(
        &self,
        peer: &str,
        peer_subject: &str,
    ) -> Result<Option<String>, StorageError> {
        self.run(async {
            let c = self.client().await?;
            super::postgres_registry::federated_subject(&c, peer, peer_subject).await
        })
    }

    fn card_holders(
        &self,
        auth: &LinkageKey,
        sign: &LinkageKey,
    ) -> Result<CardHolders, StorageError> {
        self.run(async {
            let c = self.client().await?;
            super::postgres_registry::card_holders(&c, auth, sign).await
        })
    }

    fn links_of(&self, subject_id: &str) -> Result<Vec<ServiceLink>, StorageError> {
        self.run(async {
            let c = self.client().await?;
            super::postgres_registry::links_of(&c, subject_id).await
        })
    }

    fn enroll(
        &self,
        e: &NewEnrollment<'_>,
        audit: &[AuditEvent],
    ) -> Result<crate::registry::Stored, EnrollError> {
        self.run(async {
            let mut c = self.client().await?;
            super::postgres_registry::enroll(&mut c, e, audit).await
        })
    }

    fn enroll_federated(
        &self,
        e: &FederatedEnrollment<'_>,
        audit: &[AuditEvent],
    ) -> Result<crate::registry::Stored, EnrollError> {
        self.run(async {
            let mut c = self.client().await?;
            super::postgres_registry::enroll_federated(&mut c, e, audit).await
        })
    }

    fn refused_holders(&self, auth: &LinkageKey) -> Result<Vec<String>, StorageError> {
        self.run(async {
            super::postgres_registry::refused_holders(&self.client().await?, auth).await
        })
    }

    fn attach_auth(
        &self,
        a: &AuthAttachment<'_>,
        decide: &mut dyn FnMut(&AttachState) -> Result<String, AttachRefusal>,
    ) -> Result<Result<String, AttachRefusal>, StorageError> {
        self.run(async {
            let mut c = self.client().await?;
            super::postgres_registry::attach_auth(&mut c, a, decide).await
        })
    }

    fn refused_corrections(&self, holder: &str) -> Result<Vec<LinkageKey>, StorageError> {
        self.run(async {
            super::postgres_corrections::refused_corrections(&self.client().await?, holder).await
        })
    }

    fn corrected_holder(&self, sign: &LinkageKey) -> Result<Option<String>, StorageError> {
        self.run(async {
            super::postgres_corrections::corrected_holder(&self.client().await?, sign).await
        })
    }

    fn accept_correction(
        &self,
        a: &CorrectionAcceptance<'_>,
        decide: &mut CorrectionRule<'_>,
    ) -> Result<Result<(String, LinkageKey), CorrectionRefusal>, StorageError> {
        self.run(async {
            let mut c = self.client().await?;
            super::postgres_corrections::accept_correction(&mut c, a, decide).await
        })
    }

    fn generations(&self) -> Result<Generations, StorageError> {
        self.run(async { shared::generations(&self.client().await?).await })
    }

    fn terminals(&self) -> Result<StoredTerminals, StorageError> {
        self.run(async { shared::terminals(&self.client().await?).await })
    }

    fn update_terminals(
        &self,
        decide: &mut dyn FnMut(&[TerminalRecord]) -> Vec<TerminalRecord>,
        now: UnixTime,
    ) -> Result<TerminalsUpdated, StorageError> {
        self.run(async {
            let mut c = self.client().await?;
            shared::update_terminals(&mut c, decide, now).await
        })
    }

    fn crl_set(&self) -> Result<StoredCrlSet, StorageError> {
        self.run(async { shared::crl_set(&self.client().await?).await })
    }

    fn publish_crl_set(
        &self,
        files: &[CrlFile],
        when: Republish,
        over: Version,
        now: UnixTime,
    ) -> Result<CrlWrite, StorageError> {
        self.run(async {
            let mut c = self.client().await?;
            shared::publish_crl_set(&mut c, files, when, over, now).await
        })
    }
}
