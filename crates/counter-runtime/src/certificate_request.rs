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
//!
//! A failed run leaves nothing behind: the request is written and synced first, then the
//! key, both through one [`NewFiles`]; when a step fails, the files this run created are
//! removed again (a file that cannot be removed is named in the error), so that the next
//! run does not stop at a half-written key ([`RequestError::KeyExists`]) or an empty
//! request.

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use der::EncodePem as _;
use p256::pkcs8::EncodePrivateKey as _;
use x509_cert::builder::Builder as _;

use private_files::{Access, NewFiles, PrivateFileError};

/// The files [`make`] created and could not remove after a later step failed
/// ([`RequestError::LeftBehind`]).
pub use private_files::{Leftover, Leftovers};

/// Why no request was made. Nothing was written, except where a variant says otherwise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The terminal id cannot be a certificate's CN the backends accept, or cannot name
    /// the terminal's eligibility checks.
    #[error(
        "terminal_id {0:?} may only hold 1 to 39 characters of A-Z a-z 0-9 - _ (the backends accept a few more, but the terminal's check ids are named after it and are part of file names)"
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
    /// The system gave no randomness for the key, or randomness that is not random.
    #[error("{0}")]
    Random(String),
    /// Encoding the key or the request failed (a bug: report it).
    #[error("cannot encode the {what}: {reason}")]
    Encode {
        /// The key or the request.
        what: &'static str,
        /// What the encoder said.
        reason: String,
    },
    /// A file could not be written; the files this run had made are removed again.
    #[error(transparent)]
    File(#[from] PrivateFileError),
    /// A file could not be written, and a file this run had made could not be removed
    /// again: it has to be removed by hand, or the next run stops at it.
    #[error(
        "{error}. Not every file this run made could be removed again: {left}. Remove them by hand before trying again"
    )]
    LeftBehind {
        /// Why the request was not made.
        error: PrivateFileError,
        /// The files that stayed, with the reason each.
        left: Leftovers,
    },
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

/// The terminal id rule of the backends ([`counter_api::ident::check_id`]), and the
/// terminal's own: it names the terminal's checks
/// ([`counter_core::eligibility::terminal_makes_check_ids`]).
fn check_id(id: &str) -> Result<(), RequestError> {
    counter_api::ident::check_id("terminal_id", id)
        .ok()
        .filter(|()| counter_core::eligibility::terminal_makes_check_ids(id))
        .ok_or_else(|| RequestError::BadId(id.to_owned()))
}

fn encode(what: &'static str) -> impl Fn(String) -> RequestError {
    move |reason| RequestError::Encode { what, reason }
}

/// A new P-256 key from the system's randomness.
fn new_key() -> Result<p256::ecdsa::SigningKey, RequestError> {
    counter_api::keys::draw_p256_key(getrandom::fill)
        .map_err(|e| RequestError::Random(e.to_string()))
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
    write_both(
        (request_path, request_pem.as_bytes()),
        (key_path, key_pem.as_bytes()),
    )?;
    Ok(Made {
        key: key_path.to_owned(),
        request: request_path.to_owned(),
        request_pem,
    })
}

/// The request (public: the default mode, never over an existing file), written and
/// synced, then the key (`0600`, its folder `0700` when missing), written and synced; both
/// or neither: a failure removes what this call created.
fn write_both(
    (request_path, request): (&Path, &[u8]),
    (key_path, key): (&Path, &[u8]),
) -> Result<(), RequestError> {
    let mut files = NewFiles::new();
    let written = files
        .write(request_path, Access::Public, request)
        .and_then(|()| files.write(key_path, Access::Private, key));
    files.settle(written).map_err(|(error, left)| match left {
        None => RequestError::File(error),
        Some(left) => RequestError::LeftBehind { error, left },
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
        // The backends take ":" and ".", but a check id is part of a file name.
        for id in ["clinic:till-1", "desk.7"] {
            let e = make(id, &dir.path().join("k2.pem"), &dir.path().join("r.csr")).unwrap_err();
            assert!(matches!(e, RequestError::BadId(_)), "{id}: {e:?}");
        }
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

    #[test]
    fn a_key_that_cannot_be_made_takes_the_request_written_before_it_away() {
        let dir = tempfile::tempdir().unwrap();
        // The key's folder is a file: the request is written and synced, then the key fails.
        let not_a_folder = dir.path().join("tls");
        std::fs::write(&not_a_folder, b"").unwrap();
        let request = dir.path().join("desk-7.csr");
        let e = make("desk-7", &not_a_folder.join("key.pem"), &request).unwrap_err();
        assert!(matches!(e, RequestError::File(_)), "{e:?}");
        assert!(e.to_string().contains("tls"), "{e}");
        assert!(!request.exists(), "the request stayed behind");
        // The next run, with the folder there, is not blocked by anything the first left.
        std::fs::remove_file(&not_a_folder).unwrap();
        make("desk-7", &not_a_folder.join("key.pem"), &request).unwrap();
    }

    /// Runs in a child process whose files cannot grow past `ulimit -f 1` (512 or 1024
    /// bytes; `private_files::file_size_limit`): `make`'s own write step with a request that
    /// fits and a key that does not, so the key's file is created and its write really
    /// fails.
    #[cfg(unix)]
    #[test]
    fn a_key_write_that_fails_removes_the_half_key_and_the_request() {
        use private_files::file_size_limit;
        if !file_size_limit::in_limited_child() {
            file_size_limit::run_limited(
                "certificate_request::tests::a_key_write_that_fails_removes_the_half_key_and_the_request",
            )
            .unwrap();
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let (request, key) = (dir.path().join("r.csr"), dir.path().join("tls/key.pem"));
        let e = write_both((&request, b"request"), (&key, &[b'k'; 8192])).unwrap_err();
        assert!(matches!(e, RequestError::File(_)), "{e:?}");
        assert!(e.to_string().contains("cannot write"), "{e}");
        assert!(e.to_string().contains("key.pem"), "{e}");
        assert!(!key.exists() && !request.exists(), "a file stayed behind");
        // Nothing blocks the next run (a real one: its files fit under the limit).
        make("desk-7", &key, &request).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_file_that_cannot_be_removed_again_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let (request, key) = (dir.path().join("r.csr"), dir.path().join("key.pem"));
        let mut files = NewFiles::new();
        files.write(&request, Access::Public, b"request").unwrap();
        files.write(&key, Access::Private, b"key").unwrap();
        // A folder with a file in it where the key was: remove_file cannot take it, even
        // for root.
        std::fs::remove_file(&key).unwrap();
        std::fs::create_dir(&key).unwrap();
        std::fs::write(key.join("x"), b"").unwrap();
        let left = files.undo().unwrap_err();
        assert!(!request.exists(), "the file that could go stayed");
        assert_eq!(left.files().len(), 1, "{left:?}");
        assert_eq!(left.files()[0].path, key);
        // The error `write_both` returns then, after a write the disk refused (`/dev/full`
        // fails every write with ENOSPC; the undo itself is private-files' test).
        let mut full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let error = private_files::write_whole(&mut full, &key, b"key").unwrap_err();
        let e = RequestError::LeftBehind { error, left };
        let text = e.to_string();
        assert!(text.contains("cannot write"), "{text}");
        // The write's own advice (a full disk: free space), then the file to remove.
        assert!(
            text.contains("and try again. Not every file this run made could be removed"),
            "{text}"
        );
        assert!(text.contains("Remove them by hand"), "{text}");
        assert!(text.contains(&key.display().to_string()), "{text}");
    }
}
