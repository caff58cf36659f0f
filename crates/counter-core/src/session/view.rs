//! What both windows show of any card session's progress, the same for identification and
//! enrollment: the reader's PIN pad, the tries, the code to show, start again, the
//! customer's time limit. Each flow's views carry it flattened (the JSON keeps one level),
//! beside their own fields. No field can carry a PIN, a password or their lengths.

use serde::{Deserialize, Serialize};

use super::{Flow, Phase, Session};
use crate::codes::Code;

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
    /// Seconds the customer has left at this step, when a limit runs.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub seconds_left: Option<i64>,
    /// The limit is about to end: the customer is offered more time.
    pub time_warning: bool,
}

impl<F: Flow> Session<F> {
    /// The progress with the flow's `tries_left` and `code`, for the staff window or (the
    /// code passed through [`Code::for_customer`]) the customer's.
    pub(crate) fn progress(
        &self,
        tries_left: Option<u8>,
        code: Option<Code>,
        for_customer: bool,
    ) -> Progress {
        Progress {
            pin_pad: self.cx.pin_pad,
            tries_left,
            code: if for_customer {
                code.map(Code::for_customer)
            } else {
                code
            },
            can_retry: matches!(&self.phase, Phase::Done(o) if self.card_on_reader && o.can_retry()),
            seconds_left: self.timer.seconds_left(self.cx.now),
            time_warning: self.timer.warning(self.cx.now),
        }
    }
}
