//! The calling terminal, from its verified client certificate.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use backend_kit::ApiError;
use backend_kit::terminal_certificate::{not_registered, not_registered_reason};
use backend_kit::terminals::client_identity;
use counter_api::ProblemCode;

use crate::audit::AuditEvent;
use crate::platform::Platform;
use crate::terminals::Access;

/// A known terminal: its client certificate chains to the terminal CA (checked by TLS),
/// its CN is an enabled terminal of the storage (as of this node's snapshot), and it is
/// the certificate that terminal accepts, when it names one
/// ([`crate::terminals::TerminalDirectory::check`]).
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
        let identity = client_identity(parts)?;
        let cn = identity.common_name.clone().unwrap_or_default();
        // The node's snapshot: no database round trip (see crate::terminals).
        let (problem, reason) = match p.terminals.check(&cn, &identity.sha256) {
            Access::Accepted { admin } => return Ok(Terminal { id: cn, admin }),
            Access::Unknown => (
                ApiError::new(
                    ProblemCode::TerminalUnknown,
                    "this terminal's certificate is valid but the terminal is not registered here (or was disabled)",
                ),
                identity.sha256.clone(),
            ),
            Access::Replaced => {
                tracing::warn!(
                    terminal = %cn,
                    certificate_sha256 = %identity.sha256,
                    "refused a replaced certificate of terminal {cn}: the terminal was enrolled again with another certificate"
                );
                (
                    ApiError::new(
                        ProblemCode::TerminalUnknown,
                        "this certificate is not the one this terminal was last enrolled with (the terminal was enrolled again, e.g. for a replacement PC), so it is no longer accepted; if this PC should be used, ask the operator to enroll it again",
                    ),
                    format!("certificate_replaced {}", identity.sha256),
                )
            }
            // The insurer's and the acquirer's refusal of a certificate their entry does not
            // register, with its reason: the same thing. Only the next step differs: the
            // platform applies `[[terminals]]` at start (a restart, not a reload), and
            // enrolling the id again would take it away from the file.
            Access::NotConfigured => (
                not_registered(
                    "platform",
                    &cn,
                    &identity,
                    "ask the platform's operator to correct certificate_sha256 in the \
                     configuration file and restart the platform, or to install on this PC \
                     the certificate the configuration names",
                ),
                not_registered_reason(&identity),
            ),
        };
        let event = AuditEvent {
            at: p.now(),
            terminal_id: Some(cn),
            action: "terminal",
            reason: Some(reason),
            ..AuditEvent::default()
        };
        // An unwritable row answers 503 instead of the refusal.
        p.audited_async(event, Err(problem)).await
    }
}
