//! PIN pads: PC/SC v2 part 10 feature discovery and secure PIN verification
//! (docs/domain/jpki.md §5).
//!
//! After connecting, the card thread asks the reader for its features with
//! `CM_IOCTL_GET_FEATURE_REQUEST` (`SCARD_CTL_CODE(3400)`). If the answer lists
//! `FEATURE_VERIFY_PIN_DIRECT` (tag `0x06`), its value is the platform's ioctl
//! code for a verify: it is used as returned, never passed through
//! `ctl_code()` again. A reader that does not do part 10 at all (vsmartcard's
//! `vpcd` answers every control code with `SCARD_E_UNSUPPORTED_FEATURE`) simply
//! has no PIN pad.

use jpki_card::TransportError;

use crate::connection::ReaderControl;
use crate::error::{describe, map_pcsc_error};

/// `CM_IOCTL_GET_FEATURE_REQUEST` = `SCARD_CTL_CODE(3400)` on this platform
/// (`0x42000D48` on pcsc-lite and macOS, `0x00313520` on Windows).
pub const CM_IOCTL_GET_FEATURE_REQUEST: u32 = pcsc::ctl_code(3400) as u32;

/// What the reader offers for PIN entry, as discovered on connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PinPadFeatures {
    /// The ioctl code for `FEATURE_VERIFY_PIN_DIRECT`, as the reader returned it.
    pub verify_pin_direct: Option<u32>,
}

impl PinPadFeatures {
    /// Whether the reader can take the PIN on its own keypad.
    pub fn has_pin_pad(&self) -> bool {
        self.verify_pin_direct.is_some()
    }
}

/// Asks the reader for its part 10 features.
///
/// `SCARD_E_UNSUPPORTED_FEATURE` (and other "the reader does not do this"
/// answers) mean "no PIN pad", not an error; only a card or reader that is gone
/// is reported, because the next APDU would fail the same way.
pub fn discover_features(reader: &mut dyn ReaderControl) -> Result<PinPadFeatures, TransportError> {
    match reader.control(CM_IOCTL_GET_FEATURE_REQUEST, &[]) {
        Ok(tlvs) => match jpki_card::pinpad::verify_pin_direct_ioctl(&tlvs) {
            Ok(verify_pin_direct) => Ok(PinPadFeatures { verify_pin_direct }),
            Err(e) => {
                tracing::warn!(error = %e, "reader's part 10 feature list is malformed: no PIN pad");
                Ok(PinPadFeatures::default())
            }
        },
        Err(e) => match map_pcsc_error(e) {
            gone @ (TransportError::CardRemoved
            | TransportError::CardReset
            | TransportError::ReaderUnavailable(_)) => Err(gone),
            _ => {
                tracing::debug!(error = %describe(e), "reader has no part 10 features: no PIN pad");
                Ok(PinPadFeatures::default())
            }
        },
    }
}

/// Sends a complete `PIN_VERIFY_STRUCTURE` (with its APDU template) to the
/// reader's verify ioctl and returns the two status bytes it reports: the
/// card's (`90 00`, `63 Cx`, ...) or the reader's (`64 00` timeout, `64 01`
/// cancelled, ...). The structure carries no PIN: the reader fills it in.
pub fn verify_pin_direct(
    reader: &mut dyn ReaderControl,
    ioctl: u32,
    pin_verify_structure: &[u8],
) -> Result<[u8; 2], TransportError> {
    let reply = reader
        .control(ioctl, pin_verify_structure)
        .map_err(map_pcsc_error)?;
    <[u8; 2]>::try_from(reply.as_slice()).map_err(|_| {
        TransportError::Other(format!(
            "the PIN pad answered {} bytes instead of SW1 SW2",
            reply.len()
        ))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct Scripted(Result<Vec<u8>, pcsc::Error>, Vec<(u32, Vec<u8>)>);
    impl ReaderControl for Scripted {
        fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
            self.1.push((code, input.to_vec()));
            self.0.clone()
        }
    }

    #[test]
    fn feature_request_code_is_the_platform_ctl_code_of_3400() {
        #[cfg(target_os = "linux")]
        assert_eq!(CM_IOCTL_GET_FEATURE_REQUEST, 0x4200_0D48);
    }

    #[test]
    fn finds_verify_pin_direct_as_libccid_returns_it() {
        let tlvs = vec![
            0x0A, 4, 0x42, 0x33, 0x00, 0x0A, // IFD_PIN_PROPERTIES
            0x06, 4, 0x42, 0x33, 0x00, 0x06, // VERIFY_PIN_DIRECT
            0x07, 4, 0x42, 0x33, 0x00, 0x07, // MODIFY_PIN_DIRECT
        ];
        let mut r = Scripted(Ok(tlvs), vec![]);
        let features = discover_features(&mut r).unwrap();
        assert_eq!(features.verify_pin_direct, Some(0x4233_0006));
        assert!(features.has_pin_pad());
    }

    #[test]
    fn a_malformed_feature_list_means_no_pin_pad_not_a_panic() {
        for list in [vec![6], vec![6, 4, 1, 2], vec![6, 2, 1, 2, 3, 4]] {
            let mut r = Scripted(Ok(list), vec![]);
            assert_eq!(discover_features(&mut r), Ok(PinPadFeatures::default()));
        }
    }

    #[test]
    fn unsupported_feature_means_no_pin_pad() {
        let mut r = Scripted(Err(pcsc::Error::UnsupportedFeature), vec![]);
        assert_eq!(discover_features(&mut r), Ok(PinPadFeatures::default()));
        assert_eq!(r.1, vec![(CM_IOCTL_GET_FEATURE_REQUEST, vec![])]);
    }

    #[test]
    fn removed_card_during_discovery_is_reported() {
        let mut r = Scripted(Err(pcsc::Error::RemovedCard), vec![]);
        assert_eq!(discover_features(&mut r), Err(TransportError::CardRemoved));
    }

    #[test]
    fn verify_uses_the_ioctl_as_returned_and_wants_two_bytes() {
        let mut r = Scripted(Ok(vec![0x63, 0xC2]), vec![]);
        assert_eq!(
            verify_pin_direct(&mut r, 0x4233_0006, &[1, 2]),
            Ok([0x63, 0xC2])
        );
        assert_eq!(r.1, vec![(0x4233_0006, vec![1, 2])]);
        let mut r = Scripted(Ok(vec![0x90]), vec![]);
        assert!(matches!(
            verify_pin_direct(&mut r, 1, &[]),
            Err(TransportError::Other(_))
        ));
    }
}
