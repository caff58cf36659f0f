//! The technician's commands, each one card flow over a PC/SC reader.

use std::path::Path;

use jpki_card::{
    Authenticate, CardError, CardTransport, CertificateFile, PinEntry, PinKind, PinStatus,
    ReadCertificate, SignDocument, run, sha256,
};
use jpki_card_pcsc::PcscCard;
use jpki_cert::Purpose;

use crate::roots::Roots;
use crate::{prompt, select, show};

/// Seconds the reader's PIN pad waits for the PIN (`bTimerOut`, docs/domain/jpki.md §5.2):
/// long enough for a technician to read the prompt and type.
const PIN_PAD_TIMEOUT_SECS: u8 = 30;

/// Lists readers and the cards in them.
pub fn readers() -> Result<(), String> {
    let readers = select::scan()?;
    if readers.is_empty() {
        println!("no card readers");
    }
    for r in readers {
        match r.atr {
            Some(atr) => println!("{}\n  card present, ATR {}", r.name, hex::encode_upper(atr)),
            None => println!("{}\n  no card", r.name),
        }
    }
    Ok(())
}

/// Opens the chosen reader.
pub fn connect(reader: Option<&str>) -> Result<PcscCard, String> {
    let name = select::choose(reader)?;
    PcscCard::connect(&name).map_err(|e| format!("{name}: {e}"))
}

/// What the reader offers for the PIN: its pad (PC/SC part 10
/// `FEATURE_VERIFY_PIN_DIRECT`, docs/domain/jpki.md §5.1) or none.
pub fn pin_pad_line(card: &PcscCard) -> String {
    match card.pin_pad_features().verify_pin_direct {
        Some(ioctl) => format!(
            "PIN pad: yes (FEATURE_VERIFY_PIN_DIRECT, control code {ioctl:#010X}): the auth PIN \
             is typed on the reader"
        ),
        None => "PIN pad: no (the auth PIN is typed on this computer)".to_owned(),
    }
}

/// Prints the reader's PIN pad and the tries left on both PINs.
pub fn status(card: &mut PcscCard) -> Result<(), String> {
    println!("{}", pin_pad_line(card));
    let auth = run(&mut *card, PinStatus::new(PinKind::AuthPin)).map_err(explain)?;
    println!("利用者証明用暗証番号 (auth PIN): {auth} of 3 tries left");
    match run(&mut *card, PinStatus::new(PinKind::SignPassword)) {
        Ok(sign) => println!("署名用パスワード (signature password): {sign} of 5 tries left"),
        Err(CardError::SignatureCertificateAbsent) => {
            println!("署名用パスワード: this card has no signature certificate")
        }
        Err(e) => return Err(explain(e)),
    }
    Ok(())
}

/// Reads a certificate the card gives without a PIN and prints it.
pub fn read_cert(
    card: &mut dyn CardTransport,
    which: CertificateFile,
    roots: &Roots,
) -> Result<(), String> {
    let der = run(card, ReadCertificate::new(which)).map_err(explain)?;
    println!("{}", show::summary(&der));
    if which == CertificateFile::AuthCertificate {
        println!("  verdict:  {}", show::verdict(Purpose::Auth, &der, roots));
    }
    print!("{}", show::pem(&der)?);
    Ok(())
}

/// Signs a fresh random challenge with the auth key, as at the counter.
pub fn authenticate(
    card: &mut dyn CardTransport,
    confirm_last_try: bool,
    roots: &Roots,
) -> Result<(), String> {
    let mut challenge = [0u8; 32];
    getrandom::fill(&mut challenge).map_err(|e| format!("no randomness for the challenge: {e}"))?;
    let tries = run(&mut *card, PinStatus::new(PinKind::AuthPin)).map_err(explain)?;
    let pin = if card.has_pin_pad() {
        // The flow refuses the last try unless confirmed, before the pad asks.
        println!(
            "type the 4-digit PIN on the reader's PIN pad ({tries} tries left on the card, \
             {PIN_PAD_TIMEOUT_SECS} s)"
        );
        PinEntry::PinPad {
            timeout_secs: PIN_PAD_TIMEOUT_SECS,
        }
    } else {
        PinEntry::Host(prompt::auth_pin(tries)?)
    };
    let flow = Authenticate::new(pin, sha256(&challenge)).confirm_last_try(confirm_last_try);
    let auth = run(card, flow).map_err(explain)?;
    println!("challenge:  {}", hex::encode(challenge));
    println!(
        "signature:  {} bytes, checked against the certificate's key: good",
        auth.signature.len()
    );
    println!("{}", show::summary(&auth.certificate));
    println!(
        "  verdict:  {}",
        show::verdict(Purpose::Auth, &auth.certificate, roots)
    );
    Ok(())
}

/// Signs a file with the signature key and prints the holder's attributes.
pub fn sign(
    card: &mut dyn CardTransport,
    file: &Path,
    confirm_last_try: bool,
) -> Result<(), String> {
    let document =
        std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let tries = run(card, PinStatus::new(PinKind::SignPassword)).map_err(explain)?;
    let password = prompt::sign_password(tries)?;
    let flow = SignDocument::new(password, sha256(&document)).confirm_last_try(confirm_last_try);
    let signed = run(card, flow).map_err(explain)?;
    println!(
        "signed {} ({} bytes): {} byte signature, checked against the certificate's key: good",
        file.display(),
        document.len(),
        signed.signature.len()
    );
    println!("{}", show::summary(&signed.sign_certificate));
    println!("{}", show::identity(&signed.sign_certificate));
    println!("signature (hex): {}", hex::encode(&signed.signature));
    Ok(())
}

/// A card error as the technician should read it: what happened, what next.
pub fn explain(e: CardError) -> String {
    match e {
        CardError::LastTryNeedsConfirmation => {
            "one try is left on this PIN: a wrong entry blocks it until the holder visits the \
             municipal office. Ask the holder to be sure, then run again with --confirm-last-try"
                .to_owned()
        }
        other => other.to_string(),
    }
}
