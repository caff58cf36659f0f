//! Card access for the shell: a PC/SC reader (`jpki-card-pcsc`, the real seam) or the
//! virtual card in-process (`jpki-card-sim`, for the headless driver's scripted runs; only
//! with the `virtual-card` feature, which the desktop app leaves out), and the blocking
//! card flows run off the async runtime.

#[cfg(feature = "virtual-card")]
use std::path::PathBuf;

use jpki_card::{CardError, CardTransport, TransportError};

/// Where the card is.
#[derive(Clone, Debug)]
pub enum CardAccess {
    /// A PC/SC reader by name.
    Reader(String),
    /// A persona file (`assets/personas/*.toml`) as a virtual card in this process.
    #[cfg(feature = "virtual-card")]
    Virtual(PathBuf),
}

impl CardAccess {
    /// Connects to the card (blocking: call from a blocking thread).
    pub fn connect(&self) -> Result<Box<dyn CardTransport + Send>, CardError> {
        match self {
            Self::Reader(name) => jpki_card_pcsc::PcscCard::connect(name)
                .map(|c| Box::new(c) as Box<dyn CardTransport + Send>)
                .map_err(CardError::from),
            #[cfg(feature = "virtual-card")]
            Self::Virtual(path) => {
                let persona = jpki_card_sim::Persona::load(path).map_err(|e| {
                    CardError::from(TransportError::Other(format!(
                        "virtual card {}: {e}",
                        path.display()
                    )))
                })?;
                let card = jpki_card_sim::VirtualCard::from_persona(&persona).map_err(|e| {
                    CardError::from(TransportError::Other(format!("virtual card: {e}")))
                })?;
                Ok(Box::new(jpki_card_sim::SimTransport::new(
                    card,
                    jpki_card_sim::Faults::default(),
                )))
            }
        }
    }
}

/// Runs `f` with a fresh connection on a blocking thread.
pub async fn with_card<T: Send + 'static>(
    access: &CardAccess,
    f: impl FnOnce(&mut dyn CardTransport) -> Result<T, CardError> + Send + 'static,
) -> Result<T, CardError> {
    let access = access.clone();
    tokio::task::spawn_blocking(move || {
        let mut t = access.connect()?;
        f(t.as_mut())
    })
    .await
    .map_err(|e| CardError::from(TransportError::Other(format!("card thread: {e}"))))?
}
