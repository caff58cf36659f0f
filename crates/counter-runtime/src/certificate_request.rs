//! The terminal's side of its enrollment: a new TLS client key and a PKCS#10 certificate
//! request for it, which the platform's operator signs with the terminals' CA
//! (`madoguchi-platform terminals enroll`), registering the terminal at the same time.
//!
//! The key is ECDSA P-256 (the curve of the terminals' certificates the backends accept
//! today, and of the platform's own keys), written as PKCS#8 PEM into a new file of mode
//! `0600` (its folder is created `0700` when missing); an existing key is never
//! overwritten. The request's subject is `CN=<terminal id>`, the name the backends read
//! the terminal's id from; it is signed with the key (ecdsa-with-SHA256), which proves
//! to the operator that whoever asks holds the key. Nothing secret leaves the terminal:
//! the request holds the public key only.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use der::EncodePem as _;
use p256::pkcs8::EncodePrivateKey as _;
use x509_cert::builder::Builder as _;

use private_files::{PrivateFileError, create_private};

/// Why no request was made. Nothing was written, except where a variant says otherwise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The terminal id cannot be a certificate's CN the backends accept.
    #[error(
        "terminal_id {0:?} may only hold 1 to 64 characters of A-Z a-z 0-9 . _ : - (the backends refuse any other name)"
    )]
    BadId(String),
    /// The key file exists: a new key would lock the terminal out of its current
    /// certificate.
    #[error(
        "{} exists: refusing to overwrite the terminal's key. Move it away first if a new key is really wanted (the certificate made for it stops working)",
        .0.display()
    )]
    KeyExists(PathBuf),
    /// The request file exists.
    #[error("{} exists: refusing to overwrite it; give another --out", .0.display())]
    RequestExists(PathBuf),
    /// The system gave no randomness for the key.
    #[error("no randomness for the key: {0}")]
    Random(String),
    /// Encoding the key or the request failed (a bug: report it).
    #[error("cannot encode the {what}: {reason}")]
    Encode {
        /// The key or the request.
        what: &'static str,
        /// What the encoder said.
        reason: String,
    },
    /// A file could not be written.
    #[error(transparent)]
    File(#[from] PrivateFileError),
}

/// What [`make`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Made {
    /// The private key (PKCS#8 PEM, mode `0600`).
    pub key: PathBuf,
    /// The certificate request (PEM `CERTIFICATE REQUEST`).
    pub request: PathBuf,
    /// The request's PEM text.
    pub request_pem: String,
}

/// The terminal id rule of the backends ([`counter_api::ident::check_id`]).
fn check_id(id: &str) -> Result<(), RequestError> {
    counter_api::ident::check_id("terminal_id", id).map_err(|_| RequestError::BadId(id.to_owned()))
}

fn encode(what: &'static str) -> impl Fn(String) -> RequestError {
    move |reason| RequestError::Encode { what, reason }
}

/// A new P-256 key from the system's randomness.
fn new_key() -> Result<p256::ecdsa::SigningKey, RequestError> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    loop {
        getrandom::fill(bytes.as_mut()).map_err(|e| RequestError::Random(e.to_string()))?;
        // 32 random bytes are a valid scalar but with probability ~2^-128; draw again if not.
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(bytes.as_ref()) {
            return Ok(k);
        }
    }
}

/// The PEM certificate request of `key` for terminal `terminal_id`.
pub fn request_pem(
    terminal_id: &str,
    key: &p256::ecdsa::SigningKey,
) -> Result<String, RequestError> {
    check_id(terminal_id)?;
    // The id's characters need no escaping in an RFC 4514 string (checked above).
    let subject = x509_cert::name::Name::from_str(&format!("CN={terminal_id}"))
        .map_err(|e| encode("request's subject")(e.to_string()))?;
    let builder = x509_cert::request::RequestBuilder::new(subject)
        .map_err(|e| encode("request")(e.to_string()))?;
    let request = builder
        .build::<_, p256::ecdsa::DerSignature>(key)
        .map_err(|e| encode("request")(e.to_string()))?;
    request
        .to_pem(der::pem::LineEnding::LF)
        .map_err(|e| encode("request")(e.to_string()))
}

/// What a terminal's enrollment command prints once [`make`] wrote the key and the
/// request (one JSON line): where they are, and what to do next with them.
pub fn report(config: &crate::config::Config, made: &Made) -> serde_json::Value {
    let certificate = &config.file.tls.certificate;
    serde_json::json!({
        "ok": true,
        "terminal_id": config.file.terminal_id,
        "key": made.key,
        "request": made.request,
        "certificate": certificate,
        "next": format!(
            "give {} to the platform's operator (madoguchi-platform terminals enroll --request ...); \
             put the certificate they return at {}",
            made.request.display(),
            certificate.display()
        ),
    })
}

/// Makes a key at `key_path` and a certificate request for it at `request_path`, for
/// terminal `terminal_id`. Refuses when either file exists.
pub fn make(terminal_id: &str, key_path: &Path, request_path: &Path) -> Result<Made, RequestError> {
    check_id(terminal_id)?;
    if key_path.exists() {
        return Err(RequestError::KeyExists(key_path.to_owned()));
    }
    if request_path.exists() {
        return Err(RequestError::RequestExists(request_path.to_owned()));
    }
    let key = new_key()?;
    let request_pem = request_pem(terminal_id, &key)?;
    let key_pem = key
        .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
        .map_err(|e| encode("key")(e.to_string()))?;
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |e: std::io::Error| PrivateFileError::Io {
            action,
            path,
            reason: e.to_string(),
        }
    };
    // The request file first (it is public: the default mode), so that a request that
    // cannot be written leaves no key behind to block the next try.
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(request_path)
        .map_err(io("create", request_path))?;
    let mut file = match create_private(key_path) {
        Ok(f) => f,
        Err(e) => {
            drop(out);
            let _ = std::fs::remove_file(request_path);
            return Err(e.into());
        }
    };
    file.write_all(key_pem.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io("write", key_path))?;
    out.write_all(request_pem.as_bytes())
        .map_err(io("write", request_path))?;
    Ok(Made {
        key: key_path.to_owned(),
        request: request_path.to_owned(),
        request_pem,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use der::DecodePem as _;

    #[test]
    fn the_request_names_the_terminal_and_carries_the_keys_public_half() {
        let dir = tempfile::tempdir().unwrap();
        let made = make(
            "desk-7",
            &dir.path().join("tls/key.pem"),
            &dir.path().join("desk-7.csr"),
        )
        .unwrap();
        let req = x509_cert::request::CertReq::from_pem(made.request_pem.as_bytes()).unwrap();
        assert_eq!(req.info.subject.to_string(), "CN=desk-7");
        let key_pem = std::fs::read_to_string(&made.key).unwrap();
        let key =
            <p256::ecdsa::SigningKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_pem(&key_pem)
                .unwrap();
        let public =
            <p256::ecdsa::VerifyingKey as p256::pkcs8::EncodePublicKey>::to_public_key_der(
                key.verifying_key(),
            )
            .unwrap();
        assert_eq!(
            der::Encode::to_der(&req.info.public_key).unwrap(),
            public.as_bytes()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&made.key), 0o600);
            assert_eq!(mode(&dir.path().join("tls")), 0o700);
        }
    }

    #[test]
    fn an_existing_key_or_a_bad_id_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        std::fs::write(&key, "old").unwrap();
        let e = make("desk-7", &key, &dir.path().join("r.csr")).unwrap_err();
        assert!(matches!(e, RequestError::KeyExists(_)), "{e:?}");
        assert!(e.to_string().contains("refusing to overwrite"), "{e}");
        assert_eq!(std::fs::read_to_string(&key).unwrap(), "old");
        assert!(!dir.path().join("r.csr").exists());
        let e = make(
            "desk 7",
            &dir.path().join("k2.pem"),
            &dir.path().join("r.csr"),
        )
        .unwrap_err();
        assert!(matches!(e, RequestError::BadId(_)), "{e:?}");
        assert!(!dir.path().join("k2.pem").exists());
        // A request that cannot be written leaves no key to block the next try.
        let e = make(
            "desk-7",
            &dir.path().join("k3.pem"),
            &dir.path().join("no/such/dir/r.csr"),
        )
        .unwrap_err();
        assert!(matches!(e, RequestError::File(_)), "{e:?}");
        assert!(e.to_string().contains("r.csr"), "{e}");
        assert!(!dir.path().join("k3.pem").exists());
    }
}
