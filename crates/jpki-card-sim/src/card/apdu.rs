//! Command APDU parsing (ISO 7816-4 §5.1, short form only) and the status
//! words this card answers with (docs/domain/jpki.md §1.4).

/// A status word SW1 SW2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sw(pub(crate) u16);

impl Sw {
    /// `90 00` success.
    pub(crate) const OK: Sw = Sw(0x9000);
    /// `62 82` end of file reached before Ne bytes were read (ISO 7816-4).
    pub(crate) const END_OF_FILE: Sw = Sw(0x6282);
    /// `67 00` wrong length.
    pub(crate) const WRONG_LENGTH: Sw = Sw(0x6700);
    /// `69 81` command incompatible with the file structure.
    pub(crate) const INCOMPATIBLE_FILE: Sw = Sw(0x6981);
    /// `69 82` security status not satisfied.
    pub(crate) const SECURITY_NOT_SATISFIED: Sw = Sw(0x6982);
    /// `69 84` referenced data (the PIN) blocked.
    pub(crate) const BLOCKED: Sw = Sw(0x6984);
    /// `69 86` command not allowed (no current EF, or not an EF of that kind).
    pub(crate) const NOT_ALLOWED: Sw = Sw(0x6986);
    /// `6A 82` file or application not found.
    pub(crate) const NOT_FOUND: Sw = Sw(0x6A82);
    /// `6A 86` incorrect P1-P2.
    pub(crate) const WRONG_P1P2: Sw = Sw(0x6A86);
    /// `6B 00` wrong parameters: offset outside the EF.
    pub(crate) const OFFSET_OUTSIDE: Sw = Sw(0x6B00);
    /// `6D 00` instruction not supported.
    pub(crate) const INS_NOT_SUPPORTED: Sw = Sw(0x6D00);
    /// `6E 00` class not supported.
    pub(crate) const CLA_NOT_SUPPORTED: Sw = Sw(0x6E00);
    /// `6F 00` no precise diagnosis (an internal failure of the card).
    pub(crate) const NO_DIAGNOSIS: Sw = Sw(0x6F00);

    /// `63 Cx`: x tries left (0–15).
    pub(crate) fn tries_left(x: u8) -> Sw {
        Sw(0x63C0 | u16::from(x.min(0x0F)))
    }

    /// The two bytes of a response without data.
    pub(crate) fn to_response(self) -> Vec<u8> {
        self.0.to_be_bytes().to_vec()
    }

    /// A response with `data` before the status word.
    pub(crate) fn with_data(self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 2);
        out.extend_from_slice(data);
        out.extend_from_slice(&self.0.to_be_bytes());
        out
    }
}

/// A parsed short command APDU. Borrowed from the caller's bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Command<'a> {
    /// Class byte.
    pub(crate) cla: u8,
    /// Instruction byte.
    pub(crate) ins: u8,
    /// Parameter 1.
    pub(crate) p1: u8,
    /// Parameter 2.
    pub(crate) p2: u8,
    /// Command data (empty in cases 1 and 2).
    pub(crate) data: &'a [u8],
    /// Ne, the number of response bytes expected (`Le = 00` is 256); `None`
    /// when Le is absent (cases 1 and 3).
    pub(crate) ne: Option<usize>,
}

impl<'a> Command<'a> {
    /// Parses a short APDU (ISO 7816-4 §5.1 cases 1–4). Extended length
    /// (`Lc = 00` followed by more bytes) is refused: JPKI fits short APDUs
    /// (docs/domain/jpki.md §1.7). Any malformed length gives `67 00`.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Command<'a>, Sw> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(Sw::WRONG_LENGTH);
        };
        let short_ne = |b: u8| if b == 0 { 256 } else { usize::from(b) };
        let (data, ne) = match body {
            [] => (&body[..0], None),
            [le] => (&body[..0], Some(short_ne(*le))),
            [0, ..] => return Err(Sw::WRONG_LENGTH),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                if rest.len() == lc {
                    (rest, None)
                } else if rest.len() == lc + 1 {
                    let (data, le) = rest.split_at(lc);
                    (data, le.first().map(|b| short_ne(*b)))
                } else {
                    return Err(Sw::WRONG_LENGTH);
                }
            }
        };
        Ok(Command {
            cla: *cla,
            ins: *ins,
            p1: *p1,
            p2: *p2,
            data,
            ne,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cases() {
        let c1 = Command::parse(&[0, 0x20, 0, 0x80]).unwrap();
        assert!(c1.data.is_empty() && c1.ne.is_none());
        let c2 = Command::parse(&[0, 0xB0, 0, 0, 0]).unwrap();
        assert_eq!(c2.ne, Some(256));
        let c3 = Command::parse(&[0, 0xA4, 2, 0x0C, 2, 0, 0x0A]).unwrap();
        assert_eq!((c3.data, c3.ne), (&[0u8, 0x0A][..], None));
        let c4 = Command::parse(&[0x80, 0x2A, 0, 0x80, 1, 0x55, 0]).unwrap();
        assert_eq!((c4.data, c4.ne), (&[0x55u8][..], Some(256)));
    }

    #[test]
    fn malformed() {
        for bad in [
            &[][..],
            &[0, 0xA4, 4],
            &[0, 0xA4, 2, 0x0C, 2, 0],
            &[0, 0xB0, 0, 0, 0, 1, 0],
        ] {
            assert_eq!(Command::parse(bad).unwrap_err(), Sw::WRONG_LENGTH);
        }
    }

    #[test]
    fn tries_left_is_capped() {
        assert_eq!(Sw::tries_left(3), Sw(0x63C3));
        assert_eq!(Sw::tries_left(200), Sw(0x63CF));
    }
}
