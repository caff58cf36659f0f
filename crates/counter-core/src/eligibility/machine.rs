//! [`EligibilityCheck`]: one patient's check at the counter, from the service menu to the
//! result staff read (or the fallback they record), as a sans-IO machine.

use counter_api::insurer::{EligibilityRequest, EligibilityResponse};
use counter_api::platform::{MenuEntry, ServiceKind};
use madoguchi_time::jst::{self, CivilDate};
use serde::{Deserialize, Serialize};

use super::consent::{ConsentsGiven, CustomerConsents};
use super::export::ExportFile;
use super::fallback::{FallbackError, FallbackForm, FallbackReason, Presented};
use super::recheck::RecheckRequest;
use super::record::{AuditAction, AuditEvent, CheckRecord};
use super::setup::{
    CardHolder, CheckSettings, ClinicRecord, Mode, SetupError, validate_check_id, validate_settings,
};
use super::warnings::Warning;
use crate::{BackendFailure, Code, UnixTime};

/// An input: the customer's choices, the shell's results, the staff's actions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "input", content = "value", rename_all = "snake_case")]
pub enum Input {
    /// Customer: picked a service on their screen.
    ChooseService {
        /// The menu entry's `service_id`.
        service_id: String,
    },
    /// Customer: answered the consent screens.
    Consent(CustomerConsents),
    /// Shell: the outcome of [`Effect::RequestEligibility`].
    EligibilityAnswered(Result<EligibilityResponse, BackendFailure>),
    /// Staff: the patient they expect (typed, or from the receipt system), to compare the
    /// insurer's answer with (R7). Taken until the answer arrives; replaces an earlier one.
    /// Once the answer is on screen, taken while no file was written for the check: the
    /// answer is compared with them afresh (`EligibilityCheck::expect_again`).
    Expect(ClinicRecord),
    /// Staff: read the warnings (lifts the R7 block on the details; after a person
    /// mismatch the receipt system's files still wait for [`Input::Export`]).
    AcknowledgeWarnings,
    /// Staff: the patient's record among several matches (`ResultList` index).
    ChooseRecord {
        /// The index.
        index: usize,
    },
    /// Staff: what the patient presented instead.
    RecordFallback(FallbackForm),
    /// Staff: write the export files (again; after an acknowledged person mismatch, for
    /// the first time: staff decided the result is the expected patient's, whose chart the
    /// files name).
    Export,
    /// Staff, after an acknowledged person mismatch with the expected patient: the person
    /// whose card was read is another patient. The check and its co-payment become theirs
    /// (no chart id), and the expected patient leaves the check
    /// (`EligibilityCheck::confirm_another_patient`).
    ConfirmAnotherPatient,
    /// Shell: the export files were written.
    ExportWritten,
    /// Shell: the export files could not be written.
    ExportFailed,
}

/// An effect for the shell, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", content = "value", rename_all = "snake_case")]
pub enum Effect {
    /// `POST /v1/eligibility`; answer with [`Input::EligibilityAnswered`].
    RequestEligibility(EligibilityRequest),
    /// Write the files into the receipt system's folder (each atomically: temporary name,
    /// then rename), then answer [`Input::ExportWritten`] or [`Input::ExportFailed`].
    Export {
        /// The files.
        files: Vec<ExportFile>,
    },
    /// Upsert the record by check id.
    RecordCheck(Box<CheckRecord>),
    /// Append to the audit trail.
    Audit(AuditEvent),
    /// Queue (or replace, by check id) a re-check.
    EnqueueRecheck(Box<RecheckRequest>),
    /// Give up the check's pending re-check, if any, for `reason` (staff recorded the
    /// fallback again with a document that cannot be re-checked: the earlier request asks
    /// about numbers staff corrected). Staff did it, so it is not listed for them to confirm.
    CancelRecheck {
        /// The check.
        check_id: String,
        /// Why, for the queue's row (no personal details).
        reason: &'static str,
    },
}

/// An input that does not fit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The input does not fit the current step (nothing changed).
    #[error("that does not fit the current step ({step})")]
    NotNow {
        /// The step.
        step: &'static str,
    },
    /// The service is not on the menu (or is not an insurance service with an assertion).
    #[error("the service {service_id} is not offered")]
    UnknownService {
        /// As sent.
        service_id: String,
    },
    /// No record of that index.
    #[error("there is no record {index} in the result")]
    NoSuchRecord {
        /// As sent.
        index: usize,
    },
    /// The details are withheld until staff acknowledge the person mismatch (R7).
    #[error("acknowledge the person mismatch first")]
    DetailsWithheld,
    /// A fallback field is not valid.
    #[error(transparent)]
    Fallback(#[from] FallbackError),
}

impl CheckError {
    /// The UI code.
    pub fn code(&self) -> Code {
        match self {
            Self::NotNow { .. } | Self::NoSuchRecord { .. } | Self::UnknownService { .. } => {
                Code::NotNow
            }
            Self::DetailsWithheld => Code::PersonMismatch,
            Self::Fallback(e) => e.code(),
        }
    }
}

/// Whether the export files were written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    /// Not (yet) handed to the shell.
    NotExported,
    /// Handed to the shell.
    Pending,
    /// Written.
    Written,
    /// The shell could not write them ([`Code::ExportFailed`]).
    Failed,
}

/// An insurer's answer and what staff did with it.
#[derive(Clone, Debug)]
pub(super) struct Answered {
    pub(super) response: EligibilityResponse,
    pub(super) answered_at: UnixTime,
    pub(super) date: String,
    pub(super) consents: ConsentsGiven,
    pub(super) warnings: Vec<Warning>,
    pub(super) acknowledged: bool,
    pub(super) chosen: Option<usize>,
    pub(super) export: ExportState,
    /// Staff said the answer is another patient's than the one expected
    /// ([`Input::ConfirmAnotherPatient`]).
    pub(super) another_patient: bool,
}

impl Answered {
    /// Whether R7 still withholds the details.
    pub(super) fn blocked(&self) -> bool {
        !self.acknowledged && self.warnings.iter().any(Warning::blocks_details)
    }
}

/// What a check knew before its fallback was recorded: a recording made again keeps it.
#[derive(Clone, Debug)]
pub(super) struct BeforeFallback {
    pub(super) consents: Option<ConsentsGiven>,
    /// The visit day (`YYYYMMDD`) the re-check asks about.
    pub(super) date: String,
    pub(super) response: Option<EligibilityResponse>,
}

/// Where the check stands.
#[derive(Clone, Debug)]
pub(super) enum Stage {
    ChoosingService,
    NoInsuranceService,
    Consenting {
        service: usize,
    },
    Checking {
        consents: ConsentsGiven,
        date: String,
    },
    Answered(Box<Answered>),
    NeedsFallback {
        reason: FallbackReason,
        consents: Option<ConsentsGiven>,
        date: Option<String>,
    },
    FallbackRecorded {
        presented: Box<Presented>,
        reason: FallbackReason,
        recheck_queued: bool,
        /// What the first recording knew from before it (the customer's consents, the
        /// visit day, an insurer's answer), kept for a recording made again.
        before: Box<BeforeFallback>,
    },
    Ended,
}

impl Stage {
    pub(super) fn name(&self) -> &'static str {
        match self {
            Self::ChoosingService => "choosing_service",
            Self::NoInsuranceService => "no_insurance_service",
            Self::Consenting { .. } => "consenting",
            Self::Checking { .. } => "checking",
            Self::Answered(_) => "answered",
            Self::NeedsFallback { .. } => "needs_fallback",
            Self::FallbackRecorded { .. } => "fallback_recorded",
            Self::Ended => "ended",
        }
    }
}

/// One patient's eligibility check (docs/domain/eligibility.md §1.2–1.4, §5 R1, R3, R7, R8).
///
/// # Calling contract
///
/// 1. After identification, [`EligibilityCheck::new`] with the platform's menu; when the
///    card cannot be used at all, [`EligibilityCheck::fallback_only`].
/// 2. Show [`EligibilityCheck::customer_view`] on the customer's screen and
///    [`EligibilityCheck::staff_view`] on the staff's; feed every choice, action and
///    effect result to [`EligibilityCheck::handle`] with `now`, and carry out the effects
///    it returns, in order.
/// 3. When the patient leaves (card removed, next patient, timeout), call
///    [`EligibilityCheck::end`]: the machine forgets every personal detail and both views
///    become empty. Late answers are then refused with [`CheckError::NotNow`].
#[derive(Clone, Debug)]
pub struct EligibilityCheck {
    pub(super) check_id: String,
    pub(super) mode: Mode,
    pub(super) settings: CheckSettings,
    pub(super) menu: Vec<MenuEntry>,
    pub(super) clinic: Option<ClinicRecord>,
    pub(super) holder: Option<CardHolder>,
    pub(super) stage: Stage,
}

impl EligibilityCheck {
    /// A check after identification. `check_id` comes from the shell (unique per check; it
    /// becomes `ArbitraryFileIdentifier`). Only insurance entries carrying an assertion are
    /// offered; with none, staff are sent to a fallback ([`Code::NotEnrolled`]).
    pub fn new(
        check_id: impl Into<String>,
        mode: Mode,
        settings: CheckSettings,
        menu: Vec<MenuEntry>,
        clinic_record: Option<ClinicRecord>,
        card_holder: Option<CardHolder>,
    ) -> Result<Self, SetupError> {
        let check_id = check_id.into();
        validate_check_id(&check_id)?;
        validate_settings(&settings)?;
        let menu: Vec<MenuEntry> = menu
            .into_iter()
            .filter(|e| {
                e.kind == ServiceKind::Insurance
                    && e.assertion.as_deref().is_some_and(|a| !a.is_empty())
            })
            .collect();
        let stage = if menu.is_empty() {
            Stage::NoInsuranceService
        } else {
            Stage::ChoosingService
        };
        Ok(Self {
            check_id,
            mode,
            settings,
            menu,
            clinic: clinic_record,
            holder: card_holder,
            stage,
        })
    }

    /// A check without identification (PIN blocked, certificate expired or revoked, card
    /// unreadable, platform down): staff go straight to the fallback form.
    pub fn fallback_only(
        check_id: impl Into<String>,
        mode: Mode,
        settings: CheckSettings,
        reason: FallbackReason,
        clinic_record: Option<ClinicRecord>,
    ) -> Result<Self, SetupError> {
        let mut check = Self::new(check_id, mode, settings, vec![], clinic_record, None)?;
        check.stage = Stage::NeedsFallback {
            reason,
            consents: None,
            date: None,
        };
        Ok(check)
    }

    /// The check id.
    pub fn check_id(&self) -> &str {
        &self.check_id
    }

    /// Whether [`EligibilityCheck::end`] was called.
    pub fn is_ended(&self) -> bool {
        matches!(self.stage, Stage::Ended)
    }

    /// Whether the check waits for the customer: the service menu or the consent screens
    /// (nothing has been asked of the insurer yet).
    pub fn awaits_customer(&self) -> bool {
        matches!(
            self.stage,
            Stage::ChoosingService | Stage::Consenting { .. }
        )
    }

    /// Whether the check has its result and staff may act on it: the insurer answered
    /// and R7 holds nothing back, or staff recorded a fallback.
    pub fn has_result(&self) -> bool {
        match &self.stage {
            Stage::Answered(a) => !a.blocked(),
            Stage::FallbackRecorded { .. } => true,
            _ => false,
        }
    }

    /// Takes one input at `now`; returns the effects to carry out, in order. On an error
    /// nothing changed.
    pub fn handle(&mut self, input: Input, now: UnixTime) -> Result<Vec<Effect>, CheckError> {
        match input {
            Input::ChooseService { service_id } => self.choose_service(service_id, now),
            Input::Consent(c) => self.consent(&c, now),
            Input::EligibilityAnswered(outcome) => self.answered(outcome, now),
            Input::Expect(record) => self.expect(record, now),
            Input::AcknowledgeWarnings => self.acknowledge(now),
            Input::ChooseRecord { index } => self.choose_record(index, now),
            Input::RecordFallback(form) => self.record_fallback(&form, now),
            Input::Export => self.export_again(now),
            Input::ConfirmAnotherPatient => self.confirm_another_patient(now),
            Input::ExportWritten => self.export_done(true, now),
            Input::ExportFailed => self.export_done(false, now),
        }
    }

    /// Ends the session: every personal detail is dropped (R8).
    pub fn end(&mut self, now: UnixTime) -> Vec<Effect> {
        if self.is_ended() {
            return vec![];
        }
        self.stage = Stage::Ended;
        self.menu = Vec::new();
        self.clinic = None;
        self.holder = None;
        vec![self.audit(now, AuditAction::Ended)]
    }

    pub(super) fn not_now(&self) -> CheckError {
        CheckError::NotNow {
            step: self.stage.name(),
        }
    }

    pub(super) fn audit(&self, at: UnixTime, action: AuditAction) -> Effect {
        Effect::Audit(AuditEvent {
            at,
            check_id: self.check_id.clone(),
            action,
        })
    }

    /// Whether the check takes an expected patient now ([`Input::Expect`]): until the
    /// insurer answers; over the answer while no file was written for it (nor asked to be)
    /// and staff have not said it is another patient's (`expect_again`); while a fallback is
    /// to be recorded. The staff view offers the form on the same rule
    /// ([`super::StaffView::takes_expected`]).
    pub fn takes_expected(&self) -> bool {
        match &self.stage {
            Stage::ChoosingService
            | Stage::Consenting { .. }
            | Stage::Checking { .. }
            | Stage::NoInsuranceService
            | Stage::NeedsFallback { .. } => true,
            Stage::Answered(a) => a.export == ExportState::NotExported && !a.another_patient,
            Stage::FallbackRecorded { .. } | Stage::Ended => false,
        }
    }

    /// The expected patient: compared with the answer while one is awaited; kept, without
    /// an answer to compare, while staff are to record a fallback (the card has no
    /// insurance service, or the check failed), so that the fallback and its re-check name
    /// the patient's chart.
    fn expect(&mut self, record: ClinicRecord, now: UnixTime) -> Result<Vec<Effect>, CheckError> {
        if !self.takes_expected() {
            return Err(self.not_now());
        }
        if matches!(self.stage, Stage::Answered(_)) {
            return self.expect_again(record, now);
        }
        self.clinic = Some(record);
        Ok(vec![self.audit(now, AuditAction::ExpectedPersonSet)])
    }

    /// The person the check compares the answer with, if any.
    pub fn expected(&self) -> Option<&ClinicRecord> {
        self.clinic.as_ref()
    }

    fn choose_service(
        &mut self,
        service_id: String,
        now: UnixTime,
    ) -> Result<Vec<Effect>, CheckError> {
        if !matches!(
            self.stage,
            Stage::ChoosingService | Stage::Consenting { .. }
        ) {
            return Err(self.not_now());
        }
        let service = self
            .menu
            .iter()
            .position(|e| e.service_id == service_id)
            .ok_or(CheckError::UnknownService {
                service_id: service_id.clone(),
            })?;
        self.stage = Stage::Consenting { service };
        Ok(vec![
            self.audit(now, AuditAction::ServiceChosen { service_id }),
        ])
    }

    fn consent(
        &mut self,
        chosen: &CustomerConsents,
        now: UnixTime,
    ) -> Result<Vec<Effect>, CheckError> {
        let Stage::Consenting { service } = self.stage else {
            return Err(self.not_now());
        };
        let entry = self.menu.get(service).ok_or_else(|| self.not_now())?;
        let consents = ConsentsGiven::resolve(&self.settings.consents_offered, chosen);
        let date = jst::compact_date(now);
        let assertion = entry.assertion.clone().unwrap_or_default();
        let expired = entry.assertion_expires_at.is_some_and(|t| t <= now);
        // The assertion is single-use: forget the menu once it is spent or expired.
        self.menu = Vec::new();
        let mut fx = vec![self.audit(now, AuditAction::Consented { consents })];
        if expired {
            self.stage = Stage::NeedsFallback {
                reason: FallbackReason::AssertionExpired,
                consents: Some(consents),
                date: Some(date),
            };
            fx.push(self.audit(
                now,
                AuditAction::EligibilityFailed {
                    code: Code::AssertionExpired,
                },
            ));
            fx.push(self.failed_record(FallbackReason::AssertionExpired, now));
            return Ok(fx);
        }
        let request = EligibilityRequest {
            assertion,
            qualification_confirmation_date: date.clone(),
            medical_institution_code: self.settings.medical_institution_code.clone(),
            arbitrary_identifier: Some(self.check_id.clone()),
            limit_certificate_consent: consents.limit_certificate,
        };
        self.stage = Stage::Checking { consents, date };
        fx.push(self.audit(now, AuditAction::EligibilityRequested));
        fx.push(Effect::RequestEligibility(request));
        Ok(fx)
    }

    /// Today's JST date, for checks not tied to an answer.
    pub(super) fn today(now: UnixTime) -> CivilDate {
        CivilDate::of(now)
    }
}
