//! The card on the reader and the card sessions: which workflow a placed card belongs to,
//! what its removal ends, and what an identification or enrollment that finished leads to
//! (a check, the payment choice, the audit trail).

use counter_api::platform::{LinkRefusal, Notice};

use super::screens::{Message, SaleStep};
use super::workflow::Workflow;
use super::{Counter, Effect, Refused};
use crate::codes::Code;
use crate::eligibility;
use crate::payment::cashier::Checkout;
use crate::session::{self, Outcome};

impl Counter {
    /// A card was placed: a waiting sale or enrollment takes it; at reception and pharmacy
    /// it starts a new identification for a check (a finished or running check, or an
    /// ended enrollment, of the person before ends first: the services staff prepared for
    /// them are never linked to the next card); at the till without a sale, and while a
    /// sale is chosen, paid or shown, it waits.
    ///
    /// A card placed while an enrollment awaits the platform's answer (its card taken off
    /// after the application left), or while an enrollment that ended without its card on
    /// the reader shows its result (the answer came, or its card left mid-way), is taken
    /// by nobody: the enrollment waits on for its answer or keeps its result (the services
    /// linked, the lines refused, why it stopped) on the staff window. Once staff have read
    /// it and leave it (Finish, Cancel), the card still lying there is not read either (a
    /// card left lying never starts a check unasked): it is read once taken off and placed
    /// again (`Counter::leave_for_idle`).
    ///
    /// An enrollment does not resume on a card put back after its card was taken off
    /// mid-way (the session ended then, with [`Code::CardRemoved`]): the card put back is
    /// handled as anyone's (read once placed again after staff leave the ended
    /// enrollment). Resuming would need to know it is the same card, and nothing
    /// tells: the session forgot everything it had read of the card when it left
    /// (docs/domain/eligibility.md R8), and the card's own proof (the signature password,
    /// the PIN) shows whose card it is, not that the services staff prepared are that
    /// person's. On the next person's card those services (the person before's insurance
    /// and card numbers) would send the new holder's four attributes to the person
    /// before's insurer and acquirer, which is what the rule above prevents for an
    /// enrollment that ended with its card. So staff, who see who stands there, start the
    /// enrollment again for the same person; it reads the card on the reader at once.
    pub(super) fn card_placed(&mut self, pin_pad: bool) -> Vec<Effect> {
        let mut effects = Vec::new();
        match &self.workflow {
            // Not the enrollment's (R8: it may be the next person's), and restarting would
            // drop the platform's answer, or the result on screen once it came (an
            // enrollment that ended without its card on the reader stays until staff
            // leave it): nobody takes it, and leaving the result does not read it
            // either (`Counter::leave_for_idle`).
            Workflow::Enroll(e) if e.awaits_answer() || e.is_ended() && !e.card_on_reader() => {
                self.unread_card = true;
                return effects;
            }
            Workflow::IdentifyForSale(..) => {}
            Workflow::Enroll(e) if !e.is_ended() => {}
            Workflow::Idle
            | Workflow::Check(_)
            | Workflow::Enroll(_)
            | Workflow::IdentifyForCheck(_)
            | Workflow::OpeningFallback { .. } => {
                if self.check_mode().is_none() {
                    return effects; // the cashier has not typed an amount yet
                }
                match self.new_identification(Self::check_request()) {
                    Ok(ident) => {
                        effects = self.replace(Workflow::IdentifyForCheck(Box::new(ident)));
                    }
                    Err(code) => {
                        self.notice = Some(Message::of(code));
                        return effects;
                    }
                }
            }
            Workflow::OpeningCheck { .. }
            | Workflow::OpeningPosSale { .. }
            | Workflow::SaleEnded(..)
            | Workflow::Choosing(..)
            | Workflow::Paying { .. } => return effects,
        }
        // A card event always fits a session: it starts afresh on the new card.
        effects.extend(
            self.session(session::Input::CardPlaced { pin_pad })
                .unwrap_or_default(),
        );
        effects
    }

    /// The card left: a payment not yet confirmed ends (nothing was sent); a check still
    /// waiting for the customer ends (R8: nothing carried to the next person), a finished
    /// one stays on the staff window; a card session ends (but an enrollment whose
    /// application was sent: its answer is still taken). An enrollment that had ended
    /// with its card on the reader (its result seen there) is over: the counter goes back
    /// to idle, the mode's start screen, rather than to an enrollment waiting for a card
    /// that, being the next person's, it would not take. A sale's outcome leaves the
    /// customer window ([`Counter::sale_card_left`]).
    pub(super) fn card_removed(&mut self) -> Vec<Effect> {
        match &self.workflow {
            Workflow::SaleEnded(..) => self.sale_card_left(),
            Workflow::Enroll(e) if e.is_ended() && e.card_on_reader() => {
                self.replace(Workflow::Idle)
            }
            Workflow::Choosing(_, sale) => {
                let sale = sale.clone();
                self.replace(Workflow::SaleEnded(
                    sale,
                    SaleStep::Failed {
                        message: Message::of(Code::CardRemoved),
                    },
                    false,
                ))
            }
            Workflow::Check(check) => {
                if check.awaits_customer() {
                    self.end_check()
                } else {
                    Vec::new()
                }
            }
            // The session's end on removal is a rule of the session: never refused.
            w if w.session_running() => self
                .session(session::Input::CardRemoved)
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Feeds the running identification or enrollment.
    pub(super) fn session(&mut self, input: session::Input) -> Result<Vec<Effect>, Refused> {
        let now = self.now;
        let name = input.name();
        let effects = match &mut self.workflow {
            Workflow::IdentifyForCheck(i) | Workflow::IdentifyForSale(i, _) => {
                i.handle(input, now)?
            }
            Workflow::Enroll(e) => e.handle(input, now)?,
            _ => {
                return Err(match input.ticket() {
                    Some(_) => Refused::Stale { input: name },
                    None => Refused::Action(Code::NotNow),
                });
            }
        };
        Ok(self.session_effects(effects))
    }

    /// A result for the running session: the platform's answers, once taken, also tell
    /// whether the backends are reached.
    pub(super) fn session_result(&mut self, input: session::Input) -> Result<Vec<Effect>, Refused> {
        let reached = match &input {
            session::Input::ChallengeIssued { result, .. } => super::reached(result),
            session::Input::Identified { result, .. } => super::reached(result),
            session::Input::Enrolled { result, .. } => super::reached(result),
            _ => None,
        };
        let effects = self.session(input)?;
        if reached.is_some() {
            self.backends_ok = reached;
        }
        Ok(effects)
    }

    /// The session's effects for the shell, stamped with the generation that asked; its
    /// end is the counter's to act on.
    fn session_effects(&mut self, effects: Vec<session::Effect>) -> Vec<Effect> {
        let mut out = Vec::new();
        for effect in effects {
            match effect {
                session::Effect::Finished(outcome) => out.extend(self.finished(outcome)),
                effect => out.push(Effect::Session {
                    generation: self.generation,
                    effect,
                }),
            }
        }
        out
    }

    /// A session ended: an identification opens the check or the payment choice; an
    /// enrollment is audited. A failure stays on the session's screen with its next step.
    fn finished(&mut self, outcome: Outcome) -> Vec<Effect> {
        match outcome {
            Outcome::Identified {
                identification_id,
                menu,
                notices,
            } => {
                let notices: Vec<Code> = notices.iter().filter_map(notice_code).collect();
                let mut effects: Vec<Effect> = notices
                    .iter()
                    .map(|code| self.audit("card_notice", code.as_str().to_owned()))
                    .collect();
                effects.push(self.audit("identified", identification_id));
                effects.extend(self.identified(menu, notices));
                effects
            }
            outcome @ (Outcome::Enrolled { .. } | Outcome::Failed { .. }) => match &self.workflow {
                Workflow::Enroll(_) => self.enrollment_ended(&outcome),
                _ => Vec::new(),
            },
            Outcome::Cancelled { .. } => Vec::new(),
        }
    }

    /// Identified: a check waits for its id; a sale offers the linked payment methods.
    fn identified(
        &mut self,
        menu: Vec<counter_api::platform::MenuEntry>,
        notices: Vec<Code>,
    ) -> Vec<Effect> {
        match std::mem::replace(&mut self.workflow, Workflow::Idle) {
            Workflow::IdentifyForCheck(ident) => {
                self.workflow = Workflow::OpeningCheck {
                    ident,
                    menu,
                    notices,
                };
                vec![Effect::NewCheckId {
                    generation: self.generation,
                }]
            }
            Workflow::IdentifyForSale(_, sale) => {
                match Checkout::new(&self.setup.merchant_id, sale.amount_jpy, menu) {
                    Ok(checkout) => {
                        let effects = self.replace(Workflow::Choosing(checkout, sale));
                        self.card_notices = notices;
                        effects
                    }
                    Err(code) => self.replace(Workflow::SaleEnded(
                        sale,
                        SaleStep::Failed {
                            message: Message::of(code),
                        },
                        false,
                    )),
                }
            }
            other => {
                self.workflow = other;
                Vec::new()
            }
        }
    }

    /// The audit trail of an enrollment: which links were made and which were not (service
    /// and reason, no personal data).
    fn enrollment_ended(&self, outcome: &Outcome) -> Vec<Effect> {
        let refused = |refused: &[LinkRefusal]| {
            refused
                .iter()
                .map(|r| format!("{}:{}", r.service_id, r.reason_code()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let line = |action, subject| Effect::Audit {
            action,
            subject,
            auth_method: "signature_password",
        };
        match outcome {
            Outcome::Enrolled {
                enrollment_id,
                refused: r,
                ..
            } => {
                let mut effects = vec![line("enrolled", enrollment_id.clone())];
                if !r.is_empty() {
                    effects.push(line("links_refused", refused(r)));
                }
                effects
            }
            Outcome::Failed {
                code, refused: r, ..
            } => {
                let subject = if r.is_empty() {
                    code.as_str().to_owned()
                } else {
                    refused(r)
                };
                vec![line("enrollment_failed", subject)]
            }
            _ => Vec::new(),
        }
    }

    /// An audit line about the card holder authenticated at this counter.
    pub(super) fn audit(&self, action: &'static str, subject: String) -> Effect {
        Effect::Audit {
            action,
            subject,
            auth_method: self.auth_method(),
        }
    }

    /// The check's id arrived: the check opens (the expected patient goes with it), or the
    /// identification stays on screen with the reason.
    pub(super) fn check_id(&mut self, id: Result<String, Code>) -> Result<Vec<Effect>, Refused> {
        match std::mem::replace(&mut self.workflow, Workflow::Idle) {
            Workflow::OpeningCheck {
                ident,
                menu,
                notices,
            } => match id.and_then(|id| self.open_check(id, menu)) {
                Ok(check) => {
                    let mut effects = self.replace(Workflow::Check(Box::new(check)));
                    self.card_notices = notices;
                    if let Some(expected) = self.expected.take() {
                        effects.extend(self.check_input(eligibility::Input::Expect(expected))?);
                    }
                    Ok(effects)
                }
                Err(code) => {
                    self.workflow = Workflow::IdentifyForCheck(ident);
                    self.notice = Some(Message::of(code));
                    Ok(Vec::new())
                }
            },
            Workflow::OpeningFallback { reason } => {
                let check = id.and_then(|id| self.open_fallback(id, reason));
                match check {
                    Ok(check) => Ok(self.replace(Workflow::Check(Box::new(check)))),
                    Err(code) => Err(Refused::Action(code)),
                }
            }
            other => {
                self.workflow = other;
                Err(Refused::Stale { input: "check_id" })
            }
        }
    }
}

/// The code of a platform notice about the card (a notice this version does not know is
/// not shown: the shell logs the input it came with).
fn notice_code(n: &Notice) -> Option<Code> {
    match n {
        Notice::SignCertificateRevoked { .. } => Some(Code::SignCertificateRevoked),
        Notice::SignCertificateUnchecked { .. } => Some(Code::SignCertificateUnchecked),
        _ => None,
    }
}
