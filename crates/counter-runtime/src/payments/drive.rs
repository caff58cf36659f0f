//! Driving one sale or refund the caller owns (it holds the sale's lock): the loop over
//! `counter_core::payment`'s actions, each journaled before its request leaves, and the
//! answer to a journal conflict (re-read, stop).

use counter_api::acquirer::CaptureRequest;
use counter_core::Code;
use counter_core::payment::{self, Action, PaymentRecord, PaymentState, RefundRecord, Resolution};
use counter_store::StoreError;

use super::locks::SaleGuard;
use super::{Payments, SaleReport};
use crate::clock::new_key;
use crate::crash;
use crate::error::RuntimeError;

/// Whether `e` is the journal saying another writer came first.
fn conflict(e: &RuntimeError) -> bool {
    matches!(e, RuntimeError::Store(StoreError::Conflict { .. }))
}

impl Payments {
    /// Journals `record` (compare-and-set on its version).
    fn journal(&self, record: &mut PaymentRecord) -> Result<(), RuntimeError> {
        self.with_store(|s| s.update_payment(record))
    }

    /// The drive of [`Payments::drive`], by the holder of the sale's lock.
    pub(super) async fn drive_owned(
        &self,
        owner: &SaleGuard,
        mut record: PaymentRecord,
        assertion: Option<String>,
    ) -> Result<SaleReport, RuntimeError> {
        if owner.sale() != record.id {
            // A caller holding another sale's lock: a bug, refused rather than raced.
            return Err(RuntimeError::Refused(Code::Internal));
        }
        let mut backoff = self.policy.first_backoff;
        for _ in 0..self.policy.max_rounds {
            let Some(action) = payment::next_action(&record, assertion.is_some()) else {
                break;
            };
            let before = (record.state, record.attempts);
            match self.step(&mut record, action, assertion.as_deref()).await {
                Ok(_) => {}
                Err(e) if conflict(&e) => return self.yield_sale(&record.id, &e),
                Err(e) => return Err(e),
            }
            // Final, or a void the acquirer holds back: staff read it now, and the
            // background recovery sends the void again (`payment::void_held`).
            if record.state.is_final() || payment::void_held(&record) {
                break;
            }
            // Wait only when nothing moved (an unknown outcome); progress goes on at once.
            if (record.state, record.attempts) != before && record.attempts == 0 {
                backoff = self.policy.first_backoff;
                continue;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.policy.max_backoff);
        }
        // A live authorisation the acquirer never took ("not now" every round) ends as not
        // sent (`payment::end_live_drive`); anything else stays as it is.
        if assertion.is_some() && payment::end_live_drive(&mut record, self.clock.now()) {
            match self.journal(&mut record) {
                Ok(()) => {}
                Err(e) if conflict(&e) => return self.yield_sale(&record.id, &e),
                Err(e) => return Err(e),
            }
        }
        // Not final: in doubt, whatever the last round met (a refusal stays in last_error).
        let code = payment::report_code(&record);
        Ok(SaleReport { record, code })
    }

    /// Another writer (outside this process) changed the sale's row since this drive read
    /// it: stop, and report the row as it is now, never overwrite it.
    fn yield_sale(&self, id: &str, e: &RuntimeError) -> Result<SaleReport, RuntimeError> {
        tracing::warn!(sale = %id, "the journal changed under this drive, which stops: {e}");
        let record = self
            .with_store(|s| s.payment(id))?
            .ok_or(RuntimeError::Refused(Code::NotNow))?;
        let code = payment::report_code(&record);
        Ok(SaleReport { record, code })
    }

    async fn step(
        &self,
        record: &mut PaymentRecord,
        action: Action,
        assertion: Option<&str>,
    ) -> Result<Resolution, RuntimeError> {
        let b = &self.backends;
        let resolution = match action {
            Action::Authorise => {
                let Some(assertion) = assertion else {
                    return Ok(Resolution::Pending);
                };
                let req = payment::authorise_request(record, assertion.to_owned());
                let answer = b.authorise(&record.idempotency_key, &req).await;
                let res = payment::on_payment(record, answer, self.clock.now());
                self.journal(record)?;
                if record.state == PaymentState::Authorised {
                    crash::point("after_authorised_journal");
                }
                res
            }
            Action::QueryStatus => {
                let answer = b.status(&record.idempotency_key).await;
                let res = payment::on_status(record, answer, self.clock.now());
                self.journal(record)?;
                res
            }
            Action::Capture => {
                if record.state == PaymentState::Authorised {
                    let key = new_key(&format!("{}-capture", record.id));
                    payment::begin_capture(record, key, self.clock.now());
                    self.journal(record)?;
                    crash::point("after_capture_journal");
                }
                let (Some(pid), Some(key)) =
                    (record.payment_id.clone(), record.capture_key.clone())
                else {
                    return Ok(Resolution::Pending);
                };
                let req = CaptureRequest {
                    amount_jpy: Some(record.amount_jpy),
                };
                let answer = b.capture(&pid, &key, &req).await;
                let res = payment::on_payment(record, answer, self.clock.now());
                self.journal(record)?;
                if record.state == PaymentState::Captured {
                    crash::point("after_captured_journal");
                }
                self.after_refusal(record, res).await?
            }
            Action::Void => {
                let (Some(pid), Some(key)) = (record.payment_id.clone(), record.void_key.clone())
                else {
                    return Ok(Resolution::Pending);
                };
                let answer = b.void(&pid, &key).await;
                let res = payment::on_payment(record, answer, self.clock.now());
                self.journal(record)?;
                self.after_refusal(record, res).await?
            }
            Action::Reverse => {
                let key = new_key(&format!("{}-reversal", record.id));
                let why = payment::reversal_reason(record);
                let req = payment::begin_reversal(record, key, why, self.clock.now());
                self.journal(record)?;
                let Some(key) = record.reversal_key.clone() else {
                    return Ok(Resolution::Pending);
                };
                let answer = b.reverse(&key, &req).await;
                let res = payment::on_reversal(record, answer, self.clock.now());
                self.journal(record)?;
                self.after_refusal(record, res).await?
            }
        };
        Ok(resolution)
    }

    /// A refused capture, or a void or reversal the acquirer cannot make
    /// (`payment::cannot_cancel`): the acquirer's status is the truth.
    async fn after_refusal(
        &self,
        record: &mut PaymentRecord,
        res: Resolution,
    ) -> Result<Resolution, RuntimeError> {
        let Resolution::Refused { code } = res else {
            return Ok(res);
        };
        let answer = self.backends.status(&record.idempotency_key).await;
        payment::on_status(record, answer, self.clock.now());
        self.journal(record)?;
        Ok(Resolution::Refused { code })
    }

    /// Sends refund `refund` (journaled) until its answer is definite or the policy's
    /// rounds run out, by the holder of its sale's lock. Each answer is journaled with the
    /// sale's new amounts in one compare-and-set transaction. A refund past the terminal's
    /// recovery horizon is not sent (`counter_core::payment::retry_refund`): it is reported
    /// as unresolved, for staff (the recovery asks the acquirer's record about it when it
    /// is due, [`Payments::resolve_held_owned`]).
    pub(super) async fn drive_refund_owned(
        &self,
        owner: &SaleGuard,
        mut refund: RefundRecord,
    ) -> Result<(RefundRecord, Code), RuntimeError> {
        if owner.sale() != refund.payment {
            return Err(RuntimeError::Refused(Code::Internal));
        }
        let mut backoff = self.policy.first_backoff;
        for _ in 0..self.policy.max_rounds {
            if !payment::retry_refund(&refund, self.clock.now()) {
                break;
            }
            let mut sale = self
                .with_store(|s| s.payment(&refund.payment))?
                .ok_or(RuntimeError::Refused(Code::NotNow))?;
            let Some(pid) = sale.payment_id.clone() else {
                return Err(RuntimeError::Refused(Code::InvalidPaymentState));
            };
            let answer = self
                .backends
                .refund(
                    &pid,
                    &refund.idempotency_key,
                    &payment::refund_request(&refund),
                )
                .await;
            let code = payment::on_refund(&mut refund, &mut sale, answer, self.clock.now());
            match self.with_store(|s| s.update_refund_with_payment(&mut refund, &mut sale)) {
                Ok(()) => {}
                Err(e) if conflict(&e) => return self.yield_refund(&refund, &e),
                Err(e) => return Err(e),
            }
            if let Some(code) = code {
                return Ok((refund, code));
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.policy.max_backoff);
        }
        let code = payment::refund_report_code(&refund, self.clock.now());
        Ok((refund, code))
    }

    /// Resolves held refund `refund` (past the recovery horizon: never sent again) from
    /// the acquirer's own record of its sale when that record tells
    /// (`counter_core::payment::resolve_held_by_record`), by the holder of its sale's lock;
    /// otherwise (unreachable, or a figure that tells neither) it stays held for staff.
    /// Called once the core found it due its query on this pass
    /// (`counter_core::payment::held_query_due`).
    pub(super) async fn resolve_held_owned(
        &self,
        owner: &SaleGuard,
        mut refund: RefundRecord,
    ) -> Result<(RefundRecord, Code), RuntimeError> {
        if owner.sale() != refund.payment {
            return Err(RuntimeError::Refused(Code::Internal));
        }
        let mut sale = self
            .with_store(|s| s.payment(&refund.payment))?
            .ok_or(RuntimeError::Refused(Code::NotNow))?;
        let resolved = match self.acquirer_refunded(&sale).await {
            Some(figure) => {
                payment::resolve_held_by_record(&mut refund, &mut sale, figure, self.clock.now())
            }
            None => None,
        };
        let Some(code) = resolved else {
            tracing::warn!(refund = %refund.id, "a refund in doubt past the recovery horizon is left to staff, never sent again");
            let code = payment::refund_report_code(&refund, self.clock.now());
            return Ok((refund, code));
        };
        match self.with_store(|s| s.update_refund_with_payment(&mut refund, &mut sale)) {
            Ok(()) => {}
            Err(e) if conflict(&e) => return self.yield_refund(&refund, &e),
            Err(e) => return Err(e),
        }
        tracing::info!(refund = %refund.id, ?code, "a held refund resolved by the acquirer's record of its sale");
        Ok((refund, code))
    }

    /// The payment's refunded total in the acquirer's own record of `sale` (its status
    /// query by the sale's key, which the acquirer keeps after it forgot a refund's key),
    /// or `None` when it cannot be read.
    pub(super) async fn acquirer_refunded(&self, sale: &PaymentRecord) -> Option<u64> {
        match self.backends.status(&sale.idempotency_key).await {
            Ok(Some(p)) => Some(p.refunded_jpy),
            Ok(None) => {
                tracing::warn!(sale = %sale.id, "the acquirer does not know the sale's key");
                None
            }
            Err(f) => {
                tracing::warn!(sale = %sale.id, "the acquirer's record could not be read: {f:?}");
                None
            }
        }
    }

    /// As [`Payments::yield_sale`], for a refund.
    fn yield_refund(
        &self,
        refund: &RefundRecord,
        e: &RuntimeError,
    ) -> Result<(RefundRecord, Code), RuntimeError> {
        tracing::warn!(refund = %refund.id, "the journal changed under this refund, which stops: {e}");
        let fresh = self
            .with_store(|s| s.refunds_of(&refund.payment))?
            .into_iter()
            .find(|r| r.id == refund.id)
            .ok_or(RuntimeError::Refused(Code::NotNow))?;
        let code = payment::refund_report_code(&fresh, self.clock.now());
        Ok((fresh, code))
    }
}
