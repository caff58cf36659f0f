//! `madoguchi-card --root FILE` with a card: a virtual card whose authentication
//! certificate was issued under a J-LIS-profile root that is compiled in nowhere
//! (`testkit::AddedRoot`, `crates/testkit/fixtures/added-roots/`) is refused by the
//! compiled-in roots alone (`untrusted_root`) and accepted, chained to that root, once the
//! root is given with `--root`. Uses the second vpcd slot (`… 00 01`), so it does not meet
//! the demo's card; run with `scripts/pcscd.sh run cargo test -p card-diag`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use jpki_card_pcsc::pcsc::{Context, ReaderState, Scope, State};
use jpki_card_sim::{Faults, Persona, VirtualCard, VpcdSlot};
use testkit::{AddedRoot, CertSpec, Pki, TestKey};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn env(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| {
        panic!(
            "{k} is not set: this test needs our pcscd with the vpcd reader: run it as \
             `scripts/pcscd.sh run cargo test -p card-diag` (make test does)"
        )
    })
}

/// Waits (5 s at most) until pcscd sees a card in `reader`, or none.
fn wait_for_card(reader: &str, present: bool) {
    let ctx = Context::establish(Scope::User).unwrap();
    let name = std::ffi::CString::new(reader).unwrap();
    let mut states = [ReaderState::new(name, State::UNAWARE)];
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if let Err(e) = ctx.get_status_change(left, &mut states) {
            panic!(
                "pcscd did not see the card {} in {reader}: {e}",
                if present { "come" } else { "go" }
            );
        }
        if states[0].event_state().contains(State::PRESENT) == present {
            return;
        }
        states[0].sync_current_state();
    }
}

/// sato-hanako's card, but with an authentication certificate for her card's key issued
/// under the added root (and that root as the card's CA certificate).
fn card_under_the_added_root() -> Persona {
    let mut persona =
        Persona::load(&workspace_root().join("assets/personas/sato-hanako.toml")).unwrap();
    let key = TestKey::from_pkcs8_pem("sato-hanako auth", &persona.pem.auth_private_key).unwrap();
    let root = AddedRoot::load().unwrap();
    let mut spec = CertSpec::under_added_root().unwrap();
    spec.subject_key = Some(key.public_key_info().unwrap());
    let der = spec.issue_under(&Pki::load().unwrap(), &root).unwrap();
    persona.pem.auth_certificate = testkit::assemble::to_pem("CERTIFICATE", &der).unwrap();
    persona.pem.auth_ca_certificate = root.pem().unwrap();
    persona.validate().unwrap();
    persona
}

fn read_cert(reader: &str, roots: &[&std::ffi::OsStr]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi-card"));
    cmd.args(["--reader", reader]);
    for root in roots {
        cmd.arg("--root").arg(root);
    }
    cmd.args(["read-cert", "auth"]).output().unwrap()
}

fn stdout(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn a_card_under_a_root_compiled_in_nowhere_is_accepted_only_with_that_root_added() {
    env("MADOGUCHI_PCSCD");
    let port: u16 = env("MADOGUCHI_VPCD_PORT").parse().unwrap();
    let reader = format!("{} 00 01", env("MADOGUCHI_VIRTUAL_READER"));
    wait_for_card(&reader, false);
    let mut slot = VpcdSlot::new(SocketAddr::from((Ipv4Addr::LOCALHOST, port + 1)));
    slot.insert(
        VirtualCard::from_persona(&card_under_the_added_root()).unwrap(),
        Faults::default(),
    )
    .unwrap();
    wait_for_card(&reader, true);

    // The compiled-in roots alone: the card's certificate has no known issuer.
    let alone = stdout(&read_cert(&reader, &[]));
    assert!(
        alone.contains("verdict:  REFUSED: no trusted root for this issuer and key identifier"),
        "{alone}"
    );
    assert!(alone.contains("O=JPKI,C=JP"), "{alone}");

    // With the root added: its description, then the certificate accepted under it.
    let path = AddedRoot::path();
    let added = stdout(&read_cert(&reader, &[path.as_os_str()]));
    for expected in [
        format!(
            "added root {}: J-LIS user-authentication root, serial ",
            path.display()
        ),
        "  compare this fingerprint with the one J-LIS publishes for this root before you trust it"
            .to_owned(),
        "verdict:  accepted: chains to authca-added (Production roots)".to_owned(),
    ] {
        assert!(
            added.contains(&expected),
            "missing {expected:?} in:\n{added}"
        );
    }
    slot.remove();
    wait_for_card(&reader, false);
}
