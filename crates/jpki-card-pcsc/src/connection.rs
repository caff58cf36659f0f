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

use pcsc::{Context, Disposition, Protocols, Scope, ShareMode};

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
/// process may use the unlocked key, jpki.md §1.8) and any protocol.
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
        let reader_c = self.reader_c.clone();
        let card = self
            .context()?
            .connect(&reader_c, ShareMode::Exclusive, Protocols::ANY)?;
        Ok(Box::new(PcscConnection { card }))
    }

    fn reader_name(&self) -> &str {
        &self.reader
    }
}

/// A `pcsc::Card` connected exclusively.
pub struct PcscConnection {
    card: pcsc::Card,
}

impl ReaderControl for PcscConnection {
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        let n = self.card.control(code.into(), input, &mut buf)?.len();
        buf.truncate(n);
        Ok(buf)
    }
}

impl Connection for PcscConnection {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
        // Short APDUs only (jpki.md §1.7): 256 data bytes + SW1 SW2 fit in 264.
        let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
        let response = self.card.transmit(command, &mut buf)?;
        Ok(response.to_vec())
    }

    fn unpower(self: Box<Self>) -> Result<(), pcsc::Error> {
        // On failure the card comes back and its Drop resets it: still a
        // disconnect, but the caller hears why unpowering failed.
        self.card
            .disconnect(Disposition::UnpowerCard)
            .map_err(|(_card, e)| e)
    }
}
