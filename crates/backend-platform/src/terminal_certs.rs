//! The operator's half of a terminal's enrollment: check a terminal's PKCS#10 certificate
//! request and sign its client certificate with the terminals' CA.
//!
//! The request must be signed by its own key (ecdsa-with-SHA256 over a P-256 key: what
//! the terminal's `madoguchi-terminal-cert` makes), and its subject must be exactly one CN,
//! the terminal id the operator names (so a request for another terminal is not signed
//! by mistake). The certificate names the same CN, carries the request's public key and
//! a client-authentication profile (RFC 5280 §4.2.1.9 basicConstraints CA:FALSE, §4.2.1.3
//! keyUsage digitalSignature, §4.2.1.12 extKeyUsage id-kp-clientAuth, §4.2.1.2 and
//! §4.2.1.1 key identifiers), and a 16-byte serial made from random bytes the caller draws
//! ([`SERIAL_LEN`]; §4.1.2.2: positive, at most 20 bytes).
//!
//! The CA's key is a PKCS#8 PEM P-256 key; its certificate is the one of the given PEM
//! file (the platform's `[tls] terminal_ca` by default) whose public key is the key's.
//! Enrolling the terminal in the storage is [`crate::terminals::enroll`]'s, given the
//! issued certificate's SHA-256 (the one certificate its id is accepted with from then on);
//! [`crate::operator`] calls both. Nothing here writes a file or the storage.

use std::str::FromStr as _;
use std::time::Duration;

use der::{Decode as _, Encode as _};
use madoguchi_time::UnixTime;
use p256::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder as _, CertificateBuilder};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::request::CertReq;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// Why no certificate was issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerminalCertError {
    /// The CA's key is not a PKCS#8 PEM P-256 key.
    #[error(
        "the terminals' CA key is not usable: {0}. Give the CA's private key as PKCS#8 PEM (BEGIN PRIVATE KEY) on curve P-256"
    )]
    CaKey(String),
    /// The CA certificate file does not hold the key's certificate.
    #[error(
        "no certificate in the CA file has the CA key's public key ({0}); give the terminals' CA certificate with --ca-cert"
    )]
    CaCertificate(String),
    /// The certificate of the CA key is not a CA's.
    #[error("the certificate of the CA key is not a CA certificate (no basicConstraints CA:TRUE)")]
    NotACa,
    /// The request does not parse.
    #[error(
        "the certificate request does not parse: {0}; give the PEM file the terminal's madoguchi-terminal-cert wrote (its --out)"
    )]
    Request(String),
    /// The request's key is not P-256, or its signature algorithm not ecdsa-with-SHA256.
    #[error("the certificate request's key is not an ECDSA P-256 key signing with SHA-256 ({0})")]
    RequestKey(String),
    /// The request is not signed by its own key.
    #[error(
        "the certificate request's signature does not verify with its own key: it was changed or made wrongly"
    )]
    RequestSignature,
    /// The request's subject is not one CN.
    #[error("the certificate request's subject {0:?} is not one CN (the terminal id)")]
    RequestName(String),
    /// The request names another terminal than the operator.
    #[error(
        "the certificate request is for terminal {found:?}, not {expected:?}; nothing was signed"
    )]
    WrongTerminal {
        /// The id the operator gave.
        expected: String,
        /// The CN of the request.
        found: String,
    },
    /// The validity asked for is outside the allowed range.
    #[error("a certificate valid for {0} days: give --days from 1 to {max}", max = MAX_DAYS)]
    Days(u32),
    /// Building or signing the certificate failed (a bug: report it).
    #[error("cannot build the certificate: {0}")]
    Build(String),
    /// No randomness for the serial number (the caller of [`issue`] draws it).
    #[error("no randomness for the serial number: {0}")]
    Random(String),
}

/// The longest validity [`issue`] gives: ten years, the J-LIS roots' own span; shorter is
/// better (a terminal's key lives on its disk).
pub const MAX_DAYS: u32 = 3650;

/// How far before its issue a certificate's validity starts (clock skew between the
/// operator's machine and the nodes).
pub const NOT_BEFORE_MARGIN_SECS: i64 = 300;

/// The validity when the operator gives none: two years.
pub const DEFAULT_DAYS: u32 = 730;

/// The terminals' CA: its key and certificate.
pub struct TerminalCa {
    key: p256::ecdsa::SigningKey,
    cert: Certificate,
}

impl std::fmt::Debug for TerminalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalCa")
            .field(
                "subject",
                &self.cert.tbs_certificate().subject().to_string(),
            )
            .finish_non_exhaustive()
    }
}

fn spki_der(key: &p256::ecdsa::VerifyingKey) -> Result<Vec<u8>, TerminalCertError> {
    p256::pkcs8::EncodePublicKey::to_public_key_der(key)
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| TerminalCertError::CaKey(e.to_string()))
}

impl TerminalCa {
    /// The CA of `key_pem` (PKCS#8 PEM P-256) and the certificate of `certs_pem` (one or
    /// more PEM certificates) that has its public key.
    pub fn load(key_pem: &str, certs_pem: &[u8]) -> Result<Self, TerminalCertError> {
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(key_pem)
            .map_err(|e| TerminalCertError::CaKey(e.to_string()))?;
        let public = spki_der(key.verifying_key())?;
        let certs = Certificate::load_pem_chain(certs_pem)
            .map_err(|e| TerminalCertError::CaCertificate(format!("not PEM certificates: {e}")))?;
        let cert = certs
            .into_iter()
            .find(|c| {
                c.tbs_certificate()
                    .subject_public_key_info()
                    .to_der()
                    .is_ok_and(|d| d == public)
            })
            .ok_or_else(|| TerminalCertError::CaCertificate("none matches".into()))?;
        let is_ca = cert
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .ok()
            .flatten()
            .is_some_and(|(_, bc)| bc.ca);
        if !is_ca {
            return Err(TerminalCertError::NotACa);
        }
        Ok(Self { key, cert })
    }

    /// The CA's subjectKeyIdentifier, or one computed from its key as [`issue`] does.
    fn key_id(&self) -> Vec<u8> {
        match self
            .cert
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
        {
            Ok(Some((_, ski))) => ski.0.as_bytes().to_vec(),
            _ => key_id(
                self.cert
                    .tbs_certificate()
                    .subject_public_key_info()
                    .subject_public_key
                    .raw_bytes(),
            ),
        }
    }
}

/// A request checked by [`check_request`].
#[derive(Clone, Debug)]
pub struct CheckedRequest {
    /// The terminal id (the request's CN).
    pub terminal_id: String,
    public_key: x509_cert::spki::SubjectPublicKeyInfoOwned,
}

/// ecdsa-with-SHA256 (RFC 5758 §3.2).
const ECDSA_WITH_SHA256: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// id-at-commonName (RFC 5280 §4.1.2.4, X.520).
const COMMON_NAME: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("2.5.4.3");

/// The CN of a name that is exactly one CN, as UTF8String or PrintableString.
fn single_cn(name: &Name) -> Option<String> {
    // One RDN holding one attribute.
    if name.len() != 1 || name.iter().count() != 1 {
        return None;
    }
    let atv = name.iter().next()?;
    if atv.oid != COMMON_NAME {
        return None;
    }
    if let Ok(s) = der::asn1::Utf8StringRef::try_from(&atv.value) {
        return Some(s.as_str().to_owned());
    }
    der::asn1::PrintableStringRef::try_from(&atv.value)
        .ok()
        .map(|s| s.as_str().to_owned())
}

/// Parses `bytes` (PEM `CERTIFICATE REQUEST`, or DER) and checks that it is signed by its
/// own P-256 key and names exactly `expected_id`.
pub fn check_request(bytes: &[u8], expected_id: &str) -> Result<CheckedRequest, TerminalCertError> {
    let bad = |e: der::Error| TerminalCertError::Request(e.to_string());
    let req = if bytes.starts_with(b"-----BEGIN") {
        let (label, der) = der::pem::decode_vec(bytes).map_err(|e| bad(e.into()))?;
        if !matches!(label, "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST") {
            return Err(TerminalCertError::Request(format!(
                "a PEM {label}, not a CERTIFICATE REQUEST"
            )));
        }
        CertReq::from_der(&der).map_err(bad)?
    } else {
        CertReq::from_der(bytes).map_err(bad)?
    };
    if req.algorithm.oid != ECDSA_WITH_SHA256 {
        return Err(TerminalCertError::RequestKey(format!(
            "signature algorithm {}",
            req.algorithm.oid
        )));
    }
    let spki = req.info.public_key.to_der().map_err(bad)?;
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki)
        .map_err(|e| TerminalCertError::RequestKey(e.to_string()))?;
    let signature = req
        .signature
        .as_bytes()
        .and_then(|b| p256::ecdsa::Signature::from_der(b).ok())
        .ok_or(TerminalCertError::RequestSignature)?;
    let info = req.info.to_der().map_err(bad)?;
    p256::ecdsa::signature::Verifier::verify(&key, &info, &signature)
        .map_err(|_| TerminalCertError::RequestSignature)?;
    let id = single_cn(&req.info.subject)
        .ok_or_else(|| TerminalCertError::RequestName(req.info.subject.to_string()))?;
    if id != expected_id {
        return Err(TerminalCertError::WrongTerminal {
            expected: expected_id.to_owned(),
            found: id,
        });
    }
    Ok(CheckedRequest {
        terminal_id: id,
        public_key: req.info.public_key,
    })
}

/// A key identifier: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits
/// (RFC 7093 §2 method 1).
fn key_id(public_key_bits: &[u8]) -> Vec<u8> {
    Sha256::digest(public_key_bits)
        .get(..20)
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

/// A certificate with exactly the extensions given (the builder's own profiles add
/// theirs).
struct ClientProfile {
    issuer: Name,
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for ClientProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: x509_cert::spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: x509_cert::spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &x509_cert::certificate::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

fn extension(
    oid: der::oid::ObjectIdentifier,
    critical: bool,
    value: &impl der::Encode,
) -> Result<Extension, der::Error> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: der::asn1::OctetString::new(value.to_der()?)?,
    })
}

/// An issued certificate.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The certificate (PEM).
    pub pem: String,
    /// Its serial number, hex.
    pub serial: String,
    /// Its last second of validity.
    pub not_after: UnixTime,
    /// The SHA-256 of its DER: the one certificate the terminal's row accepts once
    /// registered with it ([`crate::terminals::enroll`]).
    pub sha256: [u8; 32],
}

/// How many random bytes [`issue`] takes for a serial number: 16 (at most 20 octets, RFC
/// 5280 §4.1.2.2; 126 random bits after [`issue`] fixes the top two).
pub const SERIAL_LEN: usize = 16;

/// Signs `request`'s client certificate with `ca`, valid from `now` for `days` days, under
/// the serial made of `random` (bytes the caller draws from a random source; the top bit
/// is cleared and the next set, so the number is positive and 16 bytes long in DER).
pub fn issue(
    ca: &TerminalCa,
    request: &CheckedRequest,
    days: u32,
    now: UnixTime,
    random: [u8; SERIAL_LEN],
) -> Result<Issued, TerminalCertError> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(TerminalCertError::Days(days));
    }
    let build = |e: &dyn std::fmt::Display| TerminalCertError::Build(e.to_string());
    let mut serial = random;
    // Positive, and 16 bytes long in DER (no leading zero byte to strip).
    serial[0] = (serial[0] & 0x7F) | 0x40;
    let not_after = UnixTime::from_secs(now.as_secs() + i64::from(days) * 86_400);
    let time = |t: UnixTime| -> Result<Time, TerminalCertError> {
        let secs = u64::try_from(t.as_secs()).map_err(|e| build(&e))?;
        der::DateTime::from_unix_duration(Duration::from_secs(secs))
            .map(Time::from)
            .map_err(|e| build(&e))
    };
    // Valid from five minutes back: the nodes' clocks may be a little behind the
    // operator's, and a certificate not yet valid is refused in the TLS handshake.
    let validity = Validity::new(
        time(now.minus_secs(NOT_BEFORE_MARGIN_SECS))?,
        time(not_after)?,
    );
    let subject = Name::from_str(&format!("CN={}", request.terminal_id)).map_err(|e| build(&e))?;
    let extension_list = (|| -> Result<Vec<Extension>, der::Error> {
        use der::oid::AssociatedOid;
        let usage = KeyUsage(KeyUsages::DigitalSignature.into());
        Ok(vec![
            extension(
                BasicConstraints::OID,
                true,
                &BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
            )?,
            extension(KeyUsage::OID, true, &usage)?,
            extension(
                ExtendedKeyUsage::OID,
                false,
                &ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_CLIENT_AUTH]),
            )?,
            extension(
                SubjectKeyIdentifier::OID,
                false,
                &SubjectKeyIdentifier(der::asn1::OctetString::new(key_id(
                    request.public_key.subject_public_key.raw_bytes(),
                ))?),
            )?,
            extension(
                AuthorityKeyIdentifier::OID,
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(der::asn1::OctetString::new(ca.key_id())?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )?,
        ])
    })()
    .map_err(|e| build(&e))?;
    let profile = ClientProfile {
        issuer: ca.cert.tbs_certificate().subject().clone(),
        subject,
        extensions: extension_list,
    };
    let serial_number = SerialNumber::new(&serial).map_err(|e| build(&e))?;
    let builder =
        CertificateBuilder::new(profile, serial_number, validity, request.public_key.clone())
            .map_err(|e| build(&e))?;
    let cert = builder
        .build::<_, p256::ecdsa::DerSignature>(&ca.key)
        .map_err(|e| build(&e))?;
    let pem = der::EncodePem::to_pem(&cert, der::pem::LineEnding::LF).map_err(|e| build(&e))?;
    let sha256 = Sha256::digest(cert.to_der().map_err(|e| build(&e))?).into();
    Ok(Issued {
        pem,
        serial: hex::encode_upper(serial),
        not_after,
        sha256,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use backend_kit::devpki::DevPki;

    fn terminal_key() -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap()
    }

    fn ca(pki: &DevPki) -> TerminalCa {
        // The CA file may hold other certificates: the key's is picked.
        let certs = format!("{}{}", pki.server_ca_pem, pki.terminal_ca_pem);
        TerminalCa::load(&pki.terminal_ca_key_pem(), certs.as_bytes()).unwrap()
    }

    #[test]
    fn a_request_becomes_a_client_certificate_of_the_terminals_ca() {
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let pem =
            counter_runtime::certificate_request::request_pem("desk-3", &terminal_key()).unwrap();
        let req = check_request(pem.as_bytes(), "desk-3").unwrap();
        let now = UnixTime::from_secs(1_796_083_200);
        let issued = issue(&ca(&pki), &req, 30, now, [0xA5; SERIAL_LEN]).unwrap();
        assert_eq!(issued.not_after, now.plus_secs(30 * 86_400));
        let der = backend_kit::tls::certificates("terminal", issued.pem.as_bytes()).unwrap();
        let id = backend_kit::serve::ClientIdentity::from_der(&der[0]);
        assert_eq!(id.common_name.as_deref(), Some("desk-3"));
        // The hash the terminal's row keeps is the one the server sees in the handshake.
        assert_eq!(hex::encode(issued.sha256), id.sha256);
        let cert = Certificate::from_der(&der[0]).unwrap();
        let tbs = cert.tbs_certificate();
        // The serial is the bytes given, top bit cleared and the next set (0xA5 -> 0x65).
        let mut serial = [0xA5; SERIAL_LEN];
        serial[0] = 0x65;
        assert_eq!(tbs.serial_number().as_bytes(), serial);
        assert_eq!(issued.serial, hex::encode_upper(serial));
        let (_, eku) = tbs.get_extension::<ExtendedKeyUsage>().unwrap().unwrap();
        assert_eq!(eku.0, vec![const_oid::db::rfc5280::ID_KP_CLIENT_AUTH]);
        let (_, bc) = tbs.get_extension::<BasicConstraints>().unwrap().unwrap();
        assert!(!bc.ca);
        // Signed by the CA's key.
        let ca_key = p256::ecdsa::SigningKey::from_pkcs8_pem(&pki.terminal_ca_key_pem()).unwrap();
        let sig = p256::ecdsa::Signature::from_der(cert.signature().raw_bytes()).unwrap();
        p256::ecdsa::signature::Verifier::verify(
            ca_key.verifying_key(),
            &tbs.to_der().unwrap(),
            &sig,
        )
        .unwrap();
    }

    #[test]
    fn a_request_for_another_terminal_a_changed_one_and_garbage_are_refused() {
        let pem =
            counter_runtime::certificate_request::request_pem("desk-3", &terminal_key()).unwrap();
        let e = check_request(pem.as_bytes(), "desk-4").unwrap_err();
        assert!(
            matches!(e, TerminalCertError::WrongTerminal { .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("\"desk-3\""), "{e}");
        // One byte of the signed part changed: the signature no longer verifies.
        let (_, mut der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
        let at = der.windows(6).position(|w| w == b"desk-3").unwrap();
        der[at + 5] = b'9';
        let e = check_request(&der, "desk-9").unwrap_err();
        assert!(matches!(e, TerminalCertError::RequestSignature), "{e:?}");
        for garbage in [
            &b""[..],
            b"-----BEGIN CERTIFICATE REQUEST-----\n",
            b"\x30\x03\x02\x01",
        ] {
            let e = check_request(garbage, "desk-3").unwrap_err();
            assert!(matches!(e, TerminalCertError::Request(_)), "{garbage:?}");
            // The operator is pointed at the terminal's shipped command.
            assert!(e.to_string().contains("madoguchi-terminal-cert"), "{e}");
        }
    }

    #[test]
    fn the_serial_is_the_callers_bytes_made_positive() {
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let pem =
            counter_runtime::certificate_request::request_pem("desk-3", &terminal_key()).unwrap();
        let req = check_request(pem.as_bytes(), "desk-3").unwrap();
        let now = UnixTime::from_secs(1_796_083_200);
        let ca = ca(&pki);
        let serial_of = |random: [u8; SERIAL_LEN]| {
            let issued = issue(&ca, &req, 1, now, random).unwrap();
            let der = backend_kit::tls::certificates("terminal", issued.pem.as_bytes()).unwrap();
            let cert = Certificate::from_der(&der[0]).unwrap();
            let bytes = cert.tbs_certificate().serial_number().as_bytes().to_vec();
            assert_eq!(issued.serial, hex::encode_upper(&bytes));
            bytes
        };
        let low = serial_of([0; SERIAL_LEN]);
        let high = serial_of([0xFF; SERIAL_LEN]);
        // Sixteen bytes either way: the top bit cleared (positive), the next set (no
        // leading zero for DER to strip); the rest is the caller's.
        assert_eq!(low.len(), SERIAL_LEN);
        assert_eq!(high.len(), SERIAL_LEN);
        assert_eq!((low[0], high[0]), (0x40, 0x7F));
        assert!(low[1..].iter().all(|b| *b == 0));
        assert!(high[1..].iter().all(|b| *b == 0xFF));
    }

    #[test]
    fn a_ca_key_without_its_certificate_or_too_long_a_validity_is_refused() {
        let pki = DevPki::generate(&["localhost"]).unwrap();
        let e =
            TerminalCa::load(&pki.terminal_ca_key_pem(), pki.server_ca_pem.as_bytes()).unwrap_err();
        assert!(matches!(e, TerminalCertError::CaCertificate(_)), "{e:?}");
        let e = TerminalCa::load("not a key", pki.terminal_ca_pem.as_bytes()).unwrap_err();
        assert!(matches!(e, TerminalCertError::CaKey(_)), "{e:?}");
        let pem =
            counter_runtime::certificate_request::request_pem("desk-3", &terminal_key()).unwrap();
        let req = check_request(pem.as_bytes(), "desk-3").unwrap();
        let e = issue(
            &ca(&pki),
            &req,
            MAX_DAYS + 1,
            UnixTime::from_secs(0),
            [0; SERIAL_LEN],
        )
        .unwrap_err();
        assert!(matches!(e, TerminalCertError::Days(_)), "{e:?}");
    }
}
