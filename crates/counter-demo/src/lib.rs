//! # counter-demo
//!
//! The desktop app's embedded default: with no configuration given, the app runs on this
//! demo.
//!
//! **Owns:** the reference backends (platform `pf-tokyo`, insurer `ins-kanto` with the
//! built-in demo register, acquirer `acq-visa` with two card tokens) in-process on loopback
//! TLS, their databases in the demo folder ([`backends`]); the terminal's TLS files and
//! `counter.toml` pointing at them; the demo personas enrolled once per folder
//! ([`personas`]); the persona cards placed on and removed from the vpcd reader
//! of our pcscd ([`DemoCards`]).
//!
//! **Never:** runs outside a demo (the platform trusts only the O=JPKI-TEST roots, its
//! signing key is fixed, the TLS material is thrown away at each start); logs a PIN or a
//! password (log lines name the persona only); decides anything the counter decides.
//!
//! This is the one crate outside the tests that depends on `testkit` (STYLE.md,
//! "Dependencies point one way"): its demo places the test personas' cards, and its
//! platform trusts the test roots through `backend-platform`'s `test-support` feature.
//!
//! # Calling contract
//!
//! Run the app under `scripts/pcscd.sh run …` (`make demo` does), which sets
//! `MADOGUCHI_VPCD_PORT` and `MADOGUCHI_VIRTUAL_READER`; [`Demo::start`] fails with
//! [`DemoError::NoVirtualReader`] otherwise. With [`DemoOptions::pin_pad`] the counter
//! and the cards use the virtual PIN-pad reader pcscd.sh loads beside the plain one
//! (`MADOGUCHI_PINPAD_READER`, `MADOGUCHI_PINPAD_PORT`; [`DemoError::NoPinPadReader`]
//! without it). Then:
//!
//! 1. [`Demo::start`] in a tokio runtime: the backends start, `counter.toml` is written,
//!    the personas are enrolled (once per folder). Keep the [`Demo`] for as long as the
//!    counter runs: dropping it stops the backends.
//! 2. Start the counter on [`Demo::config_path`] (`counter_runtime::config::Config::load`).
//! 3. Move cards with [`Demo::cards`] ([`DemoCards::place`], [`DemoCards::remove`]; these
//!    block, see [`DemoCards`]).
//! 4. [`Demo::shutdown`] on quit, to let the backends finish their requests and flush.
//!
//! Starting again on the same folder keeps the databases (payments journaled at the
//! acquirer, the enrolments, the insurer's register) and rewrites everything else.

pub mod backends;
mod cards;
mod enrol;
mod error;
mod listen;
pub mod personas;

use std::path::{Path, PathBuf};

use counter_runtime::config::{Config, CounterMode};

pub use cards::{
    DemoCards, PINPAD_PORT_VAR, PINPAD_READER_VAR, PORT_VAR, READER_VAR, VirtualReader,
};
pub use enrol::{MARKER, enrol_all_confirmed};
pub use error::DemoError;

/// What [`Demo::start`] needs.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// The demo folder: the backends' databases, the terminal's files and `counter.toml`
    /// (created if missing).
    pub dir: PathBuf,
    /// The counter's mode when it starts.
    pub mode: CounterMode,
    /// Whether the counter reaches the insurer. When not, the counter is given a closed
    /// port on loopback for it, so it records eligibility fallbacks (the insurer still
    /// runs for the platform, which confirms the personas' links there).
    pub insurer_up: bool,
    /// Whether the counter reaches the acquirer. When not, the counter is given a closed
    /// port on loopback for it: card sales wait, and a sale left in doubt by an earlier
    /// run stays in doubt, listed, while the counter checks and enrols as usual (the
    /// acquirer still runs for the platform, which confirms the personas' card links).
    pub acquirer_up: bool,
    /// Whether the signature CRL of the persona who moved ([`personas::MOVED`]) is out of
    /// date rather than revoking her certificate: the platform then says it could not
    /// check, instead of saying her attributes changed.
    pub stale_sign_crl: bool,
    /// The port on loopback where the counter serves the register's (POS) payment API
    /// (`[pos]`), if any.
    pub pos_port: Option<u16>,
    /// Whether the counter and the persona cards use the virtual reader with a PIN pad
    /// ([`VirtualReader::pin_pad_from_env`]) rather than the plain one: the customer
    /// then types the PIN on the pad's keys (`madoguchi-pad`, `PadKeys`), not on the
    /// customer window.
    pub pin_pad: bool,
}

/// The running demo: keeps the backends alive; dropping it stops them.
pub struct Demo {
    running: backends::Running,
    config_path: PathBuf,
    cards: DemoCards,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("config_path", &self.config_path)
            .field("reader", &self.cards.reader_name())
            .field("insurer_up", &self.running.insurer_reachable)
            .field("acquirer_up", &self.running.acquirer_reachable)
            .finish_non_exhaustive()
    }
}

impl Demo {
    /// Starts the backends (system clock) under `options.dir`, writes the terminal's TLS
    /// files and `counter.toml` there, and enrols the demo personas unless they were
    /// enrolled in this folder before (the marker file [`MARKER`]).
    pub async fn start(options: DemoOptions) -> Result<Demo, DemoError> {
        let reader = if options.pin_pad {
            VirtualReader::pin_pad_from_env()?.ok_or(DemoError::NoPinPadReader {
                var: PINPAD_READER_VAR,
            })?
        } else {
            VirtualReader::from_env()?
        };
        let dir = options.dir;
        std::fs::create_dir_all(&dir).map_err(|source| DemoError::Io {
            action: "create",
            path: dir.clone(),
            source,
        })?;
        let cards = DemoCards::new(&reader)?;
        let pki = backends::pki()?;
        let terminal = backends::terminal_identity(&pki)?;
        let running = backends::start(
            &dir,
            &pki,
            &terminal,
            options.insurer_up,
            options.acquirer_up,
        )
        .await?;
        let config_path = backends::write_config(
            &dir,
            &pki,
            &terminal,
            &running,
            options.mode,
            &reader.name,
            options.pos_port,
        )?;
        let config_err = |source| DemoError::Config {
            path: config_path.clone(),
            source,
        };
        let config = Config::load(&config_path).map_err(config_err)?;
        if enrol::done(&dir) {
            tracing::info!("demo personas enrolled before; not enrolling again");
        } else {
            let backends = config.backends().map_err(config_err)?;
            enrol::enrol_all(&dir, &backends).await?;
        }
        // She is enrolled now; then she moves (or the CRL that would say so is stale).
        backends::moved_after_enrolment(&running, options.stale_sign_crl).await?;
        tracing::info!(
            platform = %running.platform.addr(),
            insurer_up = running.insurer_reachable,
            acquirer = %running.acquirer.addr(),
            acquirer_up = running.acquirer_reachable,
            "demo started"
        );
        Ok(Demo {
            running,
            config_path,
            cards,
        })
    }

    /// The terminal configuration the demo wrote (`counter.toml` in the demo folder).
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The PC/SC name of the vpcd reader the cards go into (the counter's reader).
    pub fn reader_name(&self) -> &str {
        self.cards.reader_name()
    }

    /// The persona cards; every handle moves the same cards.
    pub fn cards(&self) -> DemoCards {
        self.cards.clone()
    }

    /// Takes the card out and stops the backends, letting open requests finish.
    pub async fn shutdown(self) {
        let _ = self.cards.remove();
        let backends::Running {
            platform,
            insurer,
            acquirer,
            ..
        } = self.running;
        platform.shutdown().await;
        acquirer.shutdown().await;
        insurer.shutdown().await;
    }
}
