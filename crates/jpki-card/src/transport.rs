//! The seam between the sans-IO protocol and whatever carries APDUs: a PC/SC
//! reader (`jpki-card-pcsc`), the virtual card in-process (`jpki-card-sim`), or a
//! scripted double in tests.
//!
//! The trait is deliberately narrow (one call per APDU, the status word kept in
//! the returned bytes), so that everything above it can be tested without a
//! reader and everything below it can be swapped without touching the protocol.

use thiserror::Error;

/// Why an APDU could not be exchanged with the card. Nothing here is a card
/// *answer*: status words come back inside `Ok` bytes from [`CardTransport::transmit`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The card left the reader (PC/SC `SCARD_W_REMOVED_CARD`, or no card at all).
    #[error("the card was removed from the reader")]
    CardRemoved,
    /// The card was reset by someone else (PC/SC `SCARD_W_RESET_CARD`); any PIN
    /// state on it is gone and the application must be selected again.
    #[error("the card was reset")]
    CardReset,
    /// The reader is gone (unplugged), or the PC/SC service stopped.
    #[error("the card reader is not available: {0}")]
    ReaderUnavailable(String),
    /// Another application holds the card exclusively (PC/SC `SCARD_E_SHARING_VIOLATION`).
    #[error("the card is in use by another application")]
    SharingViolation,
    /// The reader has no PIN pad, or does not offer PC/SC part 10 `FEATURE_VERIFY_PIN_DIRECT`.
    #[error("the reader has no PIN pad")]
    PinPadUnsupported,
    /// The exchange was cancelled by the caller.
    #[error("the card operation was cancelled")]
    Cancelled,
    /// The transport waited longer than its limit for the card.
    #[error("the card did not answer in time")]
    Timeout,
    /// Anything else the transport reports (with the underlying message).
    #[error("card reader error: {0}")]
    Other(String),
}

/// Carries command APDUs to a card and brings back response APDUs.
///
/// Implementations must not log the bytes they carry: VERIFY commands contain
/// the PIN. Use [`crate::apdu::TraceLine`] (which masks VERIFY data) for traces.
pub trait CardTransport {
    /// Sends one command APDU (ISO 7816-4 short form) and returns the whole
    /// response APDU: data followed by SW1 SW2.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Whether the reader can take the PIN on its own keypad
    /// (PC/SC v2 part 10 `FEATURE_VERIFY_PIN_DIRECT`, docs/domain/jpki.md §5).
    fn has_pin_pad(&mut self) -> bool {
        false
    }

    /// Asks the reader's PIN pad to collect the PIN and send the VERIFY itself.
    /// `pin_verify_structure` is a complete PC/SC `PIN_VERIFY_STRUCTURE` with its
    /// APDU template (see [`crate::pinpad`]). Returns the two status bytes the
    /// reader reports: the card's (`90 00`, `63 Cx`, ...) or the reader's own
    /// (`64 00` timeout, `64 01` cancelled, `64 03` wrong length, `6B 80` bad parameter).
    fn verify_on_pin_pad(
        &mut self,
        pin_verify_structure: &[u8],
    ) -> Result<[u8; 2], TransportError> {
        let _ = pin_verify_structure;
        Err(TransportError::PinPadUnsupported)
    }

    /// Ends the card session and removes power from the card, which is the only
    /// reliable way to clear its PIN security state (docs/domain/jpki.md §1.8). Called on
    /// every exit of every flow. Must be harmless when the card is already gone.
    fn power_down(&mut self) -> Result<(), TransportError>;
}

impl<T: CardTransport + ?Sized> CardTransport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn has_pin_pad(&mut self) -> bool {
        (**self).has_pin_pad()
    }
    fn verify_on_pin_pad(
        &mut self,
        pin_verify_structure: &[u8],
    ) -> Result<[u8; 2], TransportError> {
        (**self).verify_on_pin_pad(pin_verify_structure)
    }
    fn power_down(&mut self) -> Result<(), TransportError> {
        (**self).power_down()
    }
}

impl<T: CardTransport + ?Sized> CardTransport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn has_pin_pad(&mut self) -> bool {
        (**self).has_pin_pad()
    }
    fn verify_on_pin_pad(
        &mut self,
        pin_verify_structure: &[u8],
    ) -> Result<[u8; 2], TransportError> {
        (**self).verify_on_pin_pad(pin_verify_structure)
    }
    fn power_down(&mut self) -> Result<(), TransportError> {
        (**self).power_down()
    }
}
