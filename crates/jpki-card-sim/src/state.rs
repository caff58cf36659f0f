//! What a card remembers across power cycles, removal and bridge restarts:
//! its retry counters (docs/domain/jpki.md §4: only a successful VERIFY resets them).
//! The security state (a verified PIN) is deliberately not part of it: it
//! ends with power (§1.8), and a restarted bridge is a re-inserted card.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::SimError;

/// A card's persistent state, saved as TOML by `madoguchi-vcard --state FILE`.
///
/// ```toml
/// persona_id = "sato-hanako"
/// auth_pin_tries_left = 3
/// sign_password_tries_left = 5
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardState {
    /// The persona whose card this is; a state is only restored onto the same
    /// persona's card.
    pub persona_id: String,
    /// Tries left on the auth PIN (0–3, 0 = blocked).
    pub auth_pin_tries_left: u8,
    /// Tries left on the sign password (0–5); absent on cards without a
    /// signature certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_password_tries_left: Option<u8>,
}

impl CardState {
    /// Reads a state file.
    pub fn load(path: &Path) -> Result<CardState, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::StateIo {
            action: "read",
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| SimError::StateParse {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }

    /// Writes a state file atomically (a temporary file next to it, then a
    /// rename), so a bridge killed mid-write leaves the old or the new state.
    pub fn save(&self, path: &Path) -> Result<(), SimError> {
        let io_err = |source| SimError::StateIo {
            action: "write",
            path: path.display().to_string(),
            source,
        };
        let text = toml::to_string(self).map_err(|e| SimError::StateParse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, text).map_err(io_err)?;
        std::fs::rename(&tmp, path).map_err(io_err)
    }
}
