//! `madoguchi-card demo`: a short session against the virtual card through the
//! real PC/SC stack (our pcscd + vpcd), printing what happens at each step.
//! What `make demo` runs until the desktop app exists.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use jpki_card::{
    AuthPin, Authenticate, CardError, CertificateFile, PinEntry, PinKind, PinStatus,
    ReadCertificate, SignDocument, SignPassword, run, sha256,
};
use jpki_card_pcsc::{Monitor, PcscCard, ReaderEvent};
use jpki_card_sim::{Faults, Persona, VirtualCard, VpcdSlot};
use jpki_cert::Purpose;

use crate::commands::explain;
use crate::roots::Roots;
use crate::show;

/// pcscd sees a card arrive within 55–400 ms (docs/domain/build-and-test.md); allow more.
const CARD_EVENT_LIMIT: Duration = Duration::from_secs(5);

/// The application the customer signs at enrollment, in the demo.
const APPLICATION: &str = "Madoguchi 利用申込書: 保険証情報とカード決済の連携を申し込みます。";

/// Runs the demo session with the persona in `persona_file`, inserting the
/// virtual card into the vpcd slot on `port`, which pcscd shows as `reader`.
pub fn demo(persona_file: &Path, port: u16, reader: &str, test_roots: &Path) -> Result<(), String> {
    let persona = Persona::load(persona_file).map_err(|e| e.to_string())?;
    let card = VirtualCard::from_persona(&persona).map_err(|e| e.to_string())?;
    println!(
        "Madoguchi card demo: virtual My Number card of {}",
        persona.label
    );
    println!("(test card under O=JPKI-TEST roots; the PINs come from the persona file)\n");

    let monitor = Monitor::start().map_err(|e| format!("cannot watch the readers: {e}"))?;
    let mut slot = VpcdSlot::new(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    slot.insert(card, Faults::default())
        .map_err(|e| e.to_string())?;
    match monitor.wait_for(
        CARD_EVENT_LIMIT,
        |e| matches!(e, ReaderEvent::CardInserted { reader: r, .. } if r == reader),
    ) {
        Some(ReaderEvent::CardInserted { atr, .. }) => {
            println!("1. card placed: {reader}, ATR {}", hex::encode_upper(atr));
        }
        _ => {
            return Err(format!(
                "pcscd did not report the virtual card in {reader:?} within 5 s \
                 (is pcscd running with our vpcd configuration? scripts/pcscd.sh start)"
            ));
        }
    }
    let mut pcsc = PcscCard::connect(reader).map_err(|e| format!("{reader}: {e}"))?;

    step_read(&mut pcsc, test_roots)?;
    step_status(&mut pcsc)?;
    step_wrong_pin(&mut pcsc, &persona)?;
    step_authenticate(&mut pcsc, &persona, &slot, test_roots)?;
    step_sign(&mut pcsc, &persona, test_roots)?;
    drop(pcsc);

    slot.remove();
    let gone = monitor.wait_for(
        CARD_EVENT_LIMIT,
        |e| matches!(e, ReaderEvent::CardRemoved { reader: r } if r == reader),
    );
    println!(
        "7. card taken away{}",
        if gone.is_some() {
            ": pcscd saw it leave"
        } else {
            ""
        }
    );
    monitor.stop();
    Ok(())
}

fn step_read(card: &mut PcscCard, test_roots: &Path) -> Result<(), String> {
    let der = run(card, ReadCertificate::new(CertificateFile::AuthCertificate)).map_err(explain)?;
    println!("2. 利用者証明用証明書 read without a PIN:");
    println!("{}", show::summary(&der));
    println!(
        "  verdict:  {}",
        show::verdict(Purpose::Auth, &der, &Roots::Test(test_roots.to_owned()))
    );
    Ok(())
}

fn step_status(card: &mut PcscCard) -> Result<(), String> {
    let auth = run(card, PinStatus::new(PinKind::AuthPin)).map_err(explain)?;
    let sign = match run(card, PinStatus::new(PinKind::SignPassword)) {
        Ok(n) => format!("{n} of 5"),
        Err(CardError::SignatureCertificateAbsent) => "no signature certificate".to_owned(),
        Err(e) => return Err(explain(e)),
    };
    println!("3. tries left: auth PIN {auth} of 3, signature password {sign}");
    Ok(())
}

fn step_wrong_pin(card: &mut PcscCard, persona: &Persona) -> Result<(), String> {
    // A PIN that is not the persona's: each digit moved on by one.
    // It tells the real PIN apart by one per digit: wiped like a PIN when dropped.
    let wrong: zeroize::Zeroizing<String> = zeroize::Zeroizing::new(
        persona
            .auth_pin
            .bytes()
            .map(|b| char::from(b'0' + (b - b'0' + 1) % 10))
            .collect(),
    );
    let pin = AuthPin::new(&wrong).map_err(|e| e.to_string())?;
    let flow = Authenticate::new(PinEntry::Host(pin), sha256(b"demo"));
    match run(card, flow) {
        Err(CardError::PinIncorrect { tries_left }) => {
            println!("4. a wrong PIN is refused by the card: {tries_left} tries left")
        }
        Err(e) => println!("4. a wrong PIN: {}", explain(e)),
        Ok(_) => return Err("the card accepted a wrong PIN".to_owned()),
    }
    Ok(())
}

fn step_authenticate(
    card: &mut PcscCard,
    persona: &Persona,
    slot: &VpcdSlot,
    test_roots: &Path,
) -> Result<(), String> {
    let mut challenge = [0u8; 32];
    getrandom::fill(&mut challenge).map_err(|e| format!("no randomness: {e}"))?;
    let pin = AuthPin::new(&persona.auth_pin).map_err(|e| e.to_string())?;
    let flow = Authenticate::new(PinEntry::Host(pin), sha256(&challenge)).confirm_last_try(true);
    let before = slot.apdu_count();
    let started = Instant::now();
    let auth = run(card, flow).map_err(explain)?;
    let elapsed = started.elapsed();
    println!(
        "5. challenge signed with the auth key: {} APDUs, {:.1} ms through pcscd + vpcd",
        slot.apdu_count() - before,
        elapsed.as_secs_f64() * 1e3
    );
    println!("  signature checked against the certificate's key: good");
    println!(
        "  verdict:  {}",
        show::verdict(
            Purpose::Auth,
            &auth.certificate,
            &Roots::Test(test_roots.to_owned())
        )
    );
    Ok(())
}

fn step_sign(card: &mut PcscCard, persona: &Persona, test_roots: &Path) -> Result<(), String> {
    let Some(password) = &persona.sign_password else {
        println!("6. this card has no signature certificate: enrollment needs another path");
        return Ok(());
    };
    let password = SignPassword::new(password).map_err(|e| e.to_string())?;
    let flow =
        SignDocument::new(password, sha256(APPLICATION.as_bytes())).read_auth_certificate(true);
    let signed = run(card, flow).map_err(explain)?;
    println!("6. application signed with the signature key; the certificate says:");
    println!("{}", show::identity(&signed.sign_certificate));
    println!(
        "  verdict:  {}",
        show::verdict(
            Purpose::Sign,
            &signed.sign_certificate,
            &Roots::Test(test_roots.to_owned())
        )
    );
    Ok(())
}
