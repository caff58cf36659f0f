//! The insurer's answer and what staff do with it: warnings, the R7 block, the choice
//! among several matches, and the export.

use counter_api::ProblemCode;
use counter_api::insurer::EligibilityResponse;
use madoguchi_time::jst::CivilDate;

use super::ClinicRecord;
use super::export::ResultMessage;
use super::fallback::FallbackReason;
use super::machine::{Answered, CheckError, Effect, EligibilityCheck, ExportState, Stage};
use super::record::AuditAction;
use super::validity::Validity;
use super::warnings::{KnownSource, Warning, assess};
use crate::{BackendFailure, UnixTime};

/// The fallback reason of a failed eligibility call.
pub fn failure_reason(f: &BackendFailure) -> FallbackReason {
    match f {
        BackendFailure::Problem { .. } if f.problem() == Some(ProblemCode::AssertionExpired) => {
            FallbackReason::AssertionExpired
        }
        BackendFailure::Problem { .. } if f.problem() == Some(ProblemCode::LinkNotOwned) => {
            FallbackReason::LinkNotConfirmed
        }
        _ if f.outcome_unknown() => FallbackReason::InsurerUnavailable,
        BackendFailure::Unreachable { .. } => FallbackReason::InsurerUnavailable,
        _ => FallbackReason::InsurerError,
    }
}

impl EligibilityCheck {
    pub(super) fn answered(
        &mut self,
        outcome: Result<EligibilityResponse, BackendFailure>,
        now: UnixTime,
    ) -> Result<Vec<Effect>, CheckError> {
        let Stage::Checking { consents, date } = &self.stage else {
            return Err(self.not_now());
        };
        let (consents, date) = (*consents, date.clone());
        // An answer that names another check is never shown (R8: no other person's data).
        let reason = match &outcome {
            Ok(r)
                if r.arbitrary_identifier
                    .as_deref()
                    .is_some_and(|a| a != self.check_id) =>
            {
                Some(FallbackReason::InsurerError)
            }
            Ok(_) => None,
            Err(f) => Some(failure_reason(f)),
        };
        if let Some(reason) = reason {
            self.stage = Stage::NeedsFallback {
                reason,
                consents: Some(consents),
                date: Some(date),
            };
            return Ok(vec![
                self.audit(
                    now,
                    AuditAction::EligibilityFailed {
                        code: reason.code(),
                    },
                ),
                self.failed_record(reason, now),
            ]);
        }
        let Ok(response) = outcome else {
            return Err(self.not_now());
        };
        let today = CivilDate::parse(&date).unwrap_or_else(|| CivilDate::of(now));
        let warnings = assess(&response, self.clinic.as_ref(), self.holder.as_ref(), today);
        let answered = Answered {
            answered_at: now,
            date,
            consents,
            warnings,
            acknowledged: false,
            chosen: None,
            export: ExportState::NotExported,
            another_patient: false,
            response,
        };
        let mut fx = vec![self.audit(
            now,
            AuditAction::EligibilityAnswered {
                validity: answered.response.qualification_validity.clone(),
                warnings: answered.warnings.iter().map(Warning::code).collect(),
            },
        )];
        fx.push(self.card_record(&answered, now));
        let blocked = answered.blocked();
        self.stage = Stage::Answered(Box::new(answered));
        if !blocked {
            fx.extend(self.reveal(now));
        }
        Ok(fx)
    }

    /// The details become visible: log it, and export when the site exports.
    fn reveal(&mut self, now: UnixTime) -> Vec<Effect> {
        let mut fx = vec![self.audit(now, AuditAction::DetailsShown)];
        if self.settings.export {
            fx.extend(self.export_effects(now));
        }
        fx
    }

    fn export_effects(&mut self, now: UnixTime) -> Vec<Effect> {
        let Stage::Answered(a) = &mut self.stage else {
            return vec![];
        };
        let reference = self.clinic.as_ref().and_then(|c| c.patient_id.as_deref());
        let files = ResultMessage {
            check_id: &self.check_id,
            medical_institution_code: &self.settings.medical_institution_code,
            executed_at: a.answered_at,
            confirmation_date: &a.date,
            response: &a.response,
            reference_number: reference,
            prescription: a.consents.prescription,
        }
        .files();
        a.export = ExportState::Pending;
        let names = files.iter().map(|f| f.name.clone()).collect();
        vec![
            self.audit(now, AuditAction::Exported { files: names }),
            Effect::Export { files },
        ]
    }

    pub(super) fn acknowledge(&mut self, now: UnixTime) -> Result<Vec<Effect>, CheckError> {
        let Stage::Answered(a) = &mut self.stage else {
            return Err(self.not_now());
        };
        if a.acknowledged {
            return Ok(vec![]);
        }
        let was_blocked = a.blocked();
        a.acknowledged = true;
        let codes = a.warnings.iter().map(Warning::code).collect();
        let mut fx = vec![self.audit(now, AuditAction::WarningsAcknowledged { codes })];
        // Acknowledging a person mismatch only shows what differs: the files would name the
        // expected patient's chart (`ReferenceNumber`) for a result that may be another
        // person's, so they are written only when staff decide so (`Input::Export`).
        if was_blocked {
            fx.push(self.audit(now, AuditAction::DetailsShown));
        }
        Ok(fx)
    }

    /// Staff say the person whose card was read is not the expected patient but another
    /// one (a family member who is a patient too, a walk-in). Taken after a person
    /// mismatch with the expected patient ([`Warning::PersonMismatch`] against the chart)
    /// was acknowledged, and before any file was written for the check (once written, the
    /// files named the expected patient's chart: staff said it was theirs). Said again,
    /// nothing more happens.
    ///
    /// - **The check is the other patient's.** The expected patient leaves the check: its
    ///   record is written again without their chart id (`patient_ref`), so the visit and
    ///   its co-payment are the person's whose card was read. The warnings that compared
    ///   the answer with the chart (the insurance the chart holds) are dropped; the person
    ///   mismatch stays on record, as shown and acknowledged.
    /// - **The files are written, without a chart id**, when the site exports: the result
    ///   file is the same message as a face-route result, whose `ReferenceNumber` is there
    ///   only for a patient whose id was registered (docs/domain/eligibility.md §2.3, §2.6);
    ///   without it the receipt system finds (or opens) the chart by the name, birth date
    ///   and insurance the result carries, as for any check with no patient expected.
    /// - **The expected patient is handed back** to whoever holds them
    ///   ([`EligibilityCheck::expected`] is `None` after this): the counter keeps them
    ///   expected for the next check, since their own card may come next.
    /// - **Audited** as [`AuditAction::AnotherPatientConfirmed`].
    pub(super) fn confirm_another_patient(
        &mut self,
        now: UnixTime,
    ) -> Result<Vec<Effect>, CheckError> {
        let Stage::Answered(a) = &self.stage else {
            return Err(self.not_now());
        };
        if a.another_patient {
            return Ok(vec![]);
        }
        if a.blocked() {
            return Err(CheckError::DetailsWithheld);
        }
        if !self.may_confirm_another_patient(a) {
            return Err(self.not_now());
        }
        self.clinic = None;
        let holder = self.holder.clone();
        let Stage::Answered(a) = &mut self.stage else {
            return Err(self.not_now());
        };
        let today = CivilDate::parse(&a.date).unwrap_or_else(|| CivilDate::of(now));
        // Compared again without the chart: what remains is about the card and its holder,
        // and the person mismatch staff decided on.
        let kept: Vec<Warning> = a
            .warnings
            .iter()
            .filter(|w| w.blocks_details())
            .cloned()
            .collect();
        let again = assess(&a.response, None, holder.as_ref(), today);
        a.warnings = kept.clone();
        a.warnings
            .extend(again.into_iter().filter(|w| !kept.contains(w)));
        a.another_patient = true;
        let Stage::Answered(a) = &self.stage else {
            return Err(self.not_now());
        };
        let mut fx = vec![
            self.audit(now, AuditAction::AnotherPatientConfirmed),
            self.card_record(a, now),
        ];
        if self.settings.export {
            fx.extend(self.export_effects(now));
        }
        Ok(fx)
    }

    /// Staff name another expected patient while the answer is on screen (the one typed
    /// or booked was not the person at the counter): the answer is compared with them
    /// afresh (R7), as if they had been named before it came. The warnings are assessed
    /// again and must be acknowledged again (a person mismatch blocks the details until
    /// then), the check's record is written again with their chart id, and once nothing
    /// blocks, the files are written when the site exports (naming their chart).
    ///
    /// Taken only while no file was written for the check (nor asked to be) and staff have
    /// not said the answer is another patient's: written files named the chart of the
    /// patient expected then, and the receipt system may have taken them. Refused then;
    /// staff finish the check, and the patient named is the next check's.
    pub(super) fn expect_again(
        &mut self,
        record: ClinicRecord,
        now: UnixTime,
    ) -> Result<Vec<Effect>, CheckError> {
        let holder = self.holder.clone();
        let Stage::Answered(a) = &mut self.stage else {
            return Err(self.not_now());
        };
        if a.export != ExportState::NotExported || a.another_patient {
            return Err(self.not_now());
        }
        let shown_before = !a.blocked();
        let today = CivilDate::parse(&a.date).unwrap_or_else(|| CivilDate::of(now));
        a.warnings = assess(&a.response, Some(&record), holder.as_ref(), today);
        a.acknowledged = false;
        let blocked = a.blocked();
        self.clinic = Some(record);
        let Stage::Answered(a) = &self.stage else {
            return Err(self.not_now());
        };
        let mut fx = vec![
            self.audit(now, AuditAction::ExpectedPersonSet),
            self.card_record(a, now),
        ];
        if !blocked {
            if !shown_before {
                fx.push(self.audit(now, AuditAction::DetailsShown));
            }
            if self.settings.export {
                fx.extend(self.export_effects(now));
            }
        }
        Ok(fx)
    }

    /// Whether staff may say the answer `a` is another patient's: it named someone other
    /// than the expected patient (their chart), staff acknowledged that, and no file was
    /// written for the check.
    pub(super) fn may_confirm_another_patient(&self, a: &Answered) -> bool {
        let chart_mismatch = a.warnings.iter().any(|w| {
            matches!(
                w,
                Warning::PersonMismatch {
                    source: KnownSource::ClinicRecord,
                    ..
                }
            )
        });
        chart_mismatch
            && !a.blocked()
            && !a.another_patient
            && self.clinic.is_some()
            && a.export == ExportState::NotExported
    }

    pub(super) fn choose_record(
        &mut self,
        index: usize,
        now: UnixTime,
    ) -> Result<Vec<Effect>, CheckError> {
        let Stage::Answered(a) = &mut self.stage else {
            return Err(self.not_now());
        };
        if Validity::parse(&a.response.qualification_validity) != Validity::MultipleMatches {
            return Err(self.not_now());
        }
        if index >= a.response.results.len() {
            return Err(CheckError::NoSuchRecord { index });
        }
        a.chosen = Some(index);
        let Stage::Answered(a) = &self.stage else {
            return Err(self.not_now());
        };
        Ok(vec![
            self.audit(now, AuditAction::RecordChosen { record: index }),
            self.card_record(a, now),
        ])
    }

    pub(super) fn export_again(&mut self, now: UnixTime) -> Result<Vec<Effect>, CheckError> {
        let Stage::Answered(a) = &self.stage else {
            return Err(self.not_now());
        };
        if a.blocked() {
            return Err(CheckError::DetailsWithheld);
        }
        if !self.settings.export {
            return Err(self.not_now());
        }
        Ok(self.export_effects(now))
    }

    pub(super) fn export_done(
        &mut self,
        ok: bool,
        now: UnixTime,
    ) -> Result<Vec<Effect>, CheckError> {
        let Stage::Answered(a) = &mut self.stage else {
            return Err(self.not_now());
        };
        if a.export != ExportState::Pending {
            return Err(self.not_now());
        }
        if ok {
            a.export = ExportState::Written;
            return Ok(vec![]);
        }
        a.export = ExportState::Failed;
        Ok(vec![self.audit(now, AuditAction::ExportFailed)])
    }
}
