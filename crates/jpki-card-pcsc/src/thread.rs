//! The card thread: the only place where PC/SC card calls run.
//!
//! It owns the [`Connector`] (and so the `pcsc::Context`) and the open
//! [`Connection`] (the `pcsc::Card`), takes requests from the handle over a
//! channel, and answers each with the request's sequence number, so a handle
//! that gave up waiting (timeout) can drop the late answer.
//!
//! Session rules (docs/domain/jpki.md §1.8): the connection is exclusive; power-down is a
//! disconnect with `SCARD_UNPOWER_CARD`; after a power-down the next request
//! connects again (a new card session, any PIN state gone). When the handle is
//! dropped the thread unpowers the card and ends. No PC/SC transaction is ever
//! begun, so none can be held across a UI wait.

use std::sync::mpsc::{Receiver, Sender, SyncSender};

use jpki_card::TransportError;
use zeroize::Zeroizing;

use crate::connection::{Connection, Connector};
use crate::error::{describe, is_service_lost, map_pcsc_error};
use crate::pinpad::{self, PinPadFeatures};
use crate::trace;

/// What the handle asks of the card thread.
pub(crate) enum Request {
    /// One APDU; zeroised when dropped (a VERIFY carries the PIN).
    Transmit(Zeroizing<Vec<u8>>),
    /// A `PIN_VERIFY_STRUCTURE` for the reader's verify ioctl.
    VerifyOnPinPad(Vec<u8>),
    /// Disconnect with unpower.
    PowerDown,
}

/// A request with its sequence number.
pub(crate) struct Envelope {
    pub(crate) seq: u64,
    pub(crate) request: Request,
}

/// The answer to the request with the same sequence number.
pub(crate) struct Reply {
    pub(crate) seq: u64,
    pub(crate) result: Result<Vec<u8>, TransportError>,
}

/// What the handle waits for: the card thread's answer, or a
/// [`crate::PinPadCancel`] from another thread.
pub(crate) enum Incoming {
    Reply(Reply),
    Cancel,
}

struct CardThread {
    connector: Box<dyn Connector>,
    session: Option<Box<dyn Connection>>,
    features: PinPadFeatures,
    trace_apdus: bool,
}

/// The card thread's body: connect once (reporting the outcome on `ready`),
/// then serve requests until the handle goes away, then unpower.
pub(crate) fn run(
    connector: Box<dyn Connector>,
    trace_apdus: bool,
    requests: Receiver<Envelope>,
    replies: Sender<Incoming>,
    ready: SyncSender<Result<PinPadFeatures, TransportError>>,
) {
    let mut card = CardThread {
        connector,
        session: None,
        features: PinPadFeatures::default(),
        trace_apdus,
    };
    let first = card.open().map(|()| card.features);
    let failed = first.is_err();
    if ready.send(first).is_err() || failed {
        // The handle gave up waiting (or there is nothing to serve): leave
        // the card as a power-down would.
        let _ = card.power_down();
        return;
    }
    while let Ok(Envelope { seq, request }) = requests.recv() {
        let result = match request {
            Request::Transmit(apdu) => card.transmit(&apdu),
            Request::VerifyOnPinPad(structure) => card.verify_on_pin_pad(&structure).map(Vec::from),
            Request::PowerDown => card.power_down().map(|()| Vec::new()),
        };
        if replies
            .send(Incoming::Reply(Reply { seq, result }))
            .is_err()
        {
            break;
        }
    }
    if let Err(e) = card.power_down() {
        tracing::warn!(reader = card.connector.reader_name(), error = %e, "unpowering the card at the end of the card thread failed");
    }
}

impl CardThread {
    /// Connects (exclusive) if not connected, and learns the reader's PIN-pad
    /// features on every new connection.
    fn open(&mut self) -> Result<(), TransportError> {
        if self.session.is_some() {
            return Ok(());
        }
        let mut conn = self.connector.connect().map_err(map_pcsc_error)?;
        match pinpad::discover_features(&mut *conn) {
            Ok(features) => {
                self.features = features;
                tracing::debug!(
                    reader = self.connector.reader_name(),
                    pin_pad = features.has_pin_pad(),
                    "connected exclusively"
                );
                self.session = Some(conn);
                Ok(())
            }
            Err(e) => {
                let _ = conn.unpower();
                Err(e)
            }
        }
    }

    fn session(&mut self) -> Result<&mut Box<dyn Connection>, TransportError> {
        self.open()?;
        self.session
            .as_mut()
            .ok_or_else(|| TransportError::Other("no card session".to_owned()))
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let result = self
            .session()
            .and_then(|s| s.transmit(apdu).map_err(map_pcsc_error));
        if self.trace_apdus {
            trace::exchange(self.connector.reader_name(), apdu, &result);
        }
        result
    }

    fn verify_on_pin_pad(&mut self, structure: &[u8]) -> Result<[u8; 2], TransportError> {
        self.open()?;
        let ioctl = self
            .features
            .verify_pin_direct
            .ok_or(TransportError::PinPadUnsupported)?;
        let session = self.session()?;
        let result = pinpad::verify_pin_direct(&mut **session, ioctl, structure);
        if self.trace_apdus {
            trace::pin_pad(self.connector.reader_name(), structure, &result);
        }
        result
    }

    /// Disconnects with unpower. A card or reader already gone is not an
    /// error: there is nothing left to unpower.
    fn power_down(&mut self) -> Result<(), TransportError> {
        let Some(conn) = self.session.take() else {
            return Ok(());
        };
        match conn.unpower() {
            Ok(()) => Ok(()),
            Err(e) if is_service_lost(e) => {
                tracing::debug!(error = %describe(e), "PC/SC service gone at power-down");
                Ok(())
            }
            Err(e) => match map_pcsc_error(e) {
                TransportError::CardRemoved
                | TransportError::CardReset
                | TransportError::ReaderUnavailable(_) => {
                    tracing::debug!(error = %describe(e), "card already gone at power-down");
                    Ok(())
                }
                other => Err(other),
            },
        }
    }
}
