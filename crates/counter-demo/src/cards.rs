//! [`DemoCards`]: the persona cards, placed on and removed from the one vpcd reader of our
//! pcscd, each card kept between placements so its PIN tries persist.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use counter_runtime::counter::api::DemoCard;
use jpki_card_pcsc::{Monitor, ReaderEvent};
use jpki_card_sim::{Faults, Persona, VirtualCard, VpcdSlot};

use crate::enrol::load;
use crate::error::DemoError;
use crate::personas::{DemoPersona, PERSONAS};

/// The environment `scripts/pcscd.sh run` sets: the vpcd slot's TCP port on loopback.
pub const PORT_VAR: &str = "MADOGUCHI_VPCD_PORT";
/// The environment `scripts/pcscd.sh run` sets: the virtual readers' name prefix.
pub const READER_VAR: &str = "MADOGUCHI_VIRTUAL_READER";

/// The environment `scripts/pcscd.sh run` sets when the virtual PIN-pad reader
/// (`crates/ifd-pinpad`) is loaded: its name, without the slot's ` 00 00`.
pub const PINPAD_READER_VAR: &str = "MADOGUCHI_PINPAD_READER";
/// ... and the TCP port on loopback where its card goes in (vpcd's protocol, so the same
/// [`VpcdSlot`] places a card there). Its keys are pressed on `MADOGUCHI_PINPAD_KEYS_PORT`
/// (`madoguchi_ifd_pinpad::PadKeys`).
pub const PINPAD_PORT_VAR: &str = "MADOGUCHI_PINPAD_PORT";

/// How long pcscd may take to see a card leave (it polls vpcd every 55–400 ms; 140–320 ms
/// measured, `jpki_card_sim::VpcdSlot`), with a wide margin for a loaded machine.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(5);
/// A monitor reports the cards present when it starts; when no event came for this long,
/// it has said all it had to say.
const QUIET: Duration = Duration::from_millis(300);

/// The vpcd reader of our pcscd that the demo's cards go into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualReader {
    /// vpcd's TCP port on 127.0.0.1.
    pub port: u16,
    /// The reader's PC/SC name.
    pub name: String,
}

impl VirtualReader {
    /// The first vpcd slot of `scripts/pcscd.sh`: [`PORT_VAR`], and [`READER_VAR`] with
    /// ` 00 00` appended. Fails, saying to run under `scripts/pcscd.sh run`, when either is
    /// unset.
    pub fn from_env() -> Result<VirtualReader, DemoError> {
        let var = |var: &'static str| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or(DemoError::NoVirtualReader { var })
        };
        let value = var(PORT_VAR)?;
        let port = value
            .trim()
            .parse()
            .map_err(|_| DemoError::BadVpcdPort { value })?;
        // The slot on MADOGUCHI_VPCD_PORT is "<prefix> 00 00" (scripts/pcscd.sh).
        let name = format!("{} 00 00", var(READER_VAR)?);
        Ok(VirtualReader { port, name })
    }

    /// The virtual PIN-pad reader of `scripts/pcscd.sh` ([`PINPAD_PORT_VAR`], and
    /// [`PINPAD_READER_VAR`] with ` 00 00` appended); `None` when pcscd runs without it
    /// (its driver is not built).
    pub fn pin_pad_from_env() -> Result<Option<VirtualReader>, DemoError> {
        let var = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
        let Some(prefix) = var(PINPAD_READER_VAR) else {
            return Ok(None);
        };
        let value = var(PINPAD_PORT_VAR).unwrap_or_default();
        let port = value
            .trim()
            .parse()
            .map_err(|_| DemoError::BadPinPadPort { value })?;
        Ok(Some(VirtualReader {
            port,
            name: format!("{prefix} 00 00"),
        }))
    }
}

/// The demo panel's cards on the virtual reader. Cheap to clone; every clone moves the same
/// cards. The card on the reader is taken out when the last clone goes.
///
/// [`DemoCards::place`] and [`DemoCards::remove`] block (connecting to vpcd, waiting for
/// pcscd to see a card leave: up to a few seconds); call them from a blocking thread
/// (`tokio::task::spawn_blocking`) in async code.
#[derive(Clone)]
pub struct DemoCards {
    inner: Arc<Inner>,
}

struct Inner {
    reader: String,
    personas: Vec<Entry>,
    state: Mutex<State>,
}

/// One persona card of the panel.
struct Entry {
    demo: &'static DemoPersona,
    persona: Persona,
}

struct State {
    slot: VpcdSlot,
    /// The persona whose card is in the slot.
    on: Option<&'static str>,
    /// The cards taken out, with their tries as they left.
    kept: HashMap<&'static str, VirtualCard>,
    /// A card was taken out ([`DemoCards::remove`]) and no card placed since: pcscd may
    /// not have seen it leave yet.
    left: bool,
}

impl std::fmt::Debug for DemoCards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoCards")
            .field("reader", &self.inner.reader)
            .finish_non_exhaustive()
    }
}

impl DemoCards {
    /// The cards of every test persona, for `reader`; none is placed yet. Fails if a
    /// persona's file cannot be loaded.
    pub fn new(reader: &VirtualReader) -> Result<DemoCards, DemoError> {
        let personas = PERSONAS
            .iter()
            .map(|demo| {
                Ok(Entry {
                    demo,
                    persona: load(demo.id)?,
                })
            })
            .collect::<Result<Vec<_>, DemoError>>()?;
        let slot = VpcdSlot::new(SocketAddr::from((Ipv4Addr::LOCALHOST, reader.port)));
        Ok(DemoCards {
            inner: Arc::new(Inner {
                reader: reader.name.clone(),
                personas,
                state: Mutex::new(State {
                    slot,
                    on: None,
                    kept: HashMap::new(),
                    left: false,
                }),
            }),
        })
    }

    /// The PC/SC name of the reader the cards go into.
    pub fn reader_name(&self) -> &str {
        &self.inner.reader
    }

    /// Every card, in the panel's order (the enrolled personas first).
    pub fn list(&self) -> Vec<DemoCard> {
        let on = self.on_reader();
        self.inner
            .personas
            .iter()
            .map(|e| DemoCard {
                id: e.demo.id.to_owned(),
                name: e.persona.name.clone(),
                note_ja: e.demo.note_ja.to_owned(),
                note_en: e.demo.note_en.to_owned(),
                pin: e.persona.auth_pin.clone(),
                enrolled: e.demo.enrolment.is_some(),
                on_reader: on.as_deref() == Some(e.demo.id),
            })
            .collect()
    }

    /// Places `persona_id`'s card on the reader, taking out the card that is on it first
    /// (and waiting until pcscd has seen it, or a card taken out just before, leave, so
    /// the counter sees a new card). The
    /// card keeps the tries it had when it was last taken out; if vpcd refuses the card,
    /// it is lost and its next placement starts with the persona's tries.
    pub fn place(&self, persona_id: &str) -> Result<(), DemoError> {
        let entry = self
            .inner
            .personas
            .iter()
            .find(|e| e.demo.id == persona_id)
            .ok_or_else(|| DemoError::UnknownPersona {
                persona: persona_id.to_owned(),
            })?;
        let mut state = self.state();
        // The card on the reader, or one taken out a moment ago: either may still be in
        // pcscd's view.
        let taken_out = take_out(&mut state);
        if taken_out || std::mem::take(&mut state.left) {
            wait_until_gone(&self.inner.reader);
        }
        let id = entry.demo.id;
        let card = match state.kept.remove(id) {
            Some(card) => card,
            None => VirtualCard::from_persona(&entry.persona)
                .map_err(|source| DemoError::Reader { source })?,
        };
        state
            .slot
            .insert(card, Faults::default())
            .map_err(|source| DemoError::Reader { source })?;
        state.on = Some(id);
        tracing::info!(persona = id, "demo card placed");
        Ok(())
    }

    /// Takes the card on the reader out (nothing if the reader is empty).
    pub fn remove(&self) -> Result<(), DemoError> {
        let mut state = self.state();
        if take_out(&mut state) {
            state.left = true;
        }
        Ok(())
    }

    /// The persona whose card is on the reader.
    pub fn on_reader(&self) -> Option<String> {
        let state = self.state();
        state
            .on
            .filter(|_| state.slot.is_inserted())
            .map(str::to_owned)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the state consistent enough: at worst a
        // card is forgotten and starts afresh.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Takes the card out of the slot and keeps it; whether there was one.
fn take_out(state: &mut State) -> bool {
    let Some(id) = state.on.take() else {
        return false;
    };
    if let Some(card) = state.slot.remove() {
        state.kept.insert(id, card);
    }
    tracing::info!(persona = id, "demo card removed");
    true
}

/// Waits (at most [`LEAVE_TIMEOUT`]) until pcscd no longer reports a card in `reader`.
/// Without this, a card swapped within one of pcscd's polls would look like the same card
/// never removed. Gives up quietly: the next card goes in anyway.
fn wait_until_gone(reader: &str) {
    let monitor = match Monitor::start() {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the virtual reader; placing the card anyway");
            return;
        }
    };
    let mut present = false;
    let deadline = Instant::now() + LEAVE_TIMEOUT;
    while Instant::now() < deadline {
        let Some(e) = monitor.recv_timeout(QUIET) else {
            break;
        };
        match e {
            ReaderEvent::CardInserted { reader: r, .. } if r == reader => present = true,
            ReaderEvent::CardRemoved { reader: r } if r == reader => present = false,
            _ => {}
        }
    }
    if present
        && monitor
            .wait_for(
                LEAVE_TIMEOUT,
                |e| matches!(e, ReaderEvent::CardRemoved { reader: r } if r == reader),
            )
            .is_none()
    {
        tracing::warn!(
            reader,
            "pcscd still sees the previous card; placing the next anyway"
        );
    }
    monitor.stop();
}
