//! What the reader saw, kept in memory for the tests (read over the keys
//! port, never written to a log): every control code, every
//! `PIN_VERIFY_STRUCTURE`, every APDU that came through `IFDHTransmitToICC`,
//! every entry's outcome and every VERIFY the pad built.
//!
//! No secret is ever kept: the data of a VERIFY, CHANGE REFERENCE DATA or
//! RESET RETRY COUNTER command is replaced by `**` per byte (so a test can
//! see that a PIN *would* have crossed the host, and how long it was, without
//! the PIN), the structures carry placeholders, not digits.

use std::collections::VecDeque;
use std::fmt::Write as _;

/// Lines kept; older ones are dropped (a demo may run for hours).
const MAX_LINES: usize = 4096;

/// Instructions whose data is a secret (ISO 7816-4: VERIFY 20, CHANGE
/// REFERENCE DATA 24, RESET RETRY COUNTER 2C).
const SECRET_INS: [u8; 3] = [0x20, 0x24, 0x2C];

/// The reader's memory of events, one text line each.
#[derive(Debug, Default)]
pub struct Record {
    lines: VecDeque<String>,
}

impl Record {
    /// Adds a line, dropping the oldest past `MAX_LINES`.
    pub fn push(&mut self, line: String) {
        if self.lines.len() == MAX_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    /// The lines, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.lines.clear();
    }
}

/// Upper-case hex without spaces.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// A command APDU in hex, with the data of a secret-carrying command masked.
pub fn masked_apdu(apdu: &[u8]) -> String {
    match apdu {
        [cla, ins, p1, p2, lc, data @ ..] if SECRET_INS.contains(ins) && !data.is_empty() => {
            let mut s = hex(&[*cla, *ins, *p1, *p2, *lc]);
            s.push_str(&"**".repeat(data.len()));
            s
        }
        _ => hex(apdu),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_everything_else_is_kept() {
        assert_eq!(
            masked_apdu(&[0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34]),
            "0020008004********"
        );
        assert_eq!(masked_apdu(&[0x00, 0x20, 0x00, 0x80]), "00200080");
        assert_eq!(
            masked_apdu(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]),
            "00A4020C020018"
        );
    }

    #[test]
    fn the_record_is_bounded() {
        let mut r = Record::default();
        for i in 0..MAX_LINES + 3 {
            r.push(i.to_string());
        }
        assert_eq!(r.lines().count(), MAX_LINES);
        assert_eq!(r.lines().next(), Some("3"));
        r.clear();
        assert_eq!(r.lines().count(), 0);
    }
}
