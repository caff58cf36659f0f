//! Booked patients (`counter_core::appointments`) carried out: appointments stored, a day's
//! list read, its bulk pre-check submitted to the insurer and its result fetched and
//! recorded, the receipt system's bulk requests kept as appointments, and a booked
//! patient's record read for the counter when the patient arrives. It decides nothing: the
//! submissions, the meaning of each fetch and what staff see are the core's.
//!
//! Calling contract: [`Appointments::add`] for a typed one; [`Appointments::list`] for a
//! day (it first deletes past days' appointments and fetches the results still waiting);
//! [`Appointments::precheck`] submits the day's appointments and waits a little for the
//! result (what has not come by then is fetched by the next list); the folder worker calls
//! [`record_request`] and [`record_fetch`]; the counter's event loop calls [`load`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use counter_api::insurer::BulkPrecheckResult;
use counter_core::appointments::precheck::{self, Update};
use counter_core::appointments::{
    AppointmentField, AppointmentForm, AppointmentView, Precheck, from_bulk_request, view,
};
use counter_core::counter::Message;
use counter_core::eligibility::ClinicRecord;
use counter_core::folders::SearchInfo;
use counter_core::{BackendFailure, Code, UnixTime};
use counter_store::{Store, StoreError};
use madoguchi_time::jst::CivilDate;
use serde::Serialize;
use ts_rs::TS;

use crate::clock::Clock;
use crate::http::Backends;

/// How often a pre-check's result is fetched while staff wait for it.
const FETCH_EVERY: Duration = Duration::from_secs(1);

/// Why an appointment action was refused: the code table's line, and the form's field at
/// fault when there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{}", .message.en)]
pub struct AppointmentRefusal {
    /// Why, and what to do.
    pub message: Message,
    /// The field to fix (a typed appointment), if any; the window names it (what the
    /// field expects is in the log).
    pub field: Option<AppointmentField>,
}

impl From<Code> for AppointmentRefusal {
    fn from(code: Code) -> Self {
        Self {
            message: Message::of(code),
            field: None,
        }
    }
}

fn stored(e: StoreError) -> AppointmentRefusal {
    tracing::error!(error = %e, "appointments: the store failed");
    AppointmentRefusal::from(Code::StorageFailure)
}

/// The booked patients of one terminal.
#[derive(Clone)]
pub struct Appointments {
    store: Arc<Mutex<Store>>,
    backends: Backends,
    clock: Arc<dyn Clock>,
    /// 医療機関コード: without one there is no pre-check.
    institution: Option<String>,
}

impl std::fmt::Debug for Appointments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Appointments").finish_non_exhaustive()
    }
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A day typed `YYYY-MM-DD` (or `YYYYMMDD`) as `YYYYMMDD`.
fn day(date: &str) -> Result<String, AppointmentRefusal> {
    CivilDate::parse(date.trim())
        .map(CivilDate::compact)
        .ok_or_else(|| Code::DateInvalid.into())
}

impl Appointments {
    /// The appointments of the terminal whose store, insurer and institution code these are.
    pub fn new(
        store: Arc<Mutex<Store>>,
        backends: Backends,
        clock: Arc<dyn Clock>,
        institution: Option<String>,
    ) -> Self {
        Self {
            store,
            backends,
            clock,
            institution,
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// Stores a typed appointment (the patient already booked that day is updated).
    pub fn add(&self, form: &AppointmentForm) -> Result<AppointmentView, AppointmentRefusal> {
        let now = self.clock.now();
        let new = form.validate(CivilDate::of(now)).map_err(|e| {
            tracing::info!(error = %e, "a typed appointment was refused");
            AppointmentRefusal {
                message: Message::of(e.code()),
                field: Some(e.field),
            }
        })?;
        let mut store = self.store();
        let id = store.upsert_appointment(&new, now).map_err(stored)?;
        let a = store
            .appointment(id)
            .map_err(stored)?
            .ok_or(Code::AppointmentUnknown)?;
        Ok(view(&a))
    }

    /// The appointments of `date` (`YYYY-MM-DD`) as staff see them. Past days' appointments
    /// are deleted first, and the results still waiting are fetched.
    pub async fn list(&self, date: &str) -> Result<Vec<AppointmentView>, AppointmentRefusal> {
        let date = day(date)?;
        self.fetch_waiting().await;
        let list = self.store().appointments_on(&date).map_err(stored)?;
        Ok(list.iter().map(view).collect())
    }

    /// Pre-checks every appointment of `date` now: submits them (one submission per day,
    /// as the core builds it), then fetches the result until it has come or `wait` has
    /// passed. Returns the day's list.
    pub async fn precheck(
        &self,
        date: &str,
        wait: Duration,
    ) -> Result<Vec<AppointmentView>, AppointmentRefusal> {
        let institution = self.institution.clone().ok_or(Code::PrecheckUnavailable)?;
        let date_c = day(date)?;
        let list = self.store().appointments_on(&date_c).map_err(stored)?;
        for sub in precheck::bulk_requests(&list, &institution) {
            let now = self.clock.now();
            match self.backends.bulk_submit(&sub.request).await {
                Ok(accepted) => {
                    let mut store = self.store();
                    for id in &sub.ids {
                        let p = Precheck::Submitted {
                            reception_number: accepted.reception_number.clone(),
                            reference: id.to_string(),
                            at: now,
                        };
                        store
                            .set_appointment_precheck(*id, &p, now)
                            .map_err(stored)?;
                    }
                }
                Err(f) => {
                    tracing::warn!(failure = ?f, "the bulk pre-check was not accepted");
                    let code = precheck::submission_failed(&f);
                    let mut store = self.store();
                    for id in &sub.ids {
                        let p = Precheck::Failed { code, at: now };
                        store
                            .set_appointment_precheck(*id, &p, now)
                            .map_err(stored)?;
                    }
                }
            }
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = self.fetch_waiting().await;
            if left == 0 || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(FETCH_EVERY).await;
        }
        let list = self.store().appointments_on(&date_c).map_err(stored)?;
        Ok(list.iter().map(view).collect())
    }

    /// Fetches every reception number appointments wait under, once, and records what
    /// each fetch means; returns how many appointments still wait.
    pub async fn fetch_waiting(&self) -> usize {
        let waiting = match self.store().appointments_waiting() {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "appointments waiting could not be read");
                return 0;
            }
        };
        let mut left = 0;
        for (reception, members) in precheck::waiting(&waiting) {
            let outcome = self.backends.bulk_fetch(&reception).await;
            let now = self.clock.now();
            left += apply(&self.store, &members, &outcome, now);
        }
        left
    }
}

/// Records what `outcome` means for each `(id, reference)`; returns how many still wait.
fn apply(
    store: &Mutex<Store>,
    members: &[(u64, String)],
    outcome: &Result<BulkPrecheckResult, BackendFailure>,
    now: UnixTime,
) -> usize {
    let mut left = 0;
    let mut store = lock(store);
    for (id, update) in precheck::updates(members, outcome) {
        let p = match update {
            Update::StillWaiting => {
                left += 1;
                continue;
            }
            Update::Answered(item) => Precheck::Answered { item, at: now },
            Update::Failed(code) => Precheck::Failed { code, at: now },
        };
        if let Err(e) = store.set_appointment_precheck(id, &p, now) {
            tracing::warn!(error = %e, id, "an appointment's pre-check could not be recorded");
        }
    }
    left
}

/// The receipt system's bulk request (`OQSmuquc01req`), accepted under `reception_number`:
/// its entries become the appointments of `as_of` (`YYYYMMDD`), waiting for that result.
/// A request read again updates the same appointments.
pub fn record_request(
    store: &Mutex<Store>,
    as_of: &str,
    entries: &[SearchInfo],
    reception_number: &str,
    now: UnixTime,
) -> Result<usize, StoreError> {
    let mut store = lock(store);
    let new = from_bulk_request(as_of, entries);
    for (a, reference) in &new {
        let id = store.upsert_appointment(a, now)?;
        let p = Precheck::Submitted {
            reception_number: reception_number.to_owned(),
            reference: reference.clone(),
            at: now,
        };
        store.set_appointment_precheck(id, &p, now)?;
    }
    Ok(new.len())
}

/// The receipt system fetched the result of `reception_number` (`OQSmuquc02req`): the
/// appointments waiting under it record it too.
pub fn record_fetch(
    store: &Mutex<Store>,
    reception_number: &str,
    result: &BulkPrecheckResult,
    now: UnixTime,
) -> Result<(), StoreError> {
    let waiting = lock(store).appointments_waiting()?;
    for (number, members) in precheck::waiting(&waiting) {
        if number == reception_number {
            apply(store, &members, &Ok(result.clone()), now);
        }
    }
    Ok(())
}

/// Appointment `id`'s record, for the counter's expected patient
/// (`Effect::LoadAppointment`): [`Code::AppointmentUnknown`] when the store has none.
pub fn load(store: &Mutex<Store>, id: u64) -> Result<ClinicRecord, Code> {
    match lock(store).appointment(id) {
        Ok(Some(a)) => Ok(a.expected()),
        Ok(None) => Err(Code::AppointmentUnknown),
        Err(e) => {
            tracing::error!(error = %e, "an appointment could not be read");
            Err(Code::StorageFailure)
        }
    }
}
