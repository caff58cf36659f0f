//! Reading a certificate from the selected EF with the fewest READ BINARY
//! commands (docs/domain/jpki.md §1.5, the myna-card method).
//!
//! The EF is larger than the certificate and padded, so the length comes from
//! the DER header: read 256 bytes at offset 0 (Le = `00`), parse
//! `30 81 xx` / `30 82 xx xx` / `30 83 xx xx xx`, then read the rest with
//! offset = bytes so far and Le = min(256, remaining). A 1,586-byte
//! certificate takes 7 commands (6 × 256 + 50).
//!
//! Refused as [`CardError::MalformedResponse`]: any other header, a total
//! above 0x7FFF (READ BINARY offsets have 15 bits), more bytes than asked, an
//! empty chunk, fewer bytes than asked with `90 00`, and a file that ends
//! (`62 82`, `6B 00`) before the certificate does.

use crate::apdu::Response;
use crate::commands::{self, MAX_READ_OFFSET};
use crate::error::CardError;
use crate::flow::machine::{Op, Request, Want};
use crate::status::StatusKind;

const STEP: &str = "READ BINARY";
/// The most one short READ BINARY returns.
const CHUNK: usize = 256;

pub(crate) struct ReadBinary {
    buf: Vec<u8>,
    /// Total certificate length, once the header has been parsed.
    total: Option<usize>,
    /// Le of the READ BINARY in flight.
    asked: usize,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Next,
    Awaiting,
    Complete,
    Taken,
}

impl ReadBinary {
    pub(crate) fn new() -> Self {
        ReadBinary {
            buf: Vec::new(),
            total: None,
            asked: 0,
            state: State::Next,
        }
    }
}

impl Op for ReadBinary {
    type Out = Vec<u8>;

    fn poll(&mut self) -> Result<Want<Vec<u8>>, CardError> {
        match self.state {
            State::Next => {
                let offset = self.buf.len();
                let le = match self.total {
                    None => CHUNK,
                    Some(total) => CHUNK.min(total.saturating_sub(offset)),
                };
                let command = u16::try_from(offset)
                    .ok()
                    .zip(u16::try_from(le).ok())
                    .and_then(|(offset, le)| commands::read_binary(offset, le).ok())
                    .ok_or_else(|| {
                        CardError::malformed(
                            STEP,
                            format!("cannot read {le} bytes at offset {offset}"),
                        )
                    })?;
                self.asked = le;
                self.state = State::Awaiting;
                Ok(Want::Send(Request::Apdu(command)))
            }
            State::Complete => {
                self.state = State::Taken;
                Ok(Want::Ready(std::mem::take(&mut self.buf)))
            }
            State::Awaiting => Err(CardError::ContractViolation {
                reason: "polled while a response is pending",
            }),
            State::Taken => Err(CardError::ContractViolation {
                reason: "polled after completion",
            }),
        }
    }

    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        if self.state != State::Awaiting {
            return Err(CardError::ContractViolation {
                reason: "a response arrived that no command asked for",
            });
        }
        let sw = response.sw();
        let end_of_file = matches!(
            sw.kind(),
            StatusKind::EndOfFileWarning | StatusKind::OffsetOutOfRange
        );
        if !sw.is_success() && !end_of_file {
            return Err(CardError::from_status(STEP, sw));
        }
        let chunk = response.data();
        if chunk.len() > self.asked {
            return Err(CardError::malformed(
                STEP,
                format!(
                    "the card returned {} bytes, more than the {} asked",
                    chunk.len(),
                    self.asked
                ),
            ));
        }
        let offset = self.buf.len();
        self.buf.extend_from_slice(chunk);

        let total = match self.total {
            Some(total) => total,
            None => {
                let total = certificate_length(&self.buf)?;
                self.total = Some(total);
                total
            }
        };
        if self.buf.len() >= total {
            self.buf.truncate(total); // the rest is the EF's padding
            self.state = State::Complete;
            return Ok(());
        }
        if chunk.is_empty() {
            return Err(CardError::malformed(
                STEP,
                format!(
                    "the card returned no data at offset {offset} of a {total}-byte certificate"
                ),
            ));
        }
        if end_of_file {
            return Err(CardError::malformed(
                STEP,
                format!(
                    "the file ends after {} bytes, but the certificate header says {total}",
                    self.buf.len()
                ),
            ));
        }
        if chunk.len() < self.asked {
            return Err(CardError::malformed(
                STEP,
                format!(
                    "the card returned {} of the {} bytes asked at offset {offset}",
                    chunk.len(),
                    self.asked
                ),
            ));
        }
        self.state = State::Next;
        Ok(())
    }
}

/// Total length (header + content) of the DER SEQUENCE at the start of `buf`.
pub(crate) fn certificate_length(buf: &[u8]) -> Result<usize, CardError> {
    let (header, content) = match *buf {
        [] => return Err(CardError::malformed(STEP, "the file is empty")),
        [tag, ..] if tag != 0x30 => {
            return Err(CardError::malformed(
                STEP,
                format!("the file does not start with a DER SEQUENCE (30) but with {tag:02X}"),
            ));
        }
        [_, 0x81, a, ..] => (3, usize::from(a)),
        [_, 0x82, a, b, ..] => (4, usize::from(u16::from_be_bytes([a, b]))),
        [_, 0x83, a, b, c, ..] => (5, u32::from_be_bytes([0, a, b, c]) as usize),
        [_, len @ (0x81..=0x83), ..] => {
            return Err(CardError::malformed(
                STEP,
                format!(
                    "only {} bytes, too short for the DER header (30 {len:02X} …)",
                    buf.len()
                ),
            ));
        }
        [_] => {
            return Err(CardError::malformed(
                STEP,
                "only 1 byte, too short for a DER header",
            ));
        }
        [_, len, ..] => {
            return Err(CardError::malformed(
                STEP,
                format!("unsupported DER length form {len:02X} for a certificate"),
            ));
        }
    };
    let total = header + content;
    if total > usize::from(MAX_READ_OFFSET) {
        return Err(CardError::malformed(
            STEP,
            format!(
                "the certificate claims {total} bytes, beyond READ BINARY's 15-bit offset limit (0x7FFF)"
            ),
        ));
    }
    Ok(total)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        assert_eq!(certificate_length(&[0x30, 0x81, 0x90]).unwrap(), 0x93);
        assert_eq!(certificate_length(&[0x30, 0x82, 0x06, 0x2E]).unwrap(), 1586);
        assert_eq!(
            certificate_length(&[0x30, 0x83, 0x00, 0x10, 0x00, 9]).unwrap(),
            0x1005
        );
        assert_eq!(
            certificate_length(&[0x30, 0x82, 0x7F, 0xFB]).unwrap(),
            0x7FFF
        );
    }

    #[test]
    fn garbage_headers() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x31, 0x82, 0x06, 0x2E],
            &[0xFF, 0xFF, 0xFF, 0xFF],
            &[0x30, 0x7F],
            &[0x30, 0x80, 0x00],
            &[0x30, 0x84, 0, 0, 1, 0],
            &[0x30, 0x82, 0x06],
            &[0x30, 0x83, 0x00, 0x10],
            &[0x30, 0x82, 0x7F, 0xFC],
            &[0x30, 0x83, 0xFF, 0xFF, 0xFF],
        ] {
            assert!(
                matches!(
                    certificate_length(bad),
                    Err(CardError::MalformedResponse {
                        step: "READ BINARY",
                        ..
                    })
                ),
                "{bad:02X?}"
            );
        }
    }
}
