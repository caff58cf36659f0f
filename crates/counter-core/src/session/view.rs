//! What both windows show of any card session, the same for identification and
//! enrollment: the step, and the progress (the reader's PIN pad, the tries, the code to
//! show, start again, the customer's time limit). A flow's view of one window is a
//! [`SessionWindow`] of its step and its own fields, all on one level in JSON. No field can
//! carry a PIN, a password or their lengths.

use serde::{Deserialize, Serialize};

use super::{Flow, Outcome, Phase, Session};
use crate::codes::Code;

/// The steps every session has, whatever its flow: before the card, while the card is
/// read, and the three ends.
pub(crate) trait SessionStep: Copy {
    /// No card on the reader.
    const WAITING_FOR_CARD: Self;
    /// The card's facts are being read.
    const READING_CARD: Self;
    /// The flow reached its outcome (identified, enrolled).
    const DONE: Self;
    /// Ended without it (the code says why).
    const FAILED: Self;
    /// Cancelled.
    const CANCELLED: Self;
}

/// One window's view of a card session: the flow's step `S`, the session's progress, and
/// the flow's own fields `F` for that window (progress and fields flattened: one level in
/// JSON). Reads through to `F`'s fields (`Deref`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionWindow<S, F> {
    /// The step.
    pub step: S,
    /// The session's progress.
    #[serde(flatten)]
    pub progress: Progress,
    /// What the flow shows in this window.
    #[serde(flatten)]
    pub flow: F,
}

impl<S, F> std::ops::Deref for SessionWindow<S, F> {
    type Target = F;

    fn deref(&self) -> &F {
        &self.flow
    }
}

/// A card session's progress, as one window shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "SessionProgress"))]
pub struct Progress {
    /// Whether the PIN is typed on the reader's PIN pad (the customer window then shows no
    /// keypad).
    pub pin_pad: bool,
    /// Tries the auth PIN has left, when known (shown before entry).
    pub tries_left: Option<u8>,
    /// What to tell people (the table has the text and the next step); on the customer
    /// window already passed through [`Code::for_customer`].
    pub code: Option<Code>,
    /// Whether "start again" is offered (the card still on the reader, after an end that
    /// allows it).
    pub can_retry: bool,
    /// Seconds the customer has left at this step, when a limit runs: the customer's
    /// limit, or at the PIN-pad step the pad's own time-out (which no one can extend, so
    /// `time_warning` stays off there).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub seconds_left: Option<i64>,
    /// The limit is about to end: the customer is offered more time.
    pub time_warning: bool,
}

impl<F: Flow> Session<F>
where
    F::Step: SessionStep,
{
    /// The step the session is at.
    pub(crate) fn step(&self) -> F::Step {
        match &self.phase {
            Phase::Idle => F::Step::WAITING_FOR_CARD,
            Phase::Reading { .. } => F::Step::READING_CARD,
            Phase::Flow(p) => F::step(p),
            Phase::Done(Outcome::Identified { .. } | Outcome::Enrolled { .. }) => F::Step::DONE,
            Phase::Done(Outcome::Failed { .. }) => F::Step::FAILED,
            Phase::Done(Outcome::Cancelled { .. }) => F::Step::CANCELLED,
        }
    }

    /// A window's view: the step, the progress (see [`Session::progress`]) and `flow`.
    pub(crate) fn window<W>(
        &self,
        tries_left: Option<u8>,
        code: Option<Code>,
        for_customer: bool,
        flow: W,
    ) -> SessionWindow<F::Step, W> {
        SessionWindow {
            step: self.step(),
            progress: self.progress(tries_left, code, for_customer),
            flow,
        }
    }

    /// The progress with the flow's `tries_left` and `code`, for the staff window or (the
    /// code passed through [`Code::for_customer`]) the customer's. While the reader's PIN
    /// pad waits, the staff are told so ([`Code::PinPadInUse`], when the flow has nothing
    /// else to say) and both windows count the pad's time down.
    pub(crate) fn progress(
        &self,
        tries_left: Option<u8>,
        code: Option<Code>,
        for_customer: bool,
    ) -> Progress {
        let now = self.cx.now;
        let pad = self.pad_wait();
        let code = if for_customer {
            code.map(Code::for_customer)
        } else {
            code.or(pad.map(|_| Code::PinPadInUse))
        };
        Progress {
            pin_pad: self.cx.pin_pad,
            tries_left,
            code,
            can_retry: matches!(&self.phase, Phase::Done(o) if self.card_on_reader && o.can_retry()),
            seconds_left: self
                .timer
                .seconds_left(now)
                .or_else(|| pad.map(|p| p.seconds_left(now))),
            time_warning: self.timer.warning(now),
        }
    }
}
