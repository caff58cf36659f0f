//! The J-LIS root profile: what a production JPKI root must look like before an operator
//! adds it to the compiled-in roots (the generation-2 roots `authca02.cer` and
//! `signca02.cer` are not compiled in; docs/domain/jpki.md §2.1).
//!
//! The profile is read off the real roots of generations 1 and 3 (docs/domain/jpki.md
//! §2.1, "Profile of all six roots"):
//! - subject = issuer = `C=JP, O=JPKI, OU=JPKI for user authentication` (or `OU=JPKI for
//!   digital signature`)`, OU=Japan Agency for Local Authority Information Systems`, in
//!   that order;
//! - an RSA key of [`MIN_RSA_BITS`] (2048) bits or more, as every JPKI key;
//! - a validity of about ten years: every real root spans 3650 days less a few hours, so
//!   9 to 11 years ([`MIN_VALIDITY_DAYS`], [`MAX_VALIDITY_DAYS`]) is accepted;
//! - basicConstraints CA:TRUE, keyUsage keyCertSign and cRLSign, a subjectKeyIdentifier,
//!   a self-signature that verifies (the checks of [`TrustStore::new`](crate::TrustStore::new)).
//!
//! [`check_root`] also refuses an expired root (adding one is useless: it anchors nothing
//! valid any more); [`check_profile`] is the same without that check, for roots already
//! added, which keep working until they expire like the compiled-in ones.

use crate::anchors::{PRODUCTION_ANCHORS, TrustAnchor, TrustStoreError};
use crate::cert::{JpkiCertificate, name_purpose};
use crate::challenge::MIN_RSA_BITS;
use crate::time::UnixTime;
use crate::verdict::{Environment, Purpose};

/// The shortest validity accepted, in days (nine years).
pub const MIN_VALIDITY_DAYS: i64 = 9 * 365;
/// The longest validity accepted, in days (eleven years).
pub const MAX_VALIDITY_DAYS: i64 = 11 * 365;

/// The subject of the authentication roots, as [`x509_cert::name::Name`] displays it
/// (RFC 4514: the last RDN first).
pub const AUTH_SUBJECT: &str = "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for user authentication,O=JPKI,C=JP";
/// The subject of the signature roots, displayed the same way.
pub const SIGN_SUBJECT: &str = "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,O=JPKI,C=JP";

/// The fingerprints docs/domain/jpki.md §2.1 gives for the roots that are not compiled in
/// (the compiled-in ones are [`crate::anchors::PRODUCTION_ANCHORS`]): a match is shown
/// to the operator, who still compares with J-LIS's published value.
pub const DOCUMENTED_FINGERPRINTS: &[(&str, &str)] = &[(
    "signca02",
    "79679C33E4CC9319440F1AD120A597FF1844E2EF217063ADB176966FD5E6FBEB",
)];

/// What does not fit the J-LIS root profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// Not a certificate, or not one of the JPKI form (RSA, sha256WithRSAEncryption, v3).
    #[error("not a JPKI root certificate: {0}")]
    Parse(String),
    /// The subject is not a J-LIS root's.
    #[error(
        "the subject {found:?} is not a J-LIS root's (C=JP, O=JPKI, OU=JPKI for user authentication or OU=JPKI for digital signature, OU=Japan Agency for Local Authority Information Systems)"
    )]
    Subject {
        /// The subject found.
        found: String,
    },
    /// The issuer is not the subject: not a root.
    #[error("the issuer {issuer:?} is not the subject: not a self-issued root")]
    NotSelfIssued {
        /// The issuer found.
        issuer: String,
    },
    /// The key is too small.
    #[error("the key is RSA-{bits}; J-LIS roots are RSA-{min} or larger", min = MIN_RSA_BITS)]
    KeySize {
        /// The modulus length.
        bits: usize,
    },
    /// The validity is not about ten years.
    #[error(
        "the validity spans {days} days; J-LIS roots are valid for about ten years ({MIN_VALIDITY_DAYS} to {MAX_VALIDITY_DAYS} days)"
    )]
    Validity {
        /// notAfter − notBefore, in days.
        days: i64,
    },
    /// The root has expired.
    #[error("the root expired at {not_after}: it can anchor no valid certificate")]
    Expired {
        /// Its notAfter.
        not_after: UnixTime,
    },
    /// Not a CA certificate, or its self-signature does not verify.
    #[error("{0}")]
    NotACa(TrustStoreError),
}

/// A root that fits the profile.
#[derive(Clone, Debug)]
pub struct CheckedRoot {
    /// Its purpose (from the subject's OU).
    pub purpose: Purpose,
    /// SHA-256 of its DER, upper-case hex pairs separated by colons (as J-LIS prints it).
    pub sha256: String,
    /// Its serial number, lower-case hex ([`JpkiCertificate::serial_hex`]).
    pub serial: String,
    /// Its validity.
    pub not_before: UnixTime,
    /// Its validity.
    pub not_after: UnixTime,
    /// The RSA modulus length.
    pub key_bits: usize,
    /// The documented root whose fingerprint it has ([`DOCUMENTED_FINGERPRINTS`], or a
    /// compiled-in root's), if any.
    pub documented_as: Option<&'static str>,
    /// The DER.
    pub der: Vec<u8>,
    /// The root checked and prepared as a production anchor of its purpose, which
    /// [`TrustStore::production_with`](crate::TrustStore::production_with) takes as it is
    /// (labelled there).
    pub(crate) anchor: TrustAnchor,
}

/// The length in bits of the certificate's RSA modulus (an RSAPublicKey, RFC 8017 A.1.1,
/// read with `rsa`'s own type as [`crate::challenge::CertKey`] reads it). The size is
/// not held to a bound here: a too-small key is [`ProfileError::KeySize`], by its size.
fn modulus_bits(cert: &JpkiCertificate) -> Result<usize, ProfileError> {
    let spki = cert
        .certificate()
        .tbs_certificate()
        .subject_public_key_info();
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| ProfileError::Parse("the key's BIT STRING has unused bits".into()))?;
    let key = rsa::pkcs1::RsaPublicKeyRef::try_from(bits)
        .map_err(|e| ProfileError::Parse(format!("the RSA key: {e}")))?;
    // `UintRef` holds the integer without leading zero bytes.
    let n = key.modulus.as_bytes();
    Ok(match n.first() {
        Some(first) => (n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    })
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl CheckedRoot {
    /// The compiled-in root it is ([`PRODUCTION_ANCHORS`]), if any.
    pub fn compiled_in_as(&self) -> Option<&'static str> {
        let label = self.documented_as?;
        PRODUCTION_ANCHORS
            .iter()
            .any(|a| a.label == label)
            .then_some(label)
    }
}

/// What an operator or a technician reads about a root they add (`madoguchi-platform
/// roots add`, `madoguchi-card --root`), three lines without a final newline: its kind,
/// serial, validity and key; its SHA-256; and what to compare that with.
///
/// ```text
/// J-LIS signature root, serial 067c6a21, valid 2023-07-16T00:50:27Z to 2033-07-15T14:59:59Z, RSA-2048
/// SHA-256 D2:27:F6:CD:…:DB:FA:36:5F
/// this root is compiled in already (as signca03)
/// ```
impl std::fmt::Display for CheckedRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.purpose {
            Purpose::Auth => "user-authentication",
            Purpose::Sign => "signature",
        };
        writeln!(
            f,
            "J-LIS {kind} root, serial {}, valid {} to {}, RSA-{}",
            self.serial, self.not_before, self.not_after, self.key_bits
        )?;
        writeln!(f, "SHA-256 {}", self.sha256)?;
        match (self.compiled_in_as(), self.documented_as) {
            (Some(label), _) => write!(f, "this root is compiled in already (as {label})"),
            (None, Some(label)) => write!(
                f,
                "this is the fingerprint docs/domain/jpki.md §2.1 gives for {label}; compare it \
                 with J-LIS's published fingerprint too"
            ),
            (None, None) => f.write_str(
                "compare this fingerprint with the one J-LIS publishes for this root before \
                 you trust it",
            ),
        }
    }
}

/// Checks `bytes` (PEM or DER) against the J-LIS root profile, expiry aside.
pub fn check_profile(bytes: &[u8]) -> Result<CheckedRoot, ProfileError> {
    let cert =
        JpkiCertificate::from_pem_or_der(bytes).map_err(|r| ProfileError::Parse(r.to_string()))?;
    let subject = cert.subject().to_string();
    let purpose = match (subject.as_str(), name_purpose(cert.subject())) {
        (AUTH_SUBJECT, Some(Purpose::Auth)) => Purpose::Auth,
        (SIGN_SUBJECT, Some(Purpose::Sign)) => Purpose::Sign,
        _ => return Err(ProfileError::Subject { found: subject }),
    };
    if cert.issuer() != cert.subject() {
        return Err(ProfileError::NotSelfIssued {
            issuer: cert.issuer().to_string(),
        });
    }
    let key_bits = modulus_bits(&cert)?;
    if key_bits < MIN_RSA_BITS {
        return Err(ProfileError::KeySize { bits: key_bits });
    }
    let days = cert.not_after().secs_since(cert.not_before()) / 86_400;
    if !(MIN_VALIDITY_DAYS..=MAX_VALIDITY_DAYS).contains(&days) {
        return Err(ProfileError::Validity { days });
    }
    // CA:TRUE, keyCertSign + cRLSign, SKI, the self-signature: the store's own checks.
    let anchor = crate::anchors::check_root(
        purpose,
        Environment::Production,
        "root".to_owned(),
        cert.der(),
    )
    .map_err(ProfileError::NotACa)?;
    let fingerprint = cert.fingerprint();
    let upper = hex::encode_upper(fingerprint);
    let documented_as = DOCUMENTED_FINGERPRINTS
        .iter()
        .map(|(label, fp)| (*label, *fp))
        .chain(PRODUCTION_ANCHORS.iter().map(|a| (a.label, a.sha256)))
        .find(|(_, fp)| *fp == upper)
        .map(|(label, _)| label);
    Ok(CheckedRoot {
        purpose,
        sha256: colon_hex(&fingerprint),
        serial: cert.serial_hex(),
        not_before: cert.not_before(),
        not_after: cert.not_after(),
        key_bits,
        documented_as,
        der: cert.der().to_vec(),
        anchor,
    })
}

/// Checks `bytes` (PEM or DER) against the J-LIS root profile and refuses a root that
/// has expired at `now`.
pub fn check_root(bytes: &[u8], now: UnixTime) -> Result<CheckedRoot, ProfileError> {
    let root = check_profile(bytes)?;
    if root.not_after <= now {
        return Err(ProfileError::Expired {
            not_after: root.not_after,
        });
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_compiled_in_roots_fit_the_profile_and_gen_1_is_refused_as_expired() {
        let now = UnixTime::from_secs(1_767_225_600); // 2026-01-01
        for a in crate::anchors::PRODUCTION_ANCHORS {
            let r = check_profile(a.pem.as_bytes()).unwrap();
            assert_eq!(r.purpose, a.purpose, "{}", a.label);
            assert_eq!(r.key_bits, 2048);
            assert_eq!(r.sha256.replace(':', ""), a.sha256);
            assert_eq!(r.documented_as, Some(a.label));
            let checked = check_root(a.pem.as_bytes(), now);
            if a.label.ends_with("01") {
                assert!(
                    matches!(checked, Err(ProfileError::Expired { .. })),
                    "{checked:?}"
                );
            } else {
                checked.unwrap();
            }
        }
    }

    #[test]
    fn garbage_is_a_typed_refusal_not_a_panic() {
        for bytes in [
            &b""[..],
            b"-----BEGIN CERTIFICATE-----\n",
            &[0x30, 0x82, 0xff],
        ] {
            assert!(matches!(check_profile(bytes), Err(ProfileError::Parse(_))));
        }
    }
}
