//! The calling terminal, from its verified client certificate.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use backend_kit::ApiError;
use backend_kit::serve::Peer;
use counter_api::{Problem, ProblemCode};

use crate::audit::AuditEvent;
use crate::platform::Platform;

/// A known terminal: its client certificate chains to the terminal CA (checked by TLS)
/// and its CN is an enabled terminal of the storage (as of this node's snapshot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terminal {
    /// The terminal id (certificate CN).
    pub id: String,
    /// May call `/v1/admin/*`.
    pub admin: bool,
}

impl FromRequestParts<Arc<Platform>> for Terminal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, p: &Arc<Platform>) -> Result<Self, ApiError> {
        let peer = parts.extensions.get::<Peer>().cloned().unwrap_or_default();
        let Some(identity) = peer.0 else {
            return Err(ApiError::new(
                ProblemCode::TerminalUnauthenticated,
                "this endpoint is for terminals: connect with the terminal's client certificate",
            ));
        };
        let cn = identity.common_name.clone().unwrap_or_default();
        // The node's snapshot: no database round trip (see crate::terminals).
        match p.terminals.admin(&cn) {
            Some(admin) => Ok(Terminal { id: cn, admin }),
            None => {
                let problem = ApiError::from(Problem::new(
                    ProblemCode::TerminalUnknown,
                    "this terminal's certificate is valid but the terminal is not registered here (or was disabled)",
                ));
                let event = AuditEvent {
                    at: p.now(),
                    terminal_id: Some(cn),
                    action: "terminal",
                    reason: Some(identity.sha256.clone()),
                    ..AuditEvent::default()
                };
                // An unwritable row answers 503 instead of the refusal.
                p.audited_async(event, Err(problem)).await
            }
        }
    }
}
