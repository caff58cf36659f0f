//! [`PinPadCancel`]: the staff's or the customer's Cancel on the screen,
//! ending a PIN-pad wait from another thread.
//!
//! pcsc-lite cannot interrupt the reader: `SCardCancel` only ends a pending
//! `SCardGetStatusChange` (pcsc-lite `winscard_clnt.c`: it acts only when the
//! context is marked cancellable, which only that call does); the client
//! library holds the context's lock for the whole `SCardControl`, so nothing
//! else can be sent on that context, not even a disconnect; and pcscd holds
//! the reader's lock around the driver's `IFDHControl` (`ifdwrapper.c`), so
//! another context could not reach the reader either (an exclusive connection
//! keeps it out anyway). A reader-specific abort would be queued behind the
//! very call it should end. docs/DECISIONS.md, "Cancelling a PIN-pad wait".
//!
//! So cancelling **abandons** the wait: the handle's call returns
//! [`TransportError::Cancelled`](jpki_card::TransportError::Cancelled) at once,
//! the handle refuses every later call, and its card thread is left to finish:
//! when the pad ends (its own time-out, its Cancel key, the card taken out,
//! or a PIN typed after all) the thread unpowers the card, which clears any
//! PIN the late VERIFY may have verified, and ends. Until then the reader is
//! held (another connection gets `SharingViolation`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use crate::thread::Incoming;

/// Cancels the PIN-pad wait of one [`crate::PcscCard`]; clone it to the thread
/// that handles the Cancel button. Cancelling is sticky: a PIN-pad wait that
/// has not started yet is refused when it would start.
#[derive(Clone, Debug)]
pub struct PinPadCancel {
    flag: Arc<AtomicBool>,
    /// The handle's own inbox; emptied when the handle is dropped, so a
    /// canceller kept elsewhere does not keep the handle's channel open.
    wake: Arc<Mutex<Option<Sender<Incoming>>>>,
}

impl PinPadCancel {
    pub(crate) fn new(wake: Sender<Incoming>) -> PinPadCancel {
        PinPadCancel {
            flag: Arc::new(AtomicBool::new(false)),
            wake: Arc::new(Mutex::new(Some(wake))),
        }
    }

    /// Ends the PIN-pad wait (or refuses the next one). Harmless when there is
    /// none, or when the card handle is gone.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        if let Some(wake) = self.lock().as_ref() {
            let _ = wake.send(Incoming::Cancel);
        }
    }

    /// Whether [`PinPadCancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Lets the handle's channel close (the handle is being dropped).
    pub(crate) fn detach(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Sender<Incoming>>> {
        // Holds a sender only: nothing a panic could leave half-done.
        self.wake
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
