//! Base64 helpers for the two alphabets used on the wire.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// Standard base64 with padding (RFC 4648 §4): certificates, signatures, nonces in JSON.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard base64; the error says which field was wrong.
pub fn decode(field: &'static str, text: &str) -> Result<Vec<u8>, Base64Error> {
    STANDARD.decode(text.trim()).map_err(|e| Base64Error {
        field,
        detail: e.to_string(),
    })
}

/// base64url without padding (RFC 7515 §2): JWS segments, JWK coordinates.
pub fn encode_url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding.
pub fn decode_url(field: &'static str, text: &str) -> Result<Vec<u8>, Base64Error> {
    URL_SAFE_NO_PAD.decode(text).map_err(|e| Base64Error {
        field,
        detail: e.to_string(),
    })
}

/// A field that is not valid base64.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` is not valid base64: {detail}")]
pub struct Base64Error {
    /// The JSON field.
    pub field: &'static str,
    /// What the decoder said.
    pub detail: String,
}
