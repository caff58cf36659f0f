//! No PIN, no signature password and no card number in the counter's database the demo
//! left behind, through counter-store's forensic scanner.

use std::path::{Path, PathBuf};

use counter_store::scan::{CARD_NUMBER, Finding, Needle, scan_files};
use testkit::personas::PERSONA_IDS;

/// A PIN the wrong-PIN scenario types (it must not be kept either).
pub const WRONG_PIN: &str = "9999";

/// Scans `<dir>/counter.sqlite` and its `-wal`/`-shm` for every persona's auth PIN and
/// signature password, the wrong PIN the tests type, and card numbers. A 4-digit PIN is
/// only a finding where it stands as a word of its own (not inside a longer run of
/// letters, digits, `_` or `-`: timestamps, dates and UUIDs hold every 4-digit string,
/// a UUID's groups between hyphens), as scripts/check-no-pins.sh reads the logs; a
/// password is one anywhere.
///
/// # Errors
///
/// The findings (file, offset, what; never the secret), or that there was no database.
pub fn absent(dir: &Path) -> Result<(), String> {
    let files: Vec<PathBuf> = ["counter.sqlite", "counter.sqlite-wal", "counter.sqlite-shm"]
        .iter()
        .map(|name| dir.join(name))
        .collect();
    if !files[0].is_file() {
        return Err(format!(
            "secrets scan: no counter database {} (did the demo start?)",
            files[0].display()
        ));
    }
    let mut needles = vec![Needle::text("a wrong PIN the test typed", WRONG_PIN)];
    for id in PERSONA_IDS {
        let persona = testkit::load_persona(id).map_err(|e| format!("persona {id}: {e}"))?;
        needles.push(Needle::text(format!("{id}'s auth PIN"), &persona.auth_pin));
        if let Some(password) = &persona.sign_password {
            needles.push(Needle::text(format!("{id}'s signature password"), password));
        }
    }
    let findings: Vec<Finding> = scan_files(&files, &needles)
        .into_iter()
        .filter(standing_alone)
        .collect();
    if findings.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = findings.iter().map(|f| format!("  - {f}")).collect();
    Err(format!(
        "secrets in the demo's counter database:\n{}",
        list.join("\n")
    ))
}

/// The longest needle that must stand alone to count: a PIN (4 digits, docs/domain/jpki.md).
const SHORT: usize = 4;

/// Whether a finding is one: card numbers and long needles always; a short one where
/// [`alone`] says so. A file that cannot be read again counts as a finding.
fn standing_alone(finding: &Finding) -> bool {
    if finding.hit.label == CARD_NUMBER || finding.hit.len > SHORT {
        return true;
    }
    let Ok(data) = std::fs::read(&finding.path) else {
        return true;
    };
    alone(&data, finding.hit.offset, finding.hit.len)
}

/// Whether `data[offset..offset + len]` is a word of its own: the bytes on either side
/// are not ASCII letters, digits, `_` or `-`. The hyphen joins too, unlike grep's `\b`:
/// a UUID v4's third group is `4` and three hex digits, so a PIN starting with 4 is one
/// of them once in 4,096 ids, and dates are digits between hyphens.
fn alone(data: &[u8], offset: usize, len: usize) -> bool {
    let joins = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    let before = offset.checked_sub(1).and_then(|at| data.get(at));
    let after = data.get(offset + len);
    !before.is_some_and(joins) && !after.is_some_and(joins)
}

#[cfg(test)]
mod tests {
    use super::alone;

    /// Where `needle` first is in `data`, and whether it stands alone there.
    fn first(data: &[u8], needle: &[u8]) -> bool {
        let at = data
            .windows(needle.len())
            .position(|w| w == needle)
            .expect("the needle is in the data");
        alone(data, at, needle.len())
    }

    #[test]
    fn a_pin_between_quotes_or_nul_bytes_is_a_finding() {
        assert!(first(br#"{"pin":"4711"}"#, b"4711"));
        assert!(first(b"\x00\x094711\x00", b"4711"));
        assert!(first(b"4711", b"4711"));
        assert!(first(b"PIN 4711.", b"4711"));
    }

    #[test]
    fn a_group_of_a_uuid_a_date_or_a_longer_number_is_not() {
        assert!(!first(
            b"sale 9d3e2a10-c7b9-4711-a03e-5fa91e0c2b44",
            b"4711"
        ));
        assert!(!first(b"\x00\x092026-12-06k", b"2026"));
        assert!(!first(b"at 12:34:56.47115Z", b"4711"));
        assert!(!first(b"K_4711", b"4711"));
    }
}
