//! The customer's time limit on the steps where they must act (PIN, confirmation), with a
//! warning and an extension (WCAG 2.2.1 "Timing Adjustable"; docs/domain/payments-and-eid-clients.md
//! §4 "Time limits").

use crate::UnixTime;

/// Seconds a customer has for one step before the session ends. Long enough for an elderly
/// customer to find their PIN slip; a card left on the reader by someone who walked away
/// does not hold the counter for more than this.
pub const CUSTOMER_STEP_SECS: i64 = 120;

/// The views warn this many seconds before the end and offer to extend with one press:
/// WCAG 2.2.1 asks for at least 20 s, Visa's accessibility guidance (VGAR) for at least
/// 30 s to respond (docs/domain/payments-and-eid-clients.md §4). Extending has no limit (WCAG: at
/// least ten times).
pub const WARN_BEFORE_SECS: i64 = 30;

/// A deadline tied to the step it was started for: a new step gets a fresh limit.
#[derive(Debug)]
pub(crate) struct CustomerTimer<S> {
    running: Option<(S, UnixTime)>,
}

impl<S> Default for CustomerTimer<S> {
    fn default() -> Self {
        CustomerTimer { running: None }
    }
}

impl<S: Copy + PartialEq> CustomerTimer<S> {
    /// Starts a limit when the machine begins waiting on the customer at `step`, keeps it
    /// while it waits at the same step, stops it when it waits on nobody.
    pub(crate) fn sync(&mut self, waiting_at: Option<S>, now: UnixTime) {
        self.running = match (waiting_at, self.running) {
            (None, _) => None,
            (Some(step), Some((s, deadline))) if s == step => Some((s, deadline)),
            (Some(step), _) => Some((step, now.plus_secs(CUSTOMER_STEP_SECS))),
        };
    }

    /// The customer asked for more time: a full limit from now. False when nothing runs.
    pub(crate) fn extend(&mut self, now: UnixTime) -> bool {
        match &mut self.running {
            Some((_, deadline)) => {
                *deadline = now.plus_secs(CUSTOMER_STEP_SECS);
                true
            }
            None => false,
        }
    }

    /// Whether the limit has run out at `now`.
    pub(crate) fn expired(&self, now: UnixTime) -> bool {
        self.running.is_some_and(|(_, deadline)| now >= deadline)
    }

    /// Seconds left at `now`, when a limit runs.
    pub(crate) fn seconds_left(&self, now: UnixTime) -> Option<i64> {
        self.running
            .map(|(_, deadline)| deadline.secs_since(now).max(0))
    }

    /// Whether the views should warn and offer more time.
    pub(crate) fn warning(&self, now: UnixTime) -> bool {
        self.seconds_left(now)
            .is_some_and(|s| s <= WARN_BEFORE_SECS)
    }

    /// Stops the limit.
    pub(crate) fn stop(&mut self) {
        self.running = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    #[test]
    fn a_step_gets_a_limit_a_warning_and_an_extension() {
        let mut t = CustomerTimer::default();
        t.sync(Some(1u8), at(1000));
        assert_eq!(t.seconds_left(at(1000)), Some(CUSTOMER_STEP_SECS));
        t.sync(Some(1), at(1050)); // same step: the limit keeps running
        assert_eq!(t.seconds_left(at(1050)), Some(CUSTOMER_STEP_SECS - 50));
        assert!(!t.warning(at(1000 + CUSTOMER_STEP_SECS - WARN_BEFORE_SECS - 1)));
        assert!(t.warning(at(1000 + CUSTOMER_STEP_SECS - WARN_BEFORE_SECS)));
        assert!(t.extend(at(1100)));
        assert!(!t.expired(at(1000 + CUSTOMER_STEP_SECS)));
        assert!(t.expired(at(1100 + CUSTOMER_STEP_SECS)));
        t.sync(Some(2), at(1200)); // another step: a fresh limit
        assert_eq!(t.seconds_left(at(1200)), Some(CUSTOMER_STEP_SECS));
        t.sync(None, at(1201));
        assert_eq!(t.seconds_left(at(1201)), None);
        assert!(!t.extend(at(1201)));
        assert!(!t.expired(at(i64::MAX)));
    }
}
