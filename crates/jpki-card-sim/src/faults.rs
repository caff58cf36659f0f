//! Faults a test can inject into a card's transport: removal in the middle of
//! a flow and slow answers. The card itself never sleeps; the vpcd bridge and
//! [`crate::SimTransport`] apply these.

use std::time::Duration;

/// Injected faults. `Faults::default()` is a well-behaved, instant card.
///
/// ```
/// # use jpki_card_sim::Faults;
/// # use std::time::Duration;
/// let faults = Faults::default()
///     .remove_after(3)
///     .with_sign_delay(Duration::from_millis(300));
/// assert_eq!(faults.remove_after_apdus, Some(3));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// After answering this many APDUs, the card leaves the reader on the
    /// next one instead of answering it: the vpcd bridge closes its
    /// connection, [`crate::SimTransport`] reports `CardRemoved`.
    ///
    /// Through pcscd + vpcd 0.8 that unanswered APDU comes back to the
    /// application as a *successful* `SCardTransmit` with an empty (0-byte)
    /// response (vpcd treats the closed socket as a 0-byte answer; seen with
    /// scriptor); the card shows as removed only from pcscd's next poll on.
    /// Hosts must treat a response shorter than 2 bytes as a lost card.
    pub remove_after_apdus: Option<u32>,
    /// Added before every APDU's answer.
    pub apdu_delay: Duration,
    /// Added before a COMPUTE DIGITAL SIGNATURE answer (a real card takes a few
    /// hundred milliseconds for RSA-2048), on top of `apdu_delay`.
    pub sign_delay: Duration,
}

impl Faults {
    /// The card leaves the reader after answering `apdus` APDUs.
    pub fn remove_after(mut self, apdus: u32) -> Faults {
        self.remove_after_apdus = Some(apdus);
        self
    }

    /// Every APDU takes `delay` longer.
    pub fn with_apdu_delay(mut self, delay: Duration) -> Faults {
        self.apdu_delay = delay;
        self
    }

    /// COMPUTE DIGITAL SIGNATURE takes `delay` longer.
    pub fn with_sign_delay(mut self, delay: Duration) -> Faults {
        self.sign_delay = delay;
        self
    }

    /// Whether the card leaves instead of answering, having answered
    /// `answered` APDUs so far.
    pub fn removes_now(&self, answered: u64) -> bool {
        self.remove_after_apdus
            .is_some_and(|n| answered >= u64::from(n))
    }

    /// How long to wait before answering `command`: `apdu_delay`, plus
    /// `sign_delay` when it is a PERFORM SECURITY OPERATION (INS `2A`).
    pub fn delay_for(&self, command: &[u8]) -> Duration {
        if command.get(1) == Some(&0x2A) {
            self.apdu_delay.saturating_add(self.sign_delay)
        } else {
            self.apdu_delay
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_and_removal() {
        let f = Faults::default()
            .with_apdu_delay(Duration::from_millis(1))
            .with_sign_delay(Duration::from_millis(10))
            .remove_after(2);
        assert_eq!(
            f.delay_for(&[0x00, 0xA4, 0x04, 0x0C]),
            Duration::from_millis(1)
        );
        assert_eq!(
            f.delay_for(&[0x80, 0x2A, 0x00, 0x80]),
            Duration::from_millis(11)
        );
        assert_eq!(f.delay_for(&[]), Duration::from_millis(1));
        assert!(!f.removes_now(1) && f.removes_now(2) && f.removes_now(3));
        assert!(!Faults::default().removes_now(u64::MAX));
    }
}
