//! The administration endpoints (administration terminals only): card-token registration
//! at enrollment and the fault plan for the terminal's tests.

use std::sync::Arc;

use backend_kit::ApiError;
use counter_api::acquirer::{CardTokenRegistration, FaultPlan, MAX_FAULT_DELAY_MS};
use counter_api::{Problem, ProblemCode};

use crate::acquirer::Acquirer;
use crate::flows::{internal, with_db};
use crate::http::Terminal;
use crate::store::{self, JournalEntry};

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

/// `POST /v1/admin/card-tokens`: registers a card token.
pub async fn register_token(
    a: Arc<Acquirer>,
    t: Terminal,
    r: CardTokenRegistration,
) -> Result<CardTokenRegistration, ApiError> {
    admin_only(&t)?;
    r.validate()?;
    with_db(&a, move |a, c| {
        store::put_token(c, &r, a.now()).map_err(internal)?;
        store::journal(
            c,
            &JournalEntry {
                at: a.now(),
                terminal_id: Some(&t.id),
                action: "card_token",
                outcome: "ok",
                reason: Some(&r.card_token_ref),
                ..JournalEntry::default()
            },
        )
        .map_err(internal)?;
        Ok(r)
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
