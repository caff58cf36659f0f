//! The administration endpoints (administration terminals only): card-token registration
//! at enrollment and the fault plan for the terminal's tests.

use std::sync::Arc;

use backend_kit::ApiError;
use counter_api::acquirer::{CardTokenRegistration, FaultPlan, MAX_FAULT_DELAY_MS};
use counter_api::{Problem, ProblemCode};
use serde::{Deserialize, Serialize};

use crate::acquirer::Acquirer;
use crate::flows::{internal, with_db};
use crate::http::Terminal;
use crate::store::{self, JournalEntry, Registered};

fn admin_only(t: &Terminal) -> Result<(), ApiError> {
    if t.admin {
        Ok(())
    } else {
        Err(ApiError::new(
            ProblemCode::Forbidden,
            "only administration terminals may call /v1/admin/*",
        ))
    }
}

/// The answer to a card-token registration: what was registered, without the cardholder
/// (the acquirer never sends its cardholder record to a terminal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRegistered {
    /// The token reference.
    pub card_token_ref: String,
    /// Brand.
    pub brand: String,
    /// Last 4 digits.
    pub last4: String,
    /// Demo limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_jpy: Option<u64>,
    /// Demo block.
    pub blocked: bool,
    /// True when the token was linked and its cardholder changed: the link was dropped,
    /// and the holder must enrol the card again before paying with it.
    pub link_dropped: bool,
}

/// `POST /v1/admin/card-tokens`: registers a card token; re-registering it with the same
/// cardholder keeps its link, with another cardholder drops it.
pub async fn register_token(
    a: Arc<Acquirer>,
    t: Terminal,
    r: CardTokenRegistration,
) -> Result<TokenRegistered, ApiError> {
    admin_only(&t)?;
    r.validate()?;
    with_db(&a, move |a, c| {
        let done = store::put_token(c, &r, a.now()).map_err(internal)?;
        let link_dropped = done == Registered::LinkDropped;
        store::journal(
            c,
            &JournalEntry {
                at: a.now(),
                terminal_id: Some(&t.id),
                action: "card_token",
                outcome: if link_dropped {
                    "ok:link_dropped"
                } else {
                    "ok"
                },
                reason: Some(&r.card_token_ref),
                ..JournalEntry::default()
            },
        )
        .map_err(internal)?;
        Ok(TokenRegistered {
            card_token_ref: r.card_token_ref,
            brand: r.brand,
            last4: r.last4,
            limit_jpy: r.limit_jpy,
            blocked: r.blocked,
            link_dropped,
        })
    })
    .await
}

/// `PUT /v1/admin/faults`: replaces the fault plan.
pub async fn set_faults(
    a: Arc<Acquirer>,
    t: Terminal,
    plan: FaultPlan,
) -> Result<FaultPlan, ApiError> {
    admin_only(&t)?;
    if plan.delay_ms > MAX_FAULT_DELAY_MS {
        return Err(ApiError::from(
            Problem::new(ProblemCode::InvalidField, "the delay is at most 60,000 ms")
                .with_field("delay_ms"),
        ));
    }
    a.set_faults(plan);
    a.journal(&JournalEntry {
        at: a.now(),
        terminal_id: Some(&t.id),
        action: "faults",
        outcome: "ok",
        reason: Some(&format!("{plan:?}")),
        ..JournalEntry::default()
    })
    .await;
    Ok(plan)
}
