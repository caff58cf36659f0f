//! `POST /v1/eligibility/by-insurance-number`: the receipt system's single check
//! (`OQSsiquc01req`, docs/domain/eligibility.md §2.2, §2.6), for a terminal, without a card.
//!
//! The numbers and the birth date are the clinic's, typed from the insurance card: as in the
//! bulk pre-check, the decision ([`decide`]) runs over every record of the number with the
//! birth date as the knowledge factor, and a number the insurer does not hold is
//! `QualificationValidity` 4 rather than a problem. Every answer is audited.

use backend_kit::ApiError;
use counter_api::insurer::{EligibilityResponse, InsuranceNumberCheckRequest, ProcessingResult};

use super::{Insurer, internal, lock};
use crate::core::dates::jst_date;
use crate::core::eligibility::{Decision, Query, decide};
use crate::core::validate;
use crate::store::AuditRow;

impl Insurer {
    /// `POST /v1/eligibility/by-insurance-number` from `terminal_id`.
    pub fn eligibility_by_insurance_number(
        &self,
        terminal_id: &str,
        req: &InsuranceNumberCheckRequest,
    ) -> Result<EligibilityResponse, ApiError> {
        let now = self.now();
        let result = (|| {
            validate::by_insurance_number(req)?;
            let register = lock(&self.store)
                .register_for(&req.insurer_number, &req.number)
                .map_err(internal)?;
            let q = Query {
                insurer_number: &req.insurer_number,
                symbol: req.symbol.as_deref(),
                number: &req.number,
                branch: req.branch.as_deref(),
                birth_date: Some(&req.birth_date),
                limit_certificate_consent: req.limit_certificate_consent,
            };
            let answer = match decide(
                &register,
                &q,
                &req.qualification_confirmation_date,
                &jst_date(now),
            ) {
                Decision::Found {
                    validity,
                    processing,
                    results,
                } => EligibilityResponse {
                    processing_result: processing,
                    qualification_validity: validity.code().into(),
                    arbitrary_identifier: req.arbitrary_identifier.clone(),
                    results,
                },
                _ => EligibilityResponse {
                    processing_result: ProcessingResult {
                        status: "1".into(),
                        code: None,
                        message: None,
                    },
                    qualification_validity: "4".into(),
                    arbitrary_identifier: req.arbitrary_identifier.clone(),
                    results: vec![],
                },
            };
            Ok::<_, ApiError>(answer)
        })();
        self.audit(&AuditRow {
            at: now,
            terminal_id: Some(terminal_id.to_owned()),
            action: "eligibility_by_number",
            insurer_number: Some(req.insurer_number.clone()),
            number: Some(req.number.clone()),
            outcome: match &result {
                Ok(r) => format!("validity:{}", r.qualification_validity),
                Err(e) => e.problem().code.as_str().to_owned(),
            },
            reason: match &result {
                Ok(r) => r.processing_result.code.clone(),
                Err(e) => e.problem().detail.clone(),
            },
            ..AuditRow::default()
        });
        result
    }
}
