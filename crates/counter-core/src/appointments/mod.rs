//! Booked patients (予約): the list of a day's appointments with what the clinic holds about
//! each patient, their bulk pre-check by insurance number (docs/domain/eligibility.md §2.6,
//! the insurer's `POST /v1/bulk-prechecks`), and what each answer says against the clinic's
//! record, so that staff fix the record before the patient arrives. An appointment's record
//! is also the patient the next check expects ([`crate::counter::StaffAction::ExpectAppointment`]).
//!
//! | piece | module |
//! |---|---|
//! | a typed appointment checked field by field | [`form`] |
//! | appointments from the receipt system's `OQSmuquc01req` | [`from_bulk_request`] |
//! | the bulk submissions for a day and what a fetch means for each appointment | [`precheck`] |
//! | an answer against the clinic's record: status and differences | [`compare`] |
//!
//! # Calling contract
//!
//! The shell (`counter-runtime`) stores a [`NewAppointment`] (typed: [`form::AppointmentForm::validate`];
//! from a request: [`from_bulk_request`]); the store keeps one appointment per patient and
//! day, so a request read again or a patient typed twice updates the one it has. To
//! pre-check a day it builds the submissions with [`precheck::bulk_requests`], records each
//! appointment's [`Precheck::Submitted`], fetches the result and records what
//! [`precheck::updates`] says. [`compare::view`] is what the staff window shows. Past
//! appointments are purged ([`keep_from`]). Nothing here reads a clock.

pub mod compare;
pub mod form;
pub mod precheck;

use counter_api::insurer::BulkPrecheckItem;
use serde::{Deserialize, Serialize};

pub use compare::{AppointmentView, DiffField, Difference, PrecheckStatus, view};
pub use form::{AppointmentError, AppointmentField, AppointmentForm};

use crate::eligibility::ClinicRecord;
use crate::folders::SearchInfo;
use crate::{Code, UnixTime};

/// Where an appointment came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentSource {
    /// Typed by staff on the staff window.
    Typed,
    /// An entry of the receipt system's bulk pre-check request (`OQSmuquc01req`).
    ReceiptSystem,
}

impl AppointmentSource {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Typed => "typed",
            Self::ReceiptSystem => "receipt_system",
        }
    }

    /// From the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "typed" => Some(Self::Typed),
            "receipt_system" => Some(Self::ReceiptSystem),
            _ => None,
        }
    }
}

/// An appointment to store: the day, what the clinic holds, where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAppointment {
    /// The day of the visit, `YYYYMMDD` (the pre-check's `QualificationConfirmationDate`).
    pub visit_date: String,
    /// What the clinic holds; `insurer_number`, `number` and `birth_date` (`YYYYMMDD`) are
    /// always present (the pre-check asks by them, §2.2).
    pub record: ClinicRecord,
    /// 負担割合 the clinic holds, in tenths (1, 2 or 3), if any.
    pub ratio_tenths: Option<u8>,
    /// Where it came from.
    pub source: AppointmentSource,
}

impl NewAppointment {
    /// The key the patient is booked under on a day: one patient per insurance number
    /// (insurer, symbol, number, branch) and birth date, as the pre-check asks by them.
    ///
    /// Stored as one opaque value (`k` and the base32 of their SHA-256), not as columns:
    /// SQLite writes a row's text values side by side, and the insured's number, branch
    /// and birth date next to each other read as a run of 13 or more digits, which an
    /// auditor's card number scan of the database (`counter_store::scan`) would report.
    pub fn patient_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let r = &self.record;
        let mut h = Sha256::new();
        for part in [
            &r.insurer_number,
            &r.symbol,
            &r.number,
            &r.branch,
            &r.birth_date,
        ] {
            h.update(part.as_deref().unwrap_or_default().as_bytes());
            h.update([0x1f]);
        }
        format!("k{}", data_encoding::BASE32_NOPAD.encode(&h.finalize()))
    }

    /// What the store keeps when `self` comes for the patient `held` is booked as on that
    /// day (the same [`NewAppointment::patient_key`]).
    ///
    /// - Typed by staff: the form is the whole record as staff want it; it replaces what
    ///   is held, except a patient id the form leaves empty: then the one held stays,
    ///   whatever its source. Over a row from the receipt system, that row's id (its
    ///   `ArbitraryIdentifier`, the receipt system's reference for the patient) is what
    ///   the answers written for the patient carry back, and only under it does the
    ///   receipt system find its patient, so a form that does not touch it must not drop
    ///   it. An id staff type is their correction and replaces it, the first time as
    ///   every time (never dropped without a word).
    /// - From the receipt system: its request carries the insurance numbers, the birth
    ///   date and `ArbitraryIdentifier`, never a name, kana, sex or ratio
    ///   (docs/domain/eligibility.md §2.2). Every field it leaves `None` keeps the held
    ///   value, and a typed appointment keeps its ratio and stays typed: the name staff
    ///   typed is what the check compares a card's holder with (R7), and a request read
    ///   the evening before must not wipe it.
    pub fn merged_onto(&self, held: &Appointment) -> NewAppointment {
        let (new, old) = (&self.record, &held.record);
        let keep = |n: &Option<String>, o: &Option<String>| n.clone().or_else(|| o.clone());
        if self.source == AppointmentSource::Typed {
            let patient_id = keep(&new.patient_id, &old.patient_id);
            let mut typed = self.clone();
            typed.record.patient_id = patient_id;
            return typed;
        }
        let record = ClinicRecord {
            patient_id: keep(&new.patient_id, &old.patient_id),
            name: keep(&new.name, &old.name),
            kana: keep(&new.kana, &old.kana),
            birth_date: keep(&new.birth_date, &old.birth_date),
            sex: new.sex.or(old.sex),
            insurer_number: keep(&new.insurer_number, &old.insurer_number),
            symbol: keep(&new.symbol, &old.symbol),
            number: keep(&new.number, &old.number),
            branch: keep(&new.branch, &old.branch),
        };
        let typed = held.source == AppointmentSource::Typed;
        NewAppointment {
            visit_date: self.visit_date.clone(),
            record,
            ratio_tenths: if typed {
                held.ratio_tenths
            } else {
                self.ratio_tenths.or(held.ratio_tenths)
            },
            source: if typed { held.source } else { self.source },
        }
    }
}

/// How far an appointment's pre-check got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Precheck {
    /// Not submitted yet.
    NotSubmitted,
    /// Submitted under `reception_number`; the answer comes under `reference`.
    Submitted {
        /// 受付番号.
        reception_number: String,
        /// The entry's reference in the submission.
        reference: String,
        /// When submitted.
        at: UnixTime,
    },
    /// The insurer answered for this patient.
    Answered {
        /// The answer.
        item: Box<BulkPrecheckItem>,
        /// When it was fetched.
        at: UnixTime,
    },
    /// The pre-check could not be made (the insurer refused the submission, or it failed).
    Failed {
        /// Why, for staff.
        code: Code,
        /// When.
        at: UnixTime,
    },
}

/// A stored appointment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment {
    /// The store's id.
    pub id: u64,
    /// The day of the visit, `YYYYMMDD`.
    pub visit_date: String,
    /// What the clinic holds.
    pub record: ClinicRecord,
    /// 負担割合 the clinic holds, in tenths.
    pub ratio_tenths: Option<u8>,
    /// Where it came from.
    pub source: AppointmentSource,
    /// Its pre-check.
    pub precheck: Precheck,
}

impl Appointment {
    /// The patient the check expects when this patient arrives: the clinic's whole record
    /// (name, kana, birth date, sex and insurance), compared with the insurer's answer as a
    /// chart is (R7, and the insurance against the chart).
    pub fn expected(&self) -> ClinicRecord {
        self.record.clone()
    }
}

/// The entries of a receipt system's bulk request (`OQSmuquc01req`) as appointments of the
/// day they are pre-checked for (`as_of`, `YYYYMMDD`), each with the reference its answer
/// comes under ([`crate::folders::request::bulk_references`], as the folder worker submits
/// it; a request read has none twice). The request carries the insurance numbers and the birth date the receipt
/// system holds, and its `ArbitraryIdentifier` as the clinic's patient id; no name, sex or
/// ratio (docs/domain/eligibility.md §2.2).
pub fn from_bulk_request(as_of: &str, entries: &[SearchInfo]) -> Vec<(NewAppointment, String)> {
    entries
        .iter()
        .zip(crate::folders::request::bulk_references(entries))
        .map(|(e, reference)| {
            let record = ClinicRecord {
                patient_id: e.arbitrary_identifier.clone(),
                birth_date: Some(e.birth_date.clone()),
                insurer_number: Some(e.insurer_number.clone()),
                symbol: e.symbol.clone(),
                number: Some(e.number.clone()),
                branch: e.branch.clone(),
                ..ClinicRecord::default()
            };
            let new = NewAppointment {
                visit_date: as_of.to_owned(),
                record,
                ratio_tenths: None,
                source: AppointmentSource::ReceiptSystem,
            };
            (new, reference)
        })
        .collect()
}

/// Retention (docs/domain/eligibility.md §5 R10: personal data no longer than needed): an
/// appointment is kept until its day has passed. The first visit day kept at `now`
/// (`YYYYMMDD`, today in JST); the store deletes every appointment of an earlier day.
pub fn keep_from(now: UnixTime) -> String {
    madoguchi_time::jst::compact_date(now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn search(id: Option<&str>) -> SearchInfo {
        SearchInfo {
            insurer_number: "06139999".into(),
            symbol: Some("千代".into()),
            number: "10001".into(),
            branch: None,
            birth_date: "19850412".into(),
            limit_certificate_consent: false,
            arbitrary_identifier: id.map(str::to_owned),
        }
    }

    #[test]
    fn a_patient_is_keyed_by_insurance_and_birth_date_without_digit_runs() {
        let booked = |number: &str, name: &str| NewAppointment {
            visit_date: "20261207".into(),
            record: ClinicRecord {
                name: Some(name.into()),
                insurer_number: Some("06139999".into()),
                number: Some(number.into()),
                branch: Some("01".into()),
                birth_date: Some("19580303".into()),
                ..ClinicRecord::default()
            },
            ratio_tenths: None,
            source: AppointmentSource::Typed,
        };
        let key = booked("10002", "鈴木　一郎").patient_key();
        assert_eq!(
            key,
            booked("10002", "すずき").patient_key(),
            "the name is not the key"
        );
        assert_ne!(key, booked("10003", "鈴木　一郎").patient_key());
        assert!(key.starts_with('k') && key.len() == 53, "{key}");
        let longest_digits = key
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(longest_digits < 13, "{key}");
    }

    #[test]
    fn request_entries_become_the_days_appointments() {
        let got = from_bulk_request("20261207", &[search(Some("P-1")), search(None)]);
        assert_eq!(got.len(), 2);
        let (a, r) = &got[0];
        assert_eq!(r, "P-1");
        assert_eq!(a.visit_date, "20261207");
        assert_eq!(a.source, AppointmentSource::ReceiptSystem);
        assert_eq!(a.record.patient_id.as_deref(), Some("P-1"));
        assert_eq!(a.record.insurer_number.as_deref(), Some("06139999"));
        assert_eq!(a.record.symbol.as_deref(), Some("千代"));
        assert_eq!(a.record.birth_date.as_deref(), Some("19850412"));
        assert_eq!((a.record.name.clone(), a.ratio_tenths), (None, None));
        assert_eq!(
            got[1].1, "2",
            "the position, as the folder worker submits it"
        );
    }

    fn typed_sato() -> Appointment {
        Appointment {
            id: 7,
            visit_date: "20261207".into(),
            record: ClinicRecord {
                name: Some("佐藤　花子".into()),
                kana: Some("サトウ　ハナコ".into()),
                sex: Some(counter_api::platform::Sex::Female),
                birth_date: Some("19850412".into()),
                insurer_number: Some("06139999".into()),
                symbol: Some("千代".into()),
                number: Some("10001".into()),
                ..ClinicRecord::default()
            },
            ratio_tenths: Some(3),
            source: AppointmentSource::Typed,
            precheck: Precheck::NotSubmitted,
        }
    }

    #[test]
    fn a_receipt_systems_entry_keeps_what_staff_typed() {
        let held = typed_sato();
        let (bulk, _) = from_bulk_request("20261207", &[search(Some("P-1"))])
            .pop()
            .unwrap();
        let m = bulk.merged_onto(&held);
        assert_eq!(m.record.name.as_deref(), Some("佐藤　花子"));
        assert_eq!(m.record.kana.as_deref(), Some("サトウ　ハナコ"));
        assert_eq!(m.record.sex, Some(counter_api::platform::Sex::Female));
        assert_eq!(m.ratio_tenths, Some(3), "the typed ratio is kept");
        assert_eq!(m.source, AppointmentSource::Typed, "it stays typed");
        // What the request carries is taken: the patient id it adds, its numbers.
        assert_eq!(m.record.patient_id.as_deref(), Some("P-1"));
        assert_eq!(m.record.symbol.as_deref(), Some("千代"));
        assert_eq!(m.record.birth_date.as_deref(), Some("19850412"));
        assert_eq!(m.patient_key(), bulk.patient_key());
        // Read again, the merge changes nothing more.
        let stored = Appointment {
            record: m.record.clone(),
            ..held.clone()
        };
        assert_eq!(bulk.merged_onto(&stored), m);
    }

    #[test]
    fn a_receipt_systems_entry_over_its_own_keeps_what_it_leaves_out() {
        let mut held = typed_sato();
        held.source = AppointmentSource::ReceiptSystem;
        held.ratio_tenths = None;
        held.record.patient_id = Some("P-1".into());
        // The same patient in a later request without an ArbitraryIdentifier.
        let (bulk, _) = from_bulk_request("20261207", &[search(None)])
            .pop()
            .unwrap();
        let as_held = NewAppointment {
            visit_date: held.visit_date.clone(),
            record: held.record.clone(),
            ratio_tenths: held.ratio_tenths,
            source: held.source,
        };
        assert_eq!(bulk.patient_key(), as_held.patient_key());
        let m = bulk.merged_onto(&held);
        assert_eq!(m.source, AppointmentSource::ReceiptSystem);
        assert_eq!(m.ratio_tenths, None);
        assert_eq!(m.record.patient_id.as_deref(), Some("P-1"));
    }

    #[test]
    fn a_typed_appointment_replaces_what_is_held() {
        let mut held = typed_sato();
        held.source = AppointmentSource::ReceiptSystem;
        let typed = NewAppointment {
            visit_date: "20261207".into(),
            record: ClinicRecord {
                name: Some("佐藤　花".into()),
                ..held.record.clone()
            },
            ratio_tenths: Some(2),
            source: AppointmentSource::Typed,
        };
        assert_eq!(typed.merged_onto(&held), typed);
    }

    #[test]
    fn a_typed_appointment_keeps_the_receipt_systems_identifier() {
        let mut held = typed_sato();
        held.source = AppointmentSource::ReceiptSystem;
        held.record.patient_id = Some("P-1".into());
        let mut typed = NewAppointment {
            visit_date: "20261207".into(),
            record: ClinicRecord {
                name: Some("佐藤　花".into()),
                patient_id: None,
                ..held.record.clone()
            },
            ratio_tenths: Some(2),
            source: AppointmentSource::Typed,
        };
        let m = typed.merged_onto(&held);
        assert_eq!(
            m.record.patient_id.as_deref(),
            Some("P-1"),
            "the answers for this patient still carry the receipt system's reference"
        );
        assert_eq!(
            m.record.name.as_deref(),
            Some("佐藤　花"),
            "the rest is typed"
        );
        assert_eq!(m.source, AppointmentSource::Typed);
        // Another id typed over the receipt system's: staff's correction, not dropped.
        typed.record.patient_id = Some("C-9".into());
        assert_eq!(
            typed.merged_onto(&held).record.patient_id.as_deref(),
            Some("C-9")
        );
        // Typed again over the now typed row, without an id: the id is not dropped.
        let stored = Appointment {
            record: m.record.clone(),
            source: m.source,
            ..held.clone()
        };
        typed.record.patient_id = None;
        assert_eq!(
            typed.merged_onto(&stored).record.patient_id.as_deref(),
            Some("P-1")
        );
        // Over a typed row, an id typed replaces the one held.
        typed.record.patient_id = Some("C-9".into());
        assert_eq!(
            typed.merged_onto(&stored).record.patient_id.as_deref(),
            Some("C-9")
        );
    }

    #[test]
    fn appointments_are_kept_until_their_day_has_passed() {
        // 2026-12-06 23:59:59 JST and the next second.
        let late = UnixTime::from_secs(1_796_569_199);
        assert_eq!(keep_from(late), "20261206");
        assert_eq!(keep_from(late.plus_secs(1)), "20261207");
    }

    #[test]
    fn sources_round_trip() {
        for s in [AppointmentSource::Typed, AppointmentSource::ReceiptSystem] {
            assert_eq!(AppointmentSource::parse(s.as_str()), Some(s));
        }
        assert_eq!(AppointmentSource::parse("x"), None);
    }
}
