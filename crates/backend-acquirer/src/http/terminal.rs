//! The calling terminal, from its verified client certificate.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use backend_kit::ApiError;
use backend_kit::serve::Peer;
use backend_kit::terminal_certificate::{check_registered, not_registered_reason};
use counter_api::ProblemCode;

use crate::acquirer::Acquirer;
use crate::in_force::InForce;
use crate::store::JournalEntry;

/// A known terminal: its client certificate chains to the terminal CA (checked by TLS),
/// its CN is listed in the configuration with its merchant, and it is the certificate the
/// entry registers (`certificate_sha256`), if the entry registers one; with the settings
/// in force it was found in, which the request runs on (the one read of
/// [`Acquirer::in_force`] a request makes).
#[derive(Clone, Debug)]
pub struct Terminal {
    /// The terminal id (certificate CN).
    pub id: String,
    /// The merchant it takes payments for.
    pub merchant_id: String,
    /// May call `/v1/admin/*`.
    pub admin: bool,
    /// The settings and verifier in force when the request came.
    pub in_force: Arc<InForce>,
}

impl FromRequestParts<Arc<Acquirer>> for Terminal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, a: &Arc<Acquirer>) -> Result<Self, ApiError> {
        let peer = parts.extensions.get::<Peer>().cloned().unwrap_or_default();
        let Some(identity) = peer.0 else {
            return Err(ApiError::new(
                ProblemCode::TerminalUnauthenticated,
                "this endpoint is for terminals: connect with the terminal's client certificate",
            ));
        };
        let cn = identity.common_name.clone().unwrap_or_default();
        let in_force = a.in_force();
        let known = in_force.settings.terminal(&cn).cloned();
        match known {
            Some(t) => {
                match check_registered("acquirer", &cn, t.certificate_sha256.as_ref(), &identity) {
                    Ok(()) => Ok(Terminal {
                        id: t.id,
                        merchant_id: t.merchant_id,
                        admin: t.admin,
                        in_force,
                    }),
                    Err(e) => {
                        let reason = not_registered_reason(&identity);
                        a.journal(&JournalEntry {
                            at: a.now(),
                            terminal_id: Some(&cn),
                            action: "terminal",
                            outcome: ProblemCode::TerminalUnknown.as_str(),
                            reason: Some(&reason),
                            ..JournalEntry::default()
                        })
                        .await;
                        Err(e)
                    }
                }
            }
            None => {
                a.journal(&JournalEntry {
                    at: a.now(),
                    terminal_id: Some(&cn),
                    action: "terminal",
                    outcome: ProblemCode::TerminalUnknown.as_str(),
                    reason: Some(&identity.sha256),
                    ..JournalEntry::default()
                })
                .await;
                Err(ApiError::new(
                    ProblemCode::TerminalUnknown,
                    "this terminal's certificate is valid but the terminal is not registered here",
                ))
            }
        }
    }
}
