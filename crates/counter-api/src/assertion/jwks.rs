//! The published verification keys (`GET /v1/keys`).

use p256::ecdsa::VerifyingKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::jws::AssertionError;

/// One EC P-256 public key as a JWK (RFC 7517 §4, RFC 7518 §6.2.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    /// `EC`.
    pub kty: String,
    /// `P-256`.
    pub crv: String,
    /// x coordinate, base64url (32 bytes).
    pub x: String,
    /// y coordinate, base64url (32 bytes).
    pub y: String,
    /// Key id, as in the JWS header.
    pub kid: String,
    /// `ES256`.
    pub alg: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

impl Jwk {
    /// The JWK of `key`.
    pub fn from_key(kid: &str, key: &VerifyingKey) -> Self {
        // Uncompressed SEC1: 0x04 ‖ x (32 bytes) ‖ y (32 bytes).
        let point = key.to_sec1_point(false);
        let bytes = point.as_bytes();
        let coord =
            |r: std::ops::Range<usize>| crate::b64::encode_url(bytes.get(r).unwrap_or_default());
        Self {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: coord(1..33),
            y: coord(33..65),
            kid: kid.into(),
            alg: "ES256".into(),
            use_: "sig".into(),
        }
    }

    /// The key, after checking `kty`, `crv`, `alg` and that the point is on the curve.
    pub fn to_key(&self) -> Result<VerifyingKey, AssertionError> {
        let bad = |d: &str| AssertionError::BadKey(format!("kid {}: {d}", self.kid));
        if self.kty != "EC" || self.crv != "P-256" || self.alg != "ES256" {
            return Err(bad("only EC P-256 keys for ES256 are accepted"));
        }
        let x = crate::b64::decode_url("x", &self.x).map_err(|e| bad(&e.to_string()))?;
        let y = crate::b64::decode_url("y", &self.y).map_err(|e| bad(&e.to_string()))?;
        if x.len() != 32 || y.len() != 32 {
            return Err(bad("coordinates must be 32 bytes each"));
        }
        let mut sec1 = Vec::with_capacity(65);
        sec1.push(0x04);
        sec1.extend_from_slice(&x);
        sec1.extend_from_slice(&y);
        VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| bad("not a point on P-256"))
    }
}

/// A platform's key set: its id and its current keys (several during a key rollover).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeySet {
    /// The platform id (`iss` of its assertions).
    pub issuer: String,
    /// The keys.
    pub keys: Vec<Jwk>,
}
