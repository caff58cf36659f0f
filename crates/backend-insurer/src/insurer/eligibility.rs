//! `POST /v1/eligibility`: the platform's assertion checked as strictly as the acquirer
//! checks a payment's, then the eligibility decision over the bound person's records only.
//!
//! Check order (each refusal is audited with the subject once the signature verified):
//! 1. the request's fields ([`validate::eligibility`]);
//! 2. the assertion's signature, issuer, `aud`, `iat` and `exp`, verified with a replay
//!    guard that accepts every `jti` ([`DeferredReplay`]): the `jti` is recorded in SQLite
//!    only once every other check passed, so a refused request does not use up the
//!    customer's assertion;
//! 3. its context: `ctx.purpose` must be `identify` (`403 forbidden`, reason
//!    `assertion_not_for_eligibility`) and `ctx.terminal_id` the calling terminal
//!    (`assertion_other_terminal`): an assertion read at one desk is not good at another;
//! 4. its `svc` must be an insurance link (`401 assertion_invalid` otherwise: the platform
//!    issued it for this insurer), of which the assertion's `sub` for its `iss` owns a
//!    binding ([`crate::store::links`]: one per person of the link, as the members of a
//!    family share it) (`403 link_not_owned` otherwise: never confirmed for this subject,
//!    confirmed for the same person from another subject since, or released);
//! 5. the `jti`, recorded in the insurer's database in the same transaction as the binding
//!    was read (`409 assertion_replayed` if used before; kept until `exp` +
//!    [`KEEP_USED_SECS`], across restarts);
//! 6. the decision ([`decide`]) over the records of the person of the subject's binding
//!    only, with that person's birth date from the binding as the knowledge factor, so
//!    that an assertion can never read another person's record (not the record of another
//!    member of the family under the same link, and no 複数該当 across persons by a link).

use backend_kit::ApiError;
use backend_kit::replay::first_use;
use counter_api::assertion::ReplayGuard;
use counter_api::insurer::{EligibilityRequest, EligibilityResponse};
use counter_api::platform::{ChallengePurpose, ServiceData};
use counter_api::{Problem, ProblemCode};
use madoguchi_time::UnixTime;

use super::{Insurer, internal, lock};
use crate::core::dates::jst_date;
use crate::core::eligibility::{Decision, Query, decide};
use crate::core::validate;
use crate::in_force::InForce;
use crate::store::links::{LinkKey, binding};
use crate::store::{AuditRow, register_for};

/// How long past its `exp` a used `jti` is kept: more than the verifier's clock leeway
/// (5 s in `counter_api::assertion`), so that no assertion it would still accept has been
/// forgotten. The acquirer keeps them as long.
pub const KEEP_USED_SECS: i64 = 60;

/// A replay guard that accepts every `jti`: the insurer checks the context and the link's
/// owner first, then records the `jti` in its database ([`first_use`]).
#[derive(Debug)]
pub struct DeferredReplay;

impl ReplayGuard for DeferredReplay {
    fn first_use(&mut self, _issuer: &str, _jti: &str, _exp: UnixTime, _now: UnixTime) -> bool {
        true
    }
}

fn forbidden(reason: &str, detail: &str) -> ApiError {
    ApiError::from(
        Problem::new(ProblemCode::Forbidden, detail)
            .with_field("assertion")
            .with_reason(reason),
    )
}

fn assertion_problem(code: ProblemCode, detail: impl Into<String>) -> ApiError {
    ApiError::from(Problem::new(code, detail).with_field("assertion"))
}

impl Insurer {
    /// `POST /v1/eligibility` from `terminal_id`, under the request's `in_force` (its
    /// verifier checks the assertion): the checks of this module's documentation in their
    /// order, then the decision. Every answer is audited.
    pub fn eligibility(
        &self,
        in_force: &InForce,
        terminal_id: &str,
        req: &EligibilityRequest,
    ) -> Result<EligibilityResponse, ApiError> {
        let now = self.now();
        let mut row = AuditRow {
            at: now,
            terminal_id: Some(terminal_id.to_owned()),
            action: "eligibility",
            ..AuditRow::default()
        };
        let result = self.eligibility_at(in_force, terminal_id, req, now, &mut row);
        match &result {
            Ok(r) => {
                row.outcome = format!("validity:{}", r.qualification_validity);
                row.reason = r.processing_result.code.clone();
            }
            Err(e) => {
                row.outcome = e.problem().code.as_str().to_owned();
                row.reason = e
                    .problem()
                    .reason
                    .clone()
                    .or_else(|| e.problem().detail.clone());
            }
        }
        self.audit(&row);
        result
    }

    fn eligibility_at(
        &self,
        in_force: &InForce,
        terminal_id: &str,
        req: &EligibilityRequest,
        now: UnixTime,
        row: &mut AuditRow,
    ) -> Result<EligibilityResponse, ApiError> {
        validate::eligibility(req)?;
        let claims = in_force
            .verifier
            .verify(&req.assertion, now, &mut DeferredReplay)
            .map_err(|e| assertion_problem(e.problem_code(), e.to_string()))?;
        row.subject = Some(claims.sub.clone());
        if claims.ctx.purpose != ChallengePurpose::Identify {
            return Err(forbidden(
                "assertion_not_for_eligibility",
                "the assertion was not issued for identification at the counter: \
                 identify the customer again",
            ));
        }
        if claims.ctx.terminal_id != terminal_id {
            return Err(forbidden(
                "assertion_other_terminal",
                "the assertion was issued to another terminal: identify the customer again \
                 at this one",
            ));
        }
        let ServiceData::Insurance {
            insurer_number,
            symbol,
            number,
            branch,
        } = &claims.svc
        else {
            return Err(assertion_problem(
                ProblemCode::AssertionInvalid,
                "the assertion carries no insurance linkage (svc is not an insurance link)",
            ));
        };
        row.insurer_number = Some(insurer_number.clone());
        row.number = Some(number.clone());
        let key = LinkKey::new(insurer_number, symbol.as_deref(), number, branch.as_deref());
        let admitted = lock(&self.store)
            .transaction(|tx| {
                let Some(owned) = binding(tx, &key, &claims.sub, &claims.iss)? else {
                    return Ok(Err(ApiError::new(
                        ProblemCode::LinkNotOwned,
                        "this insurance record is not linked to the customer's card (never \
                         confirmed for this card, linked to another card of the same person \
                         since, or released): enrol the card again at the counter",
                    )));
                };
                if !first_use(
                    tx,
                    &claims.iss,
                    &claims.jti,
                    claims.exp.plus_secs(KEEP_USED_SECS),
                    now,
                )? {
                    return Ok(Err(assertion_problem(
                        ProblemCode::AssertionReplayed,
                        "this assertion was used before: identify the customer again",
                    )));
                }
                let mut register = register_for(tx, key.insurer_number, key.number)?;
                register.retain(|r| r.person == owned.person);
                Ok(Ok((owned, register)))
            })
            .map_err(internal)?;
        let (owned, register) = admitted?;
        let q = Query {
            insurer_number,
            symbol: symbol.as_deref(),
            number,
            branch: branch.as_deref(),
            birth_date: Some(&owned.birth_date),
            limit_certificate_consent: req.limit_certificate_consent,
        };
        match decide(
            &register,
            &q,
            &req.qualification_confirmation_date,
            &jst_date(now),
        ) {
            Decision::Found {
                validity,
                processing,
                results,
            } => Ok(EligibilityResponse {
                processing_result: processing,
                qualification_validity: validity.code().into(),
                arbitrary_identifier: req.arbitrary_identifier.clone(),
                results,
            }),
            _ => Err(ApiError::new(
                ProblemCode::InsuredUnknown,
                "this insurer no longer holds a record of this person for the insurance \
                 number enrolled on the card; check the insurance card or 資格情報のお知らせ \
                 and re-enrol the link",
            )),
        }
    }
}
