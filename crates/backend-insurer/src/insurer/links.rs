//! `POST /v1/links` and `POST /v1/links/release` ([`counter_api::links`]): the verification
//! platform asks the insurer to confirm that an insurance record belongs to the holder of
//! a verified signature certificate before it stores a link, and tells it when the holder
//! linked another record.
//!
//! Check order: the caller (a trusted platform by its client certificate,
//! [`platform_caller`]), then the body (malformed: `400`; a field outside its rules:
//! `422 invalid_field` naming it; a link that is not an insurance link: `422` on
//! `link.kind`), then the decision of [`crate::core::linking`]. Every answer is audited
//! (action `link` or `link_release`, the platform as caller, the `sub` as subject, the
//! insurer number and number); the certified attributes are neither logged nor stored.

use backend_kit::ApiError;
use backend_kit::caller::platform_caller;
use backend_kit::reload::in_force::ServiceSettings;
use backend_kit::serve::Peer;
use counter_api::links::{LinkAnswer, LinkOutcome, LinkRelease, LinkReleased, LinkRequest};
use counter_api::platform::ServiceData;
use counter_api::{FieldError, Problem};
use madoguchi_time::UnixTime;

use super::{Insurer, internal, lock};
use crate::core::eligibility::Query;
use crate::core::linking::{Confirmation, confirm};
use crate::in_force::InForce;
use crate::store::links::{Binding, LinkKey, bind, release};
use crate::store::{AuditRow, register_for};

fn field(e: FieldError) -> ApiError {
    ApiError::from(Problem::from(e))
}

/// The identifiers of an insurance link as a query of the register (no birth date, no
/// consent); a `422` on `link.kind` for another kind of link.
fn insurance(link: &ServiceData) -> Result<Query<'_>, ApiError> {
    match link {
        ServiceData::Insurance {
            insurer_number,
            symbol,
            number,
            branch,
        } => Ok(Query {
            insurer_number,
            symbol: symbol.as_deref(),
            number,
            branch: branch.as_deref(),
            birth_date: None,
            limit_certificate_consent: false,
        }),
        _ => Err(field(FieldError::new(
            "link.kind",
            "this insurer confirms insurance links only (kind \"insurance\")",
        ))),
    }
}

/// The binding key of the link `q` asks about.
fn key<'a>(q: &Query<'a>) -> LinkKey<'a> {
    LinkKey::new(q.insurer_number, q.symbol, q.number, q.branch)
}

/// The audit row of a platform call, naming the certificate's CN as the caller.
fn row(peer: &Peer, now: UnixTime, action: &'static str) -> AuditRow {
    AuditRow {
        at: now,
        terminal_id: peer.0.as_ref().and_then(|i| i.common_name.clone()),
        action,
        ..AuditRow::default()
    }
}

/// Fills the outcome of a refused call.
fn refused(row: &mut AuditRow, e: &ApiError) {
    row.outcome = e.problem().code.as_str().to_owned();
    row.reason = e
        .problem()
        .field
        .clone()
        .or_else(|| e.problem().reason.clone())
        .or_else(|| e.problem().detail.clone());
}

impl Insurer {
    /// `POST /v1/links` from the connection `peer`, with the body as parsed (or why it
    /// could not be), under the request's `in_force` (its trusted platforms).
    pub fn link(
        &self,
        in_force: &InForce,
        peer: &Peer,
        body: Result<LinkRequest, ApiError>,
    ) -> Result<LinkAnswer, ApiError> {
        let now = self.now();
        let mut row = row(peer, now, "link");
        let result = self.link_at(in_force, peer, body, now, &mut row);
        match &result {
            Ok(a) => {
                row.outcome = match (a.outcome, a.field) {
                    (LinkOutcome::Confirmed, _) => "confirmed".into(),
                    (LinkOutcome::Mismatch, Some(f)) => format!("mismatch:{}", f.as_str()),
                    (LinkOutcome::Mismatch, None) => "mismatch".into(),
                    (LinkOutcome::Unknown, _) => "unknown".into(),
                }
            }
            Err(e) => refused(&mut row, e),
        }
        self.audit(&row);
        result
    }

    fn link_at(
        &self,
        in_force: &InForce,
        peer: &Peer,
        body: Result<LinkRequest, ApiError>,
        now: UnixTime,
        row: &mut AuditRow,
    ) -> Result<LinkAnswer, ApiError> {
        let platform = platform_caller(peer, in_force.settings.platform_ids())?;
        let req = body?;
        req.validate().map_err(field)?;
        row.subject = Some(req.sub.clone());
        let q = insurance(&req.link)?;
        row.insurer_number = Some(q.insurer_number.to_owned());
        row.number = Some(q.number.to_owned());
        let key = key(&q);
        let (answer, note) = lock(&self.store)
            .transaction(|tx| {
                let register = register_for(tx, q.insurer_number, q.number)?;
                Ok(match confirm(&register, &q, &req.holder) {
                    Confirmation::Confirmed { person, birth_date } => {
                        let replaced = bind(
                            tx,
                            &key,
                            &Binding {
                                sub: req.sub.clone(),
                                platform: platform.clone(),
                                person: person.to_owned(),
                                birth_date: birth_date.to_owned(),
                                enrollment_id: req.enrollment_id.clone(),
                                linked_at: now,
                            },
                        )?;
                        // Only the same person's binding is replaced: another member of
                        // a family that shares the link keeps theirs.
                        let note =
                            replaced.map(|_| "; replaced another subject's binding of this person");
                        (LinkAnswer::confirmed(), note)
                    }
                    Confirmation::Mismatch(a) => (LinkAnswer::mismatch(a), None),
                    Confirmation::Ambiguous { .. } => (
                        LinkAnswer::unknown(),
                        Some("; more than one person's record matches"),
                    ),
                    _ => (LinkAnswer::unknown(), None),
                })
            })
            .map_err(internal)?;
        row.reason = Some(format!(
            "enrollment {}{}",
            req.enrollment_id,
            note.unwrap_or_default()
        ));
        Ok(answer)
    }

    /// `POST /v1/links/release` from the connection `peer`, under the request's `in_force`:
    /// forgets the binding the request's `sub`, of the calling platform, still owns, if any
    /// (the bindings of the link to other persons stay).
    pub fn release_link(
        &self,
        in_force: &InForce,
        peer: &Peer,
        body: Result<LinkRelease, ApiError>,
    ) -> Result<LinkReleased, ApiError> {
        let now = self.now();
        let mut row = row(peer, now, "link_release");
        let result = (|| {
            let platform = platform_caller(peer, in_force.settings.platform_ids())?;
            let req = body?;
            req.validate().map_err(field)?;
            row.subject = Some(req.sub.clone());
            let q = insurance(&req.link)?;
            row.insurer_number = Some(q.insurer_number.to_owned());
            row.number = Some(q.number.to_owned());
            let key = key(&q);
            let released = lock(&self.store)
                .transaction(|tx| release(tx, &key, &req.sub, &platform))
                .map_err(internal)?;
            Ok(LinkReleased { released })
        })();
        match &result {
            Ok(r) => {
                row.outcome = if r.released { "released" } else { "not_owned" }.into();
            }
            Err(e) => refused(&mut row, e),
        }
        self.audit(&row);
        result
    }
}
