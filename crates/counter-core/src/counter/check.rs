//! The eligibility check at the counter: opening it (after an identification, or as a
//! fallback), feeding it, ending it, and its effects for the shell.

use counter_api::platform::MenuEntry;

use super::workflow::Workflow;
use super::{Counter, Effect, Refused};
use crate::codes::Code;
use crate::eligibility::{self, CheckSettings, ConsentsOffered, EligibilityCheck, FallbackReason};

impl Counter {
    /// The settings of a check at this counter (reception or pharmacy, with the
    /// institution's code).
    fn check_settings(&self) -> Result<(eligibility::Mode, CheckSettings), Code> {
        let mode = self.check_mode().ok_or(Code::NotNow)?;
        let code = self
            .setup
            .institution_code
            .clone()
            .ok_or(Code::SettingsInvalid)?;
        let settings = CheckSettings {
            medical_institution_code: code,
            consents_offered: ConsentsOffered::default_for(mode),
            export: true,
        };
        eligibility::setup::validate_settings(&settings).map_err(|e| e.code())?;
        Ok((mode, settings))
    }

    /// The check after an identification, with its menu.
    pub(super) fn open_check(
        &self,
        id: String,
        menu: Vec<MenuEntry>,
    ) -> Result<EligibilityCheck, Code> {
        let (mode, settings) = self.check_settings()?;
        EligibilityCheck::new(id, mode, settings, menu, None, None).map_err(|e| e.code())
    }

    /// A check without the card: staff record what the patient presented. It takes the
    /// expected patient, as a check with the card does.
    pub(super) fn open_fallback(
        &mut self,
        id: String,
        reason: FallbackReason,
    ) -> Result<EligibilityCheck, Code> {
        let (mode, settings) = self.check_settings()?;
        let check =
            EligibilityCheck::fallback_only(id, mode, settings, reason, self.expected.clone())
                .map_err(|e| e.code())?;
        // The fallback is the expected patient's: it carries their chart (the record names
        // their patient id), and the next card is not compared with them.
        self.expected = None;
        Ok(check)
    }

    /// Staff start a fallback: the check opens once its id is allocated. Refused while a
    /// check or an ended enrollment's result is on the staff window
    /// ([`Counter::finish_first`]).
    pub(super) fn start_fallback(
        &mut self,
        reason: FallbackReason,
    ) -> Result<Vec<Effect>, Refused> {
        if self.check_mode().is_none() {
            return Err(Code::NotNow.into());
        }
        if self.finish_first() {
            return Err(Code::FinishFirst.into());
        }
        self.check_settings()?;
        let mut effects = self.replace(Workflow::OpeningFallback { reason });
        effects.push(Effect::NewCheckId {
            generation: self.generation,
        });
        Ok(effects)
    }

    /// Whether the staff window shows what only Finish (or Cancel) leaves: a check (its
    /// steps, its answer or the fallback recorded; a fallback that is needed is recorded in
    /// it) or an enrollment that ended (the services linked, the lines refused, why it
    /// stopped). A fallback started over it would replace it, and its result would be
    /// gone from the screen before staff read it, so Start fallback is refused with
    /// [`Code::FinishFirst`].
    pub(super) fn finish_first(&self) -> bool {
        match &self.workflow {
            Workflow::Check(_) => true,
            Workflow::Enroll(e) => e.is_ended(),
            _ => false,
        }
    }

    /// Feeds the check.
    pub(super) fn check_input(
        &mut self,
        input: eligibility::Input,
    ) -> Result<Vec<Effect>, Refused> {
        let now = self.now;
        // The insurer's answer and the export's are results: refused, they are stale.
        let result = match input {
            eligibility::Input::EligibilityAnswered(_) => Some("eligibility"),
            eligibility::Input::ExportWritten | eligibility::Input::ExportFailed => {
                Some("exported")
            }
            _ => None,
        };
        let refused = |code| match result {
            Some(input) => Refused::Stale { input },
            None => Refused::Action(code),
        };
        let Workflow::Check(check) = &mut self.workflow else {
            return Err(refused(Code::NotNow));
        };
        let effects = check.handle(input, now).map_err(|e| refused(e.code()))?;
        Ok(self.check_effects(effects))
    }

    /// Ends a running check: its personal details go (R8). Nothing when none runs.
    pub(super) fn end_check(&mut self) -> Vec<Effect> {
        let now = self.now;
        match &mut self.workflow {
            Workflow::Check(check) => {
                let effects = check.end(now);
                self.check_effects(effects)
            }
            _ => Vec::new(),
        }
    }

    fn check_effects(&self, effects: Vec<eligibility::Effect>) -> Vec<Effect> {
        let check_id = match &self.workflow {
            Workflow::Check(c) => c.check_id().to_owned(),
            _ => String::new(),
        };
        effects
            .into_iter()
            .map(|e| match e {
                eligibility::Effect::RequestEligibility(request) => Effect::RequestEligibility {
                    generation: self.generation,
                    request: Box::new(request),
                },
                eligibility::Effect::Export { files } => Effect::Export {
                    generation: self.generation,
                    check_id: check_id.clone(),
                    files,
                },
                eligibility::Effect::RecordCheck(record) => Effect::RecordCheck(record),
                eligibility::Effect::Audit(event) => Effect::CheckAudit(event),
                eligibility::Effect::EnqueueRecheck(request) => Effect::EnqueueRecheck(request),
                eligibility::Effect::CancelRecheck { check_id, reason } => {
                    Effect::CancelRecheck { check_id, reason }
                }
            })
            .collect()
    }
}
