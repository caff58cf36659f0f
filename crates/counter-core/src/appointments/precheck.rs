//! A day's appointments pre-checked through the insurer's bulk API (docs/domain/eligibility.md
//! §2.6: submit → 受付番号 → fetch the result later): the submissions, and what one fetch
//! means for each appointment submitted under it.
//!
//! Shell loop: [`bulk_requests`] → submit each → record [`super::Precheck::Submitted`] for
//! its appointments (reception number, reference) → fetch → record every [`Update`] of
//! [`updates`]; an appointment still waiting is fetched again later under the same number.

use std::collections::BTreeMap;

use counter_api::insurer::{
    BulkPrecheckEntry, BulkPrecheckItem, BulkPrecheckRequest, BulkPrecheckResult, BulkStatus,
};

use super::{Appointment, Precheck};
use crate::eligibility::recheck::MAX_BULK_ENTRIES;
use crate::{BackendFailure, Code};

/// The bulk entry of an appointment, under its id as the reference; `None` without the
/// insurance number, number and birth date the pre-check asks by (§2.2).
pub fn entry(a: &Appointment) -> Option<BulkPrecheckEntry> {
    let r = &a.record;
    Some(BulkPrecheckEntry {
        reference: a.id.to_string(),
        insurer_number: r.insurer_number.clone()?,
        symbol: r.symbol.clone(),
        number: r.number.clone()?,
        branch: r.branch.clone(),
        birth_date: r.birth_date.clone()?,
    })
}

/// One submission and the appointments in it, in the entries' order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The body to send.
    pub request: BulkPrecheckRequest,
    /// The appointments' ids (each entry's reference is its id).
    pub ids: Vec<u64>,
}

/// The submissions for `appointments`: one per visit day (the day is per submission), at
/// most [`MAX_BULK_ENTRIES`] entries each. An appointment that cannot be asked about (see
/// [`entry`]) is left out.
pub fn bulk_requests(
    appointments: &[Appointment],
    medical_institution_code: &str,
) -> Vec<Submission> {
    let mut by_date: BTreeMap<&str, Vec<(u64, BulkPrecheckEntry)>> = BTreeMap::new();
    for a in appointments {
        if let Some(e) = entry(a) {
            by_date
                .entry(a.visit_date.as_str())
                .or_default()
                .push((a.id, e));
        }
    }
    by_date
        .into_iter()
        .flat_map(|(date, entries)| {
            entries
                .chunks(MAX_BULK_ENTRIES)
                .map(|c| Submission {
                    request: BulkPrecheckRequest {
                        medical_institution_code: medical_institution_code.to_owned(),
                        qualification_confirmation_date: date.to_owned(),
                        entries: c.iter().map(|(_, e)| e.clone()).collect(),
                    },
                    ids: c.iter().map(|(id, _)| *id).collect(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The code staff read for appointments whose submission failed with `f`: the insurer
/// refused it ([`BackendFailure::refused`]: [`Code::InsurerError`]), or it could not be
/// asked now ([`Code::InsurerUnavailable`]: unreachable, 5xx, 408, 429), and staff may run
/// the pre-check again later.
pub fn submission_failed(f: &BackendFailure) -> Code {
    if f.refused() {
        Code::InsurerError
    } else {
        Code::InsurerUnavailable
    }
}

/// What a fetch means for one appointment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Update {
    /// Record the answer.
    Answered(Box<BulkPrecheckItem>),
    /// Still 処理中 (or the fetch did not get through): keep it waiting, fetch again later.
    StillWaiting,
    /// Record that the pre-check failed; staff may run it again.
    Failed(Code),
}

/// What the fetch `outcome` of one reception number means for each appointment waiting
/// under it (`(id, reference)` pairs). A completed result without an appointment's
/// reference, a failed bulk pre-check (`SegmentOfResult` 9) or a refused fetch
/// ([`BackendFailure::refused`]) fails it; an insurer that could not answer now (unreachable,
/// 5xx, 408, 429) leaves it waiting, to be fetched again.
pub fn updates(
    waiting: &[(u64, String)],
    outcome: &Result<BulkPrecheckResult, BackendFailure>,
) -> Vec<(u64, Update)> {
    waiting
        .iter()
        .map(|(id, reference)| {
            let u = match outcome {
                Err(f) if f.refused() => Update::Failed(Code::InsurerError),
                Err(_) => Update::StillWaiting,
                Ok(r) => match r.status {
                    BulkStatus::Processing => Update::StillWaiting,
                    BulkStatus::Failed => Update::Failed(Code::InsurerError),
                    BulkStatus::Completed => r
                        .items
                        .iter()
                        .find(|i| &i.reference == reference)
                        .map_or(Update::Failed(Code::InsurerError), |i| {
                            Update::Answered(Box::new(i.clone()))
                        }),
                },
            };
            (*id, u)
        })
        .collect()
}

/// The appointments waiting under a reception number: `(reception number, [(id,
/// reference)])`, one entry per number.
pub fn waiting(appointments: &[Appointment]) -> Vec<(String, Vec<(u64, String)>)> {
    let mut by_number: BTreeMap<&str, Vec<(u64, String)>> = BTreeMap::new();
    for a in appointments {
        if let Precheck::Submitted {
            reception_number,
            reference,
            ..
        } = &a.precheck
        {
            by_number
                .entry(reception_number.as_str())
                .or_default()
                .push((a.id, reference.clone()));
        }
    }
    by_number
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use counter_api::insurer::ProcessingResult;

    use super::*;
    use crate::UnixTime;
    use crate::appointments::AppointmentSource;
    use crate::backend::problem;
    use crate::eligibility::ClinicRecord;

    fn appt(id: u64, date: &str, number: Option<&str>) -> Appointment {
        Appointment {
            id,
            visit_date: date.into(),
            record: ClinicRecord {
                insurer_number: Some("06139999".into()),
                number: number.map(str::to_owned),
                birth_date: Some("19850412".into()),
                ..ClinicRecord::default()
            },
            ratio_tenths: None,
            source: AppointmentSource::Typed,
            precheck: Precheck::NotSubmitted,
        }
    }

    #[test]
    fn one_submission_per_day_with_the_ids_as_references() {
        let list = [
            appt(1, "20261208", Some("1")),
            appt(2, "20261207", Some("2")),
            appt(3, "20261207", None),
            appt(4, "20261207", Some("4")),
        ];
        let subs = bulk_requests(&list, "1312345678");
        assert_eq!(subs.len(), 2);
        assert_eq!(subs[0].request.qualification_confirmation_date, "20261207");
        assert_eq!(subs[0].ids, [2, 4], "3 has no number");
        let refs: Vec<&str> = subs[0]
            .request
            .entries
            .iter()
            .map(|e| e.reference.as_str())
            .collect();
        assert_eq!(refs, ["2", "4"]);
        assert_eq!(subs[1].ids, [1]);
        assert_eq!(subs[1].request.medical_institution_code, "1312345678");
    }

    #[test]
    fn a_fetch_answers_waits_or_fails_each_appointment() {
        let waiting = [(2, "2".to_owned()), (4, "4".to_owned())];
        let item = BulkPrecheckItem {
            reference: "2".into(),
            processing_result: ProcessingResult {
                status: "1".into(),
                code: None,
                message: None,
            },
            qualification_validity: "1".into(),
            results: vec![],
        };
        let done = BulkPrecheckResult {
            reception_number: "R".into(),
            status: BulkStatus::Completed,
            number_of_results: 1,
            number_of_normal: 1,
            number_of_errors: 0,
            items: vec![item.clone()],
        };
        let u = updates(&waiting, &Ok(done.clone()));
        assert_eq!(u[0], (2, Update::Answered(Box::new(item))));
        assert_eq!(u[1], (4, Update::Failed(Code::InsurerError)));
        let processing = BulkPrecheckResult {
            status: BulkStatus::Processing,
            items: vec![],
            ..done
        };
        assert!(
            updates(&waiting, &Ok(processing))
                .iter()
                .all(|(_, u)| *u == Update::StillWaiting)
        );
        let down = Err(BackendFailure::Unreachable {
            sent: false,
            detail: "refused".into(),
        });
        assert!(
            updates(&waiting, &down)
                .iter()
                .all(|(_, u)| *u == Update::StillWaiting)
        );
    }

    #[test]
    fn a_fetch_told_not_now_waits_and_a_refused_one_fails() {
        let waiting = [(2, "2".to_owned())];
        for (status, code) in [
            (429, "rate_limited"),
            (408, "timeout"),
            (503, "unavailable"),
        ] {
            assert_eq!(
                updates(&waiting, &Err(problem(status, code))),
                [(2, Update::StillWaiting)],
                "{status}: fetched again later, not shown as failed"
            );
        }
        for (status, code) in [(404, "reception_unknown"), (403, "forbidden")] {
            assert_eq!(
                updates(&waiting, &Err(problem(status, code))),
                [(2, Update::Failed(Code::InsurerError))],
                "{status}"
            );
        }
    }

    #[test]
    fn a_submission_told_not_now_is_unavailable_and_a_refused_one_an_error() {
        assert_eq!(
            submission_failed(&problem(429, "rate_limited")),
            Code::InsurerUnavailable
        );
        assert_eq!(
            submission_failed(&problem(408, "timeout")),
            Code::InsurerUnavailable
        );
        assert_eq!(
            submission_failed(&problem(422, "invalid_field")),
            Code::InsurerError
        );
        let down = BackendFailure::Unreachable {
            sent: false,
            detail: "refused".into(),
        };
        assert_eq!(submission_failed(&down), Code::InsurerUnavailable);
    }

    #[test]
    fn waiting_appointments_are_grouped_by_reception_number() {
        let mut a = appt(1, "20261207", Some("1"));
        a.precheck = Precheck::Submitted {
            reception_number: "R1".into(),
            reference: "P-1".into(),
            at: UnixTime::EPOCH,
        };
        let mut b = a.clone();
        b.id = 2;
        let c = appt(3, "20261207", Some("3"));
        let w = waiting(&[a, b, c]);
        assert_eq!(
            w,
            [(
                "R1".to_owned(),
                vec![(1, "P-1".to_owned()), (2, "P-1".to_owned())]
            )]
        );
    }
}
