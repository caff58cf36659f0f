//! The few PC/SC calls the card thread makes, behind traits.
//!
//! [`PcscConnector`] / [`PcscConnection`] are the real thing (the `pcsc` crate);
//! a test double (for example a CCID PIN-pad reader in front of the in-process
//! virtual card) implements the same traits and runs through the very same card
//! thread and handle ([`crate::PcscCard::spawn`]).
//!
//! Errors stay `pcsc::Error` at this level so a double reports exactly what a
//! reader would (`SCARD_E_UNSUPPORTED_FEATURE`, `SCARD_W_REMOVED_CARD`, ...);
//! [`crate::map_pcsc_error`] turns them into transport errors in one place.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

/// How long a failed exchange waits for pcscd to confirm that the card left
/// (pcscd notices a removal 140–320 ms after it happens, docs/domain/build-and-test.md).
const REMOVAL_GRACE: Duration = Duration::from_secs(1);

/// Reader escape commands (`SCardControl`), as used for PC/SC v2 part 10
/// features such as PIN pads.
pub trait ReaderControl {
    /// Sends `input` with control `code` to the reader and returns its answer.
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, pcsc::Error>;
}

/// One open connection to a card in a reader.
pub trait Connection: ReaderControl + Send {
    /// Exchanges one APDU (`SCardTransmit`): command in, response with SW1 SW2 out.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, pcsc::Error>;

    /// Ends the connection and removes power from the card
    /// (`SCardDisconnect(SCARD_UNPOWER_CARD)`), which clears any verified PIN.
    fn unpower(self: Box<Self>) -> Result<(), pcsc::Error>;
}

/// Opens connections to one reader; called again after every power-down, so a
/// transport outlives the card session it ends.
pub trait Connector: Send + 'static {
    /// Connects to the card in the reader, exclusively.
    fn connect(&mut self) -> Result<Box<dyn Connection>, pcsc::Error>;

    /// The reader's name, for messages.
    fn reader_name(&self) -> &str;
}

/// Connects through the `pcsc` crate to a named reader, with
/// `SCARD_SHARE_EXCLUSIVE` (a PIN is verified on this connection: no other
/// process may use the unlocked key, docs/domain/jpki.md §1.8) and any protocol.
pub struct PcscConnector {
    reader: String,
    reader_c: CString,
    context: Option<Context>,
}

impl std::fmt::Debug for PcscConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscConnector")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl PcscConnector {
    /// A connector for `reader` (a name as [`crate::list_readers`] returns it).
    /// Nothing is opened until [`Connector::connect`].
    pub fn new(reader: &str) -> Result<PcscConnector, pcsc::Error> {
        let reader_c = CString::new(reader).map_err(|_| pcsc::Error::UnknownReader)?;
        Ok(PcscConnector {
            reader: reader.to_owned(),
            reader_c,
            context: None,
        })
    }

    fn context(&mut self) -> Result<&Context, pcsc::Error> {
        // A context made invalid by a pcscd restart is replaced.
        if let Some(ctx) = &self.context
            && ctx.is_valid().is_err()
        {
            self.context = None;
        }
        match &mut self.context {
            Some(ctx) => Ok(ctx),
            slot @ None => Ok(slot.insert(Context::establish(Scope::User)?)),
        }
    }
}

impl Connector for PcscConnector {
    fn connect(&mut self) -> Result<Box<dyn Connection>, pcsc::Error> {
        let reader = self.reader_c.clone();
        let context = self.context()?.clone();
        let card = context.connect(&reader, ShareMode::Exclusive, Protocols::ANY)?;
        Ok(Box::new(PcscConnection {
            card,
            context,
            reader,
        }))
    }

    fn reader_name(&self) -> &str {
        &self.reader
    }
}

/// A `pcsc::Card` connected exclusively.
pub struct PcscConnection {
    card: pcsc::Card,
    context: Context,
    reader: CString,
}

impl PcscConnection {
    /// A card pulled out in the middle of an exchange does not always come
    /// back as `SCARD_W_REMOVED_CARD`: through vpcd the APDU in flight gets an
    /// empty answer and the next ones `SCARD_E_NOT_TRANSACTED`, before pcscd's
    /// presence poll has noticed. For errors of that kind, wait (boundedly) for
    /// the reader's state: if the card is gone, say so.
    fn explain(&self, error: pcsc::Error) -> pcsc::Error {
        use pcsc::Error as E;
        let unclear = matches!(
            error,
            E::NotTransacted
                | E::CommError
                | E::CommDataLost
                | E::UnknownError
                | E::InternalError
                | E::UnresponsiveCard
                | E::UnpoweredCard
                | E::NotReady
                | E::ProtoMismatch
        );
        if unclear && card_left(&self.context, &self.reader, REMOVAL_GRACE) {
            E::RemovedCard
        } else {
            error
        }
    }
}

/// Whether the card in `reader` is gone (or goes within `grace`), waiting on
/// `SCardGetStatusChange`, never longer than `grace`.
fn card_left(context: &Context, reader: &CString, grace: Duration) -> bool {
    let mut states = [ReaderState::new(reader.clone(), State::UNAWARE)];
    let deadline = Instant::now() + grace;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match context.get_status_change(left, &mut states) {
            Ok(()) => {
                let now = states[0].event_state();
                if !now.contains(State::PRESENT) || now.intersects(State::UNKNOWN | State::IGNORE) {
                    return true;
                }
                if left.is_zero() {
                    return false;
                }
                states[0].sync_current_state();
            }
            Err(pcsc::Error::UnknownReader) => return true,
            Err(_) => return false,
        }
    }
}

impl ReaderControl for PcscConnection {
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        let n = match self.card.control(code.into(), input, &mut buf) {
            Ok(answer) => answer.len(),
            Err(e) => return Err(self.explain(e)),
        };
        buf.truncate(n);
        Ok(buf)
    }
}

impl Connection for PcscConnection {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        // Short APDUs only (docs/domain/jpki.md §1.7): 256 data bytes + SW1 SW2 fit in 264.
        let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
        match self.card.transmit(command, &mut buf) {
            // No status word at all: the reader lost the card mid-exchange.
            Ok(response) if response.len() < 2 => Err(self.explain(pcsc::Error::CommDataLost)),
            Ok(response) => Ok(response.to_vec()),
            Err(e) => Err(self.explain(e)),
        }
    }

    fn unpower(self: Box<Self>) -> Result<(), pcsc::Error> {
        // On failure the card comes back and its Drop resets it: still a
        // disconnect, but the caller hears why unpowering failed.
        self.card
            .disconnect(Disposition::UnpowerCard)
            .map_err(|(_card, e)| e)
    }
}
