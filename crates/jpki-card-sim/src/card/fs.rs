//! The card's applications and the JPKI AP's elementary files (docs/domain/jpki.md §1.1,
//! §1.2), with the sizes and padding this simulator chose where the sources
//! are silent.

use sha2::{Digest, Sha256};

/// JPKI AP (公的個人認証AP), docs/domain/jpki.md §1.1 \[A\].
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
/// GlobalPlatform issuer security domain, selected at power-up (docs/domain/jpki.md §1.1 \[B\]).
pub const ISD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];
/// The card's other applications (docs/domain/jpki.md §1.1): 券面事項入力補助AP, 券面事項確認AP,
/// 住基AP, 共通カードAP. This simulator lets them be selected (`90 00`) but
/// gives them no files: any EF SELECT inside them answers `6A 82`.
pub const OTHER_AIDS: [[u8; 10]; 4] = [
    [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
    [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02],
    [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01],
    [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00],
];

/// Size of the EF holding the signature certificate (`0001`). Real sign
/// certificates are about 1.7–2.5 KB (docs/domain/jpki.md §1.5); \[C\] chosen here.
pub const SIGN_CERT_EF_SIZE: usize = 0x0C00;
/// Size of the other certificate EFs (`0002`, `000A`, `000B`) \[C\].
pub const CERT_EF_SIZE: usize = 0x0800;
/// What fills a certificate EF after the certificate \[C\]: erased-flash `FF`.
pub const EF_PADDING: u8 = 0xFF;
/// Length of the token-info EF `0006`: a PKCS#11 `CK_TOKEN_INFO` with 32-bit
/// big-endian fields (docs/domain/jpki.md §1.2, MC \[B\]).
pub const TOKEN_INFO_LEN: usize = 160;
/// The physical card's token label (docs/domain/jpki.md §1.2).
pub const TOKEN_LABEL: &[u8] = b"JPKIAPICCTOKEN2";

/// The application currently selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Df {
    /// The GlobalPlatform ISD, current after power-up.
    Isd,
    /// The JPKI AP.
    Jpki,
    /// One of [`OTHER_AIDS`]: selectable, no files.
    Other,
}

impl Df {
    /// The application a SELECT by DF name reaches, if the card has it. Only
    /// exact, complete AIDs match (no partial DF names).
    pub(crate) fn from_aid(aid: &[u8]) -> Option<Df> {
        if aid == JPKI_AID {
            Some(Df::Jpki)
        } else if aid == ISD_AID {
            Some(Df::Isd)
        } else if OTHER_AIDS.iter().any(|a| a == aid) {
            Some(Df::Other)
        } else {
            None
        }
    }
}

/// Which of the two JPKI key pairs an EF belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRef {
    /// 利用者証明用 (auth), PIN EF `0018`, key EF `0017`.
    Auth,
    /// 署名用 (sign), password EF `001B`, key EF `001A`.
    Sign,
}

/// An elementary file of the JPKI AP (docs/domain/jpki.md §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ef {
    /// `0001` 署名用証明書; READ BINARY needs the sign password.
    SignCert,
    /// `0002` 署名用CA証明書.
    SignCaCert,
    /// `000A` 利用者証明用証明書, free.
    AuthCert,
    /// `000B` 利用者証明用CA証明書.
    AuthCaCert,
    /// `0006` token info.
    TokenInfo,
    /// `0008` which certificates the card holds \[C\].
    CertPresence,
    /// `0017` auth private key.
    AuthKey,
    /// `0018` auth PIN.
    AuthPin,
    /// `001A` sign private key.
    SignKey,
    /// `001B` sign password.
    SignPassword,
}

/// What can be done with an EF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EfKind {
    /// Readable with READ BINARY.
    Transparent,
    /// A private key: COMPUTE DIGITAL SIGNATURE.
    Key(KeyRef),
    /// A PIN: VERIFY.
    Pin(KeyRef),
}

impl Ef {
    /// The EF with this file identifier, if the JPKI AP has one.
    pub(crate) fn from_fid(fid: u16) -> Option<Ef> {
        Some(match fid {
            0x0001 => Ef::SignCert,
            0x0002 => Ef::SignCaCert,
            0x000A => Ef::AuthCert,
            0x000B => Ef::AuthCaCert,
            0x0006 => Ef::TokenInfo,
            0x0008 => Ef::CertPresence,
            0x0017 => Ef::AuthKey,
            0x0018 => Ef::AuthPin,
            0x001A => Ef::SignKey,
            0x001B => Ef::SignPassword,
            _ => return None,
        })
    }

    /// The EF's kind.
    pub(crate) fn kind(self) -> EfKind {
        match self {
            Ef::AuthKey => EfKind::Key(KeyRef::Auth),
            Ef::SignKey => EfKind::Key(KeyRef::Sign),
            Ef::AuthPin => EfKind::Pin(KeyRef::Auth),
            Ef::SignPassword => EfKind::Pin(KeyRef::Sign),
            _ => EfKind::Transparent,
        }
    }

    /// Whether the EF belongs to the signature side, which cards without a
    /// signature certificate (minors, 顔認証カード) do not have.
    pub(crate) fn is_sign_side(self) -> bool {
        matches!(
            self,
            Ef::SignCert | Ef::SignCaCert | Ef::SignKey | Ef::SignPassword
        )
    }
}

/// The contents of the transparent EFs, padded to their EF sizes.
#[derive(Clone)]
pub(crate) struct Files {
    auth_cert: Vec<u8>,
    auth_ca_cert: Vec<u8>,
    sign_cert: Option<Vec<u8>>,
    sign_ca_cert: Option<Vec<u8>>,
    token_info: Vec<u8>,
    cert_presence: [u8; 3],
}

impl Files {
    /// Lays out the EFs from DER certificates.
    pub(crate) fn new(
        auth_cert: &[u8],
        auth_ca_cert: &[u8],
        sign: Option<(&[u8], &[u8])>,
    ) -> Files {
        Files {
            auth_cert: padded(auth_cert, CERT_EF_SIZE),
            auth_ca_cert: padded(auth_ca_cert, CERT_EF_SIZE),
            sign_cert: sign.map(|(cert, _)| padded(cert, SIGN_CERT_EF_SIZE)),
            sign_ca_cert: sign.map(|(_, ca)| padded(ca, CERT_EF_SIZE)),
            token_info: token_info(auth_cert),
            // [C] (MC only): byte 0 = sign certificate present, byte 1 = auth.
            cert_presence: [if sign.is_some() { 0x8F } else { 0x00 }, 0x8F, 0x00],
        }
    }

    /// The bytes of a transparent EF, `None` for keys, PINs and absent EFs.
    pub(crate) fn content(&self, ef: Ef) -> Option<&[u8]> {
        match ef {
            Ef::AuthCert => Some(&self.auth_cert),
            Ef::AuthCaCert => Some(&self.auth_ca_cert),
            Ef::SignCert => self.sign_cert.as_deref(),
            Ef::SignCaCert => self.sign_ca_cert.as_deref(),
            Ef::TokenInfo => Some(&self.token_info),
            Ef::CertPresence => Some(&self.cert_presence),
            Ef::AuthKey | Ef::AuthPin | Ef::SignKey | Ef::SignPassword => None,
        }
    }
}

/// `der` followed by [`EF_PADDING`] up to `nominal` bytes. A certificate
/// larger than the nominal size gets an EF rounded up to the next 256 bytes
/// rather than being refused (a simulator choice, so unusual test
/// certificates still load).
fn padded(der: &[u8], nominal: usize) -> Vec<u8> {
    let size = nominal.max(der.len().div_ceil(0x100) * 0x100);
    let mut out = der.to_vec();
    out.resize(size, EF_PADDING);
    out
}

/// A plausible `CK_TOKEN_INFO` (PKCS#11 v2.40 §3.2) with 32-bit big-endian
/// integers, 160 bytes \[C\]: label `JPKIAPICCTOKEN2`, manufacturer, model, a
/// serial number derived from the auth certificate (so it is stable per
/// persona), flags RNG | LOGIN_REQUIRED | USER_PIN_INITIALIZED |
/// TOKEN_INITIALIZED, PIN lengths 4..16, memory sizes "unavailable".
fn token_info(auth_cert: &[u8]) -> Vec<u8> {
    const UNAVAILABLE: u32 = u32::MAX;
    let mut out = Vec::with_capacity(TOKEN_INFO_LEN);
    let text = |out: &mut Vec<u8>, s: &[u8], len: usize| {
        let start = out.len();
        out.extend(s.iter().take(len));
        out.resize(start + len, b' ');
    };
    text(&mut out, TOKEN_LABEL, 32);
    text(&mut out, b"JPKI-TEST VIRTUAL CARD", 32);
    text(&mut out, b"MADOGUCHI VCARD", 16);
    let digest = Sha256::digest(auth_cert);
    let serial: String = digest.iter().take(8).map(|b| format!("{b:02X}")).collect();
    text(&mut out, serial.as_bytes(), 16);
    let flags: u32 = 0x0000_0001 | 0x0000_0004 | 0x0000_0008 | 0x0000_0400;
    let ulongs = [
        flags,
        UNAVAILABLE, // ulMaxSessionCount
        UNAVAILABLE, // ulSessionCount
        UNAVAILABLE, // ulMaxRwSessionCount
        UNAVAILABLE, // ulRwSessionCount
        16,          // ulMaxPinLen
        4,           // ulMinPinLen
        UNAVAILABLE, // ulTotalPublicMemory
        UNAVAILABLE, // ulFreePublicMemory
        UNAVAILABLE, // ulTotalPrivateMemory
        UNAVAILABLE, // ulFreePrivateMemory
    ];
    for v in ulongs {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&[1, 0]); // hardwareVersion 1.0
    out.extend_from_slice(&[1, 0]); // firmwareVersion 1.0
    text(&mut out, b"", 16); // utcTime: no clock on the token
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_info_is_160_bytes_with_the_label_first() {
        let t = token_info(b"cert");
        assert_eq!(t.len(), TOKEN_INFO_LEN);
        assert_eq!(&t[..15], TOKEN_LABEL);
        assert!(t[15..32].iter().all(|b| *b == b' '));
    }

    #[test]
    fn padding_rounds_up_large_certificates() {
        assert_eq!(padded(&[0x30; 10], 0x800).len(), 0x800);
        assert_eq!(padded(&[0x30; 0x801], 0x800).len(), 0x900);
        assert_eq!(padded(&[0x30; 10], 0x800)[10], EF_PADDING);
    }
}
