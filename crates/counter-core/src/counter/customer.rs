//! The customer window's actions: the secrets typed for the card session, the check's
//! menu and consents, the payment choice. The customer's Cancel stops what waits for them:
//! the card session, the payment choice, or the check's menu and consents (the check
//! ends, as when the card leaves then).

use super::actions::CustomerAction;
use super::workflow::Workflow;
use super::{Counter, Effect, Refused};
use crate::codes::Code;
use crate::eligibility;
use crate::session::{self, Actor, CustomerPassword, CustomerPin};

impl Counter {
    pub(super) fn customer(&mut self, mut action: CustomerAction) -> Result<Vec<Effect>, Refused> {
        match &mut action {
            CustomerAction::Pin { digits } => {
                let input = match CustomerPin::from_customer_window(digits) {
                    Ok(pin) => session::Input::PinEntered(pin),
                    Err(_) => session::Input::PinMalformed,
                };
                self.customer_session(input)
            }
            CustomerAction::RetryPin => self.customer_session(session::Input::RetryPin),
            CustomerAction::Password { text } => {
                let input = match CustomerPassword::from_customer_window(text) {
                    Ok(p) => session::Input::PasswordEntered(p),
                    Err(_) => session::Input::PasswordMalformed,
                };
                self.customer_session(input)
            }
            CustomerAction::ConfirmAttributes { disclosure_consent } => {
                self.customer_session(session::Input::AttributesConfirmed {
                    disclosure_consent: *disclosure_consent,
                })
            }
            CustomerAction::RejectAttributes => {
                self.customer_session(session::Input::AttributesRejected)
            }
            CustomerAction::ChooseService { service_id } => {
                let service_id = std::mem::take(service_id);
                self.check_input(eligibility::Input::ChooseService { service_id })
            }
            CustomerAction::Consent { consents } => {
                self.check_input(eligibility::Input::Consent(*consents))
            }
            CustomerAction::Pay {
                service_id,
                amount_jpy,
            } => self.pay(service_id, *amount_jpy),
            CustomerAction::ExtendTime => self.customer_session(session::Input::ExtendTime),
            CustomerAction::Cancel => match &self.workflow {
                Workflow::Choosing(..) => Ok(self.sale_not_started(Code::Cancelled)),
                Workflow::Check(check) if check.awaits_customer() => Ok(self.end_check()),
                _ => self.customer_session(session::Input::Cancel(Actor::Customer)),
            },
        }
    }

    /// The customer's input for the running card session.
    fn customer_session(&mut self, input: session::Input) -> Result<Vec<Effect>, Refused> {
        if !self.workflow.session_running() {
            return Err(Code::NotNow.into());
        }
        self.session(input)
    }
}
