//! Identification at the counter, sans-IO: card placed → the auth PIN's tries and the auth
//! certificate read while the customer is still choosing → PIN (on the reader's PIN pad, or
//! on the customer window; never the staff window) → challenge → the card's signature →
//! the platform → the menu of linked services.
//!
//! # Calling contract
//!
//! Build one [`Identification`] per counter transaction with the challenge it needs
//! (`identify`, `payment` with merchant and amount, or `enroll`). Feed every event with
//! [`Identification::handle`] (`now` in Unix seconds, from the shell's clock), carry out the
//! returned [`Effect`]s in order, and feed each effect's result back with the effect's
//! [`Ticket`]. Send [`Input::Tick`] about once a second while a session runs. Show
//! [`Identification::staff_view`] on the staff window and
//! [`Identification::customer_view`] on the customer window after every call.
//!
//! Rules kept here:
//! - **No PIN try is ever wasted or taken silently** (eligibility.md §1.3, R6): the counter
//!   and the certificate's expiry are checked before a PIN is asked; 0 tries ends with the
//!   next step, one try needs [`Input::StaffConfirmedLastTry`]; a wrong PIN returns to PIN
//!   entry and is never retried by the machine.
//! - **The session ends when the card leaves** (R8): [`Input::CardRemoved`] at any step,
//!   or a card step failing with `TransportError::CardRemoved`, drops the PIN held,
//!   forgets every piece of customer data (facts, challenge, menu), and nothing that could
//!   use a PIN try follows until a card is placed again and a new PIN typed. Results of
//!   effects from before (another [`Ticket`]) are dropped unread.
//! - **The customer can always take more time** (WCAG 2.2.1): the steps where the customer
//!   must act have a limit ([`CUSTOMER_STEP_SECS`]), the views warn [`WARN_BEFORE_SECS`]
//!   before its end, and [`Input::ExtendTime`] restarts it.
//! - **The staff view never holds the PIN or its length**; the machine never learns the
//!   length of what is typed, and the views have no field for it.

mod effect;
mod failure;
mod input;
mod pin_leg;
mod timer;
mod view;

#[cfg(test)]
pub(crate) mod tests;

use counter_api::FieldError;
use counter_api::b64;
use counter_api::platform::{ChallengeRequest, IdentificationRequest, IdentificationResponse};

pub use effect::{Effect, MenuLine, Outcome};
pub use failure::{card_code, platform_code};
pub use input::{Actor, CardFacts, CustomerPin, Input, Ticket};
pub use pin_leg::PIN_PAD_TIMEOUT_SECS;
pub use timer::{CUSTOMER_STEP_SECS, WARN_BEFORE_SECS};
pub use view::{CustomerView, StaffView, Step, View};

pub(crate) use failure::{CardVerdict, Failure, Secret, card_verdict, platform_failure};
pub(crate) use input::Tickets;
pub(crate) use pin_leg::{LegContext, LegEffect, LegEvent, LegInput, LegStep, PinLeg, check_facts};
pub(crate) use timer::CustomerTimer;

use crate::UnixTime;
use crate::backend::BackendFailure;
use crate::codes::Code;

/// The identification machine of one counter transaction. See the module documentation
/// for the calling contract.
#[derive(Debug)]
pub struct Identification {
    request: ChallengeRequest,
    terminal_id: String,
    platform_id: String,
    tickets: Tickets,
    timer: CustomerTimer<Step>,
    /// The `now` of the last call (the views count down from it).
    now: UnixTime,
    /// Whether a card lies on the reader, and whether the reader has a PIN pad.
    card_on_reader: bool,
    pin_pad: bool,
    phase: Phase,
}

#[derive(Debug)]
enum Phase {
    /// No session: waiting for a card.
    Idle,
    /// [`Effect::ReadCard`] is out.
    Reading { ticket: Ticket },
    /// PIN, challenge and signature.
    Pin(PinLeg),
    /// [`Effect::Identify`] is out.
    Identifying { ticket: Ticket },
    /// The session ended; the outcome stays on screen until the card leaves.
    Done(Outcome),
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
        Ok(Identification {
            request,
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
        let waiting = match &self.phase {
            Phase::Pin(leg) if leg.awaits_customer() => Some(self.step()),
            _ => None,
        };
        self.timer.sync(waiting, now);
        effects
    }

    /// Whether the machine holds a PIN right now (typed on the customer window, waiting for
    /// its challenge). False after any end of the session.
    pub fn holds_pin(&self) -> bool {
        matches!(&self.phase, Phase::Pin(leg) if leg.holds_pin())
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
            Input::CardRead { ticket, result } => match &self.phase {
                Phase::Reading { ticket: t } if *t == ticket => self.card_read(result, now),
                _ => Vec::new(),
            },
            Input::Identified { ticket, result } => match &self.phase {
                Phase::Identifying { ticket: t } if *t == ticket => self.identified(result),
                _ => Vec::new(),
            },
            Input::PinEntered(pin) => self.leg(LegInput::PinEntered(pin), now),
            Input::PinMalformed => self.leg(LegInput::PinMalformed, now),
            Input::RetryPin => self.leg(LegInput::RetryPin, now),
            Input::StaffConfirmedLastTry => self.leg(LegInput::StaffConfirmedLastTry, now),
            Input::ChallengeIssued { ticket, result } => {
                self.leg(LegInput::ChallengeIssued(ticket, result), now)
            }
            Input::Signed { ticket, result } => self.leg(LegInput::Signed(ticket, result), now),
        }
    }

    /// A fresh session on the card on the reader: everything before is forgotten.
    fn start(&mut self) -> Vec<Effect> {
        let ticket = self.tickets.next();
        self.phase = Phase::Reading { ticket };
        vec![Effect::ReadCard { ticket }]
    }

    fn card_read(
        &mut self,
        result: Result<CardFacts, jpki_card::CardError>,
        now: UnixTime,
    ) -> Vec<Effect> {
        let facts = match result {
            Ok(facts) => facts,
            Err(e) => {
                return match card_verdict(&e, Secret::AuthPin) {
                    CardVerdict::Removed => self.card_removed(),
                    CardVerdict::Failed(f) => self.end(f.into()),
                };
            }
        };
        let started = PinLeg::start(
            self.request.clone(),
            self.pin_pad,
            &facts,
            now,
            &mut self.tickets,
        );
        match started {
            Ok((leg, effect)) => {
                self.phase = Phase::Pin(leg);
                effect.map(Effect::from).into_iter().collect()
            }
            Err(f) => self.end(f.into()),
        }
    }

    fn leg(&mut self, input: LegInput, now: UnixTime) -> Vec<Effect> {
        let Phase::Pin(leg) = &mut self.phase else {
            return Vec::new(); // a stale result, or a PIN when none is asked: dropped
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
                let ticket = self.tickets.next();
                self.phase = Phase::Identifying { ticket };
                vec![Effect::Identify {
                    ticket,
                    request: IdentificationRequest {
                        challenge_id: binding.challenge_id,
                        auth_certificate: b64::encode(&authentication.certificate),
                        signature: b64::encode(&authentication.signature),
                    },
                }]
            }
            LegEvent::Failed(f) => self.end(f.into()),
            LegEvent::CardRemoved => self.card_removed(),
        }
    }

    fn identified(
        &mut self,
        result: Result<IdentificationResponse, BackendFailure>,
    ) -> Vec<Effect> {
        match result {
            Ok(r) if r.purpose == self.request.purpose => self.end(Outcome::Identified {
                identification_id: r.identification_id,
                menu: r.menu,
                notices: r.notices,
            }),
            // A menu for another purpose is not the answer to our challenge.
            Ok(_) => self.end(Failure::new(Code::PlatformUnavailable).into()),
            Err(f) => self.end(platform_failure(&f).into()),
        }
    }

    /// The card left: a running session ends with [`Code::CardRemoved`]; an ended one is
    /// cleared. Either way every piece of customer data goes. A second report of the same
    /// removal (the card flow's error, then the reader's event) changes nothing.
    fn card_removed(&mut self) -> Vec<Effect> {
        let was_on_reader = std::mem::replace(&mut self.card_on_reader, false);
        match self.phase {
            Phase::Idle => Vec::new(),
            Phase::Done(_) if was_on_reader => {
                self.phase = Phase::Idle;
                Vec::new()
            }
            Phase::Done(_) => Vec::new(),
            _ => self.end(Failure::new(Code::CardRemoved).into()),
        }
    }

    /// Cancel: a card step still running (a PIN pad waiting for the PIN) is abandoned.
    fn cancel(&mut self, by: Actor) -> Vec<Effect> {
        let card_busy = match &self.phase {
            Phase::Idle | Phase::Done(_) => return Vec::new(),
            Phase::Reading { .. } => true,
            Phase::Pin(leg) => leg.card_busy(),
            Phase::Identifying { .. } => false,
        };
        let mut effects = self.end(Outcome::Cancelled { by });
        if card_busy {
            effects.insert(0, Effect::AbortCardOperation);
        }
        effects
    }

    /// Ends the session with `outcome`: the phase (with the PIN, the facts and the
    /// challenge) is replaced, the limit stops.
    fn end(&mut self, outcome: Outcome) -> Vec<Effect> {
        self.phase = Phase::Done(outcome.clone());
        self.timer.stop();
        vec![Effect::Finished(outcome)]
    }
}

impl From<Failure> for Outcome {
    fn from(f: Failure) -> Self {
        Outcome::Failed {
            code: f.code,
            tries_left: f.tries_left,
            can_retry: f.can_retry,
        }
    }
}

impl From<LegEffect> for Effect {
    fn from(e: LegEffect) -> Self {
        match e {
            LegEffect::RequestChallenge { ticket, request } => {
                Effect::RequestChallenge { ticket, request }
            }
            LegEffect::Authenticate {
                ticket,
                pin,
                digest,
                confirm_last_try,
            } => Effect::Authenticate {
                ticket,
                pin,
                digest,
                confirm_last_try,
            },
        }
    }
}
