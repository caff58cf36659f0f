//! [`PcscCard`]: the handle the protocol layer talks to.
//!
//! Every call is a request to the card thread ([`crate::thread`]) and a wait
//! for its answer, bounded by a timeout, so a caller never runs PC/SC itself
//! and never waits forever: a card pulled out gives `CardRemoved`, a reader or
//! service that stopped answering gives `Timeout`.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jpki_card::{CardTransport, TransportError};
use zeroize::Zeroizing;

use crate::cancel::PinPadCancel;
use crate::connection::{Connector, PcscConnector};
use crate::error::map_pcsc_error;
use crate::pinpad::PinPadFeatures;
use crate::thread::{self, Envelope, Incoming, Request};

/// How long [`Drop`] waits for the card thread to unpower the card.
const DROP_WAIT: Duration = Duration::from_secs(5);

/// How often a long wait looks whether the card thread is still alive (its
/// channel stays open while a [`PinPadCancel`] exists).
const THREAD_CHECK: Duration = Duration::from_millis(200);

/// Settings of a [`PcscCard`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PcscCardOptions {
    /// Longest wait for one APDU (and for connecting). RSA signing takes a
    /// real card up to a few seconds, contactless longer. Default 30 s.
    pub exchange_timeout: Duration,
    /// Longest wait for a PIN typed on the reader's pad. libccid itself waits
    /// at least 90 s. Default 120 s.
    pub pin_pad_timeout: Duration,
    /// Trace each exchange at `TRACE` level (target `jpki_card_pcsc::apdu`),
    /// masked: never the raw bytes. Default off.
    pub trace_apdus: bool,
}

impl Default for PcscCardOptions {
    fn default() -> Self {
        PcscCardOptions {
            exchange_timeout: Duration::from_secs(30),
            pin_pad_timeout: Duration::from_secs(120),
            trace_apdus: false,
        }
    }
}

impl PcscCardOptions {
    /// Sets [`PcscCardOptions::exchange_timeout`].
    pub fn with_exchange_timeout(mut self, timeout: Duration) -> Self {
        self.exchange_timeout = timeout;
        self
    }
    /// Sets [`PcscCardOptions::pin_pad_timeout`].
    pub fn with_pin_pad_timeout(mut self, timeout: Duration) -> Self {
        self.pin_pad_timeout = timeout;
        self
    }
    /// Sets [`PcscCardOptions::trace_apdus`].
    pub fn with_trace_apdus(mut self, on: bool) -> Self {
        self.trace_apdus = on;
        self
    }
}

/// A card in a PC/SC reader, connected exclusively, driven from its own thread.
///
/// Implements [`CardTransport`]: [`CardTransport::power_down`] disconnects with
/// `SCARD_UNPOWER_CARD`, and the next APDU connects again. Dropping the handle
/// also unpowers the card.
///
/// A PIN-pad wait can be ended from another thread with the
/// [`PinPadCancel`] from [`PcscCard::pin_pad_canceller`]; the handle is then
/// *abandoned*: every later call answers `Cancelled` at once, except
/// [`CardTransport::power_down`], which leaves the unpowering to the card
/// thread for when the reader gives the card back (see the crate's `cancel`
/// module).
pub struct PcscCard {
    reader: String,
    requests: Option<Sender<Envelope>>,
    replies: Receiver<Incoming>,
    next_seq: u64,
    features: PinPadFeatures,
    options: PcscCardOptions,
    cancel: PinPadCancel,
    abandoned: bool,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for PcscCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscCard")
            .field("reader", &self.reader)
            .field("features", &self.features)
            .finish_non_exhaustive()
    }
}

impl PcscCard {
    /// Connects exclusively to the card in `reader` with default options.
    pub fn connect(reader: &str) -> Result<PcscCard, TransportError> {
        PcscCard::connect_with(reader, PcscCardOptions::default())
    }

    /// Connects exclusively to the card in `reader`.
    ///
    /// Errors: `CardRemoved` when the reader is empty, `SharingViolation` when
    /// another program holds the card, `ReaderUnavailable` when the reader or
    /// the PC/SC service is gone.
    pub fn connect_with(
        reader: &str,
        options: PcscCardOptions,
    ) -> Result<PcscCard, TransportError> {
        let connector = PcscConnector::new(reader).map_err(map_pcsc_error)?;
        PcscCard::spawn(connector, options)
    }

    /// Starts a card thread over any [`Connector`] (the real one is
    /// [`PcscConnector`]; tests plug in reader doubles here) and connects.
    pub fn spawn(
        connector: impl Connector,
        options: PcscCardOptions,
    ) -> Result<PcscCard, TransportError> {
        let reader = connector.reader_name().to_owned();
        let (req_tx, req_rx) = mpsc::channel();
        let (rep_tx, rep_rx) = mpsc::channel();
        let cancel = PinPadCancel::new(rep_tx.clone());
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let trace_apdus = options.trace_apdus;
        let boxed: Box<dyn Connector> = Box::new(connector);
        let thread = std::thread::Builder::new()
            .name(format!("card {reader}"))
            .spawn(move || thread::run(boxed, trace_apdus, req_rx, rep_tx, ready_tx))
            .map_err(|e| TransportError::Other(format!("cannot start the card thread: {e}")))?;
        let features = match ready_rx.recv_timeout(options.exchange_timeout) {
            Ok(result) => result?,
            Err(RecvTimeoutError::Timeout) => return Err(TransportError::Timeout),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(TransportError::Other("the card thread ended".to_owned()));
            }
        };
        Ok(PcscCard {
            reader,
            requests: Some(req_tx),
            replies: rep_rx,
            next_seq: 0,
            features,
            options,
            cancel,
            abandoned: false,
            thread: Some(thread),
        })
    }

    /// The reader's name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The reader's PIN-pad features, as discovered on connection.
    pub fn pin_pad_features(&self) -> PinPadFeatures {
        self.features
    }

    /// Ends this handle's PIN-pad wait from another thread (the Cancel button).
    pub fn pin_pad_canceller(&self) -> PinPadCancel {
        self.cancel.clone()
    }

    /// Sends `request` and waits for its answer, `limit` at most. A cancel
    /// ends the wait only for a PIN-pad request (`cancellable`), and abandons
    /// the handle.
    fn call(
        &mut self,
        request: Request,
        limit: Duration,
        cancellable: bool,
    ) -> Result<Vec<u8>, TransportError> {
        if self.abandoned {
            return Err(TransportError::Cancelled);
        }
        self.next_seq += 1;
        let seq = self.next_seq;
        let ended = || TransportError::Other("the card thread ended".to_owned());
        let requests = self.requests.as_ref().ok_or_else(ended)?;
        requests
            .send(Envelope { seq, request })
            .map_err(|_| ended())?;
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TransportError::Timeout);
            }
            match self.replies.recv_timeout(left.min(THREAD_CHECK)) {
                Ok(Incoming::Reply(reply)) if reply.seq == seq => return reply.result,
                Ok(Incoming::Reply(_stale)) => continue, // the answer to a request we gave up on
                Ok(Incoming::Cancel) if cancellable => {
                    self.abandoned = true;
                    tracing::debug!(reader = %self.reader, "PIN-pad wait abandoned; the card is unpowered when the reader gives it back");
                    return Err(TransportError::Cancelled);
                }
                Ok(Incoming::Cancel) => continue, // sticky: the next PIN-pad wait is refused
                Err(RecvTimeoutError::Timeout) => {
                    if self.thread.as_ref().is_some_and(JoinHandle::is_finished) {
                        return Err(ended());
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Err(ended()),
            }
        }
    }
}

impl CardTransport for PcscCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.call(
            Request::Transmit(Zeroizing::new(command.to_vec())),
            self.options.exchange_timeout,
            false,
        )
    }

    fn has_pin_pad(&mut self) -> bool {
        self.features.has_pin_pad()
    }

    fn verify_on_pin_pad(
        &mut self,
        pin_verify_structure: &[u8],
    ) -> Result<[u8; 2], TransportError> {
        if !self.features.has_pin_pad() {
            return Err(TransportError::PinPadUnsupported);
        }
        if self.cancel.is_cancelled() {
            return Err(TransportError::Cancelled);
        }
        let reply = self.call(
            Request::VerifyOnPinPad(pin_verify_structure.to_vec()),
            self.options.pin_pad_timeout,
            true,
        )?;
        <[u8; 2]>::try_from(reply.as_slice())
            .map_err(|_| TransportError::Other("PIN pad reply is not SW1 SW2".to_owned()))
    }

    fn power_down(&mut self) -> Result<(), TransportError> {
        if self.abandoned {
            // Queued behind the abandoned wait: the card thread unpowers the
            // card as soon as the reader gives it back. Nothing to wait for here.
            if let Some(requests) = &self.requests {
                self.next_seq += 1;
                let _ = requests.send(Envelope {
                    seq: self.next_seq,
                    request: Request::PowerDown,
                });
            }
            return Ok(());
        }
        self.call(Request::PowerDown, self.options.exchange_timeout, false)
            .map(drop)
    }
}

impl Drop for PcscCard {
    fn drop(&mut self) {
        // Closing the request channel makes the thread unpower and end; its
        // reply channel closes when it has. Wait for that, boundedly; an
        // abandoned handle does not wait (the thread is still at the pad).
        self.cancel.detach();
        self.requests = None;
        if self.abandoned {
            return;
        }
        let deadline = Instant::now() + DROP_WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.replies.recv_timeout(left) {
                Ok(_) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    tracing::warn!(reader = %self.reader, "card thread still busy at drop; leaving it to finish");
                    return;
                }
            }
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
