//! The insurer's state and its flows, called by the thin HTTP handlers on the blocking
//! pool: eligibility by assertion ([`eligibility`]), link confirmation and release for the
//! platform ([`links`]), bulk submit and fetch (here). Each flow reads the clock once and
//! hands `now` to the pure functions of [`crate::core`].

use std::sync::{Arc, Mutex, MutexGuard};

use backend_kit::reload::Live;
use backend_kit::{ApiError, Clock};
use counter_api::ProblemCode;
use counter_api::insurer::{BulkPrecheckAccepted, BulkPrecheckRequest, BulkPrecheckResult};
use madoguchi_time::UnixTime;

use crate::StartError;
use crate::config::Settings;
use crate::core::dates::jst_date;
use crate::core::{bulk, validate};
use crate::in_force::InForce;
use crate::store::{AuditRow, Store};

pub mod by_number;
pub mod eligibility;
pub mod links;

/// The running insurer: the settings in force with the assertion verifier ([`InForce`]),
/// clock and database (which also keeps the used assertion ids).
///
/// Calling contract: [`Insurer::new`] once; then each HTTP request reads
/// [`Insurer::in_force`] once (the terminal's extractor, `crate::http::Terminal`, or the
/// link handler) and runs one flow on that value ([`Insurer::eligibility`],
/// [`Insurer::eligibility_by_insurance_number`], [`Insurer::link`],
/// [`Insurer::release_link`], [`Insurer::bulk_submit`], [`Insurer::bulk_fetch`]), which
/// audits itself and never reads [`Insurer::in_force`] again; [`Insurer::reload`] (on
/// SIGHUP) swaps the terminals and platforms in force at any time.
#[derive(Debug)]
pub struct Insurer {
    pub(crate) live: Live<InForce>,
    clock: Arc<dyn Clock>,
    store: Mutex<Store>,
}

/// Locks `m`, recovering from a poisoned lock (a panic elsewhere does not stop the server;
/// SQLite keeps the data consistent by itself).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ProblemCode::Internal,
        format!("the insurer's database failed: {e}"),
    )
}

/// Logged once at start when the register holds no record: what the server answers then,
/// and what to set (the shipped build has no demo register to fall back on).
pub const EMPTY_REGISTER: &str = "the register of insured persons is empty: no link to \
    an insurance record can be confirmed and no eligibility check finds anyone. To load a \
    register, set demo_data = FILE in the configuration (a TOML register: [[records]] in \
    the format of backend-insurer's data/demo-insured.toml) and restart; it is seeded \
    while the database holds no record";

impl Insurer {
    /// Opens the database (seeding the configured register into an empty one, and saying
    /// so in the log when the register stays empty) and trusts the configured platforms'
    /// keys.
    pub fn new(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let in_force = InForce::new(settings)
            .map_err(|(k, p, x)| StartError::Settings(format!("{k}: {p}; expected {x}")))?;
        let settings = &in_force.settings;
        let seed = crate::demo::parse(&settings.seed_toml, clock.now())
            .map_err(|e| StartError::Settings(format!("demo_data: {e}")))?;
        let store = Store::open(&settings.database, &seed)?;
        // Empty only when there was nothing to seed and nothing held before (`open` seeds
        // a non-empty register into an empty database): no second count otherwise.
        if seed.is_empty() && store.record_count()? == 0 {
            tracing::warn!("{EMPTY_REGISTER}");
        }
        Ok(Self {
            live: Live::new(in_force),
            clock,
            store: Mutex::new(store),
        })
    }

    /// The settings and verifier in force now: a request reads it once and hands it to its
    /// flow, so a reload meanwhile does not change a request halfway.
    pub fn in_force(&self) -> Arc<InForce> {
        self.live.get()
    }

    /// Now, from the server's clock.
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// Writes an audit row; a failure is logged, never turned into a refusal.
    pub fn audit(&self, row: &AuditRow) {
        if let Err(e) = lock(&self.store).audit(row) {
            tracing::error!("audit row not written: {e}");
        }
    }

    /// The audit log (tests and operators).
    pub fn audit_rows(&self) -> Result<Vec<AuditRow>, ApiError> {
        lock(&self.store).audit_rows().map_err(internal)
    }

    /// `POST /v1/bulk-prechecks`: validate, store, answer a new reception number.
    pub fn bulk_submit(
        &self,
        terminal_id: &str,
        req: &BulkPrecheckRequest,
    ) -> Result<BulkPrecheckAccepted, ApiError> {
        let now = self.now();
        let result = (|| {
            validate::bulk(req)?;
            let mut bytes = [0u8; 12];
            getrandom::fill(&mut bytes).map_err(|e| {
                ApiError::new(
                    ProblemCode::Unavailable,
                    format!("no randomness for a reception number: {e}"),
                )
            })?;
            let reception_number = reception_number(bytes);
            lock(&self.store)
                .insert_bulk(&reception_number, terminal_id, now, req)
                .map_err(internal)?;
            Ok::<_, ApiError>(BulkPrecheckAccepted {
                reception_number,
                entries: u32::try_from(req.entries.len()).unwrap_or(u32::MAX),
            })
        })();
        self.audit(&AuditRow {
            at: now,
            terminal_id: Some(terminal_id.to_owned()),
            action: "bulk_submit",
            subject: result.as_ref().ok().map(|a| a.reception_number.clone()),
            outcome: match &result {
                Ok(_) => "accepted".into(),
                Err(e) => e.problem().code.as_str().to_owned(),
            },
            reason: Some(format!("{} entries", req.entries.len())),
            ..AuditRow::default()
        });
        result
    }

    /// `GET /v1/bulk-prechecks/{reception_number}`: 処理中 until due (`bulk_processing_secs`
    /// of the request's `in_force`), then processed once and kept. Only the submitting
    /// terminal sees a submission.
    pub fn bulk_fetch(
        &self,
        in_force: &InForce,
        terminal_id: &str,
        reception_number: &str,
    ) -> Result<BulkPrecheckResult, ApiError> {
        let now = self.now();
        let store = lock(&self.store);
        let unknown = || {
            ApiError::new(
                ProblemCode::ReceptionUnknown,
                "no bulk pre-check of this terminal has that reception number",
            )
        };
        let Some((submitted_at, req, done)) = store
            .bulk(reception_number, terminal_id)
            .map_err(internal)?
        else {
            return Err(unknown());
        };
        if let Some(done) = done {
            return Ok(done);
        }
        if !bulk::due(submitted_at, in_force.settings.bulk_processing_secs, now) {
            return Ok(bulk::processing(reception_number));
        }
        let today = jst_date(now);
        let mut items = Vec::with_capacity(req.entries.len());
        for e in &req.entries {
            let register = store
                .register_for(&e.insurer_number, &e.number)
                .map_err(internal)?;
            items.push(bulk::check_entry(
                &register,
                e,
                &req.qualification_confirmation_date,
                &today,
            ));
        }
        let result = bulk::completed(reception_number, items);
        store.complete_bulk(&result).map_err(internal)?;
        drop(store);
        // Who was checked, one row per patient, as for a single check.
        for (e, item) in req.entries.iter().zip(&result.items) {
            self.audit(&AuditRow {
                at: now,
                terminal_id: Some(terminal_id.to_owned()),
                action: "bulk_item",
                subject: Some(reception_number.to_owned()),
                insurer_number: Some(e.insurer_number.clone()),
                number: Some(e.number.clone()),
                outcome: format!("validity:{}", item.qualification_validity),
                reason: item.processing_result.code.clone(),
            });
        }
        self.audit(&AuditRow {
            at: now,
            terminal_id: Some(terminal_id.to_owned()),
            action: "bulk_fetch",
            subject: Some(reception_number.to_owned()),
            outcome: "completed".into(),
            reason: Some(format!(
                "{} normal, {} errors",
                result.number_of_normal, result.number_of_errors
            )),
            ..AuditRow::default()
        });
        Ok(result)
    }
}

/// A reception number (受付番号) for a bulk pre-check: `R` and the 12 bytes in base32
/// (RFC 4648 §6: `A`–`Z`, `2`–`7`), letters and digits only as the receipt system's
/// `ReceptionNumber` takes them. Not hex: the terminal keeps the number in its journal, and
/// 24 hex digits hold, now and then, 13 or more decimal digits in a row that an auditor's
/// card number scan would report; base32 has six digits in 32 symbols.
fn reception_number(bytes: [u8; 12]) -> String {
    format!("R{}", data_encoding::BASE32_NOPAD.encode(&bytes))
}

#[cfg(test)]
mod reception_number_tests {
    #[test]
    fn a_reception_number_is_r_and_base32() {
        let n = super::reception_number([0x42; 12]);
        assert_eq!(n, "RIJBEEQSCIJBEEQSCIJBA");
        assert!(n.bytes().all(|b| b.is_ascii_alphanumeric()), "{n}");
    }
}
