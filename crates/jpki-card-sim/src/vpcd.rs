//! The vpcd wire protocol (vsmartcard's virtual PC/SC reader driver), card
//! side. vpcd is the TCP server; the card connects as a client. Each message
//! is a 2-byte big-endian length and a payload. A 1-byte payload is a control
//! code, anything longer a command APDU, answered with the response APDU
//! (docs/domain/build-and-test.md, "PC/SC with a virtual reader").

use std::io::{self, Read, Write};

use crate::card::VirtualCard;

/// Control code: power the card off (no answer).
pub const CTRL_POWER_OFF: u8 = 0;
/// Control code: power the card on (no answer).
pub const CTRL_POWER_ON: u8 = 1;
/// Control code: warm reset (no answer).
pub const CTRL_RESET: u8 = 2;
/// Control code: send the ATR. vpcd also uses it as its presence poll.
pub const CTRL_GET_ATR: u8 = 4;

/// Reads one message. `Ok(None)` when the peer closed the connection at a
/// message boundary.
pub fn read_message(stream: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    // A clean close shows as EOF before the first length byte.
    loop {
        match stream.read(&mut len[..1]) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    stream.read_exact(&mut len[1..])?;
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut payload)?;
    Ok(Some(payload))
}

/// Writes one message in a single write (length and payload together, so
/// Nagle's algorithm never splits it). Payloads longer than 65,535 bytes are
/// refused.
pub fn write_message(stream: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "vpcd messages carry at most 65535 bytes",
        )
    })?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)?;
    stream.flush()
}

/// Applies a control code to the card; returns the answer to send, if the
/// code has one (only [`CTRL_GET_ATR`]). Unknown codes are ignored, as vpcd
/// sends none.
pub fn apply_control(card: &mut VirtualCard, code: u8) -> Option<Vec<u8>> {
    match code {
        CTRL_POWER_OFF => {
            card.power_off();
            None
        }
        CTRL_POWER_ON => {
            card.power_on();
            None
        }
        CTRL_RESET => {
            card.warm_reset();
            None
        }
        CTRL_GET_ATR => Some(card.atr().to_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn framing_round_trip() {
        let mut wire = Vec::new();
        write_message(&mut wire, &[0x00, 0xA4, 0x04, 0x0C]).unwrap();
        write_message(&mut wire, &[CTRL_GET_ATR]).unwrap();
        assert_eq!(&wire[..6], &[0, 4, 0x00, 0xA4, 0x04, 0x0C]);
        let mut r = &wire[..];
        assert_eq!(
            read_message(&mut r).unwrap().unwrap(),
            [0x00, 0xA4, 0x04, 0x0C]
        );
        assert_eq!(read_message(&mut r).unwrap().unwrap(), [CTRL_GET_ATR]);
        assert!(read_message(&mut r).unwrap().is_none());
    }

    #[test]
    fn truncated_message_is_an_error() {
        let mut r = &[0u8, 5, 1, 2][..];
        assert!(read_message(&mut r).is_err());
        let mut r = &[0u8][..];
        assert!(read_message(&mut r).is_err());
    }
}
