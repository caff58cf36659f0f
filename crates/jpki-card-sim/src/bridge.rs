//! [`VpcdSlot`]: one vpcd reader, into which a [`VirtualCard`] is inserted by
//! connecting to vpcd and served on a thread until it is removed.

use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::linux::net::TcpStreamExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::card::VirtualCard;
use crate::error::SimError;
use crate::faults::Faults;
use crate::state::CardState;
use crate::vpcd;

/// How long [`VpcdSlot::insert`] waits for vpcd to take the connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Called with the card's new state each time its retry counters change.
pub type StateObserver = Box<dyn FnMut(&CardState) + Send>;

/// Why a card left its vpcd reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EjectReason {
    /// [`VpcdSlot::remove`] took it out.
    Removed,
    /// [`Faults::remove_after_apdus`] fired.
    RemoveFault,
    /// vpcd closed the connection, or it broke (pcscd stopped).
    ConnectionClosed,
}

/// One vpcd reader (one TCP port), with or without a card in it.
///
/// vpcd is a TCP server on `127.0.0.1:<port>`; inserting a card connects to
/// it, and pcscd reports the card present on its next poll (55–400 ms).
/// Removing closes the connection, and pcscd reports the card gone
/// (140–320 ms). Dropping the slot removes the card.
pub struct VpcdSlot {
    addr: SocketAddr,
    serving: Option<Serving>,
    ejected: Option<(VirtualCard, EjectReason)>,
    apdus: Arc<AtomicU64>,
    observer: Arc<Mutex<Option<StateObserver>>>,
}

/// A card being served on its thread.
struct Serving {
    stream: TcpStream,
    removing: Arc<AtomicBool>,
    handle: JoinHandle<(VirtualCard, EjectReason)>,
}

impl std::fmt::Debug for VpcdSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VpcdSlot")
            .field("addr", &self.addr)
            .field("inserted", &self.is_inserted())
            .field("apdu_count", &self.apdu_count())
            .finish_non_exhaustive()
    }
}

impl VpcdSlot {
    /// A slot for the vpcd reader listening at `addr`; nothing is connected yet.
    pub fn new(addr: SocketAddr) -> VpcdSlot {
        VpcdSlot {
            addr,
            serving: None,
            ejected: None,
            apdus: Arc::new(AtomicU64::new(0)),
            observer: Arc::new(Mutex::new(None)),
        }
    }

    /// The vpcd address of this slot.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sets a function called (on the serving thread) whenever the inserted
    /// card's retry counters change: `madoguchi-vcard --state` saves them.
    pub fn set_state_observer(&mut self, observer: StateObserver) {
        if let Ok(mut slot) = self.observer.lock() {
            *slot = Some(observer);
        }
    }

    /// Inserts `card`: connects to vpcd and serves it on a thread. Fails if a
    /// card is in the slot, or if vpcd does not accept the connection. A card
    /// that already left (fault, vpcd gone) and was not taken back with
    /// [`VpcdSlot::remove`] is discarded.
    pub fn insert(&mut self, card: VirtualCard, faults: Faults) -> Result<(), SimError> {
        if self.is_inserted() {
            return Err(SimError::AlreadyInserted);
        }
        self.take_back();
        self.ejected = None;
        let addr = self.addr;
        let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
            .map_err(|source| SimError::VpcdNotListening { addr, source })?;
        let setup = |source| SimError::VpcdSetup { addr, source };
        stream.set_nodelay(true).map_err(setup)?;
        stream.set_quickack(true).map_err(setup)?;
        let control = stream.try_clone().map_err(setup)?;
        self.apdus.store(0, Ordering::SeqCst);
        let removing = Arc::new(AtomicBool::new(false));
        let server = Server {
            stream,
            card,
            faults,
            apdus: Arc::clone(&self.apdus),
            removing: Arc::clone(&removing),
            observer: Arc::clone(&self.observer),
        };
        let handle = std::thread::Builder::new()
            .name(format!("vpcd-card-{}", addr.port()))
            .spawn(move || server.run())
            .map_err(setup)?;
        self.serving = Some(Serving {
            stream: control,
            removing,
            handle,
        });
        Ok(())
    }

    /// Takes the card out: closes the connection (pcscd sees the card leave),
    /// waits for the serving thread, and gives the card back with its retry
    /// counters. Also returns a card that already left on its own (fault).
    /// `None` if the slot is empty.
    pub fn remove(&mut self) -> Option<VirtualCard> {
        if let Some(serving) = &self.serving {
            serving.removing.store(true, Ordering::SeqCst);
            // Wakes the thread's blocking read; errors mean it is already closed.
            let _ = serving.stream.shutdown(Shutdown::Both);
        }
        self.take_back();
        self.ejected.take().map(|(card, _)| card)
    }

    /// Blocks until the card leaves on its own (fault, or vpcd closed the
    /// connection) and says why; the card stays in the slot for
    /// [`VpcdSlot::remove`]. `None` if the slot is empty.
    pub fn wait_until_gone(&mut self) -> Option<EjectReason> {
        self.take_back();
        self.ejected.as_ref().map(|(_, reason)| *reason)
    }

    /// Whether a card is in the reader (connected and served).
    pub fn is_inserted(&self) -> bool {
        self.serving
            .as_ref()
            .is_some_and(|s| !s.handle.is_finished())
    }

    /// APDUs answered since the last insert (control messages not counted).
    pub fn apdu_count(&self) -> u64 {
        self.apdus.load(Ordering::SeqCst)
    }

    /// Joins a serving thread, keeping what it returns.
    fn take_back(&mut self) {
        if let Some(serving) = self.serving.take() {
            // A thread that panicked loses its card; the card's code never panics.
            if let Ok(done) = serving.handle.join() {
                self.ejected = Some(done);
            }
        }
    }
}

impl Drop for VpcdSlot {
    fn drop(&mut self) {
        self.remove();
    }
}

/// The serving thread's state.
struct Server {
    stream: TcpStream,
    card: VirtualCard,
    faults: Faults,
    apdus: Arc<AtomicU64>,
    removing: Arc<AtomicBool>,
    observer: Arc<Mutex<Option<StateObserver>>>,
}

impl Server {
    /// Answers vpcd until the connection ends, then closes it and hands the
    /// card back.
    fn run(mut self) -> (VirtualCard, EjectReason) {
        let reason = self.serve();
        let _ = self.stream.shutdown(Shutdown::Both);
        // A card that leaves the reader loses power, and with it every PIN
        // verified in that session (docs/domain/jpki.md §1.8); only the counters remain.
        self.card.power_off();
        (self.card, reason)
    }

    fn serve(&mut self) -> EjectReason {
        let mut counters = self.card.state();
        loop {
            // Debian's vpcd 0.8 writes length and payload separately: without
            // QUICKACK re-armed before each read, delayed ACKs cost ~48 ms/APDU.
            let _ = self.stream.set_quickack(true);
            let message = match vpcd::read_message(&mut self.stream) {
                Ok(Some(message)) => message,
                Ok(None) | Err(_) => return self.closed(),
            };
            let reply = match message.as_slice() {
                [] => None,
                [code] => vpcd::apply_control(&mut self.card, *code),
                apdu => {
                    if self.faults.removes_now(self.apdus.load(Ordering::SeqCst)) {
                        return EjectReason::RemoveFault;
                    }
                    let delay = self.faults.delay_for(apdu);
                    if !delay.is_zero() {
                        std::thread::sleep(delay);
                    }
                    let response = self.card.process(apdu);
                    // Counted and saved before the host sees the answer, as a
                    // real card writes its counter before answering.
                    self.apdus.fetch_add(1, Ordering::SeqCst);
                    self.notify_if_changed(&mut counters);
                    Some(response)
                }
            };
            if let Some(reply) = reply
                && vpcd::write_message(&mut self.stream, &reply).is_err()
            {
                return self.closed();
            }
        }
    }

    fn closed(&self) -> EjectReason {
        if self.removing.load(Ordering::SeqCst) {
            EjectReason::Removed
        } else {
            EjectReason::ConnectionClosed
        }
    }

    fn notify_if_changed(&self, last: &mut CardState) {
        let now = self.card.state();
        if now != *last {
            if let Ok(mut observer) = self.observer.lock()
                && let Some(observer) = observer.as_mut()
            {
                observer(&now);
            }
            *last = now;
        }
    }
}
