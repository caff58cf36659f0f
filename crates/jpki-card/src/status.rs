//! Status words (SW1 SW2) and what they mean on the JPKI application.
//!
//! The classification follows the table in `docs/domain/jpki.md` §1.4, plus
//! the transport-level words of ISO/IEC 7816-4 §5.1.3 (Table 5/6: `61xx`,
//! `6Cxx`, `6D00`, `6E00`) and the PC/SC v2 part 10 PIN-pad replies of
//! docs/domain/jpki.md §5.1 (`6400`, `6401`, `6402`, `6403`, `6B80`).
//!
//! A status word only has a meaning in context (which command it answers);
//! [`StatusKind`] is the context-free reading. The flows turn it into a
//! [`CardError`](crate::CardError) for the step they are at.

use std::fmt;

/// The two trailing bytes of every response APDU, SW1 in the high byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `90 00`: normal processing (docs/domain/jpki.md §1.4).
    pub const SUCCESS: StatusWord = StatusWord(0x9000);

    /// Builds a status word from SW1 and SW2.
    pub const fn from_bytes(sw1: u8, sw2: u8) -> Self {
        StatusWord(((sw1 as u16) << 8) | sw2 as u16)
    }

    /// SW1, the high byte.
    pub const fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// SW2, the low byte.
    pub const fn sw2(self) -> u8 {
        (self.0 & 0xFF) as u8
    }

    /// The two bytes as they travel on the wire.
    pub const fn to_bytes(self) -> [u8; 2] {
        [self.sw1(), self.sw2()]
    }

    /// Whether this is `90 00`.
    pub const fn is_success(self) -> bool {
        self.0 == 0x9000
    }

    /// The context-free meaning of this status word on a My Number card.
    pub const fn kind(self) -> StatusKind {
        match (self.sw1(), self.sw2()) {
            (0x90, 0x00) => StatusKind::Success,
            (0x61, n) => StatusKind::MoreData {
                available: le_from_byte(n),
            },
            (0x6C, n) => StatusKind::WrongLe {
                exact: le_from_byte(n),
            },
            (0x63, 0xC0) => StatusKind::CounterExhausted,
            (0x63, x) if x & 0xF0 == 0xC0 => StatusKind::TriesLeft(x & 0x0F),
            (0x63, 0x00) => StatusKind::NoRetryCounter,
            (0x62, 0x82) => StatusKind::EndOfFileWarning,
            (0x64, 0x00) => StatusKind::PinPadTimeout,
            (0x64, 0x01) => StatusKind::PinPadCancelled,
            (0x64, 0x02) => StatusKind::PinPadPinsDiffer,
            (0x64, 0x03) => StatusKind::PinPadLengthOutOfRange,
            (0x67, 0x00) => StatusKind::WrongLength,
            (0x69, 0x82) => StatusKind::SecurityStatusNotSatisfied,
            (0x69, 0x83) => StatusKind::AuthenticationMethodBlocked,
            (0x69, 0x84) => StatusKind::ReferenceDataBlocked,
            (0x6A, 0x82) => StatusKind::FileNotFound,
            (0x6A, 0x86) => StatusKind::IncorrectP1P2,
            (0x6B, 0x00) => StatusKind::OffsetOutOfRange,
            (0x6B, 0x80) => StatusKind::PinPadInvalidParameter,
            (0x6D, 0x00) => StatusKind::InstructionNotSupported,
            (0x6E, 0x00) => StatusKind::ClassNotSupported,
            (0x6F, 0x00) => StatusKind::NoPreciseDiagnosis,
            _ => StatusKind::Unknown,
        }
    }

    /// Whether this status word says the PIN's retry counter is exhausted
    /// (`63 C0`, `69 83`, `69 84`; docs/domain/jpki.md §1.4).
    pub const fn is_blocked(self) -> bool {
        matches!(
            self.kind(),
            StatusKind::CounterExhausted
                | StatusKind::AuthenticationMethodBlocked
                | StatusKind::ReferenceDataBlocked
        )
    }
}

/// `Ne` encoded in one byte: `00` stands for 256 (ISO/IEC 7816-4 §5.1).
const fn le_from_byte(b: u8) -> u16 {
    if b == 0 { 256 } else { b as u16 }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X} {:02X}", self.sw1(), self.sw2())
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

impl From<[u8; 2]> for StatusWord {
    fn from([sw1, sw2]: [u8; 2]) -> Self {
        StatusWord::from_bytes(sw1, sw2)
    }
}

/// The meaning of a [`StatusWord`], without knowing which command it answers.
///
/// Sources: docs/domain/jpki.md §1.4 (card statuses), ISO/IEC 7816-4 §5.1.3 (61xx, 6Cxx,
/// 6D00, 6E00), docs/domain/jpki.md §5.1 (PIN-pad replies, which only a PIN-pad reader
/// sends; the same values from a card are ISO "execution error" codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusKind {
    /// `90 00`: success.
    Success,
    /// `63 Cx`, x ≥ 1: wrong PIN with x tries left (VERIFY with data), or x
    /// tries left (empty VERIFY). The card reports `63 Cx` even after a
    /// successful VERIFY (docs/domain/jpki.md §1.4, trace in OpenSC PR #959).
    TriesLeft(u8),
    /// `63 C0`: the retry counter is exhausted; the PIN is blocked (docs/domain/jpki.md §1.4).
    CounterExhausted,
    /// `69 84`: referenced data blocked; every VERIFY after the counter reached
    /// 0 (docs/domain/jpki.md §1.4, Go myna `Verify()`).
    ReferenceDataBlocked,
    /// `69 83`: ISO "authentication method blocked". Not seen on JPKI cards;
    /// treated as blocked defensively (docs/domain/jpki.md §1.4, rated \[C\]).
    AuthenticationMethodBlocked,
    /// `63 00`: a key without a retry counter; not expected for JPKI keys
    /// (docs/domain/jpki.md §1.4, rated \[C\]).
    NoRetryCounter,
    /// `69 82`: security status not satisfied: reading EF `0001` before the
    /// sign password, or a signature before VERIFY (docs/domain/jpki.md §1.4).
    SecurityStatusNotSatisfied,
    /// `6A 82`: file (or application) not found (docs/domain/jpki.md §1.4).
    FileNotFound,
    /// `6A 86`: incorrect P1/P2 (docs/domain/jpki.md §1.4).
    IncorrectP1P2,
    /// `6B 00`: READ BINARY offset beyond the end of the EF (JICSAP; docs/domain/jpki.md §1.4).
    OffsetOutOfRange,
    /// `62 82`: end of file reached before Le bytes (ISO; docs/domain/jpki.md §1.4).
    EndOfFileWarning,
    /// `67 00`: wrong length (docs/domain/jpki.md §1.4).
    WrongLength,
    /// `6F 00`: no precise diagnosis; seen on the first command after a power
    /// cycle on one card (docs/domain/jpki.md §1.4, rated \[C\]).
    NoPreciseDiagnosis,
    /// `61 xx`: `available` more bytes wait; fetch them with GET RESPONSE
    /// (ISO/IEC 7816-4 §5.1.3; docs/domain/jpki.md §1.7). `61 00` means 256.
    MoreData {
        /// Bytes the card has ready (1–256).
        available: u16,
    },
    /// `6C xx`: wrong Le; resend the same command with Le = `exact`
    /// (ISO/IEC 7816-4 §5.1.3; docs/domain/jpki.md §1.7). `6C 00` means 256.
    WrongLe {
        /// The Le the card wants (1–256).
        exact: u16,
    },
    /// `6D 00`: instruction not supported.
    InstructionNotSupported,
    /// `6E 00`: class not supported.
    ClassNotSupported,
    /// `64 00` from a PIN pad: the customer did not finish in time (docs/domain/jpki.md §5.1).
    PinPadTimeout,
    /// `64 01` from a PIN pad: the customer pressed Cancel (docs/domain/jpki.md §5.1).
    PinPadCancelled,
    /// `64 02` from a PIN pad: the two new PINs differ (modify only; docs/domain/jpki.md §5.1).
    PinPadPinsDiffer,
    /// `64 03` from a PIN pad: PIN length out of range (docs/domain/jpki.md §5.1).
    PinPadLengthOutOfRange,
    /// `6B 80` from a PIN pad: invalid parameter in the PIN structure (docs/domain/jpki.md §5.1).
    PinPadInvalidParameter,
    /// Anything else.
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_word_of_the_table_is_classified() {
        use StatusKind::*;
        let table: &[(u16, StatusKind)] = &[
            (0x9000, Success),
            (0x63C3, TriesLeft(3)),
            (0x63C1, TriesLeft(1)),
            (0x63CF, TriesLeft(15)),
            (0x63C0, CounterExhausted),
            (0x6984, ReferenceDataBlocked),
            (0x6983, AuthenticationMethodBlocked),
            (0x6300, NoRetryCounter),
            (0x6982, SecurityStatusNotSatisfied),
            (0x6A82, FileNotFound),
            (0x6A86, IncorrectP1P2),
            (0x6B00, OffsetOutOfRange),
            (0x6282, EndOfFileWarning),
            (0x6700, WrongLength),
            (0x6F00, NoPreciseDiagnosis),
            (0x6110, MoreData { available: 16 }),
            (0x6100, MoreData { available: 256 }),
            (0x6C32, WrongLe { exact: 50 }),
            (0x6C00, WrongLe { exact: 256 }),
            (0x6D00, InstructionNotSupported),
            (0x6E00, ClassNotSupported),
            (0x6400, PinPadTimeout),
            (0x6401, PinPadCancelled),
            (0x6402, PinPadPinsDiffer),
            (0x6403, PinPadLengthOutOfRange),
            (0x6B80, PinPadInvalidParameter),
            (0x6999, Unknown),
            (0x6310, Unknown),
            (0x0000, Unknown),
        ];
        for &(sw, kind) in table {
            assert_eq!(StatusWord(sw).kind(), kind, "{:04X}", sw);
        }
    }

    #[test]
    fn blocked_words() {
        for sw in [0x63C0, 0x6983, 0x6984] {
            assert!(StatusWord(sw).is_blocked());
        }
        for sw in [0x63C1, 0x9000, 0x6982] {
            assert!(!StatusWord(sw).is_blocked());
        }
    }

    #[test]
    fn bytes_and_display() {
        let sw = StatusWord::from_bytes(0x63, 0xC2);
        assert_eq!(sw, StatusWord(0x63C2));
        assert_eq!(sw.to_bytes(), [0x63, 0xC2]);
        assert_eq!(sw.to_string(), "63 C2");
        assert_eq!(format!("{sw:?}"), "StatusWord(63C2)");
        assert_eq!(StatusWord::from([0x90, 0x00]), StatusWord::SUCCESS);
    }
}
