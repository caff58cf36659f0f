//! What the app runs on: the counter started from the terminal's configuration file
//! (found by [`crate::lookup`]), the register's (POS) payment API when the file has a
//! `[pos]` section, and, in the demo build only, the demo's card panel.
//!
//! The shipped app (`madoguchi-app`) has no demo in it: [`AppState::demo_panel`] is
//! `None` and the demo commands answer that there is nothing to show. The demo build
//! (`madoguchi-app-demo`, in `src-tauri/demo`) starts `counter-demo`'s backends, starts
//! the counter on the configuration the demo wrote, and gives the app a [`DemoPanel`]
//! over the demo's persona cards ([`AppState::with_demo`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use counter_runtime::clock::SystemClock;
use counter_runtime::config::Config;
use counter_runtime::counter::{Counter, DemoCard, TerminalSettings};
use counter_runtime::pos::{self, PosServer, PosSettings};

/// The running counter and, in the demo build, its card panel.
pub struct AppState {
    /// The counter the windows drive.
    pub counter: Counter,
    /// The settings the staff window shows.
    pub settings: TerminalSettings,
    /// The register's payment API, served for as long as the app runs (`[pos]`).
    pos: Option<PosServer>,
    /// The demo's cards (the demo build only). It also keeps the demo's backends alive
    /// for as long as the app runs.
    demo: Option<Arc<dyn DemoPanel>>,
}

/// What the staff window's demo tab drives: the test persona cards on the demo's virtual
/// reader. Implemented by the demo build over `counter-demo`; the shipped app has none.
pub trait DemoPanel: Send + Sync + 'static {
    /// The persona cards, with their published test PINs and which one is on the reader.
    fn cards(&self) -> Vec<DemoCard>;
    /// Places persona `id`'s card on the reader (taking off the one there). Blocks: the
    /// app calls it on a blocking thread.
    ///
    /// # Errors
    ///
    /// When there is no such persona or the virtual reader does not take the card.
    fn place(&self, id: &str) -> Result<(), PanelError>;
    /// Takes the card off the reader. Blocks, as [`DemoPanel::place`].
    ///
    /// # Errors
    ///
    /// When the virtual reader does not let go of it.
    fn remove(&self) -> Result<(), PanelError>;
}

/// A demo panel's failure (logged; the staff window is told `internal`).
pub type PanelError = Box<dyn std::error::Error + Send + Sync>;

/// Why the app cannot start its counter, and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration or the counter did not start.
    #[error("the counter did not start: {0}")]
    Counter(#[from] counter_runtime::RuntimeError),
}

impl StartError {
    /// Whether the system refused this login a file of the counter
    /// ([`counter_runtime::RuntimeError::permission_denied`]).
    pub fn permission_denied(&self) -> bool {
        match self {
            StartError::Counter(e) => e.permission_denied(),
        }
    }
}

impl AppState {
    /// Loads the configuration at `config_path` and starts the counter on it (inside the
    /// app's tokio runtime: see [`crate::block_on`]).
    ///
    /// # Errors
    ///
    /// When the file does not load (the error names the key and what to write) or the
    /// counter does not start.
    pub async fn start(config_path: &Path) -> Result<AppState, StartError> {
        let config = Config::load(config_path)?;
        // The register's settings are read before the counter starts: a key or TLS file
        // that is missing refuses the start, naming it, before the reader is taken.
        let register = PosSettings::from_config(&config)?;
        let counter = Counter::start(&config, Arc::new(SystemClock)).await?;
        let pos = match register {
            Some(settings) => Some(pos::start(counter.clone(), settings).await?),
            None => None,
        };
        let mut settings = TerminalSettings::of(&config, absolute(config_path).as_path());
        settings.pos_address = pos.as_ref().map(|p| p.addr().to_string());
        Ok(AppState {
            counter,
            settings,
            pos,
            demo: None,
        })
    }

    /// Where the register's API listens, when `[pos]` is configured.
    pub fn pos_addr(&self) -> Option<std::net::SocketAddr> {
        self.pos.as_ref().map(PosServer::addr)
    }

    /// The same state with the demo's card panel (the demo build).
    pub fn with_demo(mut self, panel: Arc<dyn DemoPanel>) -> AppState {
        self.demo = Some(panel);
        self
    }

    /// Whether the demo runs.
    pub fn demo(&self) -> bool {
        self.demo.is_some()
    }

    /// The demo's card panel, when the demo runs.
    pub fn demo_panel(&self) -> Option<Arc<dyn DemoPanel>> {
        self.demo.clone()
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
