//! One PIN entry on the pad, as a state machine: keys and the time in, the
//! outcome out (no clock, no I/O; `now` is the time since the driver started).
//!
//! The rules follow the structure (PC/SC part 10, `PIN_VERIFY_STRUCTURE`;
//! docs/domain/jpki.md §5.2):
//! - `bEntryValidationCondition` says what ends an entry: the maximum number
//!   of digits typed (`01`), the OK key (`02`), the time-out (`04`);
//! - an entry validated with fewer than the minimum or more than the maximum
//!   digits is answered `64 03`; a digit beyond the maximum is not taken;
//! - Cancel ends the entry with `64 01`; the time-out without validation with
//!   `64 00`;
//! - `bTimerOut` bounds the whole entry (0: the pad's default), and once a key
//!   was pressed `bTimerOut2`, when not 0, bounds what is left;
//! - Clear (the correction key of real pads) erases the digits typed so far.

use std::fmt;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::structure::{VALIDATE_ON_KEY, VALIDATE_ON_MAX, VALIDATE_ON_TIMEOUT, VerifyPin};

/// A key of the pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A digit, 0–9.
    Digit(u8),
    /// The validation key (OK, Enter).
    Ok,
    /// The Cancel key.
    Cancel,
    /// The correction key: erases what was typed.
    Clear,
}

/// How an entry ended.
#[derive(PartialEq, Eq)]
pub enum Outcome {
    /// The PIN was validated: the digits (0–9) go into the VERIFY.
    Validated(Zeroizing<Vec<u8>>),
    /// Cancel was pressed (`64 01`).
    Cancelled,
    /// Time ran out before validation (`64 00`).
    TimedOut,
    /// Validated with too few or too many digits (`64 03`).
    LengthOutOfRange,
}

impl fmt::Debug for Outcome {
    /// The digits are never shown, only their number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Validated(d) => write!(f, "Validated({} digits)", d.len()),
            Outcome::Cancelled => f.write_str("Cancelled"),
            Outcome::TimedOut => f.write_str("TimedOut"),
            Outcome::LengthOutOfRange => f.write_str("LengthOutOfRange"),
        }
    }
}

/// An entry in progress.
pub struct Entry {
    min: usize,
    max: usize,
    validation: u8,
    timeout2: Option<Duration>,
    deadline: Duration,
    digits: Zeroizing<Vec<u8>>,
    touched: bool,
}

impl Entry {
    /// Starts an entry for `request` at `now`; `default_timeout` stands for a
    /// `bTimerOut` of 0.
    pub fn start(request: &VerifyPin, default_timeout: Duration, now: Duration) -> Entry {
        let timeout = match request.timeout_secs {
            0 => default_timeout,
            s => Duration::from_secs(u64::from(s)),
        };
        Entry {
            min: usize::from(request.min_digits),
            max: usize::from(request.max_digits),
            validation: request.validation,
            timeout2: (request.timeout2_secs > 0)
                .then(|| Duration::from_secs(u64::from(request.timeout2_secs))),
            deadline: now + timeout,
            digits: Zeroizing::new(Vec::with_capacity(usize::from(request.max_digits))),
            touched: false,
        }
    }

    /// When the entry times out, if no key comes.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Digits typed so far.
    #[cfg(test)]
    pub fn typed(&self) -> usize {
        self.digits.len()
    }

    /// A key pressed at `now`; `Some` when it ends the entry. A key that
    /// comes after the deadline is too late: the entry timed out first.
    pub fn key(&mut self, key: Key, now: Duration) -> Option<Outcome> {
        if let Some(out) = self.tick(now) {
            return Some(out);
        }
        if !self.touched {
            self.touched = true;
            if let Some(t2) = self.timeout2 {
                self.deadline = self.deadline.min(now + t2);
            }
        }
        match key {
            Key::Digit(d) if d <= 9 => {
                if self.digits.len() < self.max {
                    self.digits.push(d);
                }
                (self.validation & VALIDATE_ON_MAX != 0 && self.digits.len() == self.max)
                    .then(|| self.validate())
            }
            Key::Digit(_) => None,
            Key::Ok => (self.validation & VALIDATE_ON_KEY != 0).then(|| self.validate()),
            Key::Clear => {
                self.digits.clear();
                None
            }
            Key::Cancel => Some(Outcome::Cancelled),
        }
    }

    /// The time is `now`; `Some` when the entry ran out of time.
    pub fn tick(&mut self, now: Duration) -> Option<Outcome> {
        if now < self.deadline {
            return None;
        }
        if self.validation & VALIDATE_ON_TIMEOUT != 0 && !self.digits.is_empty() {
            Some(self.validate())
        } else {
            Some(Outcome::TimedOut)
        }
    }

    fn validate(&mut self) -> Outcome {
        if (self.min..=self.max).contains(&self.digits.len()) {
            Outcome::Validated(std::mem::take(&mut self.digits))
        } else {
            Outcome::LengthOutOfRange
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const AUTH: [u8; 28] = [
        0x1E, 0x00, 0x82, 0x04, 0x00, 0x04, 0x04, 0x03, 0x01, 0x11, 0x04, 0x00, 0x00, 0x00, 0x00,
        0x09, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF,
    ];

    fn request(edit: impl FnOnce(&mut [u8])) -> VerifyPin {
        let mut s = AUTH;
        edit(&mut s);
        VerifyPin::parse(&s).unwrap()
    }

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn four_digits_validate_at_once_when_max_is_a_condition() {
        let mut e = Entry::start(&request(|_| {}), S(30), S(0));
        for d in [1, 2, 3] {
            assert_eq!(e.key(Key::Digit(d), S(1)), None);
        }
        match e.key(Key::Digit(4), S(2)) {
            Some(Outcome::Validated(d)) => assert_eq!(*d, [1, 2, 3, 4]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ok_with_too_few_digits_is_a_length_error() {
        let mut e = Entry::start(&request(|_| {}), S(30), S(0));
        e.key(Key::Digit(1), S(1));
        assert_eq!(e.key(Key::Ok, S(2)), Some(Outcome::LengthOutOfRange));
    }

    #[test]
    fn ok_is_ignored_unless_it_is_a_condition() {
        let mut e = Entry::start(&request(|s| s[7] = VALIDATE_ON_MAX), S(30), S(0));
        e.key(Key::Digit(1), S(1));
        assert_eq!(e.key(Key::Ok, S(2)), None);
        assert_eq!(e.typed(), 1);
    }

    #[test]
    fn digits_past_the_maximum_are_not_taken() {
        // Validation on OK only, min 2, max 4.
        let mut e = Entry::start(
            &request(|s| (s[6], s[7]) = (2, VALIDATE_ON_KEY)),
            S(30),
            S(0),
        );
        for d in [1, 2, 3, 4, 5, 6] {
            assert_eq!(e.key(Key::Digit(d), S(1)), None);
        }
        assert_eq!(e.typed(), 4);
        match e.key(Key::Ok, S(2)) {
            Some(Outcome::Validated(d)) => assert_eq!(*d, [1, 2, 3, 4]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cancel_clear_and_timeouts() {
        let mut e = Entry::start(&request(|_| {}), S(30), S(0));
        e.key(Key::Digit(1), S(1));
        e.key(Key::Clear, S(1));
        assert_eq!(e.typed(), 0);
        assert_eq!(e.key(Key::Cancel, S(2)), Some(Outcome::Cancelled));

        let mut e = Entry::start(&request(|_| {}), S(30), S(0));
        assert_eq!(e.deadline(), S(30));
        assert_eq!(e.tick(S(29)), None);
        assert_eq!(e.tick(S(30)), Some(Outcome::TimedOut));
        // A key after the deadline comes too late.
        let mut e = Entry::start(&request(|_| {}), S(30), S(0));
        assert_eq!(e.key(Key::Digit(1), S(31)), Some(Outcome::TimedOut));
    }

    #[test]
    fn zero_means_the_default_and_timer2_starts_at_the_first_key() {
        let e = Entry::start(&request(|s| s[0] = 0), S(45), S(10));
        assert_eq!(e.deadline(), S(55));
        let mut e = Entry::start(&request(|s| s[1] = 5), S(45), S(0));
        e.key(Key::Digit(1), S(3));
        assert_eq!(e.deadline(), S(8));
        assert_eq!(e.tick(S(8)), Some(Outcome::TimedOut));
    }

    #[test]
    fn the_timeout_validates_when_it_is_a_condition() {
        let mut e = Entry::start(&request(|s| s[7] = VALIDATE_ON_TIMEOUT), S(30), S(0));
        for d in [4, 3, 2, 1] {
            e.key(Key::Digit(d), S(1));
        }
        match e.tick(S(30)) {
            Some(Outcome::Validated(d)) => assert_eq!(*d, [4, 3, 2, 1]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn debug_never_shows_digits() {
        let shown = format!("{:?}", Outcome::Validated(Zeroizing::new(vec![9, 8, 7, 6])));
        assert_eq!(shown, "Validated(4 digits)");
    }
}
