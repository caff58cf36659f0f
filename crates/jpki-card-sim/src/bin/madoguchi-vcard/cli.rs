//! Arguments and the run loop of `madoguchi-vcard`.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use jpki_card_sim::{CardState, EjectReason, Faults, Persona, SimError, VirtualCard, VpcdSlot};

/// Insert a virtual My Number card into a vpcd reader (start pcscd with
/// scripts/pcscd.sh first).
#[derive(Debug, Parser)]
#[command(name = "madoguchi-vcard", version)]
pub struct Args {
    /// Persona file (TOML, see assets/personas/).
    #[arg(long, value_name = "FILE")]
    pub persona: PathBuf,
    /// vpcd port of the reader (scripts/pcscd.sh: 40017 and 40018).
    #[arg(long, default_value_t = 40017)]
    pub port: u16,
    /// vpcd host.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Keep the retry counters in FILE: restored at start if it exists, saved
    /// on every change.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Delay added to every APDU, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub apdu_delay_ms: u64,
    /// Delay added to COMPUTE DIGITAL SIGNATURE, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub sign_delay_ms: u64,
    /// The card leaves the reader after answering N APDUs.
    #[arg(long, value_name = "N")]
    pub remove_after: Option<u32>,
}

/// Loads the card, inserts it and serves it until it leaves.
pub fn run(args: &Args) -> Result<(), SimError> {
    let persona = Persona::load(&args.persona)?;
    let mut card = VirtualCard::from_persona(&persona)?;
    if let Some(path) = &args.state {
        restore_or_create(&mut card, path)?;
    }
    let faults = Faults {
        remove_after_apdus: args.remove_after,
        apdu_delay: Duration::from_millis(args.apdu_delay_ms),
        sign_delay: Duration::from_millis(args.sign_delay_ms),
    };
    let addr = SocketAddr::new(args.host, args.port);
    let mut slot = VpcdSlot::new(addr);
    if let Some(path) = args.state.clone() {
        slot.set_state_observer(Box::new(move |state: &CardState| {
            if let Err(e) = state.save(&path) {
                eprintln!("madoguchi-vcard: warning: {e}");
            }
        }));
    }
    slot.insert(card, faults)?;
    println!(
        "madoguchi-vcard: card {} inserted into vpcd at {addr}",
        persona.id
    );
    let reason = slot.wait_until_gone();
    let how = match reason {
        Some(EjectReason::RemoveFault) => "removed by --remove-after",
        _ => "vpcd closed the connection (pcscd stopped?)",
    };
    println!(
        "madoguchi-vcard: card {} left the reader: {how}",
        persona.id
    );
    Ok(())
}

/// Restores the counters from `path`, or writes the card's current ones there.
fn restore_or_create(card: &mut VirtualCard, path: &Path) -> Result<(), SimError> {
    if path.exists() {
        card.restore_state(&CardState::load(path)?)
    } else {
        card.state().save(path)
    }
}
