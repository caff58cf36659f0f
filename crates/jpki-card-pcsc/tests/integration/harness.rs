//! What every pcscd test needs: the harness's environment, one lock (the
//! virtual readers are shared), cards in slots, and waits on reader state.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jpki_card_pcsc::pcsc::{self, Context, ReaderState, Scope, State};
use jpki_card_sim::{Faults, Persona, VirtualCard, VpcdSlot};

/// How to run these tests, said when they are run otherwise.
pub const HOW_TO_RUN: &str = "these tests need our pcscd with the vpcd virtual readers: \
     run them as `scripts/pcscd.sh run cargo test -p jpki-card-pcsc` (or `make test`)";

/// Longest wait for pcscd to notice a card come or go (measured 55–400 ms).
pub const CARD_EVENT: Duration = Duration::from_secs(5);

/// The environment `scripts/pcscd.sh run` exports.
pub struct Env {
    /// vpcd port of reader `00 00`; `00 01` is on the next one.
    pub port: u16,
    /// Reader name prefix.
    pub reader_prefix: String,
    /// pcscd's log file.
    pub pcscd_log: PathBuf,
}

impl Env {
    /// The PC/SC name of virtual reader `i` (0 or 1).
    pub fn reader(&self, i: u16) -> String {
        format!("{} 00 {i:02}", self.reader_prefix)
    }

    /// The vpcd address of virtual reader `i`.
    pub fn addr(&self, i: u16) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port + i))
    }
}

static READERS: Mutex<()> = Mutex::new(());

/// Takes the lock on the virtual readers and reads the environment; fails
/// the test with instructions when pcscd was not started by the harness.
/// The first call also sends every `tracing` event, at TRACE, to
/// [`trace_file`], which the no-PIN test (and `make pin-check`) reads.
pub fn setup() -> (MutexGuard<'static, ()>, Env) {
    let guard = READERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let env = env();
    static TRACING: std::sync::Once = std::sync::Once::new();
    TRACING.call_once(|| {
        let file = std::fs::File::create(trace_file(&env)).expect("trace file");
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(Mutex::new(file))
            .with_ansi(false)
            .without_time() // timestamps would make the digit checks ambiguous
            .with_thread_names(true)
            .init();
    });
    (guard, env)
}

/// Where this test binary's TRACE-level log goes: beside pcscd's log, under
/// `.run/`, where `scripts/check-no-pins.sh` looks.
pub fn trace_file(env: &Env) -> PathBuf {
    let dir = env
        .pcscd_log
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    dir.join(format!("jpki-card-pcsc-{}.trace", env!("CARGO_CRATE_NAME")))
}

/// The virtual PIN-pad reader (`crates/ifd-pinpad`), which scripts/pcscd.sh
/// loads beside vpcd when its driver is built.
pub struct PadEnv {
    /// The reader's PC/SC name.
    pub reader: String,
    /// Where the virtual card connects (vpcd's protocol).
    pub card: SocketAddr,
    /// Where the keys are pressed.
    pub keys: SocketAddr,
}

/// The PIN-pad reader's environment; fails the test with instructions
/// when pcscd runs without it.
pub fn pad_env() -> PadEnv {
    let _ = env();
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set: pcscd runs without the virtual PIN-pad reader. Build its \
                 driver (`cargo build -p ifd-pinpad`, or `make build`) and run the tests again \
                 through `scripts/pcscd.sh run` (see the line it prints on stderr)"
            )
        })
    };
    let port = |name: &str| -> u16 {
        var(name)
            .parse()
            .unwrap_or_else(|_| panic!("{name} is a port number"))
    };
    PadEnv {
        reader: format!("{} 00 00", var("MADOGUCHI_PINPAD_READER")),
        card: SocketAddr::from((Ipv4Addr::LOCALHOST, port("MADOGUCHI_PINPAD_PORT"))),
        keys: SocketAddr::from((Ipv4Addr::LOCALHOST, port("MADOGUCHI_PINPAD_KEYS_PORT"))),
    }
}

/// The harness's environment (panics with [`HOW_TO_RUN`] without it).
pub fn env() -> Env {
    if std::env::var_os("MADOGUCHI_PCSCD").is_none_or(|v| v.is_empty()) {
        panic!("MADOGUCHI_PCSCD is not set: {HOW_TO_RUN}");
    }
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: {HOW_TO_RUN}"))
    };
    Env {
        port: var("MADOGUCHI_VPCD_PORT")
            .parse()
            .expect("MADOGUCHI_VPCD_PORT is a port number"),
        reader_prefix: var("MADOGUCHI_VIRTUAL_READER"),
        pcscd_log: PathBuf::from(var("MADOGUCHI_PCSCD_LOG")),
    }
}

/// A persona from `assets/personas`.
pub fn persona(id: &str) -> Persona {
    testkit::load_persona(id).unwrap_or_else(|e| panic!("persona {id}: {e}"))
}

/// A fresh virtual card for a persona.
pub fn card(id: &str) -> VirtualCard {
    VirtualCard::from_persona(&persona(id)).unwrap_or_else(|e| panic!("card {id}: {e}"))
}

/// A virtual reader with a card in it; taking the card out waits until
/// pcscd has seen it go, so the next test starts from an empty reader.
pub struct Inserted {
    /// The vpcd slot (for `apdu_count`, `remove`).
    pub slot: VpcdSlot,
    /// The reader's PC/SC name.
    pub reader: String,
}

impl Inserted {
    /// Inserts `card` into reader `i` and waits until pcscd reports it present.
    pub fn new(env: &Env, i: u16, card: VirtualCard, faults: Faults) -> Inserted {
        Inserted::into(env.reader(i), env.addr(i), card, faults)
    }

    /// Inserts `card` into the reader `reader` whose card port is `addr`
    /// (vpcd's protocol: a vpcd slot or the PIN-pad reader).
    pub fn into(reader: String, addr: SocketAddr, card: VirtualCard, faults: Faults) -> Inserted {
        wait_for_card(&reader, false);
        let mut slot = VpcdSlot::new(addr);
        slot.insert(card, faults)
            .expect("the reader takes the card");
        wait_for_card(&reader, true);
        Inserted { slot, reader }
    }

    /// Takes the card out, waits until pcscd has seen it go, gives it back.
    pub fn remove(&mut self) -> Option<VirtualCard> {
        let card = self.slot.remove();
        wait_for_card(&self.reader, false);
        card
    }
}

impl Drop for Inserted {
    fn drop(&mut self) {
        if self.slot.is_inserted() {
            self.slot.remove();
        }
        // Best effort: pcscd may be stopped (the restart test) or the test failing.
        let _ = try_wait_for_card(&self.reader, false);
    }
}

/// Waits (on `SCardGetStatusChange`, no sleeping) until `reader` has a card
/// (`present`) or has none; panics after [`CARD_EVENT`].
pub fn wait_for_card(reader: &str, present: bool) {
    if let Err(e) = try_wait_for_card(reader, present) {
        panic!("{e}");
    }
}

/// [`wait_for_card`], with the failure as a message.
pub fn try_wait_for_card(reader: &str, present: bool) -> Result<(), String> {
    let ctx = Context::establish(Scope::User).map_err(|e| format!("pcscd does not answer: {e}"))?;
    let name = std::ffi::CString::new(reader).map_err(|e| e.to_string())?;
    let mut states = vec![ReaderState::new(name, State::UNAWARE)];
    let deadline = std::time::Instant::now() + CARD_EVENT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match ctx.get_status_change(left, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => {
                let what = if present { "inserted" } else { "removed" };
                return Err(format!("{reader}: no card {what} after {CARD_EVENT:?}"));
            }
            Err(e) => return Err(format!("{reader}: waiting for the card: {e}")),
        }
        let now = states[0].event_state();
        if now.intersects(State::UNKNOWN | State::IGNORE) {
            return Err(format!("{reader} is not a reader pcscd knows ({now:?})"));
        }
        if now.contains(State::PRESENT) == present {
            return Ok(());
        }
        states[0].sync_current_state();
    }
}

/// Connects to `reader` (APDU traces on) and runs `flow` with the jpki-card
/// driver, which powers the card down at the end; the driver's masked trace
/// lines go to `tracing` as well.
pub fn run_flow<F: jpki_card::Flow>(
    reader: &str,
    flow: F,
) -> Result<F::Output, jpki_card::CardError> {
    let options = jpki_card_pcsc::PcscCardOptions::default().with_trace_apdus(true);
    let mut card = jpki_card_pcsc::PcscCard::connect_with(reader, options)?;
    jpki_card::run_with_trace(
        &mut card,
        flow,
        |line| tracing::trace!(target: "flow", "{line}"),
    )
}

/// A certificate's DER from its PEM in a persona.
pub fn der(pem: &str) -> Vec<u8> {
    jpki_cert::JpkiCertificate::from_pem_or_der(pem.as_bytes())
        .expect("persona certificate")
        .der()
        .to_vec()
}

/// Checks `signature` over SHA-256(`message`) against the certificate `der`.
pub fn assert_signature_verifies(der: &[u8], message: &[u8], signature: &[u8]) {
    let cert = jpki_cert::JpkiCertificate::from_der(der).expect("certificate parses");
    jpki_cert::challenge::verify_challenge(&cert, message, signature)
        .expect("the card's signature verifies against its certificate");
}
