//! Bytes written as letters: how the terminal writes random and hashed values (payment
//! idempotency keys, the digests of receipt-system requests) into its journal and file
//! names.
//!
//! Hex holds decimal digits, and now and then 13 to 19 of them in a row that pass the Luhn
//! check: the shape of a payment card number (ISO/IEC 7812-1). A card number scan, the
//! terminal's own (`counter_store::scan`) or an auditor's tool, reports such a value as a card
//! number on the terminal's disk. Splitting the hex into a UUID's groups is not enough: in a
//! SQLite record one column's text follows the previous column's with nothing between, so a
//! key's last group runs into the date stored after it (`…5f9173402026-12-07`: 13 digits).
//! Four bits to a letter from `a` to `p` hold no digit at all, and as many bits as hex.

/// `bytes`, each as two letters from `a` (0) to `p` (15), high four bits first: hex with
/// `a`–`p` for `0`–`f`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(letter(b >> 4));
        out.push(letter(b & 0x0f));
    }
    out
}

/// The letter for the four bits `nibble` (below 16).
fn letter(nibble: u8) -> char {
    char::from(b'a' + (nibble & 0x0f))
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn each_byte_is_two_letters_high_bits_first() {
        assert_eq!(encode(&[0x00, 0x0f, 0xf0, 0xff, 0x4a]), "aaappappek");
        assert_eq!(encode(&[]), "");
    }

    #[test]
    fn no_byte_gives_a_digit() {
        let all: Vec<u8> = (0..=255).collect();
        let text = encode(&all);
        assert_eq!(text.len(), 512);
        assert!(text.bytes().all(|c| (b'a'..=b'p').contains(&c)), "{text}");
    }
}
