//! pcsc-lite's driver interface, IFD handler version 3.0 (`ifdhandler.h`):
//! the ten `IFDH*` functions pcscd looks up in the library (pcsc-lite
//! `readerfactory.c`, `RFBindFunctions`: `IFDHCreateChannelByName` marks
//! version 3.0). The only unsafe code of the crate.
//!
//! Every function:
//! - runs its body under `guard`, so a panic never unwinds into pcscd (it
//!   becomes `IFD_COMMUNICATION_ERROR`);
//! - checks every pointer for null and every length before use, and writes
//!   no more than the caller's buffer holds (`IFD_ERROR_INSUFFICIENT_BUFFER`);
//! - sets the output length to 0 on every error, as `ifdhandler.h` asks.
//!
//! pcscd serialises the calls for one reader (it holds the reader's lock
//! around each, `ifdwrapper.c`); readers (`Lun`s) are independent.

#![allow(unsafe_code, non_snake_case)]

use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::codes::*;
use crate::device::Ports;
use crate::reader::Reader;

/// `SCARD_IO_HEADER` (`ifdhandler.h`): two `DWORD`s, passed by value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ScardIoHeader {
    /// `SCARD_PROTOCOL_*`.
    pub protocol: Dword,
    /// Unused.
    pub length: Dword,
}

/// How many readers one loaded driver serves (`TAG_IFD_SIMULTANEOUS_ACCESS`).
const MAX_READERS: u8 = 16;

static READERS: Mutex<Vec<(Dword, Arc<Reader>)>> = Mutex::new(Vec::new());

fn readers() -> MutexGuard<'static, Vec<(Dword, Arc<Reader>)>> {
    // The list stays consistent: every change is one push or one remove.
    READERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn reader(lun: Dword) -> Option<Arc<Reader>> {
    readers()
        .iter()
        .find(|(l, _)| *l == lun)
        .map(|(_, r)| Arc::clone(r))
}

/// Runs a driver call; a panic in it becomes `IFD_COMMUNICATION_ERROR`.
fn guard(body: impl FnOnce() -> ResponseCode) -> ResponseCode {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(IFD_COMMUNICATION_ERROR)
}

/// Opens the reader `lun` on `ports`.
pub(crate) fn open(lun: Dword, ports: Ports) -> ResponseCode {
    let mut list = readers();
    if list.iter().any(|(l, _)| *l == lun) || list.len() >= usize::from(MAX_READERS) {
        return IFD_COMMUNICATION_ERROR;
    }
    match Reader::open(ports) {
        Ok(r) => {
            list.push((lun, Arc::new(r)));
            IFD_SUCCESS
        }
        // The port is taken, most likely by a stale pcscd.
        Err(_) => IFD_COMMUNICATION_ERROR,
    }
}

/// Hands a call's result to the caller: the data copied into `out` (a buffer
/// of `*len` bytes) with `*len` set to its length, or the error code with
/// `*len` set to 0. Data that does not fit is `IFD_ERROR_INSUFFICIENT_BUFFER`.
///
/// # Safety
/// `len` is null or valid for reads and writes; `out` is null or valid for
/// `*len` bytes of writes.
unsafe fn reply(
    result: Result<Vec<u8>, ResponseCode>,
    out: *mut u8,
    len: *mut Dword,
) -> ResponseCode {
    if len.is_null() {
        return IFD_COMMUNICATION_ERROR;
    }
    let code = match result {
        Err(code) => code,
        Ok(data) => {
            // SAFETY: `len` is not null and valid, per this function's contract.
            let capacity = usize::try_from(unsafe { *len }).unwrap_or(0);
            if out.is_null() || data.len() > capacity {
                IFD_ERROR_INSUFFICIENT_BUFFER
            } else {
                // SAFETY: `out` holds `capacity >= data.len()` bytes; `data` is
                // ours, so the regions do not overlap.
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), out, data.len()) };
                // SAFETY: as above. `data.len()` is at most `capacity`, a `Dword`.
                unsafe { *len = Dword::try_from(data.len()).unwrap_or(0) };
                return IFD_SUCCESS;
            }
        }
    };
    // SAFETY: as above.
    unsafe { *len = 0 };
    code
}

/// The caller's input buffer as a slice (empty for length 0); `None` for a
/// null pointer with a length.
///
/// # Safety
/// `data` is null or valid for `len` bytes of reads for the call's duration.
unsafe fn input<'a>(data: *const u8, len: Dword) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    if data.is_null() {
        return None;
    }
    // SAFETY: non-null and valid for `len` bytes, per this function's contract.
    Some(unsafe { std::slice::from_raw_parts(data, len) })
}

/// The reader `lun`, or the code for an unknown one.
fn known(lun: Dword) -> Result<Arc<Reader>, ResponseCode> {
    reader(lun).ok_or(IFD_COMMUNICATION_ERROR)
}

/// Opens the reader named by `DEVICENAME pinpad:<card port>:<keys port>`.
///
/// # Safety
/// `device_name` is null or a NUL-terminated string (pcscd passes the
/// `reader.conf` value).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHCreateChannelByName(
    Lun: Dword,
    DeviceName: *const c_char,
) -> ResponseCode {
    guard(|| {
        if DeviceName.is_null() {
            return IFD_COMMUNICATION_ERROR;
        }
        // SAFETY: non-null and NUL-terminated, per this function's contract.
        let name = unsafe { CStr::from_ptr(DeviceName) };
        match name.to_str().map(Ports::from_device_name) {
            Ok(Ok(ports)) => open(Lun, ports),
            _ => IFD_COMMUNICATION_ERROR,
        }
    })
}

/// Opens the reader with its card on port `Channel` and its keys on the next.
///
/// # Safety
/// None needed; `unsafe` for symmetry with the other entry points.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHCreateChannel(Lun: Dword, Channel: Dword) -> ResponseCode {
    guard(|| match Ports::from_channel(Channel) {
        Ok(ports) => open(Lun, ports),
        Err(_) => IFD_COMMUNICATION_ERROR,
    })
}

/// Closes the reader: both ports stop listening, the card is let go.
///
/// # Safety
/// None needed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHCloseChannel(Lun: Dword) -> ResponseCode {
    guard(|| {
        let removed = {
            let mut list = readers();
            let at = list.iter().position(|(l, _)| *l == Lun);
            at.map(|i| list.swap_remove(i).1)
        };
        match removed {
            Some(r) => {
                r.close();
                IFD_SUCCESS
            }
            None => IFD_COMMUNICATION_ERROR,
        }
    })
}

/// The ATR and the driver's capabilities.
///
/// # Safety
/// `Length` is null or valid for reads and writes; `Value` is null or valid
/// for `*Length` bytes of writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHGetCapabilities(
    Lun: Dword,
    Tag: Dword,
    Length: *mut Dword,
    Value: *mut u8,
) -> ResponseCode {
    guard(|| {
        let answer = match Tag {
            TAG_IFD_ATR | SCARD_ATTR_ATR_STRING => known(Lun).and_then(|r| r.atr()),
            TAG_IFD_SIMULTANEOUS_ACCESS => Ok(vec![MAX_READERS]),
            TAG_IFD_THREAD_SAFE | TAG_IFD_SLOTS_NUMBER => Ok(vec![1]),
            TAG_IFD_SLOT_THREAD_SAFE => Ok(vec![0]),
            _ => Err(IFD_ERROR_TAG),
        };
        // SAFETY: the caller's pointers, per this function's contract.
        unsafe { reply(answer, Value, Length) }
    })
}

/// Nothing can be set on this reader.
///
/// # Safety
/// None needed: the pointer is not used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHSetCapabilities(
    _Lun: Dword,
    _Tag: Dword,
    _Length: Dword,
    _Value: *mut u8,
) -> ResponseCode {
    guard(|| IFD_NOT_SUPPORTED)
}

/// Protocol selection: the virtual card works at the APDU level, so T=0 and
/// T=1 are both taken and nothing is negotiated.
///
/// # Safety
/// None needed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHSetProtocolParameters(
    Lun: Dword,
    Protocol: Dword,
    _Flags: u8,
    _PTS1: u8,
    _PTS2: u8,
    _PTS3: u8,
) -> ResponseCode {
    guard(|| match (reader(Lun), Protocol) {
        (None, _) => IFD_COMMUNICATION_ERROR,
        (Some(_), SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1) => IFD_SUCCESS,
        (Some(_), _) => IFD_PROTOCOL_NOT_SUPPORTED,
    })
}

/// Power up, power down or reset the card; the ATR after up and reset.
///
/// # Safety
/// `AtrLength` is null or valid for reads and writes; `Atr` is null or valid
/// for `*AtrLength` bytes of writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHPowerICC(
    Lun: Dword,
    Action: Dword,
    Atr: *mut u8,
    AtrLength: *mut Dword,
) -> ResponseCode {
    guard(|| {
        let atr = known(Lun).and_then(|r| r.power(Action));
        // SAFETY: the caller's pointers, per this function's contract.
        unsafe { reply(atr, Atr, AtrLength) }
    })
}

/// One APDU to the card; the response back.
///
/// # Safety
/// `TxBuffer` is null or valid for `TxLength` bytes of reads; `RxLength` is
/// null or valid for reads and writes; `RxBuffer` is null or valid for
/// `*RxLength` bytes of writes; `RecvPci` is null or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHTransmitToICC(
    Lun: Dword,
    SendPci: ScardIoHeader,
    TxBuffer: *const u8,
    TxLength: Dword,
    RxBuffer: *mut u8,
    RxLength: *mut Dword,
    RecvPci: *mut ScardIoHeader,
) -> ResponseCode {
    guard(|| {
        // SAFETY: the caller's buffer, per this function's contract.
        let response = match unsafe { input(TxBuffer, TxLength) } {
            Some(apdu) => known(Lun).and_then(|r| r.transmit(apdu)),
            None => Err(IFD_COMMUNICATION_ERROR),
        };
        if response.is_ok() && !RecvPci.is_null() {
            // SAFETY: non-null and valid for writes, per the contract.
            unsafe {
                (*RecvPci).protocol = SendPci.protocol;
                (*RecvPci).length = 0;
            }
        }
        // SAFETY: the caller's pointers, per this function's contract.
        unsafe { reply(response, RxBuffer, RxLength) }
    })
}

/// Whether a card is in the reader.
///
/// # Safety
/// None needed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHICCPresence(Lun: Dword) -> ResponseCode {
    guard(|| known(Lun).map_or_else(|code| code, |r| r.presence()))
}

/// A reader command: the feature list, the PIN properties, or a PIN entry on
/// the pad (which blocks until the entry ends).
///
/// # Safety
/// `TxBuffer` is null or valid for `TxLength` bytes of reads; `RxBuffer` is
/// null or valid for `RxLength` bytes of writes; `pdwBytesReturned` is null
/// or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IFDHControl(
    Lun: Dword,
    dwControlCode: Dword,
    TxBuffer: *const u8,
    TxLength: Dword,
    RxBuffer: *mut u8,
    RxLength: Dword,
    pdwBytesReturned: *mut Dword,
) -> ResponseCode {
    guard(|| {
        if pdwBytesReturned.is_null() {
            return IFD_COMMUNICATION_ERROR;
        }
        // SAFETY: the caller's buffer, per this function's contract.
        let answer = match (
            unsafe { input(TxBuffer, TxLength) },
            u32::try_from(dwControlCode),
        ) {
            (Some(command), Ok(code)) => known(Lun).and_then(|r| r.control(code, command)),
            (None, _) => Err(IFD_COMMUNICATION_ERROR),
            (_, Err(_)) => Err(IFD_ERROR_NOT_SUPPORTED),
        };
        // SAFETY: non-null and valid for writes, per the contract; it now
        // holds the size of `RxBuffer` for `reply`.
        unsafe { *pdwBytesReturned = RxLength };
        // SAFETY: the caller's pointers, per this function's contract.
        unsafe { reply(answer, RxBuffer, pdwBytesReturned) }
    })
}

#[cfg(test)]
#[path = "ffi_tests.rs"]
mod tests;
