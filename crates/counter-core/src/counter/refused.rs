//! Why the counter did not take an input, and how that reaches the person who asked.

use super::ActionError;

use crate::codes::Code;
use crate::session;

/// Why an input was not taken. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A person's action that does not fit now; the code says why and what to do.
    #[error("refused: {}", .0.as_str())]
    Action(Code),
    /// The late result of a workflow (or a step of it) that has moved on.
    #[error("{input} answers a workflow that has moved on")]
    Stale {
        /// The input's name.
        input: &'static str,
    },
}

impl Refused {
    /// The code to show.
    pub fn code(&self) -> Code {
        match self {
            Refused::Action(code) => *code,
            Refused::Stale { .. } => Code::NotNow,
        }
    }
}

impl From<Code> for Refused {
    fn from(code: Code) -> Self {
        Refused::Action(code)
    }
}

impl From<session::NotNow> for Refused {
    fn from(e: session::NotNow) -> Self {
        match e {
            session::NotNow::Stale { input } => Refused::Stale { input },
            session::NotNow::Step { .. } => Refused::Action(e.code()),
        }
    }
}

impl From<Refused> for ActionError {
    fn from(r: Refused) -> Self {
        ActionError::from(r.code())
    }
}
