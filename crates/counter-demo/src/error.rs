//! [`DemoError`]: why the embedded demo cannot start or cannot move a card.

use std::path::PathBuf;

/// Why the demo cannot start, or cannot place or remove a card.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The environment of our pcscd is missing: the demo was not started under
    /// `scripts/pcscd.sh run`.
    #[error(
        "{var} is not set: the demo needs our pcscd with its virtual (vpcd) reader; run the \
         app under `scripts/pcscd.sh run …` (`make demo` does)"
    )]
    NoVirtualReader {
        /// The variable that is missing.
        var: &'static str,
    },
    /// `MADOGUCHI_VPCD_PORT` is not a port number.
    #[error(
        "MADOGUCHI_VPCD_PORT is {value:?}, not a TCP port number; run the app under \
         `scripts/pcscd.sh run …`, which sets it"
    )]
    BadVpcdPort {
        /// What it holds.
        value: String,
    },
    /// `MADOGUCHI_PINPAD_PORT` is not a port number.
    #[error(
        "MADOGUCHI_PINPAD_PORT is {value:?}, not a TCP port number; run the app under \
         `scripts/pcscd.sh run …`, which sets it when the PIN-pad reader is loaded"
    )]
    BadPinPadPort {
        /// What it holds.
        value: String,
    },
    /// The demo was asked for the PIN-pad reader, but our pcscd runs without it.
    #[error(
        "the PIN-pad reader was asked for (MADOGUCHI_DEMO_READER=pin-pad) but {var} is not \
         set: build its driver (`cargo build -p ifd-pinpad`, or `make build`) and run the app \
         under `scripts/pcscd.sh run …`, which then loads it beside the plain reader"
    )]
    NoPinPadReader {
        /// The variable that is missing.
        var: &'static str,
    },
    /// A file of the demo folder could not be written or read.
    #[error("cannot {action} {}: {source}; check that the demo folder is writable", path.display())]
    Io {
        /// What was being done (`write`, `create`).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A secret of the demo folder (the terminal's TLS key) could not be written 0600; the
    /// message names the file and what to do.
    #[error("{0}")]
    PrivateFile(#[from] private_files::PrivateFileError),
    /// The throwaway TLS certificates or the test CRLs could not be made.
    #[error("cannot make the demo's {what}: {detail}; this is a bug in the demo, please report it")]
    Material {
        /// What (`TLS certificates`, `CRLs`).
        what: &'static str,
        /// What failed while making or writing them (certificate generation, the CRL files).
        detail: String,
    },
    /// A reference backend did not start.
    #[error(
        "the demo's {backend} did not start: {detail}; if its database in the demo folder is \
         damaged, delete the folder to start afresh"
    )]
    Backend {
        /// `platform`, `insurer` or `acquirer`.
        backend: &'static str,
        /// What stopped the backend (bind, configuration, TLS material).
        detail: String,
    },
    /// The terminal configuration the demo wrote does not load.
    #[error("the demo's terminal configuration {} does not load: {source}", path.display())]
    Config {
        /// `counter.toml` in the demo folder.
        path: PathBuf,
        /// The runtime's configuration error, which names the key.
        source: counter_runtime::RuntimeError,
    },
    /// A test persona's file is missing or broken.
    #[error(
        "cannot load the test persona {persona}: {detail}; regenerate the personas with \
         `cargo run -p testkit --bin testkit-gen`"
    )]
    Persona {
        /// The persona's id.
        persona: String,
        /// Why testkit could not load the persona (unknown id, unreadable or damaged files).
        detail: String,
    },
    /// Enrolling a demo persona at the platform failed.
    #[error(
        "enrolling the demo persona {persona} failed ({step}): {detail}; delete the demo folder \
         to start afresh, and report it if it fails again"
    )]
    Enrolment {
        /// The persona's id.
        persona: String,
        /// Which step (`challenge`, `card`, `signature`, `authentication`, `enroll`).
        step: &'static str,
        /// Why (never a PIN or password).
        detail: String,
    },
    /// There is no demo card by that id.
    #[error("there is no demo card {persona:?}; choose one of the cards the demo panel lists")]
    UnknownPersona {
        /// The id asked for.
        persona: String,
    },
    /// The card could not be put into the virtual reader.
    #[error(
        "cannot put the card into the virtual reader: {source}; check that our pcscd is running \
         (`scripts/pcscd.sh run …`, `make demo`)"
    )]
    Reader {
        /// The virtual card's connection error (vpcd not listening, connection refused).
        source: jpki_card_sim::SimError,
    },
}
