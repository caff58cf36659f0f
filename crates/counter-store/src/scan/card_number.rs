//! The built-in card number detector.
//!
//! Payment card numbers (PANs) are 13 to 19 digits with a Luhn check digit (ISO/IEC 7812-1).
//! Two shapes are reported:
//!
//! - a run of 13–19 ASCII digits (bounded by anything that is not a digit) that passes the
//!   Luhn check;
//! - the same digits written in groups as printed on a card or a slip (`4242 4242 4242 4242`,
//!   `3782-822463-10005`): at least three groups separated by single spaces or hyphens, the
//!   first of 4 digits, the middle ones of 4–6, the last of 1–6, standing alone (no letter
//!   or digit right before or after).
//!
//! A longer digit run is not searched for an embedded card number: one in ten of its
//! windows would pass the check by chance, so the report would be noise.

/// Shortest and longest card number (ISO/IEC 7812-1).
const PAN_DIGITS: std::ops::RangeInclusive<usize> = 13..=19;

/// Whether `digits` (ASCII digits only) pass the Luhn check: from the right, every second
/// digit doubled (minus 9 when above 9), the sum a multiple of 10. Anything that is not an
/// ASCII digit makes it fail.
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The `(offset, length)` of every card number in `data`, in order.
pub(crate) fn find(data: &[u8]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if !digit_at(data, i) {
            i += 1;
            continue;
        }
        let groups = groups_from(data, i);
        for &(start, end) in &groups {
            let run = data.get(start..end).unwrap_or_default();
            if PAN_DIGITS.contains(&run.len()) && luhn_valid(run) {
                found.push((start, run.len()));
            }
        }
        // `groups` is never empty: `data[i]` is a digit.
        let end = groups.last().map_or(i + 1, |&(_, end)| end);
        if is_card_layout(data, &groups) {
            found.push((i, end - i));
        }
        i = end;
    }
    found
}

fn digit_at(data: &[u8], i: usize) -> bool {
    data.get(i).is_some_and(u8::is_ascii_digit)
}

/// The maximal sequence of digit groups starting at the digit at `start`, groups separated
/// by a single space or hyphen: each as `(start, end)`.
fn groups_from(data: &[u8], start: usize) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut j = start;
    loop {
        let group_start = j;
        while digit_at(data, j) {
            j += 1;
        }
        groups.push((group_start, j));
        let separator = matches!(data.get(j), Some(b' ' | b'-'));
        if separator && digit_at(data, j + 1) {
            j += 1;
        } else {
            return groups;
        }
    }
}

/// Whether `groups` are laid out like a card number written in groups, stand alone, and
/// their digits pass the Luhn check.
fn is_card_layout(data: &[u8], groups: &[(usize, usize)]) -> bool {
    let (Some(&(first_start, first_end)), Some(&(last_start, last_end))) =
        (groups.first(), groups.last())
    else {
        return false;
    };
    if groups.len() < 3
        || first_end - first_start != 4
        || !(1..=6).contains(&(last_end - last_start))
    {
        return false;
    }
    let middle = groups.get(1..groups.len() - 1).unwrap_or_default();
    if !middle.iter().all(|&(s, e)| (4..=6).contains(&(e - s))) {
        return false;
    }
    let alone = |i: Option<usize>| {
        i.and_then(|i| data.get(i))
            .is_none_or(|b| !b.is_ascii_alphanumeric())
    };
    if !alone(first_start.checked_sub(1)) || !alone(Some(last_end)) {
        return false;
    }
    let digits: Vec<u8> = groups
        .iter()
        .flat_map(|&(s, e)| data.get(s..e).unwrap_or_default().iter().copied())
        .collect();
    PAN_DIGITS.contains(&digits.len()) && luhn_valid(&digits)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Luhn as a person computes it, from the number's text: an independent reference.
    fn reference_luhn(digits: &str) -> bool {
        let mut total = 0;
        for (i, c) in digits.chars().rev().enumerate() {
            let d = c.to_digit(10).unwrap_or(99);
            total += if i % 2 == 0 {
                d
            } else {
                (d * 2) / 10 + (d * 2) % 10
            };
        }
        total % 10 == 0
    }

    #[test]
    fn known_numbers() {
        assert!(luhn_valid(b"4242424242424242"));
        assert!(luhn_valid(b"378282246310005"));
        assert!(!luhn_valid(b"4242424242424241"));
        assert!(!luhn_valid(b""));
        assert!(!luhn_valid(b"42a2"));
    }

    #[test]
    fn runs_and_card_layouts() {
        let data = b"a4242424242424242b|4242 4242 4242 4242|3782-822463-10005|x4242 4242 4242 4242";
        let found = find(data);
        assert_eq!(found, [(1, 16), (19, 19), (39, 17)], "{found:?}");
    }

    #[test]
    fn dates_uuids_and_long_runs_are_not_cards() {
        for text in [
            "2026-04-01 12:00",
            "550e8400-e29b-41d4-a716-446655440000",
            "12345678901234567890123",
            "4242424242424241",
            "03-1234-5678",
        ] {
            assert_eq!(find(text.as_bytes()), [], "{text}");
        }
    }

    proptest! {
        #[test]
        fn a_digit_run_is_reported_exactly_when_it_is_a_luhn_valid_pan(
            digits in "[0-9]{1,25}",
            before in "[a-z|]{0,3}",
            after in "[a-z|]{0,3}",
        ) {
            let data = format!("{before}{digits}{after}");
            let expected = if PAN_DIGITS.contains(&digits.len()) && reference_luhn(&digits) {
                vec![(before.len(), digits.len())]
            } else {
                vec![]
            };
            prop_assert_eq!(find(data.as_bytes()), expected);
            prop_assert_eq!(luhn_valid(digits.as_bytes()), reference_luhn(&digits));
        }

        #[test]
        fn any_bytes_are_scanned_without_panic_and_hits_are_in_bounds(
            data in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            for (offset, len) in find(&data) {
                let hit = data.get(offset..offset + len);
                prop_assert!(hit.is_some_and(|h| h.iter().all(|b| b.is_ascii_digit() || *b == b' ' || *b == b'-')));
            }
        }
    }
}
