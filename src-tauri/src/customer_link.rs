//! Whether the customer window receives its screens, as the app knows it, and when to tell
//! the counter ([`counter_runtime::counter::Counter::customer_window`]).
//!
//! The app learns of the customer page from what it does: it subscribes to its frames
//! (`customer_subscribe`), it acknowledges the frame it shows (`customer_rendered`: after
//! each frame, and again every few seconds while nothing changes, the page's timer), its
//! page starts loading again, or its window is destroyed. A page that hangs without
//! reloading does none of these: its acknowledgements stop. Past [`SILENCE_LIMIT`] without
//! one, staff are told, with the same line as for a page gone
//! (`counter_core::Code::CustomerWindowMissing`), until it is heard again.
//!
//! [`CustomerLink`] holds no clock: every method takes the instant it is called at, so
//! that its tests move time by hand. The app's monotonic clock ([`Instant`]) is the one
//! to give: a wall-clock step (a time sync) must not make a live page look silent.

use std::time::{Duration, Instant};

/// How long the customer page may send no acknowledgement before staff are told it
/// receives no screens: 15 seconds, three of its acknowledgements missed in a row (it sends
/// one every 5 seconds: `ACK_EVERY_MS` in `ui/src/customer/main.ts`), so that one timer run
/// late by a busy page does not raise the line, while staff learn of a hung page well
/// within the minute the line's advice waits before a restart.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(15);

/// How often the app compares the page's last acknowledgement with [`SILENCE_LIMIT`]: a
/// silent page is reported at most this much after the limit.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// What the app knows of the customer page (the app manages one, behind a mutex).
///
/// Calling contract: [`CustomerLink::subscribed`] when the page subscribes,
/// [`CustomerLink::heard`] on each of its acknowledgements, [`CustomerLink::gone`] when its
/// page starts loading again or its window is destroyed, and [`CustomerLink::check`] every
/// [`CHECK_EVERY`]. Each returns what to tell the counter when the answer to "does the
/// window receive its screens?" changed (`Some(connected)`), else `None`.
#[derive(Debug, Default)]
pub struct CustomerLink {
    state: State,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No page has subscribed since the app started or the page went.
    #[default]
    Missing,
    /// Subscribed; last heard from at this instant.
    Heard(Instant),
    /// Subscribed, but silent longer than [`SILENCE_LIMIT`].
    Silent,
}

impl CustomerLink {
    /// Whether the window receives its screens: subscribed and not silent.
    pub fn connected(&self) -> bool {
        matches!(self.state, State::Heard(_))
    }

    /// The page subscribed to its frames at `now`: it receives them.
    pub fn subscribed(&mut self, now: Instant) -> Option<bool> {
        self.set(State::Heard(now))
    }

    /// The page acknowledged a frame at `now`. A page that has not subscribed connects
    /// nothing (its frames reach it only once it does); a silent one is connected again.
    pub fn heard(&mut self, now: Instant) -> Option<bool> {
        match self.state {
            State::Missing => None,
            State::Heard(_) | State::Silent => self.set(State::Heard(now)),
        }
    }

    /// The page started loading again, or its window was destroyed: it receives nothing
    /// until it subscribes.
    pub fn gone(&mut self) -> Option<bool> {
        self.set(State::Missing)
    }

    /// At `now`: a subscribed page heard from last more than [`SILENCE_LIMIT`] ago is
    /// silent (at exactly the limit it is not yet).
    pub fn check(&mut self, now: Instant) -> Option<bool> {
        match self.state {
            State::Heard(at) if now.saturating_duration_since(at) > SILENCE_LIMIT => {
                self.set(State::Silent)
            }
            _ => None,
        }
    }

    fn set(&mut self, next: State) -> Option<bool> {
        let was = self.connected();
        self.state = next;
        let now = self.connected();
        (was != now).then_some(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_page_is_connected_from_its_subscription_until_it_goes() {
        let start = Instant::now();
        let mut link = CustomerLink::default();
        assert!(!link.connected(), "no page until one subscribes");
        assert_eq!(
            link.heard(start),
            None,
            "an unsubscribed page connects nothing"
        );
        assert!(!link.connected());
        assert_eq!(link.subscribed(start), Some(true));
        assert_eq!(
            link.subscribed(start + SECOND),
            None,
            "no change, nothing to tell"
        );
        assert_eq!(link.gone(), Some(false));
        assert_eq!(link.gone(), None);
    }

    #[test]
    fn a_page_silent_past_the_limit_is_reported_until_it_is_heard_again() {
        let start = Instant::now();
        let mut link = CustomerLink::default();
        assert_eq!(link.subscribed(start), Some(true));
        assert_eq!(link.heard(start + 5 * SECOND), None);
        // Heard at +5 s: still connected at exactly the limit after it.
        let last = start + 5 * SECOND;
        assert_eq!(link.check(last + SILENCE_LIMIT), None);
        assert!(link.connected());
        assert_eq!(
            link.check(last + SILENCE_LIMIT + Duration::from_millis(1)),
            Some(false),
            "past the limit"
        );
        assert!(!link.connected());
        assert_eq!(
            link.check(last + 10 * SILENCE_LIMIT),
            None,
            "told once, not on every check"
        );
        // The page answers again (it was only slow): connected, and the limit counts anew.
        let back = last + 10 * SILENCE_LIMIT;
        assert_eq!(link.heard(back), Some(true));
        assert_eq!(link.check(back + SILENCE_LIMIT), None);
    }

    #[test]
    fn a_page_that_acknowledges_on_its_timer_is_never_reported() {
        let start = Instant::now();
        let mut link = CustomerLink::default();
        assert_eq!(link.subscribed(start), Some(true));
        // Every 5 s, one run late by 4 s; the app checks every second.
        let mut heard = start;
        for tick in 1..=120u32 {
            let now = start + tick * CHECK_EVERY;
            if tick % 5 == 0 && tick != 60 {
                heard = now;
                assert_eq!(link.heard(now), None);
            }
            if tick == 64 {
                heard = now;
                assert_eq!(link.heard(now), None, "the late one");
            }
            assert_eq!(link.check(now), None, "at +{tick} s, heard at {heard:?}");
        }
        assert!(link.connected());
    }

    #[test]
    fn a_page_gone_while_silent_stays_missing_until_it_subscribes() {
        let start = Instant::now();
        let mut link = CustomerLink::default();
        link.subscribed(start);
        assert_eq!(link.check(start + 2 * SILENCE_LIMIT), Some(false));
        assert_eq!(link.gone(), None, "already reported");
        assert_eq!(
            link.heard(start + 3 * SILENCE_LIMIT),
            None,
            "a late acknowledgement of the page that went connects nothing"
        );
        assert_eq!(link.subscribed(start + 3 * SILENCE_LIMIT), Some(true));
    }
}
