//! The link endpoints the verification platform calls server to server
//! ([`counter_api::links`]): `POST /v1/links` confirms that a card token belongs to the
//! holder of the card being enrolled and makes the platform's pairwise subject its owner;
//! `POST /v1/links/release` forgets that owner when the holder linked another token.
//!
//! Only a trusted platform calls them: its client certificate (issued by the terminal CA,
//! checked by TLS) names in its CN the issuer of one of the trusted key sets
//! ([`backend_kit::caller::platform_caller`]). Checks, in order: the caller, the body, the
//! kind of link (a card token: an insurance link is `422 invalid_field` on `link.kind`),
//! the contract's field rules; then the token (unknown, or registered without a
//! cardholder: `unknown`) and the comparison ([`crate::core::ownership`]). Every answer,
//! refusals included, is journaled (actions `link` and `link_release`) with the token, the
//! enrollment and the subject, never with the attributes the platform sent: the acquirer
//! does not keep them, and never echoes its own cardholder record either (a mismatch
//! names the attribute only).

use std::sync::Arc;

use backend_kit::ApiError;
use backend_kit::caller::platform_caller;
use backend_kit::reload::in_force::ServiceSettings;
use backend_kit::serve::Peer;
use counter_api::links::{LinkAnswer, LinkOutcome, LinkRelease, LinkReleased, LinkRequest};
use counter_api::platform::ServiceData;
use counter_api::{Problem, ProblemCode};
use rusqlite::TransactionBehavior;

use crate::acquirer::Acquirer;
use crate::core::ownership::{Owner, link_answer};
use crate::flows::{internal, with_db};
use crate::in_force::InForce;
use crate::store::{self, JournalEntry};

/// Journal action of `POST /v1/links`.
pub const LINK_ACTION: &str = "link";
/// Journal action of `POST /v1/links/release`.
pub const RELEASE_ACTION: &str = "link_release";

/// `POST /v1/links`: the answer for the calling platform (`peer`, one of the request's
/// `in_force` trusted platforms), or the problem of a request that failed (not a trusted
/// platform, a malformed `body`, a field rule, a link that is not a card token).
pub async fn link(
    a: Arc<Acquirer>,
    in_force: &InForce,
    peer: Peer,
    body: Result<LinkRequest, ApiError>,
) -> Result<LinkAnswer, ApiError> {
    let (platform, r, token_ref) = admit(&a, in_force, &peer, LINK_ACTION, body).await?;
    let reason = format!(
        "token={token_ref} enrollment={} sub={}",
        r.enrollment_id, r.sub
    );
    let done = with_db(&a, move |a, c| {
        let now = a.now();
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(internal)?;
        let holder = store::token(&tx, &token_ref)
            .map_err(internal)?
            .and_then(|t| t.holder);
        let answer = link_answer(holder.as_ref(), &r.holder);
        if answer.outcome == LinkOutcome::Confirmed {
            let owner = Owner {
                sub: r.sub,
                platform: platform.clone(),
                enrollment: r.enrollment_id,
                linked_at: now,
            };
            store::set_owner(&tx, &token_ref, &owner).map_err(internal)?;
        }
        store::journal(
            &tx,
            &JournalEntry {
                at: now,
                terminal_id: Some(&platform),
                action: LINK_ACTION,
                outcome: &outcome(&answer),
                reason: Some(&reason),
                ..JournalEntry::default()
            },
        )
        .map_err(internal)?;
        tx.commit().map_err(internal)?;
        Ok(answer)
    })
    .await;
    answered(&a, &peer, LINK_ACTION, done).await
}

/// `POST /v1/links/release`: clears the token's owner if the calling platform's `sub`
/// (a platform of the request's `in_force`) still owns it (a later link for another
/// holder already replaced it otherwise).
pub async fn release(
    a: Arc<Acquirer>,
    in_force: &InForce,
    peer: Peer,
    body: Result<LinkRelease, ApiError>,
) -> Result<LinkReleased, ApiError> {
    let (platform, r, token_ref) = admit(&a, in_force, &peer, RELEASE_ACTION, body).await?;
    let done = with_db(&a, move |a, c| {
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(internal)?;
        let released =
            store::release_owner(&tx, &token_ref, &r.sub, &platform).map_err(internal)?;
        store::journal(
            &tx,
            &JournalEntry {
                at: a.now(),
                terminal_id: Some(&platform),
                action: RELEASE_ACTION,
                outcome: if released { "released" } else { "not_owned" },
                reason: Some(&format!("token={token_ref} sub={}", r.sub)),
                ..JournalEntry::default()
            },
        )
        .map_err(internal)?;
        tx.commit().map_err(internal)?;
        Ok(LinkReleased { released })
    })
    .await;
    answered(&a, &peer, RELEASE_ACTION, done).await
}

/// A request of the link endpoints: the record it names and its field rules.
trait LinkBody {
    fn record(&self) -> &ServiceData;
    fn check(&self) -> Result<(), counter_api::FieldError>;
}

impl LinkBody for LinkRequest {
    fn record(&self) -> &ServiceData {
        &self.link
    }
    fn check(&self) -> Result<(), counter_api::FieldError> {
        self.validate()
    }
}

impl LinkBody for LinkRelease {
    fn record(&self) -> &ServiceData {
        &self.link
    }
    fn check(&self) -> Result<(), counter_api::FieldError> {
        self.validate()
    }
}

/// The calling platform, the request and the card token it names, in the order the
/// checks run (caller, body, kind of link, field rules); a failure is journaled under
/// `action` and answered as its problem.
async fn admit<R: LinkBody>(
    a: &Arc<Acquirer>,
    in_force: &InForce,
    peer: &Peer,
    action: &'static str,
    body: Result<R, ApiError>,
) -> Result<(String, R, String), ApiError> {
    let checked = platform(in_force, peer).and_then(|platform| {
        let r = body?;
        let token_ref = card_token_ref(r.record())?.to_owned();
        r.check()?;
        Ok((platform, r, token_ref))
    });
    match checked {
        Ok(v) => Ok(v),
        Err(e) => Err(refused(a, peer, action, e).await),
    }
}

/// The answer, or the failure journaled under `action`.
async fn answered<T>(
    a: &Arc<Acquirer>,
    peer: &Peer,
    action: &'static str,
    done: Result<T, ApiError>,
) -> Result<T, ApiError> {
    match done {
        Ok(answer) => Ok(answer),
        Err(e) => Err(refused(a, peer, action, e).await),
    }
}

/// The calling platform's id, if the client certificate names one `in_force` trusts.
fn platform(in_force: &InForce, peer: &Peer) -> Result<String, ApiError> {
    platform_caller(peer, in_force.settings.platform_ids())
}

/// The card token a link names; this acquirer holds nothing else.
fn card_token_ref(link: &ServiceData) -> Result<&str, ApiError> {
    match link {
        ServiceData::Payment { card_token_ref } => Ok(card_token_ref),
        ServiceData::Insurance { .. } | ServiceData::Platform {} => Err(ApiError::from(
            Problem::new(
                ProblemCode::InvalidField,
                "this acquirer holds card tokens: send a payment link (an insurance link is \
                 confirmed by its insurer)",
            )
            .with_field("link.kind"),
        )),
    }
}

/// The journal outcome of an answer: `confirmed`, `mismatch:<attribute>` or `unknown`.
fn outcome(answer: &LinkAnswer) -> String {
    match (answer.outcome, answer.field) {
        (LinkOutcome::Confirmed, _) => "confirmed".into(),
        (LinkOutcome::Mismatch, Some(f)) => format!("mismatch:{}", f.as_str()),
        (LinkOutcome::Mismatch, None) => "mismatch".into(),
        (LinkOutcome::Unknown, _) => "unknown".into(),
    }
}

/// Journals a refused request (the caller's certificate CN, the problem code) and gives
/// the problem back.
async fn refused(a: &Arc<Acquirer>, peer: &Peer, action: &str, e: ApiError) -> ApiError {
    let cn = peer.0.as_ref().and_then(|i| i.common_name.as_deref());
    a.journal(&JournalEntry {
        at: a.now(),
        terminal_id: cn,
        action,
        outcome: e.problem().code.as_str(),
        reason: e.problem().field.as_deref(),
        ..JournalEntry::default()
    })
    .await;
    e
}

#[cfg(test)]
mod tests {
    use counter_api::attributes::Attribute;

    use super::*;

    #[test]
    fn outcomes_name_the_attribute_only() {
        assert_eq!(outcome(&LinkAnswer::confirmed()), "confirmed");
        assert_eq!(
            outcome(&LinkAnswer::mismatch(Attribute::BirthDate)),
            "mismatch:birth_date"
        );
        assert_eq!(outcome(&LinkAnswer::unknown()), "unknown");
    }

    #[test]
    fn only_card_tokens_are_linked_here() {
        let tok = ServiceData::Payment {
            card_token_ref: "tok_1".into(),
        };
        assert_eq!(card_token_ref(&tok).ok(), Some("tok_1"));
        let insurance = ServiceData::Insurance {
            insurer_number: "06139999".into(),
            symbol: None,
            number: "1".into(),
            branch: None,
        };
        let e = card_token_ref(&insurance).err();
        assert_eq!(
            e.as_ref().and_then(|e| e.problem().field.as_deref()),
            Some("link.kind")
        );
    }
}
