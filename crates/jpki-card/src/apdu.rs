//! Command and response APDUs (ISO/IEC 7816-4 §5.1), short form only: JPKI
//! never needs extended length (docs/domain/jpki.md §1.7), so data is at most 255 bytes
//! and Le at most 256 (encoded `00`).
//!
//! Command data is kept in a zeroising buffer, because the data of VERIFY
//! (INS `20`) and CHANGE REFERENCE DATA (INS `24`) is a PIN. [`Command`]'s
//! `Debug` and [`TraceLine`] mask that data.

mod trace;

use std::fmt;

use thiserror::Error;
use zeroize::Zeroizing;

pub use trace::{TraceKind, TraceLine};

use crate::status::StatusWord;

/// INS of VERIFY (ISO/IEC 7816-4 §11.5.6); its data is a PIN.
pub const INS_VERIFY: u8 = 0x20;
/// INS of CHANGE REFERENCE DATA (ISO/IEC 7816-4 §11.5.7); its data is a PIN.
pub const INS_CHANGE_REFERENCE_DATA: u8 = 0x24;

/// Whether a command with this INS carries a PIN in its data.
pub const fn ins_carries_secret(ins: u8) -> bool {
    ins == INS_VERIFY || ins == INS_CHANGE_REFERENCE_DATA
}

/// A command or response that cannot be expressed or parsed as a short APDU.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ApduError {
    /// A response APDU needs at least SW1 SW2.
    #[error("the response has {len} byte(s); a response needs at least the two status bytes")]
    ResponseTooShort {
        /// How many bytes arrived.
        len: usize,
    },
    /// Short APDUs carry at most 255 data bytes.
    #[error("{len} bytes of command data do not fit a short APDU (at most 255)")]
    DataTooLong {
        /// The data length asked for.
        len: usize,
    },
    /// Short APDUs ask for 1 to 256 bytes.
    #[error("Le {le} is out of range for a short APDU (1 to 256)")]
    LeOutOfRange {
        /// The Le asked for.
        le: u16,
    },
    /// READ BINARY offsets have 15 bits (docs/domain/jpki.md §1.3).
    #[error("offset {offset:#06X} does not fit READ BINARY's 15 bits")]
    OffsetOutOfRange {
        /// The offset asked for.
        offset: u16,
    },
}

/// A short command APDU: CLA INS P1 P2 \[Lc data\] \[Le\].
///
/// Not `Clone` (its data may be a PIN); `Debug` prints the masked form of
/// [`TraceLine`].
pub struct Command {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: Zeroizing<Vec<u8>>,
    le: Option<u16>,
}

impl Command {
    /// A case-1 command (header only).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Zeroizing::new(Vec::new()),
            le: None,
        }
    }

    /// Adds command data (case 3, or case 4 with [`Command::with_le`]).
    /// The buffer is zeroised when the command is dropped.
    pub fn with_data(mut self, data: Vec<u8>) -> Result<Self, ApduError> {
        let data = Zeroizing::new(data);
        if data.len() > 255 {
            return Err(ApduError::DataTooLong { len: data.len() });
        }
        self.data = data;
        Ok(self)
    }

    /// Sets Le, the number of response bytes expected (1 to 256; 256 is sent as `00`).
    pub fn with_le(mut self, le: u16) -> Result<Self, ApduError> {
        if !(1..=256).contains(&le) {
            return Err(ApduError::LeOutOfRange { le });
        }
        self.le = Some(le);
        Ok(self)
    }

    /// CLA.
    pub fn cla(&self) -> u8 {
        self.cla
    }
    /// INS.
    pub fn ins(&self) -> u8 {
        self.ins
    }
    /// P1.
    pub fn p1(&self) -> u8 {
        self.p1
    }
    /// P2.
    pub fn p2(&self) -> u8 {
        self.p2
    }
    /// Le, if the command expects response data (1 to 256).
    pub fn le(&self) -> Option<u16> {
        self.le
    }
    /// Length of the command data (Lc), 0 when there is none.
    pub fn data_len(&self) -> usize {
        self.data.len()
    }

    /// Whether the data of this command is a PIN (VERIFY, CHANGE REFERENCE DATA).
    pub fn carries_secret(&self) -> bool {
        ins_carries_secret(self.ins) && !self.data.is_empty()
    }

    /// A short name of the instruction, used as `step` in
    /// [`CardError`](crate::CardError) (for example `"READ BINARY"`).
    pub fn name(&self) -> &'static str {
        match (self.ins, self.p1) {
            (0xA4, 0x04) => "SELECT (JPKI AP)",
            (0xA4, _) => "SELECT FILE",
            (0xB0, _) => "READ BINARY",
            (INS_VERIFY, _) if self.data.is_empty() => "VERIFY (retry counter)",
            (INS_VERIFY, _) => "VERIFY",
            (INS_CHANGE_REFERENCE_DATA, _) => "CHANGE REFERENCE DATA",
            (0x2A, _) => "COMPUTE DIGITAL SIGNATURE",
            (0xC0, _) => "GET RESPONSE",
            _ => "command",
        }
    }

    /// The encoded APDU. The buffer is zeroised when dropped, since it may
    /// hold a PIN; pass it to the transport and let it go.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let lc = usize::from(!self.data.is_empty());
        let le = usize::from(self.le.is_some());
        let mut out = Vec::with_capacity(4 + lc + self.data.len() + le);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            // with_data guarantees len <= 255.
            out.push(self.data.len() as u8);
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            // with_le guarantees 1..=256; 256 wraps to 00 as ISO 7816-4 wants.
            out.push((le & 0xFF) as u8);
        }
        Zeroizing::new(out)
    }

    /// The masked trace of this command.
    pub fn trace(&self) -> TraceLine {
        TraceLine::command(&self.to_bytes())
    }

    /// A command from parts known to fit a short APDU (data ≤ 255 bytes,
    /// Le 1..=256); for the fixed builders of [`crate::commands`].
    pub(crate) fn from_parts(
        header: [u8; 4],
        data: Zeroizing<Vec<u8>>,
        le: Option<u16>,
    ) -> Command {
        debug_assert!(data.len() <= 255);
        debug_assert!(le.is_none_or(|le| (1..=256).contains(&le)));
        let [cla, ins, p1, p2] = header;
        Command {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
        }
    }

    /// The same command with another Le (for `6C xx`, docs/domain/jpki.md §1.7). `None`
    /// for commands that carry a PIN: those are never re-sent.
    pub(crate) fn resend_with_le(&self, le: u16) -> Option<Command> {
        if self.carries_secret() {
            return None;
        }
        let data = Zeroizing::new(self.data.to_vec());
        let mut cmd = Command::new(self.cla, self.ins, self.p1, self.p2);
        cmd.data = data;
        cmd.with_le(le).ok()
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({})", self.trace().hex())
    }
}

/// A response APDU: data followed by the status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    data: Vec<u8>,
    sw: StatusWord,
}

impl Response {
    /// Splits `bytes` into data and SW1 SW2.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        match bytes {
            [data @ .., sw1, sw2] => Ok(Response {
                data: data.to_vec(),
                sw: StatusWord::from_bytes(*sw1, *sw2),
            }),
            _ => Err(ApduError::ResponseTooShort { len: bytes.len() }),
        }
    }

    /// A response made of parts (used by the exchange layer and tests).
    pub fn new(data: Vec<u8>, sw: StatusWord) -> Self {
        Response { data, sw }
    }

    /// The response data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The response data, owned.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// SW1 SW2.
    pub fn sw(&self) -> StatusWord {
        self.sw
    }
}

impl fmt::Debug for Response {
    /// Only the length of the data: certificates carry personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({} data bytes, {})", self.data.len(), self.sw)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_four_cases() {
        let c1 = Command::new(0x00, 0x20, 0x00, 0x80);
        assert_eq!(&*c1.to_bytes(), &[0x00, 0x20, 0x00, 0x80]);
        let c2 = Command::new(0x00, 0xB0, 0x01, 0x00).with_le(256).unwrap();
        assert_eq!(&*c2.to_bytes(), &[0x00, 0xB0, 0x01, 0x00, 0x00]);
        let c3 = Command::new(0x00, 0xA4, 0x02, 0x0C)
            .with_data(vec![0x00, 0x0A])
            .unwrap();
        assert_eq!(&*c3.to_bytes(), &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]);
        let c4 = Command::new(0x80, 0x2A, 0x00, 0x80)
            .with_data(vec![1, 2, 3])
            .unwrap()
            .with_le(256)
            .unwrap();
        assert_eq!(&*c4.to_bytes(), &[0x80, 0x2A, 0x00, 0x80, 3, 1, 2, 3, 0x00]);
        assert_eq!(c4.le(), Some(256));
        assert_eq!(c4.data_len(), 3);
        assert_eq!(
            (c4.cla(), c4.ins(), c4.p1(), c4.p2()),
            (0x80, 0x2A, 0x00, 0x80)
        );
    }

    #[test]
    fn refuses_what_short_apdus_cannot_carry() {
        let e = Command::new(0, 0, 0, 0)
            .with_data(vec![0; 256])
            .unwrap_err();
        assert_eq!(e, ApduError::DataTooLong { len: 256 });
        assert!(Command::new(0, 0, 0, 0).with_data(vec![0; 255]).is_ok());
        for le in [0, 257, u16::MAX] {
            let e = Command::new(0, 0, 0, 0).with_le(le).unwrap_err();
            assert_eq!(e, ApduError::LeOutOfRange { le });
        }
    }

    #[test]
    fn parses_responses_without_panicking() {
        for short in [&[][..], &[0x90]] {
            assert_eq!(
                Response::parse(short).unwrap_err(),
                ApduError::ResponseTooShort { len: short.len() }
            );
        }
        let r = Response::parse(&[0x90, 0x00]).unwrap();
        assert!(r.data().is_empty());
        assert_eq!(r.sw(), StatusWord::SUCCESS);
        let r = Response::parse(&[1, 2, 3, 0x63, 0xC2]).unwrap();
        assert_eq!(r.data(), &[1, 2, 3]);
        assert_eq!(r.sw(), StatusWord(0x63C2));
        assert_eq!(format!("{r:?}"), "Response(3 data bytes, 63 C2)");
        assert_eq!(r.into_data(), vec![1, 2, 3]);
    }

    #[test]
    fn debug_masks_pin_data() {
        let verify = Command::new(0x00, 0x20, 0x00, 0x80)
            .with_data(b"1234".to_vec())
            .unwrap();
        assert_eq!(format!("{verify:?}"), "Command(00 20 00 80 04 ** ** ** **)");
        assert!(verify.carries_secret());
        assert!(verify.resend_with_le(4).is_none());
        let change = Command::new(0x00, 0x24, 0x01, 0x80)
            .with_data(b"5678".to_vec())
            .unwrap();
        assert_eq!(format!("{change:?}"), "Command(00 24 01 80 04 ** ** ** **)");
    }

    #[test]
    fn resend_keeps_header_and_data() {
        let c = Command::new(0x00, 0xB0, 0x00, 0x10).with_le(256).unwrap();
        let r = c.resend_with_le(0xC8).unwrap();
        assert_eq!(&*r.to_bytes(), &[0x00, 0xB0, 0x00, 0x10, 0xC8]);
    }

    #[test]
    fn names() {
        let n = |c: Command| c.name();
        assert_eq!(n(Command::new(0, 0xA4, 4, 0x0C)), "SELECT (JPKI AP)");
        assert_eq!(n(Command::new(0, 0xA4, 2, 0x0C)), "SELECT FILE");
        assert_eq!(n(Command::new(0, 0xB0, 0, 0)), "READ BINARY");
        assert_eq!(n(Command::new(0, 0x20, 0, 0x80)), "VERIFY (retry counter)");
        let v = Command::new(0, 0x20, 0, 0x80)
            .with_data(vec![0x31])
            .unwrap();
        assert_eq!(n(v), "VERIFY");
        assert_eq!(
            n(Command::new(0x80, 0x2A, 0, 0x80)),
            "COMPUTE DIGITAL SIGNATURE"
        );
        assert_eq!(n(Command::new(0, 0xC0, 0, 0)), "GET RESPONSE");
        assert_eq!(n(Command::new(0, 0x24, 1, 0x80)), "CHANGE REFERENCE DATA");
        assert_eq!(n(Command::new(0, 0x84, 0, 0)), "command");
    }
}
