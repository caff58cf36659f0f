//! # madoguchi-app-demo
//!
//! The desktop app on its embedded demo: what `make demo` opens and what the end-to-end
//! tests drive. It is the app's library (`madoguchi-app`) with `counter-demo` started
//! first: the reference backends in-process on loopback TLS with demo data, the test
//! personas enrolled, their cards placed on our pcscd's virtual reader from the staff
//! window's demo tab; and counter-runtime's crash points (`MADOGUCHI_CRASH_AT`), for the
//! recovery scenario.
//!
//! **Never shipped**: it carries the test JPKI CA, the personas with their PINs, the
//! reference backends and the crash hook, which the shipped `madoguchi-app` leaves out
//! (docs/DECISIONS.md, "The shipped app and the demo").
//!
//! Run it under `scripts/pcscd.sh run …` (`make demo`, `scripts/app-demo.sh` do). It
//! takes no arguments; its options are environment variables ([`options`]). The app for
//! real is `madoguchi-app --config FILE`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use counter_demo::{Demo, DemoCards};
use counter_runtime::counter::DemoCard;
use madoguchi_app::state::{AppState, DemoPanel, PanelError, StartError};

mod options;

/// The program's name in its messages.
const NAME: &str = "madoguchi-app-demo";

/// The demo's backends and cards, kept for as long as the app runs.
struct Panel {
    /// Keeps the backends running (dropping it stops them).
    _demo: Demo,
    cards: DemoCards,
}

impl DemoPanel for Panel {
    fn cards(&self) -> Vec<DemoCard> {
        self.cards.list()
    }

    fn place(&self, id: &str) -> Result<(), PanelError> {
        self.cards.place(id).map_err(PanelError::from)
    }

    fn remove(&self) -> Result<(), PanelError> {
        self.cards.remove().map_err(PanelError::from)
    }
}

/// Why the demo did not start.
#[derive(Debug, thiserror::Error)]
enum DemoStartError {
    #[error("the embedded demo did not start: {0}")]
    Demo(#[from] counter_demo::DemoError),
    #[error(transparent)]
    Counter(#[from] StartError),
}

async fn start(options: counter_demo::DemoOptions) -> Result<AppState, DemoStartError> {
    let demo = Demo::start(options).await?;
    let state = AppState::start(demo.config_path()).await?;
    let cards = demo.cards();
    Ok(state.with_demo(Arc::new(Panel { _demo: demo, cards })))
}

fn main() -> ExitCode {
    madoguchi_app::init_logging();
    if let Some(message) = madoguchi_app::no_display(NAME) {
        eprintln!("{message}");
        return ExitCode::from(2);
    }
    if let Some(arg) = std::env::args().nth(1) {
        eprintln!(
            "{NAME}: unknown argument {arg:?}: the demo takes none (its options are the \
             MADOGUCHI_DEMO_* variables); to run the counter on a configuration file, run \
             madoguchi-app --config FILE"
        );
        return ExitCode::from(2);
    }
    let options = match options::from(|name| std::env::var(name).ok()) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("{NAME}: {error}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let state = match madoguchi_app::block_on(start(options)) {
        Ok(state) => state,
        Err(error) => {
            eprintln!("{NAME}: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        demo = true,
        "counter started"
    );
    match madoguchi_app::run(state) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{NAME}: {error}");
            ExitCode::FAILURE
        }
    }
}
