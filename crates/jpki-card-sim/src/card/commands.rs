//! The commands the card answers: SELECT, READ BINARY, VERIFY and COMPUTE
//! DIGITAL SIGNATURE (docs/domain/jpki.md §1.3–§1.6, ISO 7816-4 §11). Everything else is
//! refused with the ISO status word for it.

use std::convert::Infallible;

use rsa::Pkcs1v15Sign;
use rsa::rand_core::TryCryptoRng;
use rsa::traits::SignatureScheme;

use super::VirtualCard;
use super::apdu::{Command, Sw};
use super::fs::{Df, Ef, EfKind, KeyRef};
use super::pin::PinEf;

/// Largest input COMPUTE DIGITAL SIGNATURE pads: k − 11 for RSA-2048
/// (docs/domain/jpki.md §1.6).
pub(crate) const MAX_SIGN_INPUT: usize = 245;

const INS_SELECT: u8 = 0xA4;
const INS_READ_BINARY: u8 = 0xB0;
const INS_VERIFY: u8 = 0x20;
const INS_PSO: u8 = 0x2A;

impl VirtualCard {
    /// Answers one command APDU with a response APDU (data, then SW1 SW2).
    ///
    /// Never panics. APDUs shorter than 4 bytes, extended-length APDUs and
    /// inconsistent lengths answer `67 00`. CLA must be `00`, except `80` for
    /// COMPUTE DIGITAL SIGNATURE; a known INS with another CLA answers `6E 00`
    /// (so `00 2A ...` is `6E 00`), an unknown INS `6D 00`.
    pub fn process(&mut self, command: &[u8]) -> Vec<u8> {
        let cmd = match Command::parse(command) {
            Ok(cmd) => cmd,
            Err(sw) => return sw.to_response(),
        };
        match (cmd.cla, cmd.ins) {
            (0x00, INS_SELECT) => self.select(&cmd).to_response(),
            (0x00, INS_READ_BINARY) => self.read_binary(&cmd),
            (0x00, INS_VERIFY) => self.verify(&cmd).to_response(),
            (0x80, INS_PSO) => self.compute_signature(&cmd),
            (_, INS_SELECT | INS_READ_BINARY | INS_VERIFY | INS_PSO) => {
                Sw::CLA_NOT_SUPPORTED.to_response()
            }
            _ => Sw::INS_NOT_SUPPORTED.to_response(),
        }
    }

    /// SELECT. `P1=04`: by DF name, complete AIDs only, `6A 82` for unknown
    /// ones. `P1=02`: an EF of the current DF; only the JPKI AP has EFs, so
    /// anywhere else it is `6A 82`. `P2` must be `0C` (no FCI: this card
    /// returns no FCI at all), other P1/P2 `6A 86`. A failed SELECT keeps the
    /// current selection.
    fn select(&mut self, cmd: &Command<'_>) -> Sw {
        if !matches!(cmd.p1, 0x02 | 0x04) || cmd.p2 != 0x0C {
            return Sw::WRONG_P1P2;
        }
        if cmd.ne.is_some() || cmd.data.is_empty() {
            return Sw::WRONG_LENGTH;
        }
        if cmd.p1 == 0x04 {
            return match Df::from_aid(cmd.data) {
                Some(df) => {
                    self.df = df;
                    self.ef = None;
                    Sw::OK
                }
                None => Sw::NOT_FOUND,
            };
        }
        let [hi, lo] = cmd.data else {
            return Sw::WRONG_LENGTH;
        };
        if self.df != Df::Jpki {
            return Sw::NOT_FOUND;
        }
        match Ef::from_fid(u16::from_be_bytes([*hi, *lo])) {
            Some(ef) if !(ef.is_sign_side() && self.sign.is_none()) => {
                self.ef = Some(ef);
                Sw::OK
            }
            _ => Sw::NOT_FOUND,
        }
    }

    /// READ BINARY `00 B0 P1 P2 Le` with a 15-bit offset. The SFI form (P1 b8
    /// set) is not supported: `6A 86`. No current EF: `69 86`. A key or PIN
    /// EF: `69 81`. `0001` before the sign password: `69 82`. Offset at or
    /// past the end: `6B 00`; Le reaching past the end: the rest and `62 82`.
    fn read_binary(&self, cmd: &Command<'_>) -> Vec<u8> {
        let Some(ne) = cmd.ne.filter(|_| cmd.data.is_empty()) else {
            return Sw::WRONG_LENGTH.to_response();
        };
        if cmd.p1 & 0x80 != 0 {
            return Sw::WRONG_P1P2.to_response();
        }
        let Some(ef) = self.ef else {
            return Sw::NOT_ALLOWED.to_response();
        };
        let Some(content) = self.files.content(ef) else {
            return Sw::INCOMPATIBLE_FILE.to_response();
        };
        if ef == Ef::SignCert && !self.is_sign_password_verified() {
            return Sw::SECURITY_NOT_SATISFIED.to_response();
        }
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        let Some(rest) = content.get(offset..).filter(|r| !r.is_empty()) else {
            return Sw::OFFSET_OUTSIDE.to_response();
        };
        match rest.get(..ne) {
            Some(chunk) => Sw::OK.with_data(chunk),
            None => Sw::END_OF_FILE.with_data(rest),
        }
    }

    /// VERIFY `00 20 00 80 [Lc data]` on the current PIN EF. `P1 P2` other than
    /// `00 80`: `6A 86`. An Le: `67 00`. No PIN EF current: `69 86`. Without
    /// data: `63 Cx`. With data: see [`PinEf::verify`].
    fn verify(&mut self, cmd: &Command<'_>) -> Sw {
        if cmd.p1 != 0x00 || cmd.p2 != 0x80 {
            return Sw::WRONG_P1P2;
        }
        if cmd.ne.is_some() {
            return Sw::WRONG_LENGTH;
        }
        let Some(pin) = self.current_pin() else {
            return Sw::NOT_ALLOWED;
        };
        if cmd.data.is_empty() {
            pin.status()
        } else {
            pin.verify(cmd.data)
        }
    }

    /// COMPUTE DIGITAL SIGNATURE `80 2A 00 80 Lc <1..245> 00` with the current
    /// key EF: PKCS#1 v1.5 type-1 padding of the bytes as given (the host
    /// sends a DigestInfo; docs/domain/jpki.md §1.6), 256-byte signature. P1 other than 00
    /// (the card-side hashing modes MC reports) and P2 other than 80 (MC's
    /// `80|SFI` key addressing) are not emulated: `6A 86`. Lc 0 or > 245, or
    /// a missing Le or Le other than `00`: `67 00` \[C\]. No key EF current:
    /// `69 86`. Its PIN not verified since power-up: `69 82`.
    fn compute_signature(&self, cmd: &Command<'_>) -> Vec<u8> {
        if cmd.p1 != 0x00 || cmd.p2 != 0x80 {
            return Sw::WRONG_P1P2.to_response();
        }
        if cmd.data.is_empty() || cmd.data.len() > MAX_SIGN_INPUT || cmd.ne != Some(256) {
            return Sw::WRONG_LENGTH.to_response();
        }
        let key_ref = match self.ef.map(Ef::kind) {
            Some(EfKind::Key(key_ref)) => key_ref,
            _ => return Sw::NOT_ALLOWED.to_response(),
        };
        let (key, pin) = match (key_ref, &self.sign) {
            (KeyRef::Auth, _) => (&self.auth_key, &self.auth_pin),
            (KeyRef::Sign, Some(sign)) => (&sign.key, &sign.password),
            (KeyRef::Sign, None) => return Sw::NOT_ALLOWED.to_response(),
        };
        if !pin.is_verified() {
            return Sw::SECURITY_NOT_SATISFIED.to_response();
        }
        // No RNG: no blinding, so the card stays free of I/O. PKCS#1 v1.5
        // signatures are deterministic either way.
        let no_rng: Option<&mut dyn TryCryptoRng<Error = Infallible>> = None;
        match Pkcs1v15Sign::new_unprefixed().sign(no_rng, key, cmd.data) {
            Ok(signature) => Sw::OK.with_data(&signature),
            Err(_) => Sw::NO_DIAGNOSIS.to_response(),
        }
    }

    /// The PIN EF that is the current EF, if one is.
    fn current_pin(&mut self) -> Option<&mut PinEf> {
        match self.ef.map(Ef::kind) {
            Some(EfKind::Pin(KeyRef::Auth)) => Some(&mut self.auth_pin),
            Some(EfKind::Pin(KeyRef::Sign)) => self.sign.as_mut().map(|s| &mut s.password),
            _ => None,
        }
    }
}
