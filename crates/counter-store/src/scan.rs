//! A forensic scanner for what must never be on the terminal's disk: it reads files as raw
//! bytes (the database, its `-wal` and `-shm`, logs, exports — anything) and reports every
//! occurrence of the given [`Needle`]s and of anything that looks like a card number.
//!
//! Auditors run it over a terminal's files; tests run it over the files a realistic day
//! leaves behind ([`crate::Store::files`]) with the personas' PINs, passwords and
//! certificate serial numbers as needles, and expect no [`Finding`].
//!
//! It reports where a secret is, never the secret: a [`Finding`] holds the file, the offset,
//! the needle's label and the length.

mod card_number;

use std::fmt;
use std::path::PathBuf;

pub use card_number::luhn_valid;

/// The label of a [`Hit`] from the built-in card number detector.
pub const CARD_NUMBER: &str = "card_number";

/// The label of a [`Finding`] for a file that exists but could not be read: the scan of
/// that file is incomplete, which an auditor must see rather than a clean result.
pub const UNREADABLE: &str = "unreadable";

/// A labelled byte string to look for.
#[derive(Clone, PartialEq, Eq)]
pub struct Needle {
    /// What it is, for the report (e.g. `"persona A's PIN"`); never the secret itself.
    pub label: String,
    /// The exact bytes. An empty needle matches nothing.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Needle {
    /// The label and the length only: needles are secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Needle")
            .field("label", &self.label)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Needle {
    /// A needle for exactly `bytes`.
    pub fn new(label: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            label: label.into(),
            bytes: bytes.into(),
        }
    }

    /// A needle for the UTF-8 bytes of `text` (how SQLite stores text here).
    pub fn text(label: impl Into<String>, text: &str) -> Self {
        Self::new(label, text.as_bytes())
    }

    /// The needles for a binary value such as a certificate serial number, in every form
    /// it is likely to be written: the raw bytes, upper- and lower-case hex, and the
    /// decimal of the bytes read as a big-endian unsigned integer. Labels get `(raw)`,
    /// `(HEX)`, `(hex)` and `(decimal)` appended.
    pub fn encodings(label: &str, bytes: &[u8]) -> Vec<Needle> {
        let lower: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        vec![
            Self::new(format!("{label} (raw)"), bytes),
            Self::text(format!("{label} (HEX)"), &lower.to_ascii_uppercase()),
            Self::text(format!("{label} (hex)"), &lower),
            Self::text(format!("{label} (decimal)"), &big_endian_decimal(bytes)),
        ]
    }
}

/// One occurrence in a byte string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// The needle's label, [`CARD_NUMBER`] or [`UNREADABLE`].
    pub label: String,
    /// Length in bytes.
    pub len: usize,
}

/// One occurrence in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The file.
    pub path: PathBuf,
    /// Where in it, and what.
    pub hit: Hit,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at offset {} ({} bytes)",
            self.path.display(),
            self.hit.label,
            self.hit.offset,
            self.hit.len
        )
    }
}

/// Scans each file of `paths` for `needles` and card numbers. A file that does not exist is
/// skipped (SQLite removes `-wal` and `-shm` on a clean close); one that exists but cannot
/// be read gives a [`UNREADABLE`] finding.
pub fn scan_files(paths: &[PathBuf], needles: &[Needle]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for path in paths {
        match std::fs::read(path) {
            Ok(data) => {
                findings.extend(scan_bytes(&data, needles).into_iter().map(|hit| Finding {
                    path: path.clone(),
                    hit,
                }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => findings.push(Finding {
                path: path.clone(),
                hit: Hit {
                    offset: 0,
                    label: UNREADABLE.to_owned(),
                    len: 0,
                },
            }),
        }
    }
    findings
}

/// Scans `data` for every occurrence of each needle, then for card numbers (runs of 13–19
/// ASCII digits, or such digits written in groups as on a card, that pass the Luhn check).
pub fn scan_bytes(data: &[u8], needles: &[Needle]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for needle in needles.iter().filter(|n| !n.bytes.is_empty()) {
        let n = needle.bytes.len();
        hits.extend(
            data.windows(n)
                .enumerate()
                .filter(|(_, w)| *w == needle.bytes.as_slice())
                .map(|(offset, _)| Hit {
                    offset,
                    label: needle.label.clone(),
                    len: n,
                }),
        );
    }
    hits.extend(
        card_number::find(data)
            .into_iter()
            .map(|(offset, len)| Hit {
                offset,
                label: CARD_NUMBER.to_owned(),
                len,
            }),
    );
    hits
}

/// The decimal digits of `bytes` read as a big-endian unsigned integer (`"0"` for none or
/// all zeros), by repeated division by 10 of the byte string.
fn big_endian_decimal(bytes: &[u8]) -> String {
    let mut number: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    let mut digits = Vec::new();
    while !number.is_empty() {
        let mut rest = 0u32;
        for byte in number.iter_mut() {
            let acc = (rest << 8) | u32::from(*byte);
            // acc < 10 * 256, so acc / 10 < 256 fits a byte.
            *byte = (acc / 10) as u8;
            rest = acc % 10;
        }
        // rest < 10, so this is an ASCII digit.
        digits.push(b'0' + rest as u8);
        let zeros = number.iter().take_while(|&&b| b == 0).count();
        number.drain(..zeros);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.iter().rev().map(|&d| char::from(d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_of_big_endian_bytes() {
        assert_eq!(big_endian_decimal(&[]), "0");
        assert_eq!(big_endian_decimal(&[0, 0]), "0");
        assert_eq!(big_endian_decimal(&[0x01, 0x00]), "256");
        assert_eq!(
            big_endian_decimal(&[0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0]),
            "1311768467463790320"
        );
        assert_eq!(
            big_endian_decimal(&[0xFF; 16]),
            u128::MAX.to_string(),
            "wider than any machine integer"
        );
    }

    #[test]
    fn every_occurrence_of_every_form_is_found() {
        let needles = Needle::encodings("serial", &[0x0A, 0xBC]);
        let labels: Vec<&str> = needles.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "serial (raw)",
                "serial (HEX)",
                "serial (hex)",
                "serial (decimal)"
            ]
        );
        let data = b"..0ABC..0abc..2748..\x0a\xbc..0abc";
        let hits = scan_bytes(data, &needles);
        let offsets = |label: &str| -> Vec<usize> {
            hits.iter()
                .filter(|h| h.label == label)
                .map(|h| h.offset)
                .collect()
        };
        assert_eq!(offsets("serial (HEX)"), [2]);
        assert_eq!(offsets("serial (hex)"), [8, 24]);
        assert_eq!(offsets("serial (decimal)"), [14]);
        assert_eq!(offsets("serial (raw)"), [20]);
    }

    #[test]
    fn empty_needles_match_nothing_and_debug_hides_the_bytes() {
        let secret = Needle::text("pin", "HANAKO2025");
        assert!(scan_bytes(b"abc", &[Needle::new("empty", Vec::new())]).is_empty());
        assert!(!format!("{secret:?}").contains("HANAKO"));
    }
}
