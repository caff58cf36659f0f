//! Booked patients: one row per patient and visit day (`counter_core::appointments`), with
//! the clinic's record and the pre-check's state as JSON, deleted once the day has passed.

use counter_core::UnixTime;
use counter_core::appointments::{Appointment, AppointmentSource, NewAppointment, Precheck};
use counter_core::eligibility::ClinicRecord;
use rusqlite::{OptionalExtension, Row, params};

use crate::error::{StoreError, sql};
use crate::store::Store;

const COLUMNS: &str = "id, visit_date, source, record_json, ratio_tenths, precheck_json";

fn corrupt(what: &'static str, detail: String) -> StoreError {
    StoreError::Corrupt { what, detail }
}

type Raw = (i64, String, String, String, Option<i64>, String);

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn appointment(raw: Raw) -> Result<Appointment, StoreError> {
    let (id, visit_date, source, record, ratio, precheck) = raw;
    Ok(Appointment {
        id: u64::try_from(id).map_err(|_| corrupt("appointment id", id.to_string()))?,
        visit_date,
        source: AppointmentSource::parse(&source)
            .ok_or_else(|| corrupt("appointment source", source.clone()))?,
        record: serde_json::from_str::<ClinicRecord>(&record)
            .map_err(|e| corrupt("appointment record", e.to_string()))?,
        ratio_tenths: ratio.and_then(|r| u8::try_from(r).ok()),
        precheck: serde_json::from_str::<Precheck>(&precheck)
            .map_err(|e| corrupt("appointment pre-check", e.to_string()))?,
    })
}

fn json<T: serde::Serialize>(v: &T, what: &'static str) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| corrupt(what, e.to_string()))
}

impl Store {
    /// Stores `a` and returns its id. The patient already booked on that day (same
    /// insurance number and birth date) is updated instead, with what
    /// [`NewAppointment::merged_onto`] keeps of it (a receipt system's entry does not wipe
    /// what staff typed); its pre-check starts over only when the record or ratio changed.
    pub fn upsert_appointment(
        &mut self,
        a: &NewAppointment,
        now: UnixTime,
    ) -> Result<u64, StoreError> {
        const OP: &str = "store an appointment";
        let key = a.patient_key();
        let fresh = json(&Precheck::NotSubmitted, "appointment pre-check")?;
        let tx = self.write()?;
        let held = tx
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM appointments \
                     WHERE visit_date = ?1 AND patient_key = ?2"
                ),
                params![a.visit_date, key],
                raw,
            )
            .optional()
            .map_err(sql(OP))?
            .map(appointment)
            .transpose()?;
        let merged;
        let a = match &held {
            Some(h) => {
                merged = a.merged_onto(h);
                &merged
            }
            None => a,
        };
        let record = json(&a.record, "appointment record")?;
        let id: i64 = tx
            .query_row(
                "INSERT INTO appointments (visit_date, source, patient_key, record_json, \
                 ratio_tenths, precheck_json, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
                 ON CONFLICT (visit_date, patient_key) \
                 DO UPDATE SET \
                   precheck_json = CASE WHEN record_json IS excluded.record_json \
                       AND ratio_tenths IS excluded.ratio_tenths THEN precheck_json \
                       ELSE excluded.precheck_json END, \
                   reception_number = CASE WHEN record_json IS excluded.record_json \
                       AND ratio_tenths IS excluded.ratio_tenths THEN reception_number \
                       ELSE NULL END, \
                   record_json = excluded.record_json, \
                   ratio_tenths = excluded.ratio_tenths, \
                   source = excluded.source, \
                   updated_at = excluded.updated_at \
                 RETURNING id",
                params![
                    a.visit_date,
                    a.source.as_str(),
                    key,
                    record,
                    a.ratio_tenths.map(i64::from),
                    fresh,
                    now,
                ],
                |row| row.get(0),
            )
            .map_err(sql(OP))?;
        tx.commit().map_err(sql(OP))?;
        u64::try_from(id).map_err(|_| corrupt("appointment id", id.to_string()))
    }

    /// Records how far appointment `id`'s pre-check got.
    pub fn set_appointment_precheck(
        &mut self,
        id: u64,
        precheck: &Precheck,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        const OP: &str = "record an appointment's pre-check";
        let reception = match precheck {
            Precheck::Submitted {
                reception_number, ..
            } => Some(reception_number.as_str()),
            _ => None,
        };
        let body = json(precheck, "appointment pre-check")?;
        let id_sql = i64::try_from(id).map_err(|_| StoreError::NotFound {
            what: "appointment",
            id: id.to_string(),
        })?;
        let tx = self.write()?;
        let n = tx
            .execute(
                "UPDATE appointments SET precheck_json = ?2, reception_number = ?3, \
                 updated_at = ?4 WHERE id = ?1",
                params![id_sql, body, reception, now],
            )
            .map_err(sql(OP))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "appointment",
                id: id.to_string(),
            });
        }
        tx.commit().map_err(sql(OP))
    }

    /// The appointments of `visit_date` (`YYYYMMDD`), in the order they were made.
    pub fn appointments_on(&self, visit_date: &str) -> Result<Vec<Appointment>, StoreError> {
        self.appointments_where("visit_date = ?1 ORDER BY id", visit_date)
    }

    /// The appointments waiting for a submission's result.
    pub fn appointments_waiting(&self) -> Result<Vec<Appointment>, StoreError> {
        const OP: &str = "read the appointments waiting";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM appointments WHERE reception_number IS NOT NULL \
                 ORDER BY id"
            ))
            .map_err(sql(OP))?;
        let rows = stmt.query_map([], raw).map_err(sql(OP))?;
        rows.map(|r| appointment(r.map_err(sql(OP))?)).collect()
    }

    fn appointments_where(&self, filter: &str, arg: &str) -> Result<Vec<Appointment>, StoreError> {
        const OP: &str = "read appointments";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM appointments WHERE {filter}"
            ))
            .map_err(sql(OP))?;
        let rows = stmt.query_map([arg], raw).map_err(sql(OP))?;
        rows.map(|r| appointment(r.map_err(sql(OP))?)).collect()
    }

    /// Appointment `id`, if the store has it.
    pub fn appointment(&self, id: u64) -> Result<Option<Appointment>, StoreError> {
        const OP: &str = "read an appointment";
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        let found = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM appointments WHERE id = ?1"),
                [id],
                raw,
            )
            .optional()
            .map_err(sql(OP))?;
        found.map(appointment).transpose()
    }

    /// Deletes every appointment of a day before `first_day_kept` (`YYYYMMDD`, from
    /// `counter_core::appointments::keep_from`) and returns how many. The deleted text is
    /// zeroed (`secure_delete`); when any went, the write-ahead log is checkpointed and
    /// truncated, as [`Store::purge_details_before`] does.
    pub fn purge_appointments_before(&mut self, first_day_kept: &str) -> Result<usize, StoreError> {
        const OP: &str = "purge past appointments";
        let tx = self.write()?;
        let n = tx
            .execute(
                "DELETE FROM appointments WHERE visit_date < ?1",
                [first_day_kept],
            )
            .map_err(sql(OP))?;
        tx.commit().map_err(sql(OP))?;
        if n > 0 {
            self.checkpoint_truncate()?;
        }
        Ok(n)
    }
}
