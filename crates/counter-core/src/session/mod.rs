//! The card session, sans-IO: what identification and enrollment share, written once. A
//! session begins when a card is placed (its auth PIN's tries and certificate are read, no
//! try used), runs a flow (identification: the PIN leg and the platform; enrollment: the
//! signature password, the attributes, the PIN leg, the signed application), and ends with
//! an [`Outcome`] that stays on screen until the card leaves.
//!
//! # Calling contract
//!
//! One machine per counter transaction ([`crate::identify::Identification`],
//! [`crate::enroll::Enrollment`]). Feed every event with `handle(input, now)` (`now` in Unix
//! seconds, from the shell's clock); carry out the returned [`Effect`]s in order, and feed
//! each effect's result back with the effect's [`Ticket`]. An input the machine cannot use
//! now is answered with [`NotNow`] and changes nothing: a person's misplaced action
//! ([`NotNow::Step`]) or the late result of an effect no longer awaited
//! ([`NotNow::Stale`]); no input is dropped silently. Send [`Input::Tick`] about once a
//! second while a session runs. Show the machine's `staff_view` and `customer_view` after
//! every call.
//!
//! Rules kept here, for every flow:
//! - **The session ends when the card leaves** (docs/domain/eligibility.md R8): [`Input::CardRemoved`]
//!   at any step, or a card step failing with `TransportError::CardRemoved`, drops the PIN
//!   and password held, forgets every piece of customer data (facts, challenge, menu,
//!   attributes), and nothing that could use a try follows until a card is placed again and
//!   the secret typed again. Results of effects from before (another [`Ticket`]) are
//!   refused as stale. One exception: a step that no longer needs the card (an
//!   enrollment's application signed and sent, its answer awaited) holds no secret, and
//!   the platform may act on what it received whether the card stays or not; the card
//!   leaving then does not end it, its answer is taken and shown, and a card placed
//!   meanwhile is not the session's (refused: it never resumes or restarts it).
//! - **The customer can always take more time** (WCAG 2.2.1): the steps where the customer
//!   must act have a limit ([`CUSTOMER_STEP_SECS`]), the views warn [`WARN_BEFORE_SECS`]
//!   before its end, and [`Input::ExtendTime`] restarts it.
//! - **Cancel abandons a running card step** ([`Effect::AbortCardOperation`]) and ends the
//!   session, except while a request the platform may act on awaits its answer (an
//!   enrollment's application): Cancel cannot call it back, so it is refused and the
//!   answer is shown when it comes; starting again ([`Input::StartAgain`]) is offered only
//!   with the card still on the reader and after an end that allows it.
//! - **No PIN try is ever wasted or taken silently**: the PIN leg's rules (`pin_leg`).

mod effect;
mod failure;
mod input;
mod pin_leg;
mod timer;
mod view;

#[cfg(test)]
pub(crate) mod testing;

pub use effect::{Effect, MenuLine, NotNow, Outcome};
pub use failure::{card_code, platform_code};
pub use input::{Actor, CardFacts, CustomerPassword, CustomerPin, Input, SignAttributes, Ticket};
pub use pin_leg::PIN_PAD_TIMEOUT_SECS;
pub use timer::{CUSTOMER_STEP_SECS, WARN_BEFORE_SECS};
pub(crate) use view::SessionStep;
pub use view::{Progress, SessionWindow};

pub(crate) use failure::{CardVerdict, Failure, Secret, card_verdict, platform_failure};
pub(crate) use input::Tickets;
pub(crate) use pin_leg::{LegEvent, LegStep, PadWait, PinLeg, check_facts};
pub(crate) use timer::CustomerTimer;

use crate::UnixTime;
use crate::codes::Code;

/// What every flow uses: who the challenges must come from and be for, the tickets, the
/// reader, the clock of the current call.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) terminal_id: String,
    pub(crate) platform_id: String,
    pub(crate) tickets: Tickets,
    /// Whether the reader of the card on it has a PIN pad.
    pub(crate) pin_pad: bool,
    /// The `now` of the current call.
    pub(crate) now: UnixTime,
}

/// Where a flow goes after an input.
pub(crate) enum Turn<P> {
    /// On at `P`, after these effects.
    Go(P, Vec<Effect>),
    /// The session ends with this outcome.
    End(Outcome),
    /// A card step reported the card gone: the session ends as on [`Input::CardRemoved`].
    CardRemoved,
    /// Not taken: the flow stays at `P`.
    NotNow(P, NotNow),
}

impl<P> From<Failure> for Turn<P> {
    fn from(f: Failure) -> Self {
        Turn::End(f.into())
    }
}

/// What makes a session an identification or an enrollment: its steps between the card's
/// facts and the outcome.
pub(crate) trait Flow {
    /// The flow's own steps (and what each holds).
    type Phase;
    /// The views' step (the customer's time limit is tied to it).
    type Step: Copy + PartialEq;

    /// The card's facts were read: the flow's first step.
    fn begin(&mut self, facts: CardFacts, cx: &mut Context) -> Turn<Self::Phase>;
    /// An input that is the flow's own (everything but the card's events, cancel, the
    /// clock, more time, start again and the card's facts).
    fn handle(&mut self, phase: Self::Phase, input: Input, cx: &mut Context) -> Turn<Self::Phase>;
    /// The views' step at `phase`.
    fn step(phase: &Self::Phase) -> Self::Step;
    /// The step's name, for a [`NotNow`].
    fn step_name(phase: &Self::Phase) -> &'static str;
    /// Whether the flow waits on a person at `phase` (the customer's limit runs).
    fn awaits_customer(phase: &Self::Phase) -> bool;
    /// Whether a card step runs at `phase` (cancel must abandon it).
    fn card_busy(phase: &Self::Phase) -> bool;
    /// Whether only the platform's answer to a request that may change something outside
    /// the counter is awaited at `phase` (an enrollment's application: the platform may
    /// link the card whatever the counter does). Everything the card had to give is given
    /// and sent, so the card leaving then does not end the session (the answer is still
    /// taken and shown to staff), and Cancel is refused: it cannot call the request back,
    /// and the answer comes within the request's time-out. The counter reads the same
    /// predicate for every staff action that would leave the workflow
    /// (`crate::counter::Counter::hold`).
    fn awaits_answer(phase: &Self::Phase) -> bool;
    /// Whether the flow holds a PIN or a password at `phase`.
    fn holds_secret(phase: &Self::Phase) -> bool;
    /// The reader's PIN pad waiting for the PIN at `phase`, if it is.
    fn pad_wait(phase: &Self::Phase) -> Option<PadWait>;
}

/// Where a session stands.
pub(crate) enum Phase<P> {
    /// No session: waiting for a card.
    Idle,
    /// [`Effect::ReadCard`] is out.
    Reading { ticket: Ticket },
    /// The flow's own steps.
    Flow(P),
    /// The session ended; the outcome stays on screen until the card leaves.
    Done(Outcome),
}

/// One card session running flow `F`.
pub(crate) struct Session<F: Flow> {
    pub(crate) flow: F,
    pub(crate) cx: Context,
    pub(crate) timer: CustomerTimer<F::Step>,
    pub(crate) card_on_reader: bool,
    pub(crate) phase: Phase<F::Phase>,
}

impl<F: Flow> std::fmt::Debug for Session<F> {
    /// The step and whether a secret is held: never a PIN, a password, a menu's
    /// assertions or a person's attributes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let holds_secret = matches!(&self.phase, Phase::Flow(p) if F::holds_secret(p));
        f.debug_struct("Session")
            .field("step", &self.step_name())
            .field("holds_secret", &holds_secret)
            .finish_non_exhaustive()
    }
}

impl<F: Flow> Session<F> {
    pub(crate) fn new(flow: F, terminal_id: String, platform_id: String) -> Self {
        Session {
            flow,
            cx: Context {
                terminal_id,
                platform_id,
                tickets: Tickets::default(),
                pin_pad: false,
                now: UnixTime::EPOCH,
            },
            timer: CustomerTimer::default(),
            card_on_reader: false,
            phase: Phase::Idle,
        }
    }

    /// Takes one input at `now`: the effects for the shell, in order, or why it was not
    /// taken (nothing changed then).
    pub(crate) fn handle(&mut self, input: Input, now: UnixTime) -> Result<Vec<Effect>, NotNow> {
        self.cx.now = now;
        let result = self.dispatch(input, now);
        let waiting = match &self.phase {
            Phase::Flow(p) if F::awaits_customer(p) => Some(F::step(p)),
            _ => None,
        };
        self.timer.sync(waiting, now);
        result
    }

    /// The name of the current step (for a [`NotNow`]).
    fn step_name(&self) -> &'static str {
        match &self.phase {
            Phase::Idle => "waiting_for_card",
            Phase::Reading { .. } => "reading_card",
            Phase::Flow(p) => F::step_name(p),
            Phase::Done(_) => "ended",
        }
    }

    fn not_now(&self, input: &Input) -> NotNow {
        NotNow::of(input, self.step_name())
    }

    fn dispatch(&mut self, input: Input, now: UnixTime) -> Result<Vec<Effect>, NotNow> {
        match input {
            // A card placed while the answer for a card that left is awaited is not the
            // session's (R8: it may be the next person's), and restarting would drop the
            // answer: it is refused, and the session waits on.
            Input::CardPlaced { .. } if self.awaits_answer_without_card() => {
                Err(self.not_now(&input))
            }
            Input::CardPlaced { pin_pad } => {
                self.card_on_reader = true;
                self.cx.pin_pad = pin_pad;
                Ok(self.start())
            }
            Input::CardRemoved => Ok(self.card_removed()),
            Input::Cancel(by) => self.cancel(by, &input),
            Input::Tick if self.timer.expired(now) => {
                Ok(self.end(Failure::new(Code::TimedOut).into()))
            }
            Input::Tick => Ok(Vec::new()),
            Input::ExtendTime if self.timer.extend(now) => Ok(Vec::new()),
            Input::StartAgain => match &self.phase {
                Phase::Done(o) if self.card_on_reader && o.can_retry() => Ok(self.start()),
                _ => Err(self.not_now(&input)),
            },
            Input::CardRead { ticket, result } => match self.phase {
                Phase::Reading { ticket: t } if t == ticket => Ok(self.card_read(result)),
                _ => Err(NotNow::Stale { input: "card_read" }),
            },
            input => match std::mem::replace(&mut self.phase, Phase::Idle) {
                Phase::Flow(p) => {
                    let turn = self.flow.handle(p, input, &mut self.cx);
                    self.turn(turn)
                }
                other => {
                    self.phase = other;
                    Err(self.not_now(&input))
                }
            },
        }
    }

    /// Applies a flow's turn.
    fn turn(&mut self, turn: Turn<F::Phase>) -> Result<Vec<Effect>, NotNow> {
        match turn {
            Turn::Go(p, effects) => {
                self.phase = Phase::Flow(p);
                Ok(effects)
            }
            Turn::End(outcome) => Ok(self.end(outcome)),
            Turn::CardRemoved => Ok(self.removed_mid_session()),
            Turn::NotNow(p, e) => {
                self.phase = Phase::Flow(p);
                Err(e)
            }
        }
    }

    /// A fresh session on the card on the reader: everything before is forgotten.
    fn start(&mut self) -> Vec<Effect> {
        let ticket = self.cx.tickets.next();
        self.phase = Phase::Reading { ticket };
        self.timer.stop();
        vec![Effect::ReadCard { ticket }]
    }

    fn card_read(&mut self, result: Result<CardFacts, jpki_card::CardError>) -> Vec<Effect> {
        match result {
            Ok(facts) => {
                let turn = self.flow.begin(facts, &mut self.cx);
                // `begin` never refuses: the facts are what the session waited for.
                self.turn(turn).unwrap_or_default()
            }
            Err(e) => match card_verdict(&e, Secret::AuthPin) {
                CardVerdict::Removed => self.removed_mid_session(),
                CardVerdict::Failed(f) => self.end(f.into()),
            },
        }
    }

    /// The card left (the event): a running session ends with [`Code::CardRemoved`]; an
    /// ended one is cleared. Either way every piece of customer data goes. A second report
    /// of the same removal (the card step's error, then the reader's event) changes
    /// nothing. A flow that no longer needs the card (its platform answer awaited) goes on:
    /// it holds no secret and no customer data (its request left with them).
    fn card_removed(&mut self) -> Vec<Effect> {
        let was_on_reader = std::mem::replace(&mut self.card_on_reader, false);
        match &self.phase {
            Phase::Idle => Vec::new(),
            Phase::Flow(p) if F::awaits_answer(p) => Vec::new(),
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

    /// Cancel: a card step still running (a PIN pad waiting for the PIN) is abandoned.
    fn cancel(&mut self, by: Actor, input: &Input) -> Result<Vec<Effect>, NotNow> {
        let card_busy = match &self.phase {
            Phase::Idle | Phase::Done(_) => return Err(self.not_now(input)),
            Phase::Flow(p) if F::awaits_answer(p) => return Err(self.not_now(input)),
            Phase::Reading { .. } => true,
            Phase::Flow(p) => F::card_busy(p),
        };
        let mut effects = self.end(Outcome::Cancelled { by });
        if card_busy {
            effects.insert(0, Effect::AbortCardOperation);
        }
        Ok(effects)
    }

    /// Ends the session with `outcome`: the phase (with every secret and every piece of
    /// customer data it held) is replaced, the limit stops.
    fn end(&mut self, outcome: Outcome) -> Vec<Effect> {
        self.phase = Phase::Done(outcome.clone());
        self.timer.stop();
        vec![Effect::Finished(outcome)]
    }

    /// Whether the flow awaits the platform's answer ([`Flow::awaits_answer`]).
    pub(crate) fn awaits_answer(&self) -> bool {
        matches!(&self.phase, Phase::Flow(p) if F::awaits_answer(p))
    }

    /// Whether the card left while the flow, no longer needing it, awaits the platform's
    /// answer.
    pub(crate) fn awaits_answer_without_card(&self) -> bool {
        !self.card_on_reader && self.awaits_answer()
    }

    /// The PIN pad's wait, while the reader's pad collects the PIN.
    pub(crate) fn pad_wait(&self) -> Option<PadWait> {
        match &self.phase {
            Phase::Flow(p) => F::pad_wait(p),
            _ => None,
        }
    }

    /// How the session ended, while its result is on screen.
    pub(crate) fn outcome(&self) -> Option<&Outcome> {
        match &self.phase {
            Phase::Done(o) => Some(o),
            _ => None,
        }
    }
}
