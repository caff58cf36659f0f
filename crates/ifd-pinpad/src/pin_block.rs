//! The VERIFY the pad builds: the digits typed, written into the APDU template
//! as the structure says (PC/SC part 10 `bmFormatString`, `bmPINBlockString`,
//! `bmPINLengthFormat`; docs/domain/jpki.md §5.2). Pure byte work.
//!
//! Positions count from the first data byte, after Lc, in bits; bit 0 is the
//! most significant bit of that byte. The PIN block keeps the template's bytes
//! wherever no digit is written (the `FF` placeholders of a fixed-length
//! template stay as padding).

use zeroize::Zeroizing;

use crate::structure::VerifyPin;

/// Offset of the first data byte in a short APDU (CLA INS P1 P2 Lc).
const DATA_START: usize = 5;

/// The command APDU for `digits` (each 0–9, as typed), in a zeroising buffer:
/// it carries the PIN. `request` was checked by [`VerifyPin::parse`], so every
/// write lands inside the APDU; a write that would not is skipped rather than
/// risk a panic.
pub fn build_verify(request: &VerifyPin, digits: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut apdu = Zeroizing::new(request.template.clone());
    if apdu.len() == 4 {
        apdu.push(0); // Lc, set below for a variable-length PIN
    }
    let encoding = request.encoding;
    let digit_bits = encoding.digit_bits();
    let mut pin_offset = request.pin_offset_bits;
    if request.block_bytes == 0 {
        // Variable length: the PIN bytes are appended and Lc counts them.
        let pin_bytes = (digits.len() * digit_bits).div_ceil(8);
        let lc = request.lc() + pin_bytes;
        // A BCD PIN of odd length ends with an F nibble, as ISO 9564 format 2 pads.
        apdu.extend(std::iter::repeat_n(0xFF, pin_bytes));
        if let (Some(slot), Ok(lc)) = (apdu.get_mut(4), u8::try_from(lc)) {
            *slot = lc;
        }
        pin_offset = request.lc() * 8;
    }
    let data = apdu.get_mut(DATA_START..).unwrap_or_default();
    let block_digits = if request.block_bytes == 0 {
        digits.len()
    } else {
        request.block_bytes * 8 / digit_bits
    };
    let first = if request.right_justified {
        block_digits.saturating_sub(digits.len())
    } else {
        0
    };
    for (i, &d) in digits.iter().enumerate() {
        let at = pin_offset + (first + i) * digit_bits;
        write_bits(data, at, digit_bits, u32::from(encoding.digit_value(d)));
    }
    if request.length_field_bits > 0 {
        write_bits(
            data,
            request.length_field_offset_bits,
            request.length_field_bits,
            u32::try_from(digits.len()).unwrap_or(u32::MAX),
        );
    }
    apdu
}

/// Writes the low `width` bits of `value` at bit `offset` of `data`, most
/// significant first. Bits past the end of `data` are not written.
fn write_bits(data: &mut [u8], offset: usize, width: usize, value: u32) {
    for i in 0..width {
        let bit = u32::try_from(width - 1 - i)
            .ok()
            .and_then(|shift| value.checked_shr(shift))
            .map_or(0, |v| v & 1);
        let at = offset + i;
        let Some(byte) = data.get_mut(at / 8) else {
            return;
        };
        let mask = 0x80u8 >> (at % 8);
        if bit == 1 {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::structure::{Encoding, HEADER_LEN, VerifyPin};

    fn structure(
        format: u8,
        block: u8,
        length_format: u8,
        min_max: (u8, u8),
        apdu: &[u8],
    ) -> Vec<u8> {
        let mut s = vec![
            0x1E,
            0x00,
            format,
            block,
            length_format,
            min_max.1,
            min_max.0,
            0x02,
            0x01,
            0x11,
            0x04,
            0x00,
            0x00,
            0x00,
            0x00,
        ];
        s.extend_from_slice(&u32::try_from(apdu.len()).unwrap().to_le_bytes());
        s.extend_from_slice(apdu);
        assert_eq!(s.len(), HEADER_LEN + apdu.len());
        s
    }

    #[test]
    fn fixed_ascii_fills_the_placeholders() {
        // docs/domain/jpki.md §5.2: the reader writes 4 ASCII digits over FF FF FF FF.
        let s = structure(
            0x82,
            0x04,
            0x00,
            (4, 4),
            &[0, 0x20, 0, 0x80, 4, 0xFF, 0xFF, 0xFF, 0xFF],
        );
        let v = VerifyPin::parse(&s).unwrap();
        assert_eq!(
            *build_verify(&v, &[1, 2, 3, 4]),
            [0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34]
        );
    }

    #[test]
    fn iso_format_2_bcd_with_a_length_nibble() {
        // ISO 9564 format 2: control nibble 2, length nibble, BCD digits, F padding.
        // bmFormatString 0x89: bytes, position 1, left, BCD; block 8 bytes with a
        // 4-bit length field at bit 4 (bmPINLengthFormat 0x04: bits, position 4).
        let template = [
            0, 0x20, 0, 0x81, 8, 0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        let s = structure(0x89, 0x47, 0x04, (4, 12), &template);
        let v = VerifyPin::parse(&s).unwrap();
        assert_eq!(v.encoding, Encoding::Bcd);
        assert_eq!(
            *build_verify(&v, &[1, 2, 3, 4, 5]),
            [
                0, 0x20, 0, 0x81, 8, 0x25, 0x12, 0x34, 0x5F, 0xFF, 0xFF, 0xFF, 0xFF
            ]
        );
    }

    #[test]
    fn right_justified_binary() {
        let s = structure(0x84, 0x04, 0x00, (2, 4), &[0, 0x20, 0, 1, 4, 0, 0, 0, 0]);
        let v = VerifyPin::parse(&s).unwrap();
        assert!(v.right_justified);
        assert_eq!(*build_verify(&v, &[7, 9]), [0, 0x20, 0, 1, 4, 0, 0, 7, 9]);
    }

    #[test]
    fn variable_length_appends_and_sets_lc() {
        let s = structure(0x82, 0x00, 0x00, (4, 8), &[0, 0x20, 0, 0x80]);
        let v = VerifyPin::parse(&s).unwrap();
        assert_eq!(
            *build_verify(&v, &[5, 6, 7, 8, 9]),
            [0, 0x20, 0, 0x80, 5, 0x35, 0x36, 0x37, 0x38, 0x39]
        );
        let s = structure(0x81, 0x00, 0x00, (4, 8), &[0, 0x20, 0, 0x80, 0]);
        let v = VerifyPin::parse(&s).unwrap();
        assert_eq!(
            *build_verify(&v, &[1, 2, 3]),
            [0, 0x20, 0, 0x80, 2, 0x12, 0x3F]
        );
    }

    #[test]
    fn bits_outside_the_data_are_not_written() {
        let mut data = [0u8; 1];
        write_bits(&mut data, 4, 8, 0xFF);
        assert_eq!(data, [0x0F]);
        write_bits(&mut data, 0, 40, 0);
        assert_eq!(data, [0]);
    }

    proptest::proptest! {
        // Most generated structures are refused (as they should be); enough
        // cases that some hundred are taken.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8192))]

        /// Any header and template the parser takes builds a well-formed
        /// short APDU (Lc = its data) for any digits the pad would take.
        #[test]
        fn accepted_structures_build_well_formed_apdus(
            timers in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 2),
            (unit, position, right, encoding) in (0u8..2, 0u8..4, 0u8..2, 0u8..3),
            (length_bits, block_bytes, length_unit, length_position) in (0u8..9, 0u8..9, 0u8..2, 0u8..4),
            (max, min, validation) in (0u8..=16, 0u8..=16, 0u8..=8),
            tail in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 7),
            command in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 4),
            data in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..16),
            with_lc in proptest::arbitrary::any::<bool>(),
            digits in proptest::collection::vec(0u8..10, 0..20),
        ) {
            let mut template = command;
            if with_lc || !data.is_empty() {
                template.push(u8::try_from(data.len()).unwrap());
                template.extend_from_slice(&data);
            }
            let mut s = timers;
            s.push(unit << 7 | position << 3 | right << 2 | encoding);
            s.push(length_bits << 4 | block_bytes);
            s.push(length_unit << 4 | length_position);
            s.extend_from_slice(&[max, min, validation]);
            s.extend_from_slice(&tail);
            s.extend_from_slice(&u32::try_from(template.len()).unwrap().to_le_bytes());
            s.extend_from_slice(&template);
            if let Ok(v) = VerifyPin::parse(&s) {
                let n = digits.len().min(usize::from(v.max_digits));
                let apdu = build_verify(&v, &digits[..n]);
                proptest::prop_assert!(apdu.len() >= 5);
                proptest::prop_assert_eq!(apdu.len(), 5 + usize::from(apdu[4]));
                proptest::prop_assert_eq!(&apdu[..4], &template[..4]);
            }
        }

        /// Arbitrary bytes are refused or taken, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..300)) {
            let _ = VerifyPin::parse(&bytes);
        }
    }
}
