//! Secure PIN entry on PIN-pad readers, PC/SC v2 part 10 (docs/domain/jpki.md §5).
//!
//! Pure byte work: the transport (`jpki-card-pcsc`) asks the reader for its
//! features with [`CM_IOCTL_GET_FEATURE_REQUEST`], finds the verify ioctl with
//! [`verify_pin_direct_ioctl`], and sends the structure from
//! [`auth_pin_verify_structure`] with `SCardControl`. The reply is exactly
//! two bytes (SW1 SW2), from the card or from the reader (`64 00` timeout,
//! `64 01` cancelled, `64 03` wrong length, `6B 80` bad parameter).
//!
//! Only the 4-digit auth PIN is entered on the pad: the 署名用 password has
//! letters, which a numeric pad cannot type (docs/domain/jpki.md §5.2).

use thiserror::Error;

/// `SCARD_CTL_CODE(3400)`: the function number of `CM_IOCTL_GET_FEATURE_REQUEST`
/// (PC/SC v2 part 10; pcsc-lite `reader.h`).
pub const GET_FEATURE_REQUEST_FUNCTION: u32 = 3400;

/// `CM_IOCTL_GET_FEATURE_REQUEST` on pcsc-lite and macOS, where
/// `SCARD_CTL_CODE(c) = 0x42000000 + c` (pcsc-lite `reader.h`; docs/domain/jpki.md §5.1).
pub const CM_IOCTL_GET_FEATURE_REQUEST_PCSC_LITE: u32 = 0x4200_0D48;

/// `CM_IOCTL_GET_FEATURE_REQUEST` on Windows, where
/// `SCARD_CTL_CODE(c) = 0x00310000 | (c << 2)` (pcsc-sys `SCARD_CTL_CODE`; docs/domain/jpki.md §5.1).
pub const CM_IOCTL_GET_FEATURE_REQUEST_WINDOWS: u32 = 0x0031_3520;

/// `CM_IOCTL_GET_FEATURE_REQUEST` for the platform this crate is built for.
/// Equal to `pcsc::ctl_code(3400)`.
#[cfg(windows)]
pub const CM_IOCTL_GET_FEATURE_REQUEST: u32 = CM_IOCTL_GET_FEATURE_REQUEST_WINDOWS;
/// `CM_IOCTL_GET_FEATURE_REQUEST` for the platform this crate is built for.
/// Equal to `pcsc::ctl_code(3400)`.
#[cfg(not(windows))]
pub const CM_IOCTL_GET_FEATURE_REQUEST: u32 = CM_IOCTL_GET_FEATURE_REQUEST_PCSC_LITE;

/// Feature tag `FEATURE_VERIFY_PIN_DIRECT` (pcsc-lite `reader.h`; docs/domain/jpki.md §5.1).
pub const FEATURE_VERIFY_PIN_DIRECT: u8 = 0x06;

/// Length of the PIN_VERIFY_STRUCTURE header before `abData` (docs/domain/jpki.md §5.2).
pub const PIN_VERIFY_HEADER_LEN: usize = 19;

/// The APDU template of the auth PIN: VERIFY with four `FF` placeholders that
/// the reader overwrites with the ASCII digits (docs/domain/jpki.md §5.2).
pub const AUTH_PIN_VERIFY_TEMPLATE: [u8; 9] =
    [0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF];

/// The PIN_VERIFY_STRUCTURE for the 4-digit auth PIN, exactly as docs/domain/jpki.md §5.2
/// proposes (fixed length, the GnuPG pattern), with `timeout_secs` in
/// `bTimerOut` (0 = the reader's default):
///
/// ```text
/// 1E 00 82 04 00 04 04 03 01 11 04 00 00 00 00 09 00 00 00 | 00 20 00 80 04 FF FF FF FF
/// ```
///
/// | offset | field | value |
/// |---|---|---|
/// | 0 | bTimerOut | `timeout_secs` |
/// | 1 | bTimerOut2 | 00 |
/// | 2 | bmFormatString | 82: byte units, PIN right after Lc, left-justified, ASCII |
/// | 3 | bmPINBlockString | 04: no length field, 4-byte PIN block |
/// | 4 | bmPINLengthFormat | 00 |
/// | 5–6 | wPINMaxExtraDigit | 04 04: max 4, min 4 |
/// | 7 | bEntryValidationCondition | 03: max size reached or OK key |
/// | 8 | bNumberMessage | 01 |
/// | 9–10 | wLangId | 11 04 = 0x0411, Japanese |
/// | 11 | bMsgIndex | 00 |
/// | 12–14 | bTeoPrologue | 00 00 00 |
/// | 15–18 | ulDataLength | 09 00 00 00 (little-endian) |
/// | 19– | abData | [`AUTH_PIN_VERIFY_TEMPLATE`] |
///
/// Select EF `0018` with a normal transmit in the same session first.
pub fn auth_pin_verify_structure(timeout_secs: u8) -> Vec<u8> {
    let data_len = (AUTH_PIN_VERIFY_TEMPLATE.len() as u32).to_le_bytes();
    let mut s = Vec::with_capacity(PIN_VERIFY_HEADER_LEN + AUTH_PIN_VERIFY_TEMPLATE.len());
    s.extend_from_slice(&[
        timeout_secs, // bTimerOut
        0x00,         // bTimerOut2
        0x82,         // bmFormatString
        0x04,         // bmPINBlockString
        0x00,         // bmPINLengthFormat
        0x04,         // wPINMaxExtraDigit: max (low byte)
        0x04,         // wPINMaxExtraDigit: min (high byte)
        0x03,         // bEntryValidationCondition
        0x01,         // bNumberMessage
        0x11,         // wLangId 0x0411, little-endian
        0x04,
        0x00, // bMsgIndex
        0x00, // bTeoPrologue
        0x00,
        0x00,
    ]);
    s.extend_from_slice(&data_len); // ulDataLength
    s.extend_from_slice(&AUTH_PIN_VERIFY_TEMPLATE);
    s
}

/// The answer to `CM_IOCTL_GET_FEATURE_REQUEST` was not a list of
/// `{ tag, 4, u32 BE }` entries.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FeatureListError {
    /// The answer ends in the middle of an entry.
    #[error(
        "the reader's feature list is truncated: {len} bytes is not a whole number of 6-byte entries"
    )]
    Truncated {
        /// Total length of the answer.
        len: usize,
    },
    /// An entry announces a value length other than 4.
    #[error(
        "the reader's feature list has an entry (tag {tag:#04X}) with length {len}, expected 4"
    )]
    BadEntryLength {
        /// The entry's tag.
        tag: u8,
        /// The length byte found.
        len: u8,
    },
}

/// Parses the answer to `CM_IOCTL_GET_FEATURE_REQUEST` (a list of 6-byte TLVs:
/// tag, length = 4, u32 big-endian; docs/domain/jpki.md §5.1) and returns the control
/// code of `FEATURE_VERIFY_PIN_DIRECT`, or `None` when the reader does not
/// offer it.
///
/// The value is already the platform's ioctl code: use it as is, do not pass
/// it through `SCARD_CTL_CODE` again (docs/domain/jpki.md §5.1 point 3). The whole list is
/// checked, so a malformed answer is an error even after the feature.
pub fn verify_pin_direct_ioctl(answer: &[u8]) -> Result<Option<u32>, FeatureListError> {
    let entries = answer.chunks_exact(6);
    if !entries.remainder().is_empty() {
        return Err(FeatureListError::Truncated { len: answer.len() });
    }
    let mut found = None;
    for entry in entries {
        match *entry {
            [tag, 4, a, b, c, d] => {
                if tag == FEATURE_VERIFY_PIN_DIRECT && found.is_none() {
                    found = Some(u32::from_be_bytes([a, b, c, d]));
                }
            }
            [tag, len, ..] => return Err(FeatureListError::BadEntryLength { tag, len }),
            _ => return Err(FeatureListError::Truncated { len: answer.len() }),
        }
    }
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn auth_structure_is_byte_exact() {
        let expected = [
            0x1E, 0x00, 0x82, 0x04, 0x00, 0x04, 0x04, 0x03, 0x01, 0x11, 0x04, 0x00, 0x00, 0x00,
            0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        assert_eq!(auth_pin_verify_structure(30), expected);
        let s = auth_pin_verify_structure(0);
        assert_eq!(s[0], 0);
        assert_eq!(s[1..], expected[1..]);
        // libccid's check: ulDataLength + 19 == length.
        assert_eq!(usize::from(s[15]) + PIN_VERIFY_HEADER_LEN, s.len());
    }

    #[test]
    fn platform_codes() {
        assert_eq!(
            CM_IOCTL_GET_FEATURE_REQUEST_PCSC_LITE,
            0x4200_0000 + GET_FEATURE_REQUEST_FUNCTION
        );
        assert_eq!(
            CM_IOCTL_GET_FEATURE_REQUEST_WINDOWS,
            0x0031_0000 | (GET_FEATURE_REQUEST_FUNCTION << 2)
        );
    }

    #[test]
    fn finds_verify_pin_direct() {
        // libccid: VERIFY_PIN_DIRECT = SCARD_CTL_CODE(0x330000 + 6) = 0x42330006.
        let answer = [
            0x07, 4, 0x42, 0x33, 0x00, 0x07, //
            0x06, 4, 0x42, 0x33, 0x00, 0x06, //
            0x0A, 4, 0x42, 0x33, 0x00, 0x0A,
        ];
        assert_eq!(verify_pin_direct_ioctl(&answer), Ok(Some(0x4233_0006)));
        assert_eq!(verify_pin_direct_ioctl(&answer[..6]), Ok(None));
        assert_eq!(verify_pin_direct_ioctl(&[]), Ok(None));
    }

    #[test]
    fn malformed_lists_are_errors() {
        assert_eq!(
            verify_pin_direct_ioctl(&[0x06, 4, 0x42, 0x33, 0x00]),
            Err(FeatureListError::Truncated { len: 5 })
        );
        assert_eq!(
            verify_pin_direct_ioctl(&[0x06, 2, 0x42, 0x33, 0x00, 0x06]),
            Err(FeatureListError::BadEntryLength { tag: 6, len: 2 })
        );
        let mut answer = vec![0x06, 4, 0x42, 0x33, 0x00, 0x06];
        answer.push(0x07);
        assert!(verify_pin_direct_ioctl(&answer).is_err());
    }
}
