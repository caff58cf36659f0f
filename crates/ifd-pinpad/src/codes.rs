//! The numbers of pcsc-lite's driver interface and of PC/SC part 10, each with
//! its source. pcsc-lite's own headers (`ifdhandler.h`, `reader.h`,
//! `pcsclite.h`, `wintypes.h`; libpcsclite-dev 1.9.9) are the reference.

use std::os::raw::{c_long, c_ulong};

/// `DWORD` of pcsc-lite on Linux: `unsigned long` (`wintypes.h`; 64 bits on
/// amd64, unlike Windows and macOS).
pub type Dword = c_ulong;
/// `RESPONSECODE`: `long` (`ifdhandler.h`).
pub type ResponseCode = c_long;

// Return codes (`ifdhandler.h`).
/// No error.
pub const IFD_SUCCESS: ResponseCode = 0;
/// Tag unknown.
pub const IFD_ERROR_TAG: ResponseCode = 600;
/// Failed to negotiate PTS.
pub const IFD_ERROR_PTS_FAILURE: ResponseCode = 605;
/// Not supported (pcscd turns it into `SCARD_E_UNSUPPORTED_FEATURE` for a control).
pub const IFD_ERROR_NOT_SUPPORTED: ResponseCode = 606;
/// The requested protocol is not supported.
pub const IFD_PROTOCOL_NOT_SUPPORTED: ResponseCode = 607;
/// Powering or resetting the card failed.
pub const IFD_ERROR_POWER_ACTION: ResponseCode = 608;
/// Generic error (pcscd: `SCARD_E_NOT_TRANSACTED`).
pub const IFD_COMMUNICATION_ERROR: ResponseCode = 612;
/// The request is not supported (pcscd: `SCARD_E_UNSUPPORTED_FEATURE` for a control).
pub const IFD_NOT_SUPPORTED: ResponseCode = 614;
/// Card present (`IFDHICCPresence`).
pub const IFD_ICC_PRESENT: ResponseCode = 615;
/// Card absent (`IFDHICCPresence`; for a transmit pcscd answers
/// `SCARD_E_NO_SMARTCARD`, for a control `SCARD_E_NOT_TRANSACTED`:
/// pcsc-lite `ifdwrapper.c`, `IFDTransmit` and `IFDControl`).
pub const IFD_ICC_NOT_PRESENT: ResponseCode = 616;
/// The caller's buffer is too small (pcscd: `SCARD_E_INSUFFICIENT_BUFFER`).
pub const IFD_ERROR_INSUFFICIENT_BUFFER: ResponseCode = 618;

// Power actions (`ifdhandler.h`).
/// Power the card up.
pub const IFD_POWER_UP: Dword = 500;
/// Power the card down.
pub const IFD_POWER_DOWN: Dword = 501;
/// Warm reset.
pub const IFD_RESET: Dword = 502;

// Capability tags (`ifdhandler.h`).
/// The ATR of the card.
pub const TAG_IFD_ATR: Dword = 0x0303;
/// Whether the slots of one reader may be used at the same time.
pub const TAG_IFD_SLOT_THREAD_SAFE: Dword = 0x0FAC;
/// Whether several readers of this driver may be used at the same time.
pub const TAG_IFD_THREAD_SAFE: Dword = 0x0FAD;
/// Number of slots of the reader.
pub const TAG_IFD_SLOTS_NUMBER: Dword = 0x0FAE;
/// Number of readers the driver can manage.
pub const TAG_IFD_SIMULTANEOUS_ACCESS: Dword = 0x0FAF;
/// `SCARD_ATTR_ATR_STRING` = `SCARD_ATTR_VALUE(SCARD_CLASS_ICC_STATE = 9, 0x0303)`
/// (`reader.h`), the same ATR through `SCardGetAttrib`.
pub const SCARD_ATTR_ATR_STRING: Dword = (9 << 16) | 0x0303;

/// `MAX_ATR_SIZE` (`pcsclite.h`): an ATR has at most 33 bytes (ISO 7816-3).
pub const MAX_ATR_SIZE: usize = 33;

/// `SCARD_PROTOCOL_T0` (`pcsclite.h`).
pub const SCARD_PROTOCOL_T0: Dword = 1;
/// `SCARD_PROTOCOL_T1` (`pcsclite.h`).
pub const SCARD_PROTOCOL_T1: Dword = 2;

/// `SCARD_CTL_CODE(code)` on pcsc-lite: `0x42000000 + code` (`reader.h`).
pub const fn scard_ctl_code(code: u32) -> u32 {
    0x4200_0000 + code
}

/// `CM_IOCTL_GET_FEATURE_REQUEST` = `SCARD_CTL_CODE(3400)` (`reader.h`; PC/SC
/// part 10; docs/domain/jpki.md §5.1).
pub const CM_IOCTL_GET_FEATURE_REQUEST: u32 = scard_ctl_code(3400);

/// Feature tag `FEATURE_VERIFY_PIN_DIRECT` (`reader.h`; PC/SC part 10).
pub const FEATURE_VERIFY_PIN_DIRECT: u8 = 0x06;
/// Feature tag `FEATURE_IFD_PIN_PROPERTIES` (`reader.h`; PC/SC part 10).
pub const FEATURE_IFD_PIN_PROPERTIES: u8 = 0x0A;

/// The control code of a feature of this reader: `SCARD_CTL_CODE(0x4D0000 +
/// tag)` (0x4D, "M"). A driver picks its own codes and the host must use the
/// value the feature list gives (docs/domain/jpki.md §5.1, point 3). libccid uses
/// `0x330000 + tag` (`ccid_ifdhandler.h`, `CLASS2_IOCTL_MAGIC`); ours differs on
/// purpose, so a host that assumed libccid's codes would fail here.
pub const fn feature_ioctl(tag: u8) -> u32 {
    scard_ctl_code(0x004D_0000 + tag as u32)
}

/// The verify ioctl this reader announces (`0x424D0006`).
pub const IOCTL_VERIFY_PIN_DIRECT: u32 = feature_ioctl(FEATURE_VERIFY_PIN_DIRECT);
/// The PIN-properties ioctl this reader announces (`0x424D000A`).
pub const IOCTL_IFD_PIN_PROPERTIES: u32 = feature_ioctl(FEATURE_IFD_PIN_PROPERTIES);

// The pad's own answers to a verify, in place of the card's status word
// (PC/SC part 10; docs/domain/jpki.md §5.1; OpenSC `reader-pcsc.c` `pcsc_pin_cmd`; libccid
// `commands.c` turns the CCID errors PIN_TIMEOUT 0xF0 and PIN_CANCELLED 0xEF
// into the first two).
/// The customer did not finish in time.
pub const SW_PAD_TIMEOUT: [u8; 2] = [0x64, 0x00];
/// The customer pressed Cancel.
pub const SW_PAD_CANCELLED: [u8; 2] = [0x64, 0x01];
/// The PIN typed is shorter or longer than the structure allows.
pub const SW_PAD_LENGTH: [u8; 2] = [0x64, 0x03];
/// The structure's parameters are inconsistent.
pub const SW_PAD_INVALID_PARAMETER: [u8; 2] = [0x6B, 0x80];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_as_the_headers_give_them() {
        assert_eq!(CM_IOCTL_GET_FEATURE_REQUEST, 0x4200_0D48);
        assert_eq!(IOCTL_VERIFY_PIN_DIRECT, 0x424D_0006);
        assert_eq!(IOCTL_IFD_PIN_PROPERTIES, 0x424D_000A);
        assert_eq!(SCARD_ATTR_ATR_STRING, 0x0009_0303);
    }
}
