//! Enrollment at the counter, sans-IO: staff prepare the services to link; the customer
//! types the signature password on the customer window; the card hands out the sign
//! certificate; the customer checks name, address, birth date and sex on their own screen;
//! then the identification's PIN leg (same rules: tries, last try, PIN pad) signs an
//! `enroll` challenge, the password signs the application, and the platform links the card.
//!
//! # Calling contract
//!
//! As for [`crate::identify::Identification`]: one [`Enrollment`] per customer, every event
//! through [`Enrollment::handle`] with `now`, the returned [`Effect`]s carried out in order,
//! each result fed back with its [`Ticket`], [`Input::Tick`] about once a second, and
//! [`Enrollment::staff_view`] / [`Enrollment::customer_view`] shown after every call.
//!
//! Rules kept here, beside those of the PIN leg:
//! - **The password is held only between the two card steps** that need it (reading the
//!   sign certificate, signing the application; the card is powered down in between,
//!   jpki.md §1.8): the machine keeps one copy from the moment it is typed until
//!   [`Effect::SignApplication`] takes it, and drops it on any end, cancel, time-out or
//!   removal of the card.
//! - **The password's last try needs the staff's confirmation**, and a wrong password is
//!   never retried by the machine (jpki.md §6.3).
//! - **The customer confirms the attributes before anything is signed**; the application
//!   carries them exactly as the certificate does. Rejected attributes end the session
//!   with the municipal office as next step (the card must be updated first).
//! - **The customer agrees, on their screen, that the attributes go to the services** that
//!   confirm each insurance or payment link against their own record
//!   (`counter_api::links`); the consent is signed with the application. Without it no such
//!   link can be made, and the session ends saying so ([`Code::DisclosureDeclined`]).
//! - **Only links their service confirmed are linked**: the outcome lists the others with
//!   why ([`RefusedLine`]), on both windows.
//! - **The session ends when the card leaves** (eligibility.md R8), exactly as in
//!   identification.

mod application;
mod effect;
mod input;
mod password;
mod view;

#[cfg(test)]
mod tests;

use std::mem;

use counter_api::platform::{
    Application, ChallengePurpose, ChallengeRequest, IdentificationRequest, ServiceLink,
};
use counter_api::{FieldError, b64};
use jpki_card::SignPassword;

pub use effect::{Effect, Outcome, ServiceLine};
pub use input::{CustomerPassword, Input, SignAttributes};
pub use view::{CustomerView, RefusedLine, StaffView, Step, View};

use crate::UnixTime;
use crate::codes::Code;
use crate::identify::{
    Actor, CardFacts, CustomerTimer, Failure, LegContext, LegEvent, LegInput, PinLeg, Ticket,
    Tickets,
};

/// Most services one application may link (counter-api's `Application::validate`).
const MAX_SERVICES: usize = 16;

/// The enrollment machine of one customer. See the module documentation for the calling
/// contract.
pub struct Enrollment {
    services: Vec<ServiceLink>,
    request: ChallengeRequest,
    terminal_id: String,
    platform_id: String,
    tickets: Tickets,
    timer: CustomerTimer<Step>,
    now: UnixTime,
    card_on_reader: bool,
    pin_pad: bool,
    phase: Phase,
}

enum Phase {
    Idle,
    Reading {
        ticket: Ticket,
    },
    PasswordEntry {
        facts: CardFacts,
        tries_left: Option<u8>,
        last_try_confirmed: bool,
        message: Option<Code>,
    },
    ConfirmPasswordLastTry {
        facts: CardFacts,
    },
    ReadingSignCertificate {
        ticket: Ticket,
        facts: CardFacts,
        password: SignPassword,
        tries_left: Option<u8>,
    },
    ConfirmAttributes {
        facts: CardFacts,
        password: SignPassword,
        attributes: SignAttributes,
    },
    Pin {
        leg: PinLeg,
        password: SignPassword,
        attributes: SignAttributes,
        /// The customer's consent to send the attributes to the services.
        consent: bool,
    },
    SigningApplication {
        ticket: Ticket,
        application: Application,
        identification: IdentificationRequest,
        expires_at: UnixTime,
    },
    Enrolling {
        ticket: Ticket,
    },
    Done(Outcome),
}

impl std::fmt::Debug for Enrollment {
    /// The step and what is held: never the secrets, never the attributes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrollment")
            .field("step", &self.step())
            .field("holds_password", &self.holds_password())
            .field("holds_pin", &self.holds_pin())
            .finish_non_exhaustive()
    }
}

impl Enrollment {
    /// A machine that links `services` (1 to 16, as staff prepared them), with `enroll`
    /// challenges from `platform_id` for this terminal `terminal_id`. Refuses services
    /// the platform would refuse; the error names the field.
    pub fn new(
        services: Vec<ServiceLink>,
        terminal_id: impl Into<String>,
        platform_id: impl Into<String>,
    ) -> Result<Self, FieldError> {
        if services.is_empty() || services.len() > MAX_SERVICES {
            return Err(FieldError::new(
                "application.services",
                format!("name 1 to {MAX_SERVICES} services to link"),
            ));
        }
        for (i, s) in services.iter().enumerate() {
            s.validate(i)?;
        }
        Ok(Enrollment {
            services,
            request: ChallengeRequest {
                purpose: ChallengePurpose::Enroll,
                context: None,
            },
            terminal_id: terminal_id.into(),
            platform_id: platform_id.into(),
            tickets: Tickets::default(),
            timer: CustomerTimer::default(),
            now: 0,
            card_on_reader: false,
            pin_pad: false,
            phase: Phase::Idle,
        })
    }

    /// Takes one input at `now` and returns what the shell must do, in order.
    pub fn handle(&mut self, input: Input, now: UnixTime) -> Vec<Effect> {
        self.now = now;
        let effects = self.dispatch(input, now);
        let waiting = self.awaits_customer().then(|| self.step());
        self.timer.sync(waiting, now);
        effects
    }

    /// Whether the machine holds the signature password right now.
    pub fn holds_password(&self) -> bool {
        matches!(
            self.phase,
            Phase::ReadingSignCertificate { .. }
                | Phase::ConfirmAttributes { .. }
                | Phase::Pin { .. }
        )
    }

    /// Whether the machine holds an auth PIN right now.
    pub fn holds_pin(&self) -> bool {
        matches!(&self.phase, Phase::Pin { leg, .. } if leg.holds_pin())
    }

    fn awaits_customer(&self) -> bool {
        match &self.phase {
            Phase::PasswordEntry { .. }
            | Phase::ConfirmPasswordLastTry { .. }
            | Phase::ConfirmAttributes { .. } => true,
            Phase::Pin { leg, .. } => leg.awaits_customer(),
            _ => false,
        }
    }

    fn dispatch(&mut self, input: Input, now: UnixTime) -> Vec<Effect> {
        match input {
            Input::CardPlaced { pin_pad } => {
                self.card_on_reader = true;
                self.pin_pad = pin_pad;
                self.start()
            }
            Input::CardRemoved => self.card_removed(),
            Input::Cancel(by) => self.cancel(by),
            Input::Tick if self.timer.expired(now) => self.end(Failure::new(Code::TimedOut).into()),
            Input::Tick => Vec::new(),
            Input::ExtendTime => {
                self.timer.extend(now);
                Vec::new()
            }
            Input::StartAgain => match &self.phase {
                Phase::Done(o) if self.card_on_reader && o.can_retry() => self.start(),
                _ => Vec::new(),
            },
            Input::CardRead { ticket, result } => match self.phase {
                Phase::Reading { ticket: t } if t == ticket => self.card_read(result, now),
                _ => Vec::new(),
            },
            Input::PasswordEntered(password) => self.password_entered(password),
            Input::PasswordMalformed => {
                if let Phase::PasswordEntry { message, .. } = &mut self.phase {
                    *message = Some(Code::PasswordFormat);
                }
                Vec::new()
            }
            Input::StaffConfirmedLastTry => match self.phase {
                Phase::ConfirmPasswordLastTry { facts } => {
                    self.phase = Phase::PasswordEntry {
                        facts,
                        tries_left: Some(1),
                        last_try_confirmed: true,
                        message: Some(Code::PasswordLastTry),
                    };
                    Vec::new()
                }
                _ => self.leg(LegInput::StaffConfirmedLastTry, now),
            },
            Input::SignCertificateRead { ticket, result } => match self.phase {
                Phase::ReadingSignCertificate { ticket: t, .. } if t == ticket => {
                    self.sign_certificate_read(result)
                }
                _ => Vec::new(),
            },
            Input::AttributesConfirmed { disclosure_consent } => {
                self.attributes_confirmed(disclosure_consent, now)
            }
            Input::AttributesRejected => match self.phase {
                Phase::ConfirmAttributes { .. } => {
                    self.end(Failure::new(Code::AttributesRejected).into())
                }
                _ => Vec::new(),
            },
            Input::PinEntered(pin) => self.leg(LegInput::PinEntered(pin), now),
            Input::PinMalformed => self.leg(LegInput::PinMalformed, now),
            Input::RetryPin => self.leg(LegInput::RetryPin, now),
            Input::ChallengeIssued { ticket, result } => {
                self.leg(LegInput::ChallengeIssued(ticket, result), now)
            }
            Input::Signed { ticket, result } => self.leg(LegInput::Signed(ticket, result), now),
            Input::ApplicationSigned { ticket, result } => match self.phase {
                Phase::SigningApplication { ticket: t, .. } if t == ticket => {
                    self.application_signed(result, now)
                }
                _ => Vec::new(),
            },
            Input::Enrolled { ticket, result } => match self.phase {
                Phase::Enrolling { ticket: t } if t == ticket => self.enrolled(result),
                _ => Vec::new(),
            },
        }
    }

    /// A fresh session on the card on the reader: everything before is forgotten.
    fn start(&mut self) -> Vec<Effect> {
        let ticket = self.tickets.next();
        self.phase = Phase::Reading { ticket };
        vec![Effect::ReadCard { ticket }]
    }

    fn leg(&mut self, input: LegInput, now: UnixTime) -> Vec<Effect> {
        let Phase::Pin { leg, .. } = &mut self.phase else {
            return Vec::new(); // stale, or not the step for it: dropped
        };
        let cx = LegContext {
            platform_id: &self.platform_id,
            terminal_id: &self.terminal_id,
            now,
        };
        match leg.handle(input, &cx, &mut self.tickets) {
            LegEvent::Nothing => Vec::new(),
            LegEvent::Effect(e) => vec![e.into()],
            LegEvent::Signed {
                binding,
                authentication,
            } => {
                let identification = IdentificationRequest {
                    challenge_id: binding.challenge_id.clone(),
                    auth_certificate: b64::encode(&authentication.certificate),
                    signature: b64::encode(&authentication.signature),
                };
                self.sign_application(binding.challenge_id, identification, binding.expires_at)
            }
            LegEvent::Failed(f) => self.end(f.into()),
            LegEvent::CardRemoved => self.removed_mid_session(),
        }
    }

    /// The card left (event). A second report of the same removal changes nothing.
    fn card_removed(&mut self) -> Vec<Effect> {
        let was_on_reader = mem::replace(&mut self.card_on_reader, false);
        match self.phase {
            Phase::Idle => Vec::new(),
            Phase::Done(_) if was_on_reader => {
                self.phase = Phase::Idle;
                Vec::new()
            }
            Phase::Done(_) => Vec::new(),
            _ => self.removed_mid_session(),
        }
    }

    /// The card left while the session ran (the event, or a card step reporting it).
    fn removed_mid_session(&mut self) -> Vec<Effect> {
        self.card_on_reader = false;
        self.end(Failure::new(Code::CardRemoved).into())
    }

    /// Cancel: a card step still running is abandoned.
    fn cancel(&mut self, by: Actor) -> Vec<Effect> {
        let card_busy = match &self.phase {
            Phase::Idle | Phase::Done(_) => return Vec::new(),
            Phase::Reading { .. }
            | Phase::ReadingSignCertificate { .. }
            | Phase::SigningApplication { .. } => true,
            Phase::Pin { leg, .. } => leg.card_busy(),
            _ => false,
        };
        let mut effects = self.end(Outcome::Cancelled { by });
        if card_busy {
            effects.insert(0, Effect::AbortCardOperation);
        }
        effects
    }

    /// Ends the session: the phase (with the password, the PIN, the attributes, the
    /// application) is replaced, the limit stops.
    fn end(&mut self, outcome: Outcome) -> Vec<Effect> {
        self.phase = Phase::Done(outcome.clone());
        self.timer.stop();
        vec![Effect::Finished(outcome)]
    }
}
