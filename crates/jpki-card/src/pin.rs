//! The two JPKI secrets: the 4-digit 利用者証明用 PIN and the 6–16 character
//! 署名用 password (docs/domain/jpki.md §1.2, EF `0018` and `001B`).
//!
//! Both live in fixed stack buffers that are zeroised on drop, print as
//! `AuthPin(****)` / `SignPassword(****)`, implement no `Display`, and are not
//! `Clone`: a PIN is moved into the flow that uses it and is gone afterwards
//! (ARCHITECTURE.md principle 6). Construction errors say what shape is
//! expected and never echo the input.

use std::fmt;

use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Why a PIN or password was refused before it ever reached the card. The
/// message says what is expected; it never contains the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PinFormatError {
    /// The auth PIN was not exactly four ASCII digits.
    #[error("the PIN must be exactly 4 digits (0-9)")]
    AuthPinShape,
    /// The sign password was shorter than 6 or longer than 16 characters.
    #[error("the signature password must be 6 to 16 characters long")]
    SignPasswordLength,
    /// The sign password held something other than A-Z, a-z and 0-9.
    #[error("the signature password may contain only the letters A-Z and the digits 0-9")]
    SignPasswordCharacters,
}

/// The 利用者証明用 PIN: exactly 4 ASCII digits, 3 tries (docs/domain/jpki.md §1.2, EF `0018`).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct AuthPin {
    digits: [u8; 4],
}

impl AuthPin {
    /// Checks the shape (exactly 4 characters `0`–`9`) and keeps the digits.
    ///
    /// The caller should zeroise its own copy of the input as well.
    pub fn new(pin: &str) -> Result<Self, PinFormatError> {
        let bytes = pin.as_bytes();
        let mut digits = [0u8; 4];
        if bytes.len() != digits.len() || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(PinFormatError::AuthPinShape);
        }
        digits.copy_from_slice(bytes);
        Ok(AuthPin { digits })
    }
}

impl fmt::Debug for AuthPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthPin(****)")
    }
}

/// The 署名用 password: 6–16 characters of `[A-Z0-9]`, 5 tries (docs/domain/jpki.md §1.2,
/// EF `001B`). ASCII lower-case letters are folded to upper case, as the
/// password is upper case by definition and myna does the same (docs/domain/jpki.md §4, §5.2).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SignPassword {
    buf: [u8; 16],
    len: u8,
}

impl SignPassword {
    /// Shortest password the card accepts (docs/domain/jpki.md §1.2).
    pub const MIN_LEN: usize = 6;
    /// Longest password the card accepts (docs/domain/jpki.md §1.2).
    pub const MAX_LEN: usize = 16;

    /// Checks the shape, folds `a`–`z` to `A`–`Z`, and keeps the password.
    ///
    /// The caller should zeroise its own copy of the input as well.
    pub fn new(password: &str) -> Result<Self, PinFormatError> {
        let bytes = password.as_bytes();
        if !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return Err(PinFormatError::SignPasswordCharacters);
        }
        let mut out = SignPassword {
            buf: [0u8; 16],
            len: 0,
        };
        let dst = match out.buf.get_mut(..bytes.len()) {
            Some(dst) if bytes.len() >= Self::MIN_LEN => dst,
            _ => return Err(PinFormatError::SignPasswordLength),
        };
        for (d, s) in dst.iter_mut().zip(bytes) {
            *d = s.to_ascii_uppercase();
        }
        // bytes.len() <= 16 here, so the cast is lossless.
        out.len = bytes.len() as u8;
        Ok(out)
    }

    /// Number of characters (6–16).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a password has at least 6 characters.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A second, equally zeroised copy of the password.
    ///
    /// Only for one customer session that needs the password twice on the same
    /// card: verifying it to read the sign certificate
    /// ([`ReadSignCertificate`](crate::ReadSignCertificate)), then signing the
    /// application the customer checked ([`SignDocument`](crate::SignDocument)),
    /// because the card is powered down between flows (docs/domain/jpki.md §1.8). Drop both
    /// copies as soon as the session ends; never keep one for a later customer.
    pub fn duplicate(&self) -> SignPassword {
        SignPassword {
            buf: self.buf,
            len: self.len,
        }
    }
}

impl fmt::Debug for SignPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignPassword(****)")
    }
}

/// A secret that can go into a VERIFY or CHANGE REFERENCE DATA command
/// ([`crate::commands::verify`]). Sealed: only [`AuthPin`] and [`SignPassword`].
pub trait Secret: sealed::Sealed {}

impl Secret for AuthPin {}
impl Secret for SignPassword {}

pub(crate) mod sealed {
    /// Proof of being inside this crate: outside code that names
    /// `S: Secret` can see `secret_bytes` through the bound, but cannot make
    /// a `Token` to call it.
    pub struct Token(());

    /// The only way to make a [`Token`].
    pub(crate) const fn token() -> Token {
        Token(())
    }

    /// Access to the secret bytes, for the APDU builders of this crate only.
    pub trait Sealed {
        /// The bytes the card compares (ASCII).
        fn secret_bytes(&self, token: Token) -> &[u8];
    }

    impl Sealed for super::AuthPin {
        fn secret_bytes(&self, _: Token) -> &[u8] {
            &self.digits
        }
    }

    impl Sealed for super::SignPassword {
        fn secret_bytes(&self, _: Token) -> &[u8] {
            self.buf.get(..usize::from(self.len)).unwrap_or(&[])
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::sealed::{Sealed, token};
    use super::*;

    #[test]
    fn auth_pin_accepts_exactly_four_digits() {
        assert_eq!(AuthPin::new("0123").unwrap().secret_bytes(token()), b"0123");
        for bad in [
            "",
            "123",
            "12345",
            "12a4",
            "１２３４",
            "12 4",
            "-123",
            "+123",
        ] {
            assert_eq!(
                AuthPin::new(bad).unwrap_err(),
                PinFormatError::AuthPinShape,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn sign_password_folds_case_and_checks_shape() {
        let pw = SignPassword::new("abc123xyz").unwrap();
        assert_eq!(pw.secret_bytes(token()), b"ABC123XYZ");
        assert_eq!(pw.len(), 9);
        assert!(!pw.is_empty());
        assert_eq!(
            SignPassword::new("A1B2C3").unwrap().secret_bytes(token()),
            b"A1B2C3"
        );
        let max = "ABCDEFGH12345678";
        assert_eq!(
            SignPassword::new(max).unwrap().secret_bytes(token()),
            max.as_bytes()
        );

        for short in ["", "A1B2C", "abc"] {
            assert_eq!(
                SignPassword::new(short).unwrap_err(),
                PinFormatError::SignPasswordLength
            );
        }
        assert_eq!(
            SignPassword::new("ABCDEFGH123456789").unwrap_err(),
            PinFormatError::SignPasswordLength
        );
        for bad in [
            "ABC 123",
            "ABC-123",
            "ÄBC1234",
            "ＡＢＣ１２３",
            "abc_123",
            "abc123\0",
        ] {
            assert_eq!(
                SignPassword::new(bad).unwrap_err(),
                PinFormatError::SignPasswordCharacters,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_is_redacted_and_errors_do_not_echo() {
        let pin = AuthPin::new("9876").unwrap();
        assert_eq!(format!("{pin:?}"), "AuthPin(****)");
        let pw = SignPassword::new("SECRET99").unwrap();
        assert_eq!(format!("{pw:?}"), "SignPassword(****)");
        let e = AuthPin::new("98765").unwrap_err();
        assert_eq!(e.to_string(), "the PIN must be exactly 4 digits (0-9)");
        assert!(!format!("{e:?}{e}").contains("98765"));
        let e = SignPassword::new("SECRET-9").unwrap_err();
        assert!(!format!("{e:?}{e}").contains("SECRET"));
    }

    #[test]
    fn a_duplicate_holds_the_same_password_and_zeroises_on_its_own() {
        let pw = SignPassword::new("abc123").unwrap();
        let mut copy = pw.duplicate();
        assert_eq!(copy.secret_bytes(token()), b"ABC123");
        assert_eq!(format!("{copy:?}"), "SignPassword(****)");
        copy.zeroize();
        assert_eq!(copy.buf, [0; 16]);
        assert_eq!(pw.secret_bytes(token()), b"ABC123");
    }

    #[test]
    fn zeroize_clears_the_buffer() {
        let mut pin = AuthPin::new("1234").unwrap();
        pin.zeroize();
        assert_eq!(pin.digits, [0; 4]);
        let mut pw = SignPassword::new("ABCDEF12").unwrap();
        pw.zeroize();
        assert_eq!(pw.buf, [0; 16]);
        assert_eq!(pw.len, 0);
    }
}
