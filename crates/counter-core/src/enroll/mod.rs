//! Enrollment at the counter, sans-IO: staff prepare the services to link; the customer
//! types the signature password on the customer window; the card hands out the sign
//! certificate; the customer checks name, address, birth date and sex on their own screen;
//! then the PIN leg (same rules as identification: tries, last try, PIN pad) signs an
//! `enroll` challenge, the password signs the application, and the platform links the card.
//!
//! # Calling contract
//!
//! The card session's ([`crate::session`]): one [`Enrollment`] per customer, every event
//! through [`Enrollment::handle`] with `now`, the returned [`Effect`]s carried out in
//! order, each result fed back with its [`Ticket`],
//! [`Input::Tick`] about once a second, and [`Enrollment::staff_view`] /
//! [`Enrollment::customer_view`] shown after every call.
//!
//! Rules kept here, beside the session's and the PIN leg's:
//! - **The password is held only between the two card steps** that need it (reading the
//!   sign certificate, signing the application; the card is powered down in between,
//!   docs/domain/jpki.md §1.8): the machine keeps one copy from the moment it is typed until
//!   [`Effect::SignApplication`] takes it, and drops it on any end, cancel, time-out or
//!   removal of the card.
//! - **The password's last try needs the staff's confirmation**, and a wrong password is
//!   never retried by the machine (docs/domain/jpki.md §6.3).
//! - **The customer confirms the attributes before anything is signed**; the application
//!   carries them exactly as the certificate does. Rejected attributes end the session
//!   with the municipal office as next step (the card must be updated first).
//! - **The customer agrees, on their screen, that the attributes go to the services** that
//!   confirm each insurance or payment link against their own record
//!   (`counter_api::links`); the consent is signed with the application. Without it no such
//!   link can be made, and the session ends saying so ([`Code::DisclosureDeclined`]).
//! - **Only links their service confirmed are linked**: the outcome lists the others with
//!   why ([`RefusedLine`]), on both windows.
//! - **Once the application is signed and sent, the card is no longer needed**: the platform
//!   may link the card whatever the reader does, so the card leaving while its answer is
//!   awaited does not end the enrollment; the answer (linked, refused with why) is taken
//!   and shown to staff. A card placed meanwhile is not taken (it never resumes or
//!   restarts the enrollment). An answer that never comes (time-out, 5xx, unreadable) is
//!   not "nothing happened": staff read that the card may be linked and how to find out
//!   ([`Code::EnrollmentOutcomeUnknown`]), with or without the card. Cancel is refused
//!   while the answer is awaited ([`Enrollment::awaits_answer`]): it cannot call the
//!   application back, and the answer comes within the request's time-out. The counter
//!   reads the same predicate to refuse every staff action that would leave the
//!   enrollment then ([`Code::EnrollmentLinking`]).
//! - **A platform that cannot be reached before the application leaves** (the challenge,
//!   or the application never sent) is not a check's "record a fallback": nothing was
//!   sent and nothing linked, and staff enrol again once the platform is back
//!   ([`Code::EnrollmentNotSent`]).

mod application;
mod password;
mod view;

#[cfg(test)]
pub(crate) mod tests;

use counter_api::FieldError;
use counter_api::platform::{
    Application, ChallengePurpose, ChallengeRequest, IdentificationRequest, ServiceLink,
};
use jpki_card::SignPassword;

pub use crate::session::{CustomerPassword, Effect, Input, NotNow, Outcome, SignAttributes};
pub use view::{
    CustomerFields, CustomerView, RefusedLine, ServiceLine, StaffFields, StaffView, Step, link_code,
};

use crate::UnixTime;
use crate::codes::Code;
use crate::session::{
    CardFacts, Context, Flow, LegStep, PadWait, Phase, PinLeg, Session, Ticket, Turn,
};

/// Most services one application may link (counter-api's `Application::validate`).
const MAX_SERVICES: usize = 16;

/// The enrollment machine of one customer. See the module documentation for the calling
/// contract.
#[derive(Debug)]
pub struct Enrollment {
    session: Session<Enroll>,
}

/// The enrollment's flow: the services to link and the `enroll` challenge.
pub(crate) struct Enroll {
    services: Vec<ServiceLink>,
    request: ChallengeRequest,
}

/// The enrollment's own steps, with what each holds.
pub(crate) enum EnrollPhase {
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
        let flow = Enroll {
            services,
            request: ChallengeRequest {
                purpose: ChallengePurpose::Enroll,
                context: None,
            },
        };
        Ok(Enrollment {
            session: Session::new(flow, terminal_id.into(), platform_id.into()),
        })
    }

    /// Takes one input at `now`: what the shell must do, in order, or why the input was
    /// not taken (nothing changed).
    pub fn handle(&mut self, input: Input, now: UnixTime) -> Result<Vec<Effect>, NotNow> {
        self.session.handle(input, now)
    }

    /// Whether the machine holds the signature password right now.
    pub fn holds_password(&self) -> bool {
        matches!(
            self.session.phase,
            Phase::Flow(
                EnrollPhase::ReadingSignCertificate { .. }
                    | EnrollPhase::ConfirmAttributes { .. }
                    | EnrollPhase::Pin { .. }
            )
        )
    }

    /// Whether the machine holds an auth PIN right now.
    pub fn holds_pin(&self) -> bool {
        matches!(&self.session.phase, Phase::Flow(EnrollPhase::Pin { leg, .. }) if leg.holds_pin())
    }

    /// How the session ended, while its result is on screen.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.session.outcome()
    }

    /// Whether the enrollment has ended (linked, failed or cancelled): its result is on
    /// screen. Staff's Start again, with the card still on the reader, runs it again. The
    /// session clears an ended one when its card leaves ([`Input::CardRemoved`]); the
    /// counter leaves the enrollment then instead (`crate::counter`), so that an
    /// enrollment that ended never waits for a card again.
    pub fn is_ended(&self) -> bool {
        self.session.outcome().is_some()
    }

    /// Whether the session's card lies on the reader, as the session last heard: `false`
    /// before the first card and once its card left (the event, or a card step that found
    /// the card gone).
    pub fn card_on_reader(&self) -> bool {
        self.session.card_on_reader
    }

    /// Whether the application is sent and the platform's answer awaited: the platform may
    /// link the card whatever the counter does, so Cancel is refused until the answer (or
    /// the request's time-out) ends it, and the counter refuses every staff action that
    /// would leave the enrollment ([`Code::EnrollmentLinking`]).
    pub fn awaits_answer(&self) -> bool {
        self.session.awaits_answer()
    }

    /// Whether the enrollment goes on, or ended, without a card of its own on the reader:
    /// it ended with none there (its card left, or none was placed), or its card left
    /// while the platform's answer to its application is awaited.
    pub fn card_left(&self) -> bool {
        self.is_ended() && !self.card_on_reader() || self.session.awaits_answer_without_card()
    }
}

impl Flow for Enroll {
    type Phase = EnrollPhase;
    type Step = Step;

    /// The auth facts are checked first: an expired auth certificate or a blocked PIN would
    /// stop the enrollment later, so the customer is not asked for the password in vain.
    fn begin(&mut self, facts: CardFacts, cx: &mut Context) -> Turn<EnrollPhase> {
        if let Err(f) = crate::session::check_facts(&facts, cx.now) {
            return f.into();
        }
        Turn::Go(
            EnrollPhase::PasswordEntry {
                facts,
                tries_left: None,
                last_try_confirmed: false,
                message: None,
            },
            Vec::new(),
        )
    }

    fn handle(&mut self, phase: EnrollPhase, input: Input, cx: &mut Context) -> Turn<EnrollPhase> {
        use EnrollPhase as P;
        match (phase, input) {
            (
                P::PasswordEntry {
                    facts,
                    tries_left,
                    last_try_confirmed,
                    ..
                },
                Input::PasswordEntered(password),
            ) => password::entered(facts, tries_left, last_try_confirmed, password, cx),
            (
                P::PasswordEntry {
                    facts,
                    tries_left,
                    last_try_confirmed,
                    ..
                },
                Input::PasswordMalformed,
            ) => Turn::Go(
                P::PasswordEntry {
                    facts,
                    tries_left,
                    last_try_confirmed,
                    message: Some(Code::PasswordFormat),
                },
                Vec::new(),
            ),
            (P::ConfirmPasswordLastTry { facts }, Input::StaffConfirmedLastTry) => Turn::Go(
                P::PasswordEntry {
                    facts,
                    tries_left: Some(1),
                    last_try_confirmed: true,
                    message: Some(Code::PasswordLastTry),
                },
                Vec::new(),
            ),
            (
                P::ReadingSignCertificate {
                    ticket,
                    facts,
                    password,
                    ..
                },
                Input::SignCertificateRead { ticket: t, result },
            ) if t == ticket => password::certificate_read(facts, password, result),
            (
                P::ConfirmAttributes {
                    facts,
                    password,
                    attributes,
                },
                Input::AttributesConfirmed { disclosure_consent },
            ) => self.attributes_confirmed(facts, password, attributes, disclosure_consent, cx),
            (P::ConfirmAttributes { .. }, Input::AttributesRejected) => {
                crate::session::Failure::new(Code::AttributesRejected).into()
            }
            (
                P::Pin {
                    leg,
                    password,
                    attributes,
                    consent,
                },
                input,
            ) => self.pin_leg(leg, password, attributes, consent, input, cx),
            (
                P::SigningApplication {
                    ticket,
                    application,
                    identification,
                    expires_at,
                },
                Input::ApplicationSigned { ticket: t, result },
            ) if t == ticket => {
                application::signed(application, identification, expires_at, result, cx)
            }
            (P::Enrolling { ticket }, Input::Enrolled { ticket: t, result }) if t == ticket => {
                self.enrolled(result)
            }
            (phase, input) => {
                let e = NotNow::of(&input, Self::step_name(&phase));
                Turn::NotNow(phase, e)
            }
        }
    }

    fn step(phase: &EnrollPhase) -> Step {
        match phase {
            EnrollPhase::PasswordEntry { .. } => Step::PasswordEntry,
            EnrollPhase::ConfirmPasswordLastTry { .. } => Step::ConfirmPasswordLastTry,
            EnrollPhase::ReadingSignCertificate { .. } => Step::ReadingSignCertificate,
            EnrollPhase::ConfirmAttributes { .. } => Step::ConfirmAttributes,
            EnrollPhase::Pin { leg, .. } => match leg.step() {
                LegStep::ConfirmLastTry => Step::ConfirmLastTry,
                LegStep::PinEntry => Step::PinEntry,
                LegStep::RequestingChallenge => Step::RequestingChallenge,
                LegStep::PinPad => Step::PinPad,
                LegStep::Signing => Step::Signing,
            },
            EnrollPhase::SigningApplication { .. } => Step::SigningApplication,
            EnrollPhase::Enrolling { .. } => Step::Enrolling,
        }
    }

    fn step_name(phase: &EnrollPhase) -> &'static str {
        Self::step(phase).name()
    }

    fn awaits_customer(phase: &EnrollPhase) -> bool {
        match phase {
            EnrollPhase::PasswordEntry { .. }
            | EnrollPhase::ConfirmPasswordLastTry { .. }
            | EnrollPhase::ConfirmAttributes { .. } => true,
            EnrollPhase::Pin { leg, .. } => leg.awaits_customer(),
            _ => false,
        }
    }

    fn holds_secret(phase: &EnrollPhase) -> bool {
        matches!(
            phase,
            EnrollPhase::ReadingSignCertificate { .. }
                | EnrollPhase::ConfirmAttributes { .. }
                | EnrollPhase::Pin { .. }
        )
    }

    fn pad_wait(phase: &EnrollPhase) -> Option<PadWait> {
        match phase {
            EnrollPhase::Pin { leg, .. } => leg.pad_wait(),
            _ => None,
        }
    }

    /// Once the application is signed and sent. The platform may link the card whether
    /// it stays on the reader or not, so its answer must reach staff. A receptionist who
    /// presses Cancel expects nothing to have happened, and Cancel cannot make that so:
    /// accepting it would end the enrollment on "the card may be linked" when, a few
    /// seconds later, the answer would have said which services are linked (or why not);
    /// so Cancel is refused, as a card sale being paid refuses it, and staff read the real
    /// answer. An answer that never comes ends within the request's time-out too, as
    /// [`Code::EnrollmentOutcomeUnknown`].
    fn awaits_answer(phase: &EnrollPhase) -> bool {
        matches!(phase, EnrollPhase::Enrolling { .. })
    }

    fn card_busy(phase: &EnrollPhase) -> bool {
        match phase {
            EnrollPhase::ReadingSignCertificate { .. } | EnrollPhase::SigningApplication { .. } => {
                true
            }
            EnrollPhase::Pin { leg, .. } => leg.card_busy(),
            _ => false,
        }
    }
}
