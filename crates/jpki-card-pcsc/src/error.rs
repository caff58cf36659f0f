//! From PC/SC error codes to the transport's typed errors.
//!
//! One table, so every caller (card thread, reader list, monitor) reports the
//! same `SCARD_*` code the same way.

use jpki_card::TransportError;

/// Maps a PC/SC error to the [`TransportError`] the protocol layer understands.
///
/// - `SCARD_W_REMOVED_CARD`, `SCARD_E_NO_SMARTCARD` → [`TransportError::CardRemoved`]
/// - `SCARD_W_RESET_CARD` → [`TransportError::CardReset`]
/// - the reader or the service gone (`SCARD_E_READER_UNAVAILABLE`,
///   `SCARD_E_UNKNOWN_READER`, `SCARD_E_NO_SERVICE`, `SCARD_E_SERVICE_STOPPED`,
///   `SCARD_E_NO_READERS_AVAILABLE`) → [`TransportError::ReaderUnavailable`]
/// - `SCARD_E_SHARING_VIOLATION` → [`TransportError::SharingViolation`]
/// - `SCARD_E_CANCELLED` → [`TransportError::Cancelled`]
/// - `SCARD_E_TIMEOUT` → [`TransportError::Timeout`]
/// - anything else → [`TransportError::Other`] with the PC/SC description.
pub fn map_pcsc_error(error: pcsc::Error) -> TransportError {
    use pcsc::Error as E;
    match error {
        E::RemovedCard | E::NoSmartcard => TransportError::CardRemoved,
        E::ResetCard => TransportError::CardReset,
        E::ReaderUnavailable
        | E::UnknownReader
        | E::NoService
        | E::ServiceStopped
        | E::NoReadersAvailable => TransportError::ReaderUnavailable(describe(error)),
        E::SharingViolation => TransportError::SharingViolation,
        E::Cancelled => TransportError::Cancelled,
        E::Timeout => TransportError::Timeout,
        other => TransportError::Other(describe(other)),
    }
}

/// `"<description> (SCARD code 0x…)"`: the PC/SC text and its number, so a
/// technician can look the code up.
pub(crate) fn describe(error: pcsc::Error) -> String {
    format!("{error} (PC/SC {:#010X})", error as u32)
}

/// Whether this error means the PC/SC service itself is gone (pcscd stopped,
/// or our context was invalidated by its restart), as opposed to one reader
/// or card.
pub(crate) fn is_service_lost(error: pcsc::Error) -> bool {
    use pcsc::Error as E;
    matches!(
        error,
        E::NoService | E::ServiceStopped | E::InvalidHandle | E::CommError | E::Shutdown
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_mapping() {
        assert_eq!(
            map_pcsc_error(pcsc::Error::RemovedCard),
            TransportError::CardRemoved
        );
        assert_eq!(
            map_pcsc_error(pcsc::Error::NoSmartcard),
            TransportError::CardRemoved
        );
        assert_eq!(
            map_pcsc_error(pcsc::Error::ResetCard),
            TransportError::CardReset
        );
        for e in [
            pcsc::Error::ReaderUnavailable,
            pcsc::Error::UnknownReader,
            pcsc::Error::NoService,
            pcsc::Error::ServiceStopped,
            pcsc::Error::NoReadersAvailable,
        ] {
            assert!(
                matches!(map_pcsc_error(e), TransportError::ReaderUnavailable(ref m) if m.contains("PC/SC 0x")),
                "{e:?}"
            );
        }
        assert_eq!(
            map_pcsc_error(pcsc::Error::SharingViolation),
            TransportError::SharingViolation
        );
        assert_eq!(
            map_pcsc_error(pcsc::Error::Cancelled),
            TransportError::Cancelled
        );
        assert_eq!(
            map_pcsc_error(pcsc::Error::Timeout),
            TransportError::Timeout
        );
        // pcsc-lite and WinSCard number this one differently: only the text is fixed.
        assert!(matches!(
            map_pcsc_error(pcsc::Error::UnsupportedFeature),
            TransportError::Other(m) if m.starts_with("This smart card does not support the requested feature (PC/SC 0x")
        ));
    }
}
