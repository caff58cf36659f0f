//! Loggable traces of APDU exchanges.
//!
//! A [`TraceLine`] keeps only the rendered, masked text, never the raw bytes:
//! * the data of VERIFY (INS `20`) and CHANGE REFERENCE DATA (INS `24`) is
//!   replaced by `**` per byte, whatever the CLA (as myna's `apdu.rs` does,
//!   docs/domain/jpki.md §4 lesson 3): `00 20 00 80 04 ** ** ** **`;
//! * response data is shortened to its first 8 bytes and its length, since
//!   certificates carry personal data (the 署名用 one holds name and address,
//!   docs/domain/jpki.md §2): `30 82 06 2E 30 82 05 16 … (256 bytes) 90 00`.

use std::fmt;

use super::ins_carries_secret;

/// How many response data bytes a trace shows.
const RESPONSE_PREVIEW: usize = 8;
/// Length of the PIN_VERIFY_STRUCTURE header before its APDU (docs/domain/jpki.md §5.2).
const PIN_VERIFY_HEADER: usize = 19;

/// What a [`TraceLine`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceKind {
    /// A command APDU sent to the card (`>`).
    Command,
    /// A response APDU or PIN-pad reply received (`<`).
    Response,
    /// A PIN_VERIFY_STRUCTURE handed to the reader's PIN pad (`> PIN pad`).
    PinPad,
    /// Something that happened around the exchange: a transport error, the
    /// power-down at the end of a flow (`#`).
    Note,
}

/// One masked line of an APDU trace; safe to log.
#[derive(Clone, PartialEq, Eq)]
pub struct TraceLine {
    kind: TraceKind,
    text: String,
}

impl TraceLine {
    /// The trace of a command APDU, with PIN data masked.
    pub fn command(apdu: &[u8]) -> Self {
        TraceLine {
            kind: TraceKind::Command,
            text: masked_command(apdu),
        }
    }

    /// The trace of a response APDU (or a 2-byte PIN-pad reply), data shortened.
    pub fn response(apdu: &[u8]) -> Self {
        let text = match apdu {
            [data @ .., sw1, sw2] => {
                let mut parts: Vec<String> = data
                    .iter()
                    .take(RESPONSE_PREVIEW)
                    .map(|b| format!("{b:02X}"))
                    .collect();
                if data.len() > RESPONSE_PREVIEW {
                    parts.push(format!("… ({} bytes)", data.len()));
                }
                parts.push(format!("{sw1:02X} {sw2:02X}"));
                parts.join(" ")
            }
            _ => format!("{} (too short)", hex(apdu)),
        };
        TraceLine {
            kind: TraceKind::Response,
            text,
        }
    }

    /// The trace of a PIN_VERIFY_STRUCTURE: the header in hex, then its APDU
    /// template masked like a command.
    pub fn pin_pad(pin_verify_structure: &[u8]) -> Self {
        let split = PIN_VERIFY_HEADER.min(pin_verify_structure.len());
        let (header, template) = pin_verify_structure.split_at(split);
        let text = if template.is_empty() {
            hex(header)
        } else {
            format!("{} | {}", hex(header), masked_command(template))
        };
        TraceLine {
            kind: TraceKind::PinPad,
            text,
        }
    }

    /// A free-form note (transport error, power-down). Must not contain secrets.
    pub fn note(text: impl Into<String>) -> Self {
        TraceLine {
            kind: TraceKind::Note,
            text: text.into(),
        }
    }

    /// What this line records.
    pub fn kind(&self) -> TraceKind {
        self.kind
    }

    /// The masked hex (or note text), without the direction marker.
    pub fn hex(&self) -> &str {
        &self.text
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Header and Lc in clear, every byte after Lc as `**` when INS is 20 or 24.
fn masked_command(apdu: &[u8]) -> String {
    match apdu {
        [_, ins, ..] if ins_carries_secret(*ins) && apdu.len() > 5 => {
            let (head, rest) = apdu.split_at(5);
            let stars = vec!["**"; rest.len()].join(" ");
            format!("{} {}", hex(head), stars)
        }
        _ => hex(apdu),
    }
}

impl fmt::Display for TraceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let marker = match self.kind {
            TraceKind::Command => ">",
            TraceKind::Response => "<",
            TraceKind::PinPad => "> PIN pad",
            TraceKind::Note => "#",
        };
        write!(f, "{marker} {}", self.text)
    }
}

impl fmt::Debug for TraceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_verify_and_change_reference_data() {
        let t = TraceLine::command(&[0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34]);
        assert_eq!(t.to_string(), "> 00 20 00 80 04 ** ** ** **");
        assert_eq!(format!("{t:?}"), "> 00 20 00 80 04 ** ** ** **");
        assert_eq!(t.hex(), "00 20 00 80 04 ** ** ** **");
        let t = TraceLine::command(b"\x00\x24\x01\x80\x06ABC123");
        assert_eq!(t.hex(), "00 24 01 80 06 ** ** ** ** ** **");
        // Any CLA, and the retry-counter query has nothing to mask.
        let t = TraceLine::command(&[0x80, 0x20, 0x00, 0x80, 0x01, 0x39]);
        assert_eq!(t.hex(), "80 20 00 80 01 **");
        let t = TraceLine::command(&[0x00, 0x20, 0x00, 0x80]);
        assert_eq!(t.hex(), "00 20 00 80");
    }

    #[test]
    fn other_commands_in_clear() {
        let t = TraceLine::command(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]);
        assert_eq!(t.hex(), "00 A4 02 0C 02 00 0A");
        assert_eq!(t.kind(), TraceKind::Command);
    }

    #[test]
    fn responses_are_shortened() {
        let mut r = vec![0xAB; 256];
        r.extend_from_slice(&[0x90, 0x00]);
        let t = TraceLine::response(&r);
        assert_eq!(
            t.to_string(),
            "< AB AB AB AB AB AB AB AB … (256 bytes) 90 00"
        );
        assert_eq!(TraceLine::response(&[0x63, 0xC2]).hex(), "63 C2");
        assert_eq!(TraceLine::response(&[0x90]).hex(), "90 (too short)");
        assert_eq!(TraceLine::response(&[]).hex(), " (too short)");
    }

    #[test]
    fn pin_pad_and_notes() {
        let mut s = vec![
            0x1E, 0, 0x82, 4, 0, 4, 4, 3, 1, 0x11, 4, 0, 0, 0, 0, 9, 0, 0, 0,
        ];
        s.extend_from_slice(&[0x00, 0x20, 0x00, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF]);
        let t = TraceLine::pin_pad(&s);
        assert_eq!(
            t.to_string(),
            "> PIN pad 1E 00 82 04 00 04 04 03 01 11 04 00 00 00 00 09 00 00 00 | 00 20 00 80 04 ** ** ** **"
        );
        assert_eq!(TraceLine::pin_pad(&[1, 2]).hex(), "01 02");
        let n = TraceLine::note("power down");
        assert_eq!(n.to_string(), "# power down");
        assert_eq!(n.kind(), TraceKind::Note);
    }
}
