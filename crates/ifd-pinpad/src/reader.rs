//! One virtual PIN-pad reader (one `Lun`): its card port, its pad and keys
//! port, and what pcscd asks of it, in safe Rust. [`crate::ffi`] turns
//! pcsc-lite's calls into calls here and the results into `IFD_*` codes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::card_link::{CTRL_POWER_OFF, CTRL_POWER_ON, CTRL_RESET, CardLink, LinkError};
use crate::codes::*;
use crate::device::Ports;
use crate::entry::{Entry, Outcome};
use crate::listener::Listener;
use crate::pad::Pad;
use crate::pin_block::build_verify;
use crate::record::{hex, masked_apdu};
use crate::structure::VerifyPin;

/// The pad's time-out when the structure says `bTimerOut = 0` ("the reader's
/// default", PC/SC part 10): 60 s, as the ACS ACR83 PINeasy's reference manual
/// (v1.05, §11.0) gives it. libccid waits at least 90 s for any pad
/// (docs/domain/jpki.md §5.1).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a waiting entry looks whether the card is still there.
const PRESENCE_POLL: Duration = Duration::from_millis(50);

/// The features this reader announces to `CM_IOCTL_GET_FEATURE_REQUEST`:
/// 6-byte TLVs, tag, length 4, ioctl code big-endian (PC/SC part 10;
/// docs/domain/jpki.md §5.1).
pub fn feature_list() -> Vec<u8> {
    let mut tlvs = Vec::with_capacity(12);
    for (tag, code) in [
        (FEATURE_VERIFY_PIN_DIRECT, IOCTL_VERIFY_PIN_DIRECT),
        (FEATURE_IFD_PIN_PROPERTIES, IOCTL_IFD_PIN_PROPERTIES),
    ] {
        tlvs.extend_from_slice(&[tag, 4]);
        tlvs.extend_from_slice(&code.to_be_bytes());
    }
    tlvs
}

/// `PIN_PROPERTIES_STRUCTURE` (`reader.h`): `wLcdLayout` 0 (no display),
/// `bEntryValidationCondition` 07 (all three conditions), `bTimeOut2` 00 —
/// what libccid answers for a pad without a display (`ifdhandler.c`).
pub const PIN_PROPERTIES: [u8; 4] = [0x00, 0x00, 0x07, 0x00];

/// A failed driver call, as an `IFD_*` code.
pub type IfdResult<T> = Result<T, ResponseCode>;

/// One reader.
pub struct Reader {
    card: Arc<CardLink>,
    pad: Arc<Pad>,
    keys: std::sync::Mutex<Listener>,
    started: Instant,
}

impl Reader {
    /// Opens the card port and the keys port.
    pub fn open(ports: Ports) -> std::io::Result<Reader> {
        let card = Arc::new(CardLink::listen(ports.card)?);
        let pad = Arc::new(Pad::default());
        let keys = crate::keys::listen(ports.keys, Arc::clone(&pad), Arc::clone(&card))?;
        Ok(Reader {
            card,
            pad,
            keys: std::sync::Mutex::new(keys),
            started: Instant::now(),
        })
    }

    /// The card port's address.
    #[cfg(test)]
    pub fn card_addr(&self) -> std::net::SocketAddr {
        self.card.addr()
    }

    /// The keys port's address.
    #[cfg(test)]
    pub fn keys_addr(&self) -> std::net::SocketAddr {
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .addr()
    }

    /// Closes both ports; the card is let go. Clients of the keys port keep
    /// their connection until they hang up; their keys reach no pad.
    pub fn close(&self) {
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .stop();
        self.card.close();
    }

    /// `IFDHICCPresence`.
    pub fn presence(&self) -> ResponseCode {
        if self.card.present() {
            IFD_ICC_PRESENT
        } else {
            IFD_ICC_NOT_PRESENT
        }
    }

    /// `IFDHPowerICC`: the ATR after power-up or reset, nothing after power-down.
    pub fn power(&self, action: Dword) -> IfdResult<Vec<u8>> {
        let (code, name) = match action {
            IFD_POWER_UP => (CTRL_POWER_ON, "up"),
            IFD_RESET => (CTRL_RESET, "reset"),
            IFD_POWER_DOWN => (CTRL_POWER_OFF, "down"),
            _ => return Err(IFD_NOT_SUPPORTED),
        };
        self.pad.record(format!("power {name}"));
        self.card
            .control(code)
            .map_err(|_| IFD_ERROR_POWER_ACTION)?;
        if action == IFD_POWER_DOWN {
            return Ok(Vec::new());
        }
        match self.card.atr() {
            Ok(atr) if (2..=MAX_ATR_SIZE).contains(&atr.len()) => Ok(atr),
            _ => Err(IFD_ERROR_POWER_ACTION),
        }
    }

    /// The ATR of the card in the reader (`TAG_IFD_ATR`).
    pub fn atr(&self) -> IfdResult<Vec<u8>> {
        self.card.atr().map_err(|_| IFD_ICC_NOT_PRESENT)
    }

    /// `IFDHTransmitToICC`: the APDU is recorded (a secret's data masked) and
    /// sent to the card.
    pub fn transmit(&self, apdu: &[u8]) -> IfdResult<Vec<u8>> {
        self.pad.record(format!("transmit {}", masked_apdu(apdu)));
        self.card.transmit(apdu).map_err(|e| match e {
            LinkError::NoCard => IFD_ICC_NOT_PRESENT,
            _ => IFD_COMMUNICATION_ERROR,
        })
    }

    /// `IFDHControl`: the feature list, the PIN properties, or a PIN entry.
    pub fn control(&self, code: u32, input: &[u8]) -> IfdResult<Vec<u8>> {
        self.pad
            .record(format!("control {code:08X} {} bytes", input.len()));
        match code {
            CM_IOCTL_GET_FEATURE_REQUEST => Ok(feature_list()),
            IOCTL_IFD_PIN_PROPERTIES => Ok(PIN_PROPERTIES.to_vec()),
            IOCTL_VERIFY_PIN_DIRECT => self.verify_pin_direct(input),
            _ => Err(IFD_ERROR_NOT_SUPPORTED),
        }
    }

    /// `FEATURE_VERIFY_PIN_DIRECT`: prompt, take the keys, build the VERIFY,
    /// send it, answer the card's status word or the pad's own.
    fn verify_pin_direct(&self, input: &[u8]) -> IfdResult<Vec<u8>> {
        // The structure carries placeholders, never digits: safe to keep.
        self.pad.record(format!("structure {}", hex(input)));
        let request = match VerifyPin::parse(input) {
            Ok(r) => r,
            Err(refusal) => {
                self.pad.record(format!("entry refused: {refusal}"));
                return if refusal.is_framing() {
                    Err(IFD_NOT_SUPPORTED)
                } else {
                    Ok(SW_PAD_INVALID_PARAMETER.to_vec())
                };
            }
        };
        if !self.card.present() {
            self.pad.record("entry refused: no card".to_owned());
            return Err(IFD_ICC_NOT_PRESENT);
        }
        let now = || self.started.elapsed();
        let start = now();
        let mut entry = Entry::start(&request, DEFAULT_TIMEOUT, start);
        let timeout = entry.deadline().saturating_sub(start);
        self.pad
            .begin(request.min_digits, request.max_digits, timeout);
        let outcome = loop {
            let wait = entry.deadline().saturating_sub(now()).min(PRESENCE_POLL);
            if let Some(key) = self.pad.next_key(Instant::now() + wait) {
                if let Some(out) = entry.key(key, now()) {
                    break Some(out);
                }
                continue;
            }
            if let Some(out) = entry.tick(now()) {
                break Some(out);
            }
            if !self.card.present() {
                break None;
            }
        };
        self.pad.end();
        match outcome {
            None => {
                self.pad.record("entry removed".to_owned());
                Err(IFD_ICC_NOT_PRESENT)
            }
            Some(Outcome::Cancelled) => self.pad_answer("cancelled", SW_PAD_CANCELLED),
            Some(Outcome::TimedOut) => self.pad_answer("timeout", SW_PAD_TIMEOUT),
            Some(Outcome::LengthOutOfRange) => self.pad_answer("length", SW_PAD_LENGTH),
            Some(Outcome::Validated(digits)) => {
                let apdu = build_verify(&request, &digits);
                drop(digits);
                self.pad.record("entry validated".to_owned());
                let response = self.card.transmit(&apdu).map_err(|e| match e {
                    LinkError::NoCard => IFD_ICC_NOT_PRESENT,
                    _ => IFD_COMMUNICATION_ERROR,
                });
                let sw = response.as_ref().map_or_else(
                    |_| "none".to_owned(),
                    |r| hex(r.get(r.len().saturating_sub(2)..).unwrap_or_default()),
                );
                self.pad
                    .record(format!("verify {} sw={sw}", masked_apdu(&apdu)));
                response
            }
        }
    }

    fn pad_answer(&self, what: &str, sw: [u8; 2]) -> IfdResult<Vec<u8>> {
        self.pad.record(format!("entry {what}"));
        Ok(sw.to_vec())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn features_as_a_host_parses_them() {
        assert_eq!(
            feature_list(),
            [
                0x06, 4, 0x42, 0x4D, 0x00, 0x06, //
                0x0A, 4, 0x42, 0x4D, 0x00, 0x0A
            ]
        );
    }
}
