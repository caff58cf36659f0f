//! Identification at the counter, sans-IO: card placed → the auth PIN's tries and the auth
//! certificate read while the customer is still choosing → PIN (on the reader's PIN pad, or
//! on the customer window; never the staff window) → challenge → the card's signature →
//! the platform → the menu of linked services.
//!
//! # Calling contract
//!
//! Build one [`Identification`] per counter transaction with the challenge it needs
//! (`identify`, `payment` with merchant and amount, or `enroll`), then follow the card
//! session's contract ([`crate::session`]): every event through
//! [`Identification::handle`], the [`Effect`]s carried out in order, each result fed back
//! with its [`Ticket`], [`Input::Tick`] about once a second, and
//! [`Identification::staff_view`] / [`Identification::customer_view`] shown after every
//! call.
//!
//! Rules kept here, beside the session's:
//! - **No PIN try is ever wasted or taken silently** (docs/domain/eligibility.md §1.3, R6): the counter
//!   and the certificate's expiry are checked before a PIN is asked; 0 tries ends with the
//!   next step, one try needs [`Input::StaffConfirmedLastTry`]; a wrong PIN returns to PIN
//!   entry and is never retried by the machine.
//! - **The answer must be to our challenge**: a menu for another purpose ends the session
//!   as the platform being unavailable.
//! - **The staff view never holds the PIN or its length**; the machine never learns the
//!   length of what is typed, and the views have no field for it.

mod view;

#[cfg(test)]
pub(crate) mod tests;

use counter_api::FieldError;
use counter_api::platform::{ChallengeRequest, IdentificationResponse};

pub use crate::session::{
    Actor, CUSTOMER_STEP_SECS, CardFacts, CustomerPin, Effect, Input, MenuLine, NotNow, Outcome,
    PIN_PAD_TIMEOUT_SECS, Ticket, WARN_BEFORE_SECS, card_code, platform_code,
};
pub use view::{CustomerFields, CustomerView, StaffFields, StaffView, Step};

use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;
use crate::session::{
    Context, Failure, Flow, LegEvent, PadWait, PinLeg, Session, Turn, platform_failure,
};

/// The identification machine of one counter transaction. See the module documentation
/// for the calling contract.
#[derive(Debug)]
pub struct Identification(Session<Identify>);

/// The identification's flow: the challenge it asks for.
pub(crate) struct Identify {
    request: ChallengeRequest,
}

/// The identification's own steps.
pub(crate) enum IdentifyPhase {
    /// PIN, challenge and signature (boxed: the leg, with its challenge and the pad's
    /// wait, is many times the size of the other step).
    Pin(Box<PinLeg>),
    /// [`Effect::Identify`] is out.
    Identifying { ticket: Ticket },
}

impl Identification {
    /// A machine that will ask for challenges like `request`, from the platform
    /// `platform_id`, for this terminal `terminal_id` (both as configured: a challenge
    /// naming others is never signed). Refuses a request the platform would refuse (a
    /// payment without merchant and amount, an amount out of range).
    pub fn new(
        request: ChallengeRequest,
        terminal_id: impl Into<String>,
        platform_id: impl Into<String>,
    ) -> Result<Self, FieldError> {
        request.validate()?;
        Ok(Identification(Session::new(
            Identify { request },
            terminal_id.into(),
            platform_id.into(),
        )))
    }

    /// Takes one input at `now`: what the shell must do, in order, or why the input was
    /// not taken (nothing changed).
    pub fn handle(&mut self, input: Input, now: UnixTime) -> Result<Vec<Effect>, NotNow> {
        self.0.handle(input, now)
    }

    /// Whether the machine holds a PIN right now (typed on the customer window, waiting for
    /// its challenge). False after any end of the session.
    pub fn holds_pin(&self) -> bool {
        matches!(&self.0.phase, crate::session::Phase::Flow(p) if Identify::holds_secret(p))
    }

    /// The challenge this machine asks for.
    pub fn request(&self) -> &ChallengeRequest {
        &self.0.flow.request
    }

    /// How the session ended, while its result is on screen.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.0.outcome()
    }
}

impl Flow for Identify {
    type Phase = IdentifyPhase;
    type Step = Step;

    fn begin(&mut self, facts: CardFacts, cx: &mut Context) -> Turn<IdentifyPhase> {
        match PinLeg::start(self.request.clone(), &facts, cx) {
            Ok((leg, effect)) => Turn::Go(
                IdentifyPhase::Pin(Box::new(leg)),
                effect.into_iter().collect(),
            ),
            Err(f) => f.into(),
        }
    }

    fn handle(
        &mut self,
        phase: IdentifyPhase,
        input: Input,
        cx: &mut Context,
    ) -> Turn<IdentifyPhase> {
        match (phase, input) {
            (IdentifyPhase::Identifying { ticket }, Input::Identified { ticket: t, result })
                if t == ticket =>
            {
                self.identified(result)
            }
            (IdentifyPhase::Pin(mut leg), input) => match leg.handle(input, cx) {
                LegEvent::Nothing => Turn::Go(IdentifyPhase::Pin(leg), Vec::new()),
                LegEvent::Effect(e) => Turn::Go(IdentifyPhase::Pin(leg), vec![e]),
                LegEvent::NotNow(e) => Turn::NotNow(IdentifyPhase::Pin(leg), e),
                LegEvent::Signed { request, .. } => {
                    let ticket = cx.tickets.next();
                    Turn::Go(
                        IdentifyPhase::Identifying { ticket },
                        vec![Effect::Identify { ticket, request }],
                    )
                }
                LegEvent::Failed(f) => f.into(),
                LegEvent::CardRemoved => Turn::CardRemoved,
            },
            (phase, input) => {
                let e = NotNow::of(&input, Self::step_name(&phase));
                Turn::NotNow(phase, e)
            }
        }
    }

    fn step(phase: &IdentifyPhase) -> Step {
        match phase {
            IdentifyPhase::Pin(leg) => leg.step().into(),
            IdentifyPhase::Identifying { .. } => Step::Verifying,
        }
    }

    fn step_name(phase: &IdentifyPhase) -> &'static str {
        match phase {
            IdentifyPhase::Pin(leg) => leg.step().name(),
            IdentifyPhase::Identifying { .. } => "verifying",
        }
    }

    fn awaits_customer(phase: &IdentifyPhase) -> bool {
        matches!(phase, IdentifyPhase::Pin(leg) if leg.awaits_customer())
    }

    fn card_busy(phase: &IdentifyPhase) -> bool {
        matches!(phase, IdentifyPhase::Pin(leg) if leg.card_busy())
    }

    /// Never: an identification links nothing at the platform; its answer (the menu and
    /// its assertions) is only read, one that is not shown is not used, and it is for the
    /// person whose card lies on the reader: once the card leaves, it is not shown (R8).
    fn awaits_answer(_phase: &IdentifyPhase) -> bool {
        false
    }

    fn holds_secret(phase: &IdentifyPhase) -> bool {
        matches!(phase, IdentifyPhase::Pin(leg) if leg.holds_pin())
    }

    fn pad_wait(phase: &IdentifyPhase) -> Option<PadWait> {
        match phase {
            IdentifyPhase::Pin(leg) => leg.pad_wait(),
            IdentifyPhase::Identifying { .. } => None,
        }
    }
}

impl Identify {
    fn identified(
        &self,
        result: Result<IdentificationResponse, BackendFailure>,
    ) -> Turn<IdentifyPhase> {
        match result {
            Ok(r) if r.purpose == self.request.purpose => Turn::End(Outcome::Identified {
                identification_id: r.identification_id,
                menu: r.menu,
                notices: r.notices,
            }),
            // A menu for another purpose is not the answer to our challenge.
            Ok(_) => Failure::new(Code::PlatformUnavailable).into(),
            Err(f) => platform_failure(&f).into(),
        }
    }
}
