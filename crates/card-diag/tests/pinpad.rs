//! `madoguchi-card status` and `authenticate` on a reader with a PIN pad, as a technician
//! checks one: the virtual PIN-pad reader (`crates/ifd-pinpad`) that scripts/pcscd.sh loads
//! beside vpcd, the virtual card in it, and this test typing on its keys. Run with
//! `scripts/pcscd.sh run cargo test -p card-diag`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jpki_card_pcsc::pcsc::{Context, ReaderState, Scope, State};
use jpki_card_sim::{Faults, Persona, VirtualCard, VpcdSlot};
use madoguchi_ifd_pinpad::{Key, PadKeys};

/// One test at a time on the pad reader.
static PAD: Mutex<()> = Mutex::new(());

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct PadReader {
    _lock: MutexGuard<'static, ()>,
    name: String,
    keys: SocketAddr,
    slot: VpcdSlot,
    pin: String,
}

/// sato-hanako's card in the PIN-pad reader; fails with instructions without it.
fn pad_reader() -> PadReader {
    let lock = PAD.lock().unwrap_or_else(|p| p.into_inner());
    let var = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| {
            panic!(
                "{k} is not set: this test needs our pcscd with the virtual PIN-pad reader; \
                 build its driver (`cargo build -p ifd-pinpad`, or `make build`) and run it as \
                 `scripts/pcscd.sh run cargo test -p card-diag`"
            )
        })
    };
    let port = |k: &str| SocketAddr::from((Ipv4Addr::LOCALHOST, var(k).parse::<u16>().unwrap()));
    let name = var("MADOGUCHI_PINPAD_READER");
    let persona =
        Persona::load(&workspace_root().join("assets/personas/sato-hanako.toml")).unwrap();
    // pcscd polls its readers: it sees the last test's card leave, then this one come,
    // before the diagnostic connects.
    wait_for_card(&name, false);
    let mut slot = VpcdSlot::new(port("MADOGUCHI_PINPAD_PORT"));
    slot.insert(
        VirtualCard::from_persona(&persona).unwrap(),
        Faults::default(),
    )
    .unwrap();
    wait_for_card(&name, true);
    PadReader {
        _lock: lock,
        keys: port("MADOGUCHI_PINPAD_KEYS_PORT"),
        name,
        slot,
        pin: persona.auth_pin.clone(),
    }
}

/// Waits (on `SCardGetStatusChange`, 5 s at most) until pcscd sees a card in the
/// reader named `name` ("<name> 00 00"), or none.
fn wait_for_card(name: &str, present: bool) {
    let ctx = Context::establish(Scope::User).unwrap();
    let reader = std::ffi::CString::new(format!("{name} 00 00")).unwrap();
    let mut states = [ReaderState::new(reader, State::UNAWARE)];
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if let Err(e) = ctx.get_status_change(left, &mut states) {
            panic!(
                "pcscd did not see the card {}: {e}",
                if present { "come" } else { "go" }
            );
        }
        if states[0].event_state().contains(State::PRESENT) == present {
            return;
        }
        states[0].sync_current_state();
    }
}

fn madoguchi_card(reader: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_madoguchi-card"))
        .args([
            "--reader",
            reader,
            "--test-roots",
            "crates/testkit/fixtures/roots",
        ])
        .args(args)
        .current_dir(workspace_root())
        .output()
        .unwrap()
}

/// Runs `authenticate` while the customer does `then` on the pad once it prompts.
fn authenticate_with(pad: &PadReader, then: impl FnOnce(&mut PadKeys) + Send + 'static) -> Output {
    let keys = pad.keys;
    let fingers = std::thread::spawn(move || {
        let mut keys = PadKeys::connect(keys).unwrap();
        keys.wait_prompt(Duration::from_secs(20)).unwrap();
        then(&mut keys);
    });
    let out = madoguchi_card(&pad.name, &["authenticate"]);
    fingers.join().unwrap();
    out
}

#[test]
fn status_says_the_reader_has_a_pin_pad() {
    let pad = pad_reader();
    let out = madoguchi_card(&pad.name, &["status"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("PIN pad: yes (FEATURE_VERIFY_PIN_DIRECT, control code 0x424D0006)"),
        "{stdout}"
    );
    assert!(stdout.contains("3 of 3 tries left"), "{stdout}");
    drop(pad.slot);
}

#[test]
fn authenticate_takes_the_pin_on_the_pad_and_never_shows_it() {
    let pad = pad_reader();
    let pin = pad.pin.clone();
    let out = authenticate_with(&pad, move |keys| keys.type_digits(&pin).unwrap());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("type the 4-digit PIN on the reader's PIN pad (3 tries left"),
        "{stdout}"
    );
    assert!(
        stdout.contains("signature:  256 bytes, checked against the certificate's key: good"),
        "{stdout}"
    );
    assert!(!stdout.contains(&pad.pin) && !stderr.contains(&pad.pin));
}

#[test]
fn a_cancel_on_the_pad_is_reported_and_costs_nothing() {
    let pad = pad_reader();
    let out = authenticate_with(&pad, |keys| keys.press(Key::Cancel).unwrap());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("the PIN entry was cancelled on the PIN pad"),
        "{stderr}"
    );
    let out = madoguchi_card(&pad.name, &["status"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 of 3 tries left"));
}
