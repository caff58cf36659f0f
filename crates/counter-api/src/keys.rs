//! P-256 signing keys made from randomness the caller hands in: the terminal's TLS key
//! (counter-runtime's certificate request) and the platform's assertion key
//! (`madoguchi-platform keygen`) are drawn the same way, here. This crate draws no random
//! numbers itself: the programs pass the system's.

use p256::ecdsa::SigningKey;
use p256::elliptic_curve::zeroize::Zeroizing;

/// How many draws [`draw_p256_key`] makes before it calls the source broken. A draw of 32
/// uniform bytes is a valid P-256 scalar (in 1..n−1, with n = FFFFFFFF 00000000 FFFFFFFF
/// FFFFFFFF BCE6FAAD …, SEC 2 §2.4.2) except with probability about 2^−32; sixteen failures
/// in a row (about 2^−512) do not happen with a working source.
pub const MAX_DRAWS: u32 = 16;

/// Why no key was drawn.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DrawError<E> {
    /// The source of randomness failed.
    #[error("no randomness for the key: {0}")]
    Random(E),
    /// The source gave [`MAX_DRAWS`] draws none of which is a valid scalar: it is not random
    /// (all zeros, say).
    #[error(
        "the system's randomness gave {0} draws, none of which is a P-256 key: it is broken; do not make keys on this machine until it is fixed"
    )]
    NotRandom(u32),
}

/// A P-256 signing key from 32 bytes of `fill`, drawn again while they are not a valid
/// scalar (at most [`MAX_DRAWS`] times). The bytes are zeroed once used.
pub fn draw_p256_key<E>(
    mut fill: impl FnMut(&mut [u8]) -> Result<(), E>,
) -> Result<SigningKey, DrawError<E>> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    for _ in 0..MAX_DRAWS {
        fill(bytes.as_mut()).map_err(DrawError::Random)?;
        if let Ok(key) = SigningKey::from_slice(bytes.as_ref()) {
            return Ok(key);
        }
    }
    Err(DrawError::NotRandom(MAX_DRAWS))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_invalid_draw_is_drawn_again_and_a_broken_source_is_refused() {
        // Zero is not a scalar: the first draw is thrown away, the second is the key.
        let mut draws = 0;
        let key = draw_p256_key(|b: &mut [u8]| {
            draws += 1;
            b.fill(if draws == 1 { 0 } else { 7 });
            Ok::<(), &str>(())
        })
        .unwrap();
        assert_eq!(draws, 2);
        assert_eq!(key.to_bytes().as_slice(), [7u8; 32].as_slice());

        let e = draw_p256_key(|b: &mut [u8]| {
            b.fill(0);
            Ok::<(), &str>(())
        })
        .unwrap_err();
        assert_eq!(e, DrawError::NotRandom(MAX_DRAWS));
        assert!(e.to_string().contains("broken"), "{e}");

        let e = draw_p256_key(|_: &mut [u8]| Err("no entropy")).unwrap_err();
        assert_eq!(e, DrawError::Random("no entropy"));
        assert!(e.to_string().contains("no entropy"), "{e}");
    }
}
