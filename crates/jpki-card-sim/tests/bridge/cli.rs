//! `madoguchi-vcard` end to end against the vpcd double.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;
use jpki_card_sim::CardState;
use jpki_card_sim::vpcd::{read_message, write_message};

fn vcard() -> Command {
    Command::new(env!("CARGO_BIN_EXE_madoguchi-vcard"))
}

#[test]
fn missing_persona_file_is_a_clear_error() {
    let out = vcard()
        .args(["--persona", "/nonexistent/persona.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read persona file"), "{err}");
}

#[test]
fn bad_persona_and_no_vpcd_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "id = 1").unwrap();
    let out = vcard().arg("--persona").arg(&bad).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not valid"));

    let good = dir.path().join("good.toml");
    std::fs::write(&good, persona().to_toml().unwrap()).unwrap();
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = vcard()
        .arg("--persona")
        .arg(&good)
        .args(["--port", &port.to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is pcscd running with the vpcd driver"),
        "{err}"
    );
}

#[test]
fn serves_a_card_and_keeps_its_counters_in_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let persona_file = dir.path().join("taro.toml");
    std::fs::write(&persona_file, persona().to_toml().unwrap()).unwrap();
    let state_file = dir.path().join("taro.state.toml");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();

    let run = |apdus: &[Vec<u8>]| -> Vec<u16> {
        let child = vcard()
            .arg("--persona")
            .arg(&persona_file)
            .arg("--state")
            .arg(&state_file)
            .args(["--port", &port, "--remove-after", &apdus.len().to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write_message(&mut s, &[1]).unwrap();
        let mut sws = Vec::new();
        for apdu in apdus {
            write_message(&mut s, apdu).unwrap();
            sws.push(sw(&read_message(&mut s).unwrap().unwrap()));
        }
        // One more: the card leaves instead of answering, and the bridge exits.
        write_message(&mut s, &SELECT_JPKI).unwrap();
        assert!(matches!(read_message(&mut s), Ok(None)));
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("card test-taro inserted"), "{stdout}");
        assert!(stdout.contains("--remove-after"), "{stdout}");
        sws
    };

    let wrong = [
        SELECT_JPKI.to_vec(),
        select_ef_apdu(0x0018),
        verify_apdu(b"0000"),
    ];
    assert_eq!(run(&wrong), [0x9000, 0x9000, 0x63C2]);
    let saved = CardState::load(&state_file).unwrap();
    assert_eq!(saved.auth_pin_tries_left, 2);
    assert_eq!(saved.sign_password_tries_left, Some(5));

    // A restarted bridge keeps the counter.
    let status = [
        SELECT_JPKI.to_vec(),
        select_ef_apdu(0x0018),
        verify_apdu(b""),
    ];
    assert_eq!(run(&status), [0x9000, 0x9000, 0x63C2]);
}
