//! A PIN EF: the reference value, its retry counter and the security state it
//! grants (docs/domain/jpki.md §1.2, §1.4, §1.8).

use std::fmt;
use std::ops::RangeInclusive;

use zeroize::Zeroizing;

use super::apdu::Sw;

/// One PIN (auth PIN `0018` or sign password `001B`).
#[derive(Clone)]
pub(crate) struct PinEf {
    reference: Zeroizing<Vec<u8>>,
    max_tries: u8,
    tries_left: u8,
    lengths: RangeInclusive<usize>,
    verified: bool,
}

impl fmt::Debug for PinEf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinEf")
            .field("reference", &"<redacted>")
            .field("max_tries", &self.max_tries)
            .field("tries_left", &self.tries_left)
            .field("verified", &self.verified)
            .finish()
    }
}

impl PinEf {
    /// The auth PIN: 4 bytes, 3 tries.
    pub(crate) const AUTH_MAX_TRIES: u8 = 3;
    /// The sign password: 6–16 bytes, 5 tries.
    pub(crate) const SIGN_MAX_TRIES: u8 = 5;

    /// The auth PIN EF `0018`.
    pub(crate) fn auth(reference: &str, tries_left: u8) -> PinEf {
        PinEf::new(reference, Self::AUTH_MAX_TRIES, tries_left, 4..=4)
    }

    /// The sign password EF `001B`.
    pub(crate) fn sign(reference: &str, tries_left: u8) -> PinEf {
        PinEf::new(reference, Self::SIGN_MAX_TRIES, tries_left, 6..=16)
    }

    fn new(reference: &str, max: u8, tries_left: u8, lengths: RangeInclusive<usize>) -> PinEf {
        PinEf {
            reference: Zeroizing::new(reference.as_bytes().to_vec()),
            max_tries: max,
            tries_left: tries_left.min(max),
            lengths,
            verified: false,
        }
    }

    /// Tries left before the PIN blocks (0 = blocked).
    pub(crate) fn tries_left(&self) -> u8 {
        self.tries_left
    }

    /// The most tries this PIN ever has.
    pub(crate) fn max_tries(&self) -> u8 {
        self.max_tries
    }

    /// Sets the counter (restoring a saved state). Clamped to the maximum.
    pub(crate) fn set_tries_left(&mut self, tries: u8) {
        self.tries_left = tries.min(self.max_tries);
        if self.tries_left == 0 {
            self.verified = false;
        }
    }

    /// Whether a VERIFY succeeded since the last power-up.
    pub(crate) fn is_verified(&self) -> bool {
        self.verified
    }

    /// Forgets the security state (power off).
    pub(crate) fn log_out(&mut self) {
        self.verified = false;
    }

    /// VERIFY without data: the counter as `63 Cx`, even when verified (the
    /// real trace in OpenSC PR #959; docs/domain/jpki.md §1.4).
    pub(crate) fn status(&self) -> Sw {
        Sw::tries_left(self.tries_left)
    }

    /// VERIFY with data. Order of checks: blocked (`69 84`), then length
    /// (`67 00`, counter untouched \[C\]), then a byte-exact comparison. A wrong
    /// value also clears a previous success for this PIN [C: ISO 7816-4 allows
    /// it; no JPKI source says either way].
    pub(crate) fn verify(&mut self, candidate: &[u8]) -> Sw {
        if self.tries_left == 0 {
            return Sw::BLOCKED;
        }
        if !self.lengths.contains(&candidate.len()) {
            return Sw::WRONG_LENGTH;
        }
        if equal_bytes(&self.reference, candidate) {
            self.tries_left = self.max_tries;
            self.verified = true;
            Sw::OK
        } else {
            self.tries_left = self.tries_left.saturating_sub(1);
            self.verified = false;
            Sw::tries_left(self.tries_left)
        }
    }
}

/// Compares without stopping at the first difference.
fn equal_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_reference() {
        let pin = PinEf::auth("1234", 3);
        assert!(!format!("{pin:?}").contains("1234"));
        assert!(!format!("{pin:?}").contains("49, 50"));
    }

    #[test]
    fn counts_down_blocks_and_resets() {
        let mut pin = PinEf::auth("1234", 3);
        assert_eq!(pin.verify(b"0000"), Sw(0x63C2));
        assert_eq!(pin.verify(b"1234"), Sw::OK);
        assert_eq!(pin.tries_left(), 3);
        for expected in [0x63C2, 0x63C1, 0x63C0] {
            assert_eq!(pin.verify(b"9999"), Sw(expected));
        }
        assert_eq!(pin.verify(b"1234"), Sw::BLOCKED);
        assert_eq!(pin.status(), Sw(0x63C0));
    }
}
