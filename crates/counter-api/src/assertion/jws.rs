//! ES256 compact JWS: `base64url(header) . base64url(claims) . base64url(r ‖ s)`.

use madoguchi_time::UnixTime;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::claims::{ASSERTION_TYP, AssertionClaims};
use super::jwks::{Jwk, KeySet};
use super::replay::ReplayGuard;
use crate::problem::ProblemCode;

/// Longest token accepted (a real one is well under 2 KiB).
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Clock skew tolerated between the platform and a service, in seconds, on `iat` and `exp`.
const LEEWAY_SECS: i64 = 5;

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
}

/// Why an assertion is refused (or cannot be made).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssertionError {
    /// Not three base64url segments of JSON, too long, wrong `alg`/`typ`.
    #[error("malformed assertion: {0}")]
    Malformed(String),
    /// The `kid` (or the `iss`) is not one of the trusted keys.
    #[error("assertion issuer or key id not trusted: {0}")]
    UntrustedIssuer(String),
    /// The signature does not verify.
    #[error("assertion signature does not verify")]
    BadSignature,
    /// `aud` is not this service.
    #[error("assertion is for {found:?}, not for {expected:?}")]
    WrongAudience {
        /// Our id.
        expected: String,
        /// The `aud` found.
        found: String,
    },
    /// `exp` has passed.
    #[error("assertion expired at {}", exp.as_secs())]
    Expired {
        /// The `exp` claim.
        exp: UnixTime,
    },
    /// `iat` is in the future beyond the leeway.
    #[error("assertion issued in the future ({})", iat.as_secs())]
    NotYetValid {
        /// The `iat` claim.
        iat: UnixTime,
    },
    /// The `jti` was seen before.
    #[error("assertion {jti} already used")]
    Replayed {
        /// The `jti`.
        jti: String,
    },
    /// A key could not be loaded (bad PEM, bad JWK).
    #[error("key: {0}")]
    BadKey(String),
    /// The claims could not be encoded.
    #[error("claims: {0}")]
    Encode(String),
}

impl AssertionError {
    /// The problem code a server answers with.
    pub fn problem_code(&self) -> ProblemCode {
        match self {
            Self::Malformed(_) | Self::BadSignature | Self::NotYetValid { .. } => {
                ProblemCode::AssertionInvalid
            }
            Self::UntrustedIssuer(_) => ProblemCode::AssertionUntrustedIssuer,
            Self::WrongAudience { .. } => ProblemCode::AssertionWrongAudience,
            Self::Expired { .. } => ProblemCode::AssertionExpired,
            Self::Replayed { .. } => ProblemCode::AssertionReplayed,
            Self::BadKey(_) | Self::Encode(_) => ProblemCode::Internal,
        }
    }
}

/// A P-256 private key that makes ES256 signatures (RFC 7518 §3.4: `r ‖ s`, 64 bytes, over
/// SHA-256 of the message). Implemented here for `p256`'s [`SigningKey`]; a server may plug
/// a faster implementation (the platform uses `ring`'s, see its DECISIONS entry) without
/// this crate depending on it.
pub trait Es256Key: Send + Sync {
    /// Signs `message`.
    fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], AssertionError>;
    /// The public key.
    fn public_key(&self) -> VerifyingKey;
}

impl Es256Key for SigningKey {
    fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], AssertionError> {
        let sig: Signature = self.sign(message);
        sig.to_bytes()
            .as_slice()
            .try_into()
            .map_err(|_| AssertionError::Encode("an ES256 signature is 64 bytes".into()))
    }

    fn public_key(&self) -> VerifyingKey {
        *self.verifying_key()
    }
}

/// Signs assertions with the platform's P-256 key.
#[derive(Clone)]
pub struct AssertionSigner {
    kid: String,
    key: std::sync::Arc<dyn Es256Key>,
    header_b64: String,
}

impl std::fmt::Debug for AssertionSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssertionSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl AssertionSigner {
    /// A signer with key id `kid`.
    pub fn new(kid: impl Into<String>, key: SigningKey) -> Result<Self, AssertionError> {
        Self::with_key(kid, std::sync::Arc::new(key))
    }

    /// A signer with key id `kid` over any [`Es256Key`].
    pub fn with_key(
        kid: impl Into<String>,
        key: std::sync::Arc<dyn Es256Key>,
    ) -> Result<Self, AssertionError> {
        let kid = kid.into();
        let header = Header {
            alg: "ES256".into(),
            kid: kid.clone(),
            typ: ASSERTION_TYP.into(),
        };
        let json =
            serde_json::to_vec(&header).map_err(|e| AssertionError::Encode(e.to_string()))?;
        Ok(Self {
            kid,
            key,
            header_b64: crate::b64::encode_url(&json),
        })
    }

    /// A signer from a PKCS#8 PEM private key (`openssl genpkey -algorithm EC -pkeyopt
    /// ec_paramgen_curve:P-256`, or the platform's `keygen`).
    pub fn from_pkcs8_pem(kid: impl Into<String>, pem: &str) -> Result<Self, AssertionError> {
        use p256::pkcs8::DecodePrivateKey;
        let key = SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| AssertionError::BadKey(format!("not a PKCS#8 P-256 key: {e}")))?;
        Self::new(kid, key)
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.public_key()
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Jwk {
        Jwk::from_key(&self.kid, &self.verifying_key())
    }

    /// Signs `claims` into a compact JWS.
    pub fn sign(&self, claims: &AssertionClaims) -> Result<String, AssertionError> {
        let payload =
            serde_json::to_vec(claims).map_err(|e| AssertionError::Encode(e.to_string()))?;
        let mut token = String::with_capacity(self.header_b64.len() + payload.len() * 2 + 90);
        token.push_str(&self.header_b64);
        token.push('.');
        token.push_str(&crate::b64::encode_url(&payload));
        let sig = self.key.sign_es256(token.as_bytes())?;
        token.push('.');
        token.push_str(&crate::b64::encode_url(&sig));
        Ok(token)
    }
}

#[derive(Clone, Debug)]
struct TrustedKey {
    issuer: String,
    kid: String,
    key: VerifyingKey,
}

/// Verifies assertions for one audience against the trusted issuers' keys.
///
/// Calling contract: build once with the audience, add each trusted platform's
/// [`KeySet`], then call [`Self::verify`] per request with the server's `now` and its
/// [`ReplayGuard`]. The replay guard is consulted last, so a forged or expired token never
/// uses up a `jti`.
#[derive(Clone, Debug)]
pub struct AssertionVerifier {
    audience: String,
    keys: Vec<TrustedKey>,
}

impl AssertionVerifier {
    /// A verifier for assertions whose `aud` is `audience`.
    pub fn new(audience: impl Into<String>) -> Self {
        Self {
            audience: audience.into(),
            keys: Vec::new(),
        }
    }

    /// Trusts every key of `set` for assertions whose `iss` is `set.issuer`.
    pub fn trust(&mut self, set: &KeySet) -> Result<(), AssertionError> {
        for jwk in &set.keys {
            self.trust_key(&set.issuer, &jwk.kid, jwk.to_key()?);
        }
        Ok(())
    }

    /// Trusts one key.
    pub fn trust_key(&mut self, issuer: &str, kid: &str, key: VerifyingKey) {
        self.keys.push(TrustedKey {
            issuer: issuer.into(),
            kid: kid.into(),
            key,
        });
    }

    /// The audience.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Verifies `token` at `now`: form, `alg`/`typ`, key, signature, `iss`, `aud`, `iat`,
    /// `exp`, then `jti` (once).
    pub fn verify(
        &self,
        token: &str,
        now: UnixTime,
        replay: &mut dyn ReplayGuard,
    ) -> Result<AssertionClaims, AssertionError> {
        let malformed = |d: &str| AssertionError::Malformed(d.into());
        if token.len() > MAX_TOKEN_LEN {
            return Err(malformed("longer than 8 KiB"));
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("a compact JWS has three segments"));
        };
        let header: Header = decode_json("header", h)?;
        if header.alg != "ES256" {
            return Err(malformed("alg must be ES256"));
        }
        if header.typ != ASSERTION_TYP {
            return Err(malformed("typ must be madoguchi-assertion+jwt"));
        }
        let candidates: Vec<&TrustedKey> =
            self.keys.iter().filter(|k| k.kid == header.kid).collect();
        if candidates.is_empty() {
            return Err(AssertionError::UntrustedIssuer(format!(
                "kid {}",
                header.kid
            )));
        }
        let sig_bytes =
            crate::b64::decode_url("signature", s).map_err(|e| malformed(&e.to_string()))?;
        let sig = Signature::from_slice(&sig_bytes)
            .map_err(|_| malformed("signature is not 64 bytes r‖s"))?;
        // `h` and `p` are the first two '.'-separated segments of `token`, so this prefix
        // (header '.' payload) is in bounds and on a char boundary.
        let signed = token.get(..h.len() + 1 + p.len()).unwrap_or_default();
        let key = candidates
            .into_iter()
            .find(|k| k.key.verify(signed.as_bytes(), &sig).is_ok())
            .ok_or(AssertionError::BadSignature)?;
        let claims: AssertionClaims = decode_json("claims", p)?;
        if claims.iss != key.issuer {
            return Err(AssertionError::UntrustedIssuer(format!(
                "kid {} belongs to {}, not to {}",
                key.kid, key.issuer, claims.iss
            )));
        }
        if claims.aud != self.audience {
            return Err(AssertionError::WrongAudience {
                expected: self.audience.clone(),
                found: claims.aud,
            });
        }
        if claims.iat > now.plus_secs(LEEWAY_SECS) {
            return Err(AssertionError::NotYetValid { iat: claims.iat });
        }
        let last_valid = claims.exp.plus_secs(LEEWAY_SECS);
        if last_valid <= now {
            return Err(AssertionError::Expired { exp: claims.exp });
        }
        if !replay.first_use(&claims.iss, &claims.jti, last_valid, now) {
            return Err(AssertionError::Replayed { jti: claims.jti });
        }
        Ok(claims)
    }
}

fn decode_json<T: for<'de> Deserialize<'de>>(
    what: &'static str,
    seg: &str,
) -> Result<T, AssertionError> {
    let bytes =
        crate::b64::decode_url(what, seg).map_err(|e| AssertionError::Malformed(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| AssertionError::Malformed(format!("{what}: {e}")))
}

impl KeySet {
    /// The key set of one signer.
    pub fn of(issuer: &str, signer: &AssertionSigner) -> Self {
        Self {
            issuer: issuer.into(),
            keys: vec![signer.jwk()],
        }
    }
}

#[cfg(test)]
mod tests;
