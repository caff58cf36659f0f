//! `madoguchi-card demo` end to end, through our pcscd + vpcd: what `make demo`
//! shows a new user must keep working. Run with `scripts/pcscd.sh run cargo test`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

/// The demo always uses the first vpcd slot: one test at a time.
static SLOT: Mutex<()> = Mutex::new(());

fn slot() -> MutexGuard<'static, ()> {
    SLOT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn require_pcscd() {
    assert!(
        std::env::var_os("MADOGUCHI_PCSCD").is_some(),
        "this test needs our pcscd with the vpcd reader: run it as \
         `scripts/pcscd.sh run cargo test -p card-diag` (make test does)"
    );
}

#[test]
fn demo_runs_every_step_through_pcscd() {
    require_pcscd();
    let _slot = slot();
    let out = Command::new(env!("CARGO_BIN_EXE_madoguchi-card"))
        .arg("demo")
        .current_dir(workspace_root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    for expected in [
        "1. card placed: Madoguchi Virtual Reader 00 00",
        "size:     1586 bytes DER",
        "tries left: auth PIN 3 of 3, signature password 5 of 5",
        "a wrong PIN is refused by the card: 2 tries left",
        "challenge signed with the auth key: 14 APDUs",
        "氏名:     佐藤　花子",
        "chains to sign-g3",
        "7. card taken away: pcscd saw it leave",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    assert!(
        !stdout.contains("REFUSED"),
        "a verdict was refused:\n{stdout}"
    );
    // The persona's secrets never reach the output.
    for secret in ["1234", "HANAKO2025"] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
}

#[test]
fn demo_with_a_card_without_signature_certificate_says_so() {
    require_pcscd();
    let _slot = slot();
    let out = Command::new(env!("CARGO_BIN_EXE_madoguchi-card"))
        .args(["demo", "--persona", "assets/personas/takahashi-ken.toml"])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("signature password no signature certificate"),
        "{stdout}"
    );
    assert!(
        stdout.contains("this card has no signature certificate"),
        "{stdout}"
    );
}

#[test]
fn bad_persona_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "id = 3\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_madoguchi-card"))
        .args(["demo", "--persona"])
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("persona file") && stderr.contains("not valid"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
