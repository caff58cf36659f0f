//! The calling terminal, from its verified client certificate.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use backend_kit::ApiError;
use backend_kit::terminals::{Refusal, admit};

use crate::acquirer::Acquirer;
use crate::in_force::InForce;
use crate::store::JournalEntry;

/// A known terminal: its client certificate chains to the terminal CA (checked by TLS),
/// its CN is listed in the configuration with its merchant, and it is the certificate the
/// entry registers (`certificate_sha256`), if the entry registers one
/// ([`backend_kit::terminals::admit`]); with the settings in force it was found in, which the request runs on (the one read of
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
        let in_force = a.in_force();
        let refusal = match admit("acquirer", parts, &in_force.settings.terminals) {
            Ok(t) => {
                let (id, merchant_id, admin) = (t.id.clone(), t.merchant_id.clone(), t.admin);
                return Ok(Terminal {
                    id,
                    merchant_id,
                    admin,
                    in_force,
                });
            }
            Err(r) => r,
        };
        let Refusal::Refused {
            terminal_id,
            reason,
            error,
        } = refusal
        else {
            return Err(refusal.into_error());
        };
        a.journal(&JournalEntry {
            at: a.now(),
            terminal_id: Some(&terminal_id),
            action: "terminal",
            outcome: error.problem().code.as_str(),
            reason: Some(&reason),
            ..JournalEntry::default()
        })
        .await;
        Err(error)
    }
}
