//! The JPKI-AP's identifiers and every command of docs/domain/jpki.md §1.3, byte-exact.
//!
//! All are short APDUs with CLA `00`, except COMPUTE DIGITAL SIGNATURE (CLA
//! `80`). EFs are selected with `00 A4 02 0C 02 <FID>` (P1 = 02: EF under the
//! current DF, P2 = 0C: no FCI; the only form the card accepts, docs/domain/jpki.md §1.2).

use zeroize::Zeroizing;

use crate::apdu::{ApduError, Command, INS_CHANGE_REFERENCE_DATA, INS_VERIFY};
use crate::pin::Secret;

/// DF name (AID) of the 公的個人認証AP, selected by name (docs/domain/jpki.md §1.1).
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// Highest offset READ BINARY can address: P1‖P2 holds 15 bits (docs/domain/jpki.md §1.3, §1.5).
pub const MAX_READ_OFFSET: u16 = 0x7FFF;

/// The largest DigestInfo the card signs: k − 11 = 245 bytes for RSA-2048 (docs/domain/jpki.md §1.6).
pub const MAX_DIGEST_INFO_LEN: usize = 245;

/// Elementary files of the JPKI-AP used by this crate (docs/domain/jpki.md §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ef {
    /// `0001` 署名用証明書; readable only after the sign password (else `69 82`).
    SignCertificate,
    /// `0002` 署名用CA証明書; free.
    SignCaCertificate,
    /// `000A` 利用者証明用証明書; free on the physical card.
    AuthCertificate,
    /// `000B` 利用者証明用CA証明書; free.
    AuthCaCertificate,
    /// `0017` 利用者証明用秘密鍵 (RSA-2048); signing needs the auth PIN.
    AuthKey,
    /// `0018` 利用者証明用 PIN: 4 digits, 3 tries.
    AuthPin,
    /// `001A` 署名用秘密鍵 (RSA-2048); signing needs the sign password.
    SignKey,
    /// `001B` 署名用 password: 6–16 of `[A-Z0-9]`, 5 tries.
    SignPassword,
}

impl Ef {
    /// The file identifier.
    pub const fn fid(self) -> u16 {
        match self {
            Ef::SignCertificate => 0x0001,
            Ef::SignCaCertificate => 0x0002,
            Ef::AuthCertificate => 0x000A,
            Ef::AuthCaCertificate => 0x000B,
            Ef::AuthKey => 0x0017,
            Ef::AuthPin => 0x0018,
            Ef::SignKey => 0x001A,
            Ef::SignPassword => 0x001B,
        }
    }

    /// Whether the file belongs to the 署名用 side (`001B`, `0001`, `001A`),
    /// which minors' and 顔認証 cards do not have (docs/domain/jpki.md §1.2, §6.7).
    pub const fn is_signature_side(self) -> bool {
        matches!(self, Ef::SignPassword | Ef::SignCertificate | Ef::SignKey)
    }
}

/// `00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01`: SELECT the JPKI-AP by DF name.
pub fn select_jpki_ap() -> Command {
    Command::from_parts(
        [0x00, 0xA4, 0x04, 0x0C],
        Zeroizing::new(JPKI_AID.to_vec()),
        None,
    )
}

/// `00 A4 02 0C 02 <FID>`: SELECT an EF under the JPKI-AP, no FCI.
pub fn select_ef(ef: Ef) -> Command {
    Command::from_parts(
        [0x00, 0xA4, 0x02, 0x0C],
        Zeroizing::new(ef.fid().to_be_bytes().to_vec()),
        None,
    )
}

/// `00 B0 P1 P2 Le`: READ BINARY of the current EF, P1‖P2 = offset (15 bits,
/// b8 of P1 = 0), Le 1–256 (256 is sent as `00`) (docs/domain/jpki.md §1.3, §1.5).
pub fn read_binary(offset: u16, le: u16) -> Result<Command, ApduError> {
    if offset > MAX_READ_OFFSET {
        return Err(ApduError::OffsetOutOfRange { offset });
    }
    let [p1, p2] = offset.to_be_bytes();
    Command::new(0x00, 0xB0, p1, p2).with_le(le)
}

/// `00 20 00 80`: VERIFY without data, which asks the retry counter of the
/// selected PIN without using a try; the card answers `63 Cx` (docs/domain/jpki.md §1.3, §1.4).
pub fn verify_retry_counter() -> Command {
    Command::new(0x00, INS_VERIFY, 0x00, 0x80)
}

/// `00 20 00 80 Lc <ASCII>`: VERIFY the selected PIN or password
/// (P2 = 80: the key of the current EF; docs/domain/jpki.md §1.3). The data buffer is
/// zeroised when the command is dropped.
pub fn verify<S: Secret>(secret: &S) -> Command {
    Command::from_parts(
        [0x00, INS_VERIFY, 0x00, 0x80],
        Zeroizing::new(secret.secret_bytes(crate::pin::sealed::token()).to_vec()),
        None,
    )
}

/// `00 24 01 80 Lc <new>`: CHANGE REFERENCE DATA, after a successful VERIFY
/// in the same session (docs/domain/jpki.md §1.3; not used by the flows of this crate).
pub fn change_reference_data<S: Secret>(new: &S) -> Command {
    Command::from_parts(
        [0x00, INS_CHANGE_REFERENCE_DATA, 0x01, 0x80],
        Zeroizing::new(new.secret_bytes(crate::pin::sealed::token()).to_vec()),
        None,
    )
}

/// `80 2A 00 80 Lc <DigestInfo> 00`: COMPUTE DIGITAL SIGNATURE with the key of
/// the selected EF. The card applies PKCS#1 v1.5 type-1 padding to the
/// DigestInfo itself (docs/domain/jpki.md §1.3, §1.6). At most 245 bytes of DigestInfo.
pub fn compute_digital_signature(digest_info: &[u8]) -> Result<Command, ApduError> {
    if digest_info.len() > MAX_DIGEST_INFO_LEN {
        return Err(ApduError::DataTooLong {
            len: digest_info.len(),
        });
    }
    Command::new(0x80, 0x2A, 0x00, 0x80)
        .with_data(digest_info.to_vec())?
        .with_le(256)
}

/// `00 C0 00 00 Le`: GET RESPONSE, after `61 xx` (ISO/IEC 7816-4 §11.6.1; docs/domain/jpki.md §1.7).
pub fn get_response(le: u16) -> Result<Command, ApduError> {
    Command::new(0x00, 0xC0, 0x00, 0x00).with_le(le)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::pin::{AuthPin, SignPassword};

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn bytes(c: &Command) -> Vec<u8> {
        c.to_bytes().to_vec()
    }

    #[test]
    fn select_commands_are_byte_exact() {
        assert_eq!(
            bytes(&select_jpki_ap()),
            hex("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01")
        );
        let table = [
            (Ef::AuthCertificate, "00 A4 02 0C 02 00 0A"),
            (Ef::AuthCaCertificate, "00 A4 02 0C 02 00 0B"),
            (Ef::SignCertificate, "00 A4 02 0C 02 00 01"),
            (Ef::SignCaCertificate, "00 A4 02 0C 02 00 02"),
            (Ef::AuthPin, "00 A4 02 0C 02 00 18"),
            (Ef::SignPassword, "00 A4 02 0C 02 00 1B"),
            (Ef::AuthKey, "00 A4 02 0C 02 00 17"),
            (Ef::SignKey, "00 A4 02 0C 02 00 1A"),
        ];
        for (ef, expected) in table {
            assert_eq!(bytes(&select_ef(ef)), hex(expected), "{ef:?}");
        }
    }

    #[test]
    fn signature_side_files() {
        assert!(Ef::SignPassword.is_signature_side());
        assert!(Ef::SignCertificate.is_signature_side());
        assert!(Ef::SignKey.is_signature_side());
        assert!(!Ef::SignCaCertificate.is_signature_side());
        assert!(!Ef::AuthCertificate.is_signature_side());
    }

    #[test]
    fn read_binary_is_byte_exact() {
        assert_eq!(bytes(&read_binary(0, 256).unwrap()), hex("00 B0 00 00 00"));
        assert_eq!(
            bytes(&read_binary(0x0600, 50).unwrap()),
            hex("00 B0 06 00 32")
        );
        assert_eq!(
            bytes(&read_binary(0x7FFF, 1).unwrap()),
            hex("00 B0 7F FF 01")
        );
        assert_eq!(
            read_binary(0x8000, 1).unwrap_err(),
            ApduError::OffsetOutOfRange { offset: 0x8000 }
        );
        assert!(read_binary(0, 0).is_err());
        assert!(read_binary(0, 257).is_err());
    }

    #[test]
    fn verify_commands_are_byte_exact() {
        assert_eq!(bytes(&verify_retry_counter()), hex("00 20 00 80"));
        let pin = AuthPin::new("1234").unwrap();
        assert_eq!(bytes(&verify(&pin)), hex("00 20 00 80 04 31 32 33 34"));
        let pw = SignPassword::new("password1234").unwrap();
        let mut expected = hex("00 20 00 80 0C");
        expected.extend_from_slice(b"PASSWORD1234");
        assert_eq!(bytes(&verify(&pw)), expected);
        let new = AuthPin::new("5678").unwrap();
        assert_eq!(
            bytes(&change_reference_data(&new)),
            hex("00 24 01 80 04 35 36 37 38")
        );
    }

    #[test]
    fn compute_digital_signature_is_byte_exact() {
        let digest = [0x5A; 32];
        let di = crate::crypto::digest_info_sha256(&digest);
        let cmd = compute_digital_signature(&di).unwrap();
        let mut expected =
            hex("80 2A 00 80 33 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
        expected.extend_from_slice(&digest);
        expected.push(0x00);
        assert_eq!(bytes(&cmd), expected);
        assert_eq!(expected.len(), 5 + 51 + 1);
        assert!(compute_digital_signature(&[0; 245]).is_ok());
        assert_eq!(
            compute_digital_signature(&[0; 246]).unwrap_err(),
            ApduError::DataTooLong { len: 246 }
        );
    }

    #[test]
    fn get_response_is_byte_exact() {
        assert_eq!(bytes(&get_response(256).unwrap()), hex("00 C0 00 00 00"));
        assert_eq!(bytes(&get_response(0x10).unwrap()), hex("00 C0 00 00 10"));
    }
}
