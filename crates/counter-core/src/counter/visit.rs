//! One visit: at a clinic or pharmacy the reception check and the co-payment belong
//! together. A visit is the reception's eligibility check (its id is the check id); staff
//! take the co-payment for a check of today with [`super::StaffAction::TakeCoPayment`].
//! The counter asks the store for the check ([`super::Effect::LoadVisit`]), and the sale
//! that follows carries the visit: the staff window shows its eligibility summary beside
//! the amount, the journal records the sale with the check id, the receipt names it. The
//! customer pays with the card and a new PIN, as for any sale: nothing of the check's
//! identification (no PIN, no assertion) is kept for it.

use serde::Serialize;

use super::screens::Message;
use super::workflow::{Sale, Workflow};
use super::{Counter, CounterMode, Effect, Refused};
use crate::UnixTime;
use crate::codes::Code;
use crate::eligibility::record::{VALIDITY_FAILED, VALIDITY_FALLBACK};
use crate::eligibility::validity::primary_index;
use crate::eligibility::{CheckRecord, Validity};
use crate::payment::cashier::check_amount;

/// What the eligibility check of a visit found, as the cashier reads it beside the amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum VisitResult {
    /// The insurer said the qualification is valid (`QualificationValidity` 1 or 6).
    Valid,
    /// The insurer answered, and not valid (no qualification, lost, several matches, ...).
    Invalid,
    /// Staff recorded the document the patient presented (no online answer).
    Fallback,
}

/// The visit a co-payment belongs to: its check id and a short summary of the check (no
/// name, birth date or insurance number of the person). Staff only: the customer window
/// shows the amount alone, as for any sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Visit {
    /// The check's id (the visit's).
    pub check_id: String,
    /// What the check found.
    pub result: VisitResult,
    /// 保険者番号 of the record that applies (the insurer's, not the person's number).
    pub insurer_number: Option<String>,
    /// 保険者名, when known.
    pub insurer_name: Option<String>,
    /// 負担割合 in tenths, when known.
    pub ratio_tenths: Option<u8>,
}

/// A check as the store holds it, for [`super::Input::VisitLoaded`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitCheck {
    /// When the check was first recorded (the visit's time; later records keep it).
    pub visited_at: UnixTime,
    /// The check's record as last written (details may be empty once purged).
    pub record: CheckRecord,
    /// Whether staff acknowledged the check's warnings (the audit trail's
    /// `warnings_acknowledged` line for the check): the store's record keeps the warnings
    /// shown, the audit trail what staff did about them.
    pub warnings_acknowledged: bool,
    /// Whether staff confirmed the check's finished re-check (the store's
    /// `rechecks.confirmed_at`): a re-check that contradicts what the patient presented
    /// (another person's record, another share) is listed for staff until they do.
    pub recheck_confirmed: bool,
}

impl Visit {
    /// The visit of `check`, if staff may take its co-payment at `now`: the check is of
    /// today (JST), has a result (an answer or a recorded fallback), an answer that named
    /// someone other than the expected patient was acknowledged by staff (R7): until then
    /// nobody at the counter saw whose insurance it is; and a re-check that contradicts
    /// what the patient presented (its record may be another person's, its share another)
    /// was confirmed by staff.
    pub fn of(check: &VisitCheck, now: UnixTime) -> Result<Visit, Code> {
        if madoguchi_time::jst::business_date(check.visited_at)
            != madoguchi_time::jst::business_date(now)
        {
            return Err(Code::VisitNotToday);
        }
        let visit = Self::of_record(&check.record, check.visited_at)?;
        let mismatch = check
            .record
            .summary
            .warnings
            .contains(&Code::PersonMismatch);
        if mismatch && !check.warnings_acknowledged {
            return Err(Code::VisitPersonUnconfirmed);
        }
        let contradicted = check
            .record
            .summary
            .warnings
            .contains(&Code::RecheckContradiction);
        if contradicted && !check.recheck_confirmed {
            return Err(Code::RecheckContradiction);
        }
        Ok(visit)
    }

    /// The summary of check `record`, first recorded at `visited_at`, on any day (the
    /// journal's), if it has a result. The insurer is read from the details, so it is
    /// `None` once the retention purge ran: for a fallback, from what the patient presented
    /// (an earlier answer the record keeps is not what the visit stands on); for an answer,
    /// from the record in force on the visit's day (JST), though a re-check may have
    /// written the record days later.
    pub fn of_record(record: &CheckRecord, visited_at: UnixTime) -> Result<Visit, Code> {
        let summary = &record.summary;
        let result = match summary.validity.as_str() {
            VALIDITY_FAILED => return Err(Code::VisitWithoutResult),
            VALIDITY_FALLBACK => VisitResult::Fallback,
            v if Validity::parse(v).is_valid() => VisitResult::Valid,
            _ => VisitResult::Invalid,
        };
        let details = &record.details;
        let response = details
            .response
            .as_ref()
            .filter(|_| result != VisitResult::Fallback);
        let (insurer_number, insurer_name) = match (response, &details.presented) {
            (Some(response), _) => {
                // The record the check's headline is about (the new qualification for 3,
                // staff's choice for 5), by the rule the check recorded its ratio with, on
                // the visit's day.
                let validity = Validity::parse(&response.qualification_validity);
                let day = madoguchi_time::jst::compact_date(visited_at);
                let primary = primary_index(&validity, response, details.chosen_record, &day);
                match primary.and_then(|i| response.results.get(i)) {
                    Some(r) => (Some(r.insurer_number.clone()), Some(r.insurer_name.clone())),
                    None => (None, None),
                }
            }
            (None, Some(p)) => (p.insurer_number.clone(), p.insurer_name.clone()),
            (None, None) => (None, None),
        };
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Ok(Visit {
            check_id: summary.check_id.clone(),
            result,
            insurer_number: nonempty(insurer_number),
            insurer_name: nonempty(insurer_name),
            ratio_tenths: summary.ratio_tenths,
        })
    }
}

/// A co-payment waiting for its check from the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct VisitLookup {
    /// The check asked for.
    pub(super) check_id: String,
    /// The amount staff typed (checked).
    pub(super) amount_jpy: u64,
}

impl Counter {
    /// Staff take the co-payment of check `check_id`: only at reception and pharmacy, when
    /// no one else is served (idle, a sale ended) or the check on screen has its result
    /// (and R7 holds nothing back); nothing in doubt. The check is looked up first.
    pub(super) fn take_co_payment(
        &mut self,
        check_id: String,
        amount_jpy: u64,
    ) -> Result<Vec<Effect>, Refused> {
        if self.mode == CounterMode::Cashier {
            return Err(Code::NotNow.into());
        }
        let fits = match &self.workflow {
            Workflow::Idle | Workflow::SaleEnded(..) => true,
            Workflow::Check(c) => c.has_result(),
            _ => false,
        };
        if !fits || self.visit_lookup.is_some() {
            return Err(Code::NotNow.into());
        }
        let check_id = check_id.trim().to_owned();
        if check_id.is_empty() {
            return Err(Code::VisitNotFound.into());
        }
        let amount_jpy = check_amount(amount_jpy)?;
        if !self.in_doubt.is_empty() {
            return Err(Code::SalesInDoubt.into());
        }
        self.visit_lookup = Some(VisitLookup {
            check_id: check_id.clone(),
            amount_jpy,
        });
        Ok(vec![Effect::LoadVisit {
            generation: self.generation,
            check_id,
        }])
    }

    /// The store's answer for the co-payment's check: the sale starts with the visit (a
    /// card on the reader is taken at once, for a new PIN), or staff are told why not.
    pub(super) fn visit_loaded(
        &mut self,
        check: Result<Option<VisitCheck>, Code>,
    ) -> Result<Vec<Effect>, Refused> {
        let Some(lookup) = self.visit_lookup.take() else {
            return Err(Refused::Stale {
                input: "visit_loaded",
            });
        };
        let visit = check.and_then(|found| {
            let found = found.ok_or(Code::VisitNotFound)?;
            if found.record.summary.check_id != lookup.check_id {
                return Err(Code::VisitNotFound);
            }
            Visit::of(&found, self.now)
        });
        let visit = match visit {
            Ok(visit) => visit,
            Err(code) => {
                self.notice = Some(Message::of(code));
                return Ok(Vec::new());
            }
        };
        let sale = Sale {
            amount_jpy: lookup.amount_jpy,
            order_ref: None,
            pos: false,
            visit: Some(visit),
        };
        match self.start_sale(sale) {
            Ok(effects) => Ok(effects),
            Err(refused) => {
                self.notice = Some(Message::of(refused.code()));
                Ok(Vec::new())
            }
        }
    }
}
