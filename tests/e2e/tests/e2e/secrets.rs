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
/// letters or digits: timestamps and hex ids hold every 4-digit string), as
/// scripts/check-no-pins.sh reads the logs; a password is one anywhere.
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
/// the bytes on either side are not ASCII letters, digits or `_` (a "word", as grep's
/// `\b` sees it).
fn standing_alone(finding: &Finding) -> bool {
    if finding.hit.label == CARD_NUMBER || finding.hit.len > SHORT {
        return true;
    }
    let Ok(data) = std::fs::read(&finding.path) else {
        return true;
    };
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let before = finding
        .hit
        .offset
        .checked_sub(1)
        .and_then(|at| data.get(at));
    let after = data.get(finding.hit.offset + finding.hit.len);
    !before.is_some_and(word) && !after.is_some_and(word)
}
