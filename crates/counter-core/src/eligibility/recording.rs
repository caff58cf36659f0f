//! What a check leaves in the store ([`Effect::RecordCheck`]), and the fallback step that
//! records what the patient presented and queues the re-check (docs/domain/eligibility.md §1.4, R1).

use madoguchi_time::jst;

use super::fallback::{FallbackForm, FallbackReason};
use super::machine::{Answered, BeforeFallback, CheckError, Effect, EligibilityCheck, Stage};
use super::recheck::{FIRST_RECHECK_SECS, RECHECK_REPLACED, RecheckRequest};
use super::record::{
    AuditAction, CheckDetails, CheckRecord, CheckSource, CheckSummary, VALIDITY_FAILED,
    VALIDITY_FALLBACK,
};
use super::validity::{Ratio, Validity, headline_ratio, primary_index};
use super::warnings::Warning;
use crate::UnixTime;

impl EligibilityCheck {
    fn patient_ref(&self) -> Option<String> {
        self.clinic.as_ref().and_then(|c| c.patient_id.clone())
    }

    /// The record of an insurer's answer.
    pub(super) fn card_record(&self, a: &Answered, now: UnixTime) -> Effect {
        let validity = Validity::parse(&a.response.qualification_validity);
        let primary = primary_index(&validity, &a.response, a.chosen, &a.date);
        let ratio_tenths = match headline_ratio(&validity, &a.response, primary, &a.date) {
            Ratio::Tenths { tenths, .. } => Some(tenths),
            _ => None,
        };
        Effect::RecordCheck(Box::new(CheckRecord {
            summary: CheckSummary {
                check_id: self.check_id.clone(),
                at: now,
                mode: self.mode,
                patient_ref: self.patient_ref(),
                source: CheckSource::Card,
                validity: a.response.qualification_validity.clone(),
                ratio_tenths,
                warnings: a.warnings.iter().map(Warning::code).collect(),
                recheck_queued: false,
            },
            details: CheckDetails {
                response: Some(a.response.clone()),
                chosen_record: a.chosen,
                presented: None,
                consents: Some(a.consents),
            },
        }))
    }

    /// The record of a check that got no answer.
    pub(super) fn failed_record(&self, reason: FallbackReason, now: UnixTime) -> Effect {
        let consents = match &self.stage {
            Stage::NeedsFallback { consents, .. } => *consents,
            _ => None,
        };
        Effect::RecordCheck(Box::new(CheckRecord {
            summary: CheckSummary {
                check_id: self.check_id.clone(),
                at: now,
                mode: self.mode,
                patient_ref: self.patient_ref(),
                source: CheckSource::Card,
                validity: VALIDITY_FAILED.to_owned(),
                ratio_tenths: None,
                warnings: vec![reason.code()],
                recheck_queued: false,
            },
            details: CheckDetails {
                consents,
                ..CheckDetails::default()
            },
        }))
    }

    /// Staff record the document the patient presented. Recorded again (corrected), the
    /// check keeps what the first recording knew from before it (consents, visit day, an
    /// insurer's answer), and its re-check follows the new document: replaced by the new
    /// one's, or given up ([`Effect::CancelRecheck`]) when the new document cannot be
    /// re-checked, so that the earlier request's answer never lands on the corrected record.
    pub(super) fn record_fallback(
        &mut self,
        form: &FallbackForm,
        now: UnixTime,
    ) -> Result<Vec<Effect>, CheckError> {
        let mut replaced_recheck = false;
        let (reason, consents, date, response) = match &self.stage {
            Stage::NoInsuranceService => (FallbackReason::NotEnrolled, None, None, None),
            Stage::NeedsFallback {
                reason,
                consents,
                date,
            } => (*reason, *consents, date.clone(), None),
            Stage::FallbackRecorded {
                reason,
                recheck_queued,
                before,
                ..
            } => {
                replaced_recheck = *recheck_queued;
                (
                    *reason,
                    before.consents,
                    Some(before.date.clone()),
                    before.response.clone(),
                )
            }
            Stage::Answered(a) => {
                let reason = match Validity::parse(&a.response.qualification_validity) {
                    Validity::Valid | Validity::ValidUnregistered => return Err(self.not_now()),
                    Validity::Invalid | Validity::InvalidWithNew => FallbackReason::Invalid,
                    Validity::NoQualification => FallbackReason::NoQualification,
                    Validity::MultipleMatches => FallbackReason::MultipleMatches,
                    Validity::Other(_) => FallbackReason::InsurerError,
                };
                (
                    reason,
                    Some(a.consents),
                    Some(a.date.clone()),
                    Some(a.response.clone()),
                )
            }
            _ => return Err(self.not_now()),
        };
        let presented = form.validate(Self::today(now))?;
        let visit_date = date.unwrap_or_else(|| jst::compact_date(now));
        let recheck = presented.can_recheck().then(|| RecheckRequest {
            check_id: self.check_id.clone(),
            mode: self.mode,
            patient_ref: self.patient_ref(),
            visit_date: visit_date.clone(),
            presented: presented.clone(),
            queued_at: now,
            attempts: 0,
            next_at: now.plus_secs(FIRST_RECHECK_SECS),
        });
        let recheck_queued = recheck.is_some();
        let document = presented.document;
        let record = CheckRecord {
            summary: CheckSummary {
                check_id: self.check_id.clone(),
                at: now,
                mode: self.mode,
                patient_ref: self.patient_ref(),
                source: CheckSource::Fallback { document, reason },
                validity: VALIDITY_FALLBACK.to_owned(),
                ratio_tenths: Some(presented.ratio_tenths),
                warnings: vec![reason.code()],
                recheck_queued,
            },
            details: CheckDetails {
                response: response.clone(),
                chosen_record: None,
                presented: Some(presented.clone()),
                consents,
            },
        };
        self.stage = Stage::FallbackRecorded {
            presented: Box::new(presented),
            reason,
            recheck_queued,
            before: Box::new(BeforeFallback {
                consents,
                date: visit_date,
                response,
            }),
        };
        let mut fx = vec![
            self.audit(now, AuditAction::FallbackRecorded { document, reason }),
            Effect::RecordCheck(Box::new(record)),
        ];
        match recheck {
            Some(r) => fx.push(Effect::EnqueueRecheck(Box::new(r))),
            None if replaced_recheck => fx.push(Effect::CancelRecheck {
                check_id: self.check_id.clone(),
                reason: RECHECK_REPLACED,
            }),
            None => {}
        }
        Ok(fx)
    }
}
