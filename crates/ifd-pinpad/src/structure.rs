//! `PIN_VERIFY_STRUCTURE` as the reader reads it (PC/SC part 10; pcsc-lite
//! `reader.h`; docs/domain/jpki.md §5.2): pure byte work, no I/O.
//!
//! Two kinds of bad input, answered as real readers answer them:
//! - **framing** (shorter than the header and a 4-byte APDU, or `ulDataLength`
//!   not the length of what follows): libccid refuses these before the reader
//!   sees them, with `IFD_NOT_SUPPORTED` (`commands.c`, `SecurePINVerify`),
//!   which pcscd turns into `SCARD_E_UNSUPPORTED_FEATURE`;
//! - **parameters** that do not fit together (a PIN block outside the APDU, a
//!   minimum above the maximum, an unknown PIN format...): the pad answers
//!   `6B 80`, "invalid parameter in passed structure" (PC/SC part 10), as the
//!   ACS ACR83 does for "a data structure format error" (its reference manual,
//!   v1.05, §11).

use thiserror::Error;

/// Length of the header before `abData` (`reader.h`: 19 packed bytes).
pub const HEADER_LEN: usize = 19;
/// The shortest APDU template: CLA INS P1 P2 (libccid's `19 + 4` check).
pub const MIN_TEMPLATE_LEN: usize = 4;
/// The longest short APDU with data: 5 header bytes + 255 data bytes (ISO 7816-4).
pub const MAX_TEMPLATE_LEN: usize = 5 + 255;

/// `bEntryValidationCondition` bit: the maximum number of digits was typed.
pub const VALIDATE_ON_MAX: u8 = 0x01;
/// `bEntryValidationCondition` bit: the validation (OK) key was pressed.
pub const VALIDATE_ON_KEY: u8 = 0x02;
/// `bEntryValidationCondition` bit: the time-out ran out.
pub const VALIDATE_ON_TIMEOUT: u8 = 0x04;

/// How each PIN digit is written (`bmFormatString` b1–b0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `00`: one byte per digit, value 0–9.
    Binary,
    /// `01`: one nibble per digit.
    Bcd,
    /// `10`: one byte per digit, `'0'`–`'9'`.
    Ascii,
}

impl Encoding {
    /// Bits one digit takes.
    pub fn digit_bits(self) -> usize {
        match self {
            Encoding::Bcd => 4,
            Encoding::Binary | Encoding::Ascii => 8,
        }
    }

    /// The value written for digit `d` (0–9).
    pub fn digit_value(self, d: u8) -> u8 {
        match self {
            Encoding::Ascii => b'0' + d,
            Encoding::Binary | Encoding::Bcd => d,
        }
    }
}

/// A verify request, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPin {
    /// `bTimerOut`: seconds for the whole entry (0: the reader's default).
    pub timeout_secs: u8,
    /// `bTimerOut2`: seconds after the first key (0: no second time-out).
    pub timeout2_secs: u8,
    /// PIN encoding.
    pub encoding: Encoding,
    /// Whether the digits are right-justified in the PIN block.
    pub right_justified: bool,
    /// Bit offset of the PIN block from the first data byte (after Lc).
    pub pin_offset_bits: usize,
    /// Size of the PIN block in bytes; 0: variable, the reader appends the PIN
    /// and sets Lc.
    pub block_bytes: usize,
    /// Size in bits of the PIN-length field written into the APDU (0: none).
    pub length_field_bits: usize,
    /// Bit offset of that field from the first data byte.
    pub length_field_offset_bits: usize,
    /// Fewest digits the customer must type.
    pub min_digits: u8,
    /// Most digits the pad takes.
    pub max_digits: u8,
    /// `bEntryValidationCondition`.
    pub validation: u8,
    /// `bNumberMessage` (recorded; this pad has no display).
    pub messages: u8,
    /// `wLangId` (recorded).
    pub lang_id: u16,
    /// The APDU template (`abData`).
    pub template: Vec<u8>,
}

/// Why the reader refuses a structure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Refusal {
    /// Framing: shorter than 19 + 4 bytes.
    #[error("the structure has {len} bytes; the header and an APDU need at least 23")]
    TooShort {
        /// Length received.
        len: usize,
    },
    /// Framing: `ulDataLength` + 19 is not the length received.
    #[error("ulDataLength says {declared} bytes of APDU, {actual} follow the header")]
    LengthMismatch {
        /// `ulDataLength`.
        declared: u32,
        /// Bytes after the header.
        actual: usize,
    },
    /// A parameter that does not fit (answered `6B 80`).
    #[error("invalid parameter: {0}")]
    Parameter(&'static str),
}

impl Refusal {
    /// Whether the driver refuses before the pad (an IFD error) rather than the
    /// pad answering `6B 80`.
    pub fn is_framing(&self) -> bool {
        matches!(
            self,
            Refusal::TooShort { .. } | Refusal::LengthMismatch { .. }
        )
    }
}

impl VerifyPin {
    /// Reads and checks a `PIN_VERIFY_STRUCTURE` with its APDU template.
    ///
    /// | offset | field |
    /// |---|---|
    /// | 0 | bTimerOut |
    /// | 1 | bTimerOut2 |
    /// | 2 | bmFormatString: b7 unit (1 bytes, 0 bits), b6–b3 PIN position, b2 right-justify, b1–b0 encoding |
    /// | 3 | bmPINBlockString: b7–b4 PIN-length field bits, b3–b0 PIN block bytes |
    /// | 4 | bmPINLengthFormat: b4 unit (1 bytes, 0 bits), b3–b0 PIN-length position |
    /// | 5–6 | wPINMaxExtraDigit, little-endian: low byte maximum, high byte minimum |
    /// | 7 | bEntryValidationCondition |
    /// | 8 | bNumberMessage |
    /// | 9–10 | wLangId, little-endian |
    /// | 11 | bMsgIndex |
    /// | 12–14 | bTeoPrologue (T=1 TPDU readers only; ignored here) |
    /// | 15–18 | ulDataLength, little-endian |
    /// | 19… | abData: the APDU template |
    pub fn parse(bytes: &[u8]) -> Result<VerifyPin, Refusal> {
        let Some((header, template)) = bytes.split_first_chunk::<HEADER_LEN>() else {
            return Err(Refusal::TooShort { len: bytes.len() });
        };
        if template.len() < MIN_TEMPLATE_LEN {
            return Err(Refusal::TooShort { len: bytes.len() });
        }
        let declared = u32::from_le_bytes([header[15], header[16], header[17], header[18]]);
        if usize::try_from(declared).ok() != Some(template.len()) {
            return Err(Refusal::LengthMismatch {
                declared,
                actual: template.len(),
            });
        }
        let bad = |why| Err(Refusal::Parameter(why));
        let [
            timeout_secs,
            timeout2_secs,
            format,
            block,
            length_format,
            max_digits,
            min_digits,
            validation,
            messages,
            lang_lo,
            lang_hi,
            ..,
        ] = *header;
        let encoding = match format & 0x03 {
            0b00 => Encoding::Binary,
            0b01 => Encoding::Bcd,
            0b10 => Encoding::Ascii,
            _ => return bad("bmFormatString names no PIN encoding (b1-b0 = 11)"),
        };
        let unit = |bytes_unit: bool| if bytes_unit { 8 } else { 1 };
        let pin_offset_bits = usize::from((format >> 3) & 0x0F) * unit(format & 0x80 != 0);
        let length_field_offset_bits =
            usize::from(length_format & 0x0F) * unit(length_format & 0x10 != 0);
        let request = VerifyPin {
            timeout_secs,
            timeout2_secs,
            encoding,
            right_justified: format & 0x04 != 0,
            pin_offset_bits,
            block_bytes: usize::from(block & 0x0F),
            length_field_bits: usize::from(block >> 4),
            length_field_offset_bits,
            min_digits,
            max_digits,
            validation,
            messages,
            lang_id: u16::from_le_bytes([lang_lo, lang_hi]),
            template: template.to_vec(),
        };
        request.check().map(|()| request)
    }

    /// Lc of the template (0 for a 4-byte template).
    pub fn lc(&self) -> usize {
        self.template.get(4).map_or(0, |&lc| usize::from(lc))
    }

    /// The parameters against each other and against the template.
    fn check(&self) -> Result<(), Refusal> {
        let bad = |why| Err(Refusal::Parameter(why));
        if self.validation == 0 || self.validation > 0x07 {
            return bad("bEntryValidationCondition must be 1 to 7");
        }
        // A pad takes at least one digit (the ACS ACR83 reference manual, §11.1, refuses a
        // minimum of 0 with 6B 80).
        if self.min_digits == 0 || self.min_digits > self.max_digits {
            return bad("wPINMaxExtraDigit: the minimum is 0 or above the maximum");
        }
        if self.template.len() > MAX_TEMPLATE_LEN {
            return bad("the APDU template is longer than a short APDU");
        }
        if self.template.len() > MIN_TEMPLATE_LEN && self.template.len() != 5 + self.lc() {
            return bad("the APDU template's Lc does not match its data");
        }
        let data_bits = self.lc() * 8;
        let digit_bits = self.encoding.digit_bits();
        if !self.pin_offset_bits.is_multiple_of(digit_bits) {
            return bad("the PIN position is not on a digit boundary of its encoding");
        }
        if self.block_bytes > 0 {
            let max_bits = usize::from(self.max_digits) * digit_bits;
            if max_bits > self.block_bytes * 8 {
                return bad("the PIN block cannot hold the maximum number of digits");
            }
            if self.pin_offset_bits + self.block_bytes * 8 > data_bits {
                return bad("the PIN block lies outside the APDU template's data");
            }
        } else {
            // Variable length: the reader appends the PIN where the data ends.
            if self.pin_offset_bits != data_bits {
                return bad("a variable-length PIN must go at the end of the template's data");
            }
            let pin_bytes = (usize::from(self.max_digits) * digit_bits).div_ceil(8);
            if self.lc() + pin_bytes > 255 {
                return bad("the PIN would make the APDU longer than a short APDU");
            }
        }
        if self.length_field_bits > 0 {
            if self.length_field_bits < 8
                && u32::from(self.max_digits) >> self.length_field_bits > 0
            {
                return bad("the PIN-length field is too narrow for the maximum");
            }
            if self.length_field_offset_bits + self.length_field_bits > data_bits {
                return bad("the PIN-length field lies outside the APDU template's data");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// The structure the terminal sends for the 4-digit auth PIN
    /// (docs/domain/jpki.md §5.2), with a 30 s time-out.
    pub(crate) const AUTH: [u8; 28] = [
        0x1E, 0x00, 0x82, 0x04, 0x00, 0x04, 0x04, 0x03, 0x01, 0x11, 0x04, 0x00, 0x00, 0x00, 0x00,
        0x09, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF,
    ];

    #[test]
    fn reads_the_auth_pin_structure() {
        let v = VerifyPin::parse(&AUTH).unwrap();
        assert_eq!(v.timeout_secs, 30);
        assert_eq!(v.encoding, Encoding::Ascii);
        assert!(!v.right_justified);
        assert_eq!(v.pin_offset_bits, 0);
        assert_eq!(v.block_bytes, 4);
        assert_eq!(v.length_field_bits, 0);
        assert_eq!((v.min_digits, v.max_digits), (4, 4));
        assert_eq!(v.validation, VALIDATE_ON_MAX | VALIDATE_ON_KEY);
        assert_eq!(v.lang_id, 0x0411);
        assert_eq!(v.template, AUTH[19..]);
    }

    #[test]
    fn framing_errors_are_told_apart_from_parameters() {
        let short = VerifyPin::parse(&AUTH[..22]).unwrap_err();
        assert_eq!(short, Refusal::TooShort { len: 22 });
        assert!(short.is_framing());
        let mut wrong_len = AUTH.to_vec();
        wrong_len[15] = 10;
        assert_eq!(
            VerifyPin::parse(&wrong_len).unwrap_err(),
            Refusal::LengthMismatch {
                declared: 10,
                actual: 9
            }
        );
        let mut rfu = AUTH.to_vec();
        rfu[2] = 0x83;
        let e = VerifyPin::parse(&rfu).unwrap_err();
        assert!(matches!(e, Refusal::Parameter(_)) && !e.is_framing());
    }

    #[test]
    fn inconsistent_parameters_are_refused() {
        let refuse = |i: usize, v: u8| {
            let mut s = AUTH.to_vec();
            s[i] = v;
            assert!(
                matches!(VerifyPin::parse(&s), Err(Refusal::Parameter(_))),
                "byte {i} = {v:#04X}"
            );
        };
        refuse(7, 0x00); // no validation condition
        refuse(7, 0x08);
        refuse(5, 0x03); // max 3 < min 4
        refuse(6, 0x00); // min 0
        refuse(5, 0x05); // 5 ASCII digits do not fit a 4-byte block
        refuse(3, 0x05); // a 5-byte block runs past the 4 data bytes
        refuse(2, 0x8A); // PIN at byte 1: the block runs past the data
        refuse(23, 0x05); // Lc 5 with 4 data bytes
        refuse(3, 0x14); // a 1-bit length field cannot say 4
    }

    #[test]
    fn a_variable_length_pin_goes_after_the_data() {
        // bmPINBlockString 00, template 00 20 00 80 (no Lc): the pad appends.
        let mut s = AUTH[..19].to_vec();
        s[3] = 0x00;
        s[15] = 4;
        s.extend_from_slice(&[0x00, 0x20, 0x00, 0x80]);
        let v = VerifyPin::parse(&s).unwrap();
        assert_eq!((v.block_bytes, v.lc()), (0, 0));
        s[2] = 0x8A; // position 1: not where the data ends
        assert!(VerifyPin::parse(&s).is_err());
    }
}
