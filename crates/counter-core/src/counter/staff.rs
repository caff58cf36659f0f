//! The staff window's actions, each allowed in the steps where it fits.

use counter_api::platform::ServiceLink;

use super::actions::{CounterMode, StaffAction};
use super::screens::SaleStep;
use super::workflow::{Sale, Workflow};
use super::{Counter, Effect, JournalOp, Origin, Refused};
use crate::codes::Code;
use crate::eligibility::{self, ClinicRecord};
use crate::enroll::Enrollment;
use crate::identify::{self, Actor};
use crate::payment::RecoveryPass;
use crate::payment::cashier::check_amount;
use crate::session;

impl StaffAction {
    /// Whether the action leaves the running workflow for another (idle, a fallback, a
    /// sale, an enrollment, another mode), dropping what it awaits. A held workflow
    /// ([`Counter::hold`]) refuses these. (Start again restarts only a workflow that has
    /// ended; a void, refund or recovery runs beside the workflow, under its own rule.)
    pub fn leaves_workflow(&self) -> bool {
        matches!(
            self,
            StaffAction::SetMode { .. }
                | StaffAction::Cancel
                | StaffAction::Finish
                | StaffAction::StartFallback { .. }
                | StaffAction::NewSale { .. }
                | StaffAction::TakeCoPayment { .. }
                | StaffAction::StartEnrollment { .. }
        )
    }
}

impl Counter {
    /// Why staff may not leave the running workflow now, if they may not: a sale being
    /// paid ([`Code::PaymentBusy`]: its outcome is on its way), an enrollment whose
    /// application is sent ([`Code::EnrollmentLinking`]: the platform may link the card
    /// whatever the counter does, and leaving would drop the answer that says which
    /// services are linked). Neither can be called back; each ends within its request's
    /// time-out. This is the one place that says so: every action that
    /// [leaves the workflow](StaffAction::leaves_workflow) is refused with this code, and
    /// the staff window reads it ([`super::StaffFrame::hold`]) to offer none of them.
    pub fn hold(&self) -> Option<Code> {
        match &self.workflow {
            Workflow::Paying { .. } => Some(Code::PaymentBusy),
            Workflow::Enroll(e) if e.awaits_answer() => Some(Code::EnrollmentLinking),
            _ => None,
        }
    }

    pub(super) fn staff(&mut self, action: StaffAction) -> Result<Vec<Effect>, Refused> {
        if let Some(code) = self.hold().filter(|_| action.leaves_workflow()) {
            return Err(code.into());
        }
        match action {
            StaffAction::SetMode { mode } => {
                if !matches!(self.workflow, Workflow::Idle | Workflow::SaleEnded(..)) {
                    return Err(Code::NotNow.into());
                }
                self.mode = mode;
                Ok(self.replace(Workflow::Idle))
            }
            StaffAction::ConfirmLastTry => {
                self.session_action(session::Input::StaffConfirmedLastTry)
            }
            StaffAction::StartAgain => match &self.workflow {
                Workflow::SaleEnded(sale, SaleStep::Failed { .. }, _) => {
                    let sale = sale.clone();
                    self.start_sale(sale)
                }
                _ => self.session_action(session::Input::StartAgain),
            },
            StaffAction::Cancel => self.cancel(),
            StaffAction::Finish => Ok(self.leave_for_idle()),
            StaffAction::ExpectPatient { name, birth_date } => self.expect(&name, &birth_date),
            StaffAction::ExpectAppointment { appointment_id } => {
                self.check_mode().ok_or(Code::NotNow)?;
                Ok(vec![Effect::LoadAppointment { appointment_id }])
            }
            StaffAction::AcknowledgeWarnings => {
                self.check_input(eligibility::Input::AcknowledgeWarnings)
            }
            StaffAction::ChooseRecord { index } => {
                self.check_input(eligibility::Input::ChooseRecord {
                    index: index as usize,
                })
            }
            StaffAction::StartFallback { reason } => self.start_fallback(reason),
            StaffAction::RecordFallback { form } => {
                self.check_input(eligibility::Input::RecordFallback(form))
            }
            StaffAction::Export => self.check_input(eligibility::Input::Export),
            StaffAction::ConfirmAnotherPatient => self.confirm_another_patient(),
            StaffAction::NewSale {
                amount_jpy,
                order_ref,
            } => {
                if self.mode != CounterMode::Cashier
                    || !matches!(self.workflow, Workflow::Idle | Workflow::SaleEnded(..))
                {
                    return Err(Code::NotNow.into());
                }
                let amount_jpy = check_amount(amount_jpy)?;
                self.start_sale(Sale {
                    amount_jpy,
                    order_ref,
                    pos: false,
                    visit: None,
                })
            }
            StaffAction::TakeCoPayment {
                check_id,
                amount_jpy,
            } => self.take_co_payment(check_id, amount_jpy),
            StaffAction::Void { sale_id } => {
                self.journal(JournalOp::Void { sale_id }, Origin::Staff)
            }
            StaffAction::Refund {
                sale_id,
                amount_jpy,
            } => self.journal(
                JournalOp::Refund {
                    sale_id,
                    amount_jpy,
                },
                Origin::Staff,
            ),
            StaffAction::Recover => self.journal(
                JournalOp::Recover {
                    pass: RecoveryPass::Staff,
                    at: self.now,
                },
                Origin::Staff,
            ),
            StaffAction::SettleHeldRefund { refund_id, said } => {
                // One the counter still sends may yet be made: refused here. Any other the
                // status bar does not list goes to the shell, which reads it in the journal
                // (settled already, or no such refund) and checks a listed one again under
                // the sale's lock (`crate::payment::settle_held_refund`).
                if self.in_doubt.contains(&refund_id) {
                    return Err(Code::RefundNotHeld.into());
                }
                self.journal(
                    JournalOp::SettleHeldRefund { refund_id, said },
                    Origin::Staff,
                )
            }
            StaffAction::ConfirmCardSale { sale_id } => {
                // Only a sale the status bar lists: any other was shown, voided, or is not
                // a charge of today.
                if !self.unshown.iter().any(|s| s.id == sale_id) {
                    return Err(Code::InvalidPaymentState.into());
                }
                Ok(vec![Effect::MarkShown { sale_id }])
            }
            StaffAction::ConfirmRecheck { check_id } => self.confirm_recheck(check_id),
            StaffAction::StartEnrollment { services } => self.start_enrollment(services),
        }
    }

    /// A person's input for the running card session.
    fn session_action(&mut self, input: session::Input) -> Result<Vec<Effect>, Refused> {
        if !self.workflow.session_running() {
            return Err(Code::NotNow.into());
        }
        self.session(input)
    }

    /// Cancel: a card session ends (its card step abandoned) and the counter returns to
    /// idle. (A held workflow never gets here: [`Self::hold`].)
    fn cancel(&mut self) -> Result<Vec<Effect>, Refused> {
        let mut effects = Vec::new();
        if self.workflow.session_running() {
            // A session that already ended has nothing to cancel; the counter still goes idle.
            effects = self
                .session(session::Input::Cancel(Actor::Staff))
                .unwrap_or_default();
        }
        effects.extend(self.leave_for_idle());
        Ok(effects)
    }

    /// Staff leave the workflow (Finish, Cancel): the counter is idle. A card placed while
    /// an enrollment awaited the platform's answer without its own card, or showed its
    /// result without it, was taken by nobody ([`Counter::card_placed`]); it is not read
    /// now either: a card left lying never starts a check unasked (it may be the
    /// enrollee's own card put back, or anyone's left behind). It is read once it is
    /// taken off and placed again, which staff are told at reception and pharmacy
    /// ([`Code::CardNotReadPlaceAgain`], until it leaves: `lying_unread`, whatever staff
    /// do meanwhile); at the till the next sale takes it, as any card on an idle till,
    /// since staff ask for that. Staff asking for the card read it too: a co-payment or an
    /// enrollment started then takes the card on the reader (`card_on_reader`).
    fn leave_for_idle(&mut self) -> Vec<Effect> {
        let unread = std::mem::take(&mut self.unread_card);
        let effects = self.replace(Workflow::Idle);
        if unread && self.reader == super::ReaderState::Card {
            self.lying_unread = true;
        }
        effects
    }

    /// The patient staff expect: the running check compares its answer with it (until the
    /// answer); otherwise the next check takes it. Both fields empty clears it.
    fn expect(&mut self, name: &str, birth_date: &str) -> Result<Vec<Effect>, Refused> {
        self.check_mode().ok_or(Code::NotNow)?;
        if name.trim().is_empty() && birth_date.trim().is_empty() {
            self.expected = None;
            return Ok(Vec::new());
        }
        let record = ClinicRecord::expected(name, birth_date).map_err(|e| e.code())?;
        self.expect_record(record)
    }

    /// A booked patient's record, read from the store, becomes the expected patient, as a
    /// typed one does. The mode may have changed since the action (to the till): then it
    /// is refused as the action would have been.
    pub(super) fn appointment_loaded(
        &mut self,
        _appointment_id: u64,
        record: Result<ClinicRecord, Code>,
    ) -> Result<Vec<Effect>, Refused> {
        self.check_mode().ok_or(Code::NotNow)?;
        let record = record?;
        self.expect_record(record)
    }

    /// `record` is the expected patient: of the running check (before its answer, or over
    /// its answer while no file was written for it: compared afresh), or of the next one.
    /// A check that can no longer take them (its files written, its fallback recorded)
    /// refuses with [`Code::FinishFirst`]: once it is finished, they are the next check's.
    fn expect_record(&mut self, record: ClinicRecord) -> Result<Vec<Effect>, Refused> {
        match &self.workflow {
            Workflow::Check(c) if !c.is_ended() => self
                .check_input(eligibility::Input::Expect(record))
                .map_err(|r| match r {
                    Refused::Action(Code::NotNow) => Code::FinishFirst.into(),
                    r => r,
                }),
            _ => {
                self.expected = Some(record);
                Ok(Vec::new())
            }
        }
    }

    /// Staff say the check's answer is another patient's than the one expected
    /// ([`eligibility::Input::ConfirmAnotherPatient`]). The expected patient is put back as
    /// expected for the next check: they have not been checked (the person at the counter
    /// was someone else, often a family member who came with them), so the card that comes
    /// next is likely theirs and is compared with them, as a receptionist would expect
    /// without typing them again. (Once staff said so, no other patient can be named over
    /// the result: `expect_record` gives them to the check, which refuses. Should that
    /// change, the patient named later is kept.)
    fn confirm_another_patient(&mut self) -> Result<Vec<Effect>, Refused> {
        let expected = self.workflow.check().and_then(|c| c.expected().cloned());
        let effects = self.check_input(eligibility::Input::ConfirmAnotherPatient)?;
        if self.expected.is_none() {
            self.expected = expected;
        }
        Ok(effects)
    }

    /// A sale: the identification binds merchant and amount; a card already on the reader
    /// is taken at once. Refused while a payment is in doubt (it is resolved first).
    pub(super) fn start_sale(&mut self, sale: Sale) -> Result<Vec<Effect>, Refused> {
        if !self.in_doubt.is_empty() {
            return Err(Code::SalesInDoubt.into());
        }
        let ident = self.new_identification(self.sale_request(&sale))?;
        let mut effects = self.replace(Workflow::IdentifyForSale(Box::new(ident), sale));
        effects.extend(self.card_on_reader()?);
        Ok(effects)
    }

    /// Enrollment: from idle, after a sale or a check, or right after an identification
    /// said the card is not enrolled (or ended otherwise).
    fn start_enrollment(&mut self, services: Vec<ServiceLink>) -> Result<Vec<Effect>, Refused> {
        let ok = match &self.workflow {
            Workflow::Idle | Workflow::SaleEnded(..) | Workflow::Check(_) => true,
            Workflow::IdentifyForCheck(i) => matches!(
                i.step(),
                identify::Step::Failed | identify::Step::Cancelled | identify::Step::WaitingForCard
            ),
            _ => false,
        };
        if !ok {
            return Err(Code::NotNow.into());
        }
        let en = Enrollment::new(services, &self.setup.terminal_id, &self.setup.platform_id)
            .map_err(|_| Code::ServicesInvalid)?;
        let mut effects = self.replace(Workflow::Enroll(Box::new(en)));
        effects.extend(self.card_on_reader()?);
        Ok(effects)
    }

    /// Staff confirm a finished re-check the status bar lists: journaled, and audited as
    /// the check's event. Any other (confirmed already, still pending, unknown) is refused.
    fn confirm_recheck(&mut self, check_id: String) -> Result<Vec<Effect>, Refused> {
        let code = self
            .rechecks
            .iter()
            .find(|r| r.check_id == check_id)
            .map(|r| r.code)
            .ok_or(Code::NotNow)?;
        let audit = eligibility::AuditEvent {
            at: self.now,
            check_id: check_id.clone(),
            action: eligibility::AuditAction::RecheckConfirmed { code },
        };
        Ok(vec![
            Effect::ConfirmRecheck { check_id },
            Effect::CheckAudit(audit),
        ])
    }

    /// The new session takes the card already on the reader.
    pub(super) fn card_on_reader(&mut self) -> Result<Vec<Effect>, Refused> {
        if self.reader != super::ReaderState::Card {
            return Ok(Vec::new());
        }
        self.lying_unread = false;
        self.session(session::Input::CardPlaced {
            pin_pad: self.pin_pad,
        })
    }
}
