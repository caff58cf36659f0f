//! The runtime's own errors (configuration, storage, card thread). Workflow outcomes are
//! `counter_core::Code`s, not errors.

use counter_core::Code;

/// Why the runtime cannot do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// A configuration value is missing or wrong; `key` names it.
    #[error("configuration: {key}: {reason}. Fix the terminal's configuration file")]
    Config {
        /// The key (dotted path) at fault.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The local store failed: new sales are blocked until it works again.
    #[error("the terminal's journal failed: {0}. No new sales until this is fixed")]
    Store(#[from] counter_store::StoreError),
    /// A file or folder of the terminal could not be read or changed; the advice fits
    /// the cause (`private_files::advice`: a full disk, permissions, a read-only disk).
    #[error("{action} {}: {reason}. {}", .path.display(), private_files::advice(*.kind))]
    Files {
        /// What was tried (`"cannot list"`, `"cannot remove"`, …).
        action: &'static str,
        /// The file or folder.
        path: std::path::PathBuf,
        /// The kind of the system's error, which chooses the advice.
        kind: std::io::ErrorKind,
        /// What the system said.
        reason: String,
    },
    /// A file or folder with personal data or a key could not be made private (`0600`,
    /// `0700`) or written; the error names it and what to check, once.
    #[error(transparent)]
    PrivateFile(#[from] private_files::PrivateFileError),
    /// A file holding a secret (the terminal's TLS key, the register's API key and TLS key)
    /// may be read by every user of the machine; the terminal does not start on it. The message says the
    /// owner and mode to give it: the desk's login reads it through the group
    /// `madoguchi-counter` (made by the package's postinst), nobody else.
    #[error(
        "{key}: {} may be read by every user of this machine (mode {mode:04o}), and it \
         holds a secret: {} (the desk's login reads it through the group), then start the \
         terminal again",
        .path.display(),
        give_to_group(.path)
    )]
    ExposedSecret {
        /// The key that names the file (`tls.key`, `pos.api_key_file`, `pos.tls.key`).
        key: String,
        /// The file.
        path: std::path::PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A file the configuration names (a `[tls]` file, the register's API key or TLS
    /// files) that the system does not let this login read (`EACCES`, `EPERM`): its
    /// content is not at fault. At the desk the file is not the group
    /// `madoguchi-counter`'s, or the login is not in that group (or was added since it
    /// logged in). The message gives the file's fix (`give_to_group`) and names the
    /// group; how a login joins it is the app's closing sentence for every refusal of this
    /// kind ([`RuntimeError::permission_denied`]), said once.
    #[error(
        "{key}: this login may not read {} ({reason}). The terminal's files are read \
         through the group madoguchi-counter: {}, and the login that runs the terminal must \
         be in that group",
        .path.display(),
        give_to_group(.path)
    )]
    Unreadable {
        /// The key that names the file (`tls.key`, `pos.api_key_file`, …).
        key: String,
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        reason: String,
    },
    /// A workflow refused the action; the code says what to show.
    #[error("{}", .0.entry().en)]
    Refused(Code),
}

impl RuntimeError {
    /// [`RuntimeError::Files`] for `action` (`"cannot list"`) on `path`, from the system's
    /// error.
    pub fn files(action: &'static str, path: &std::path::Path, e: &std::io::Error) -> Self {
        Self::Files {
            action,
            path: path.to_owned(),
            kind: e.kind(),
            reason: e.to_string(),
        }
    }

    /// Whether the system refused the terminal's login a file or folder of the terminal
    /// (`EACCES`, `EPERM`): its database, its exports, a private file. At the desk this is
    /// a login outside the group `madoguchi-counter`, or added to it since it logged in;
    /// the app's start failure says so instead of "correct the file".
    pub fn permission_denied(&self) -> bool {
        use private_files::PrivateFileError as Private;
        use std::io::ErrorKind::PermissionDenied;
        let private =
            |e: &Private| matches!(e, Private::Io { kind, .. } if *kind == PermissionDenied);
        match self {
            Self::Files { kind, .. } => *kind == PermissionDenied,
            Self::Unreadable { .. } => true,
            Self::PrivateFile(e) | Self::Store(counter_store::StoreError::Private(e)) => private(e),
            _ => false,
        }
    }

    /// The error of reading `path`, the file the configuration names under `key`: a
    /// refusal of the system (`EACCES`, `EPERM`) is [`RuntimeError::Unreadable`] (the
    /// file is fine, this login may not read it), anything else a
    /// [`RuntimeError::Config`] that names the key and the file.
    pub fn reading(key: &str, path: &std::path::Path, e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::PermissionDenied => Self::Unreadable {
                key: key.to_owned(),
                path: path.to_owned(),
                reason: e.to_string(),
            },
            _ => Self::Config {
                key: key.to_owned(),
                reason: format!("cannot read {}: {e}", path.display()),
            },
        }
    }

    /// The UI code for this error.
    pub fn code(&self) -> Code {
        match self {
            Self::Config { .. }
            | Self::ExposedSecret { .. }
            | Self::Unreadable { .. }
            | Self::Files { .. }
            | Self::PrivateFile(_) => Code::Internal,
            Self::Store(_) => Code::StorageFailure,
            Self::Refused(c) => *c,
        }
    }
}

/// The group whose members read the terminal's files (made by the package's postinst:
/// packaging/debian/app.postinst).
const COUNTER_GROUP: &str = "madoguchi-counter";

/// What makes the terminal's secret or file `path` readable by the desk's login and
/// nobody else: the group's, mode 0640 (README.md, "Installing").
fn give_to_group(path: &std::path::Path) -> String {
    let path = path.display();
    format!("run `sudo chown root:{COUNTER_GROUP} {path}` and `sudo chmod 0640 {path}`")
}

/// The JSON line the terminal's command-line tools print when they fail: the code, its
/// text for staff and what to do next (the code table's English), and the detail.
pub fn failure_line(code: Code, detail: &str) -> serde_json::Value {
    let e = code.entry();
    serde_json::json!({"ok": false, "code": code.as_str(), "message": e.en, "next": e.next_en, "detail": detail})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::{Error, ErrorKind};
    use std::path::Path;

    use super::*;

    #[test]
    fn a_refused_database_or_file_is_a_permission_error_and_nothing_else_is() {
        let db = Path::new("/var/lib/madoguchi-counter/counter.sqlite");
        let refused = || private_files::io("create", db)(Error::from(ErrorKind::PermissionDenied));
        assert!(
            RuntimeError::Store(counter_store::StoreError::Private(refused())).permission_denied()
        );
        assert!(RuntimeError::PrivateFile(refused()).permission_denied());
        let denied = Error::from(ErrorKind::PermissionDenied);
        assert!(RuntimeError::files("cannot list", db, &denied).permission_denied());

        let full = private_files::io("write", db)(Error::from(ErrorKind::StorageFull));
        assert!(!RuntimeError::Store(counter_store::StoreError::Private(full)).permission_denied());
        let missing = Error::from(ErrorKind::NotFound);
        assert!(!RuntimeError::files("cannot list", db, &missing).permission_denied());
        assert!(!crate::config::err("tls.key", "not PEM").permission_denied());
    }

    #[test]
    fn a_file_the_login_may_not_read_says_whose_it_must_be_and_to_join_the_group() {
        // The system's refusal, as std reads EACCES and EPERM (a key of mode 0000 cannot
        // be refused to root, who runs the tests: the mapping is what is tested).
        let key = Path::new("/etc/madoguchi/counter/terminal-key.pem");
        let e = RuntimeError::reading("tls.key", key, &Error::from(ErrorKind::PermissionDenied));
        assert!(matches!(&e, RuntimeError::Unreadable { .. }), "{e:?}");
        // The app's start failure then ends with how to join the group (once: not in this
        // text too), not "correct the file".
        assert!(e.permission_denied());
        let text = e.to_string();
        for part in [
            "tls.key: this login may not read /etc/madoguchi/counter/terminal-key.pem (",
            "sudo chown root:madoguchi-counter /etc/madoguchi/counter/terminal-key.pem",
            "sudo chmod 0640 /etc/madoguchi/counter/terminal-key.pem",
            "the login that runs the terminal must be in that group",
        ] {
            assert!(text.contains(part), "{part:?} in {text}");
        }
        for wrong in [
            "Fix the terminal's configuration file",
            "Correct the file",
            "adduser",
        ] {
            assert!(!text.contains(wrong), "{wrong:?} in {text}");
        }

        // Any other failure is the configuration's: the key and the file, to correct.
        let e = RuntimeError::reading("tls.key", key, &Error::from(ErrorKind::NotFound));
        assert!(!e.permission_denied());
        assert!(
            matches!(&e, RuntimeError::Config { key, reason } if key == "tls.key"
                && reason.starts_with("cannot read /etc/madoguchi/counter/terminal-key.pem: ")),
            "{e:?}"
        );
    }
}
