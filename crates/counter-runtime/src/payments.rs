//! The payment shell: carries out `counter_core::payment`'s actions against the acquirer,
//! journaling every record **durably before** the request that depends on it leaves
//! (payments-and-eid-clients.md §1.10), and resolves sales in doubt on start before any new
//! sale (§1.10 "Startup: replay journal; anything in AUTH_SENDING/UNKNOWN/*_PENDING is
//! resolved before new sales").
//!
//! One sale at a time per terminal (§1.10 rule 6): [`Payments::sell`] refuses while any
//! sale or refund of this terminal is in doubt.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use counter_api::acquirer::ReversalReason;
use counter_core::Code;
use counter_core::payment::{
    self, Action, NewSale, PaymentRecord, PaymentState, RefundRecord, RefundState, Resolution,
};
use counter_store::Store;
use serde::Serialize;

use crate::clock::{Clock, new_key};
use crate::crash;
use crate::error::RuntimeError;
use crate::http::Backends;

/// How hard [`Payments`] tries before leaving a sale in doubt for later.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Rounds (requests) per drive before giving up for now.
    pub max_rounds: u32,
    /// First backoff; doubled each unknown outcome.
    pub first_backoff: Duration,
    /// Backoff cap.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_rounds: 40,
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        }
    }
}

/// What staff see about a sale after a drive or a recovery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SaleReport {
    /// The sale as journaled now.
    pub record: PaymentRecord,
    /// What to tell staff.
    pub code: Code,
}

/// The payment shell of one terminal.
#[derive(Clone, Debug)]
pub struct Payments {
    store: Arc<Mutex<Store>>,
    backends: Backends,
    clock: Arc<dyn Clock>,
    terminal_id: String,
    merchant_id: String,
    policy: RetryPolicy,
}

impl Payments {
    /// A shell over `store` and `backends`.
    pub fn new(
        store: Arc<Mutex<Store>>,
        backends: Backends,
        clock: Arc<dyn Clock>,
        terminal_id: &str,
        merchant_id: &str,
    ) -> Self {
        Self {
            store,
            backends,
            clock,
            terminal_id: terminal_id.to_owned(),
            merchant_id: merchant_id.to_owned(),
            policy: RetryPolicy::default(),
        }
    }

    /// Uses `policy` instead of the default.
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, counter_store::StoreError>,
    ) -> Result<T, RuntimeError> {
        let mut guard = self
            .store
            .lock()
            .map_err(|_| RuntimeError::Refused(Code::StorageFailure))?;
        Ok(f(&mut guard)?)
    }

    fn journal(&self, r: &mut PaymentRecord) -> Result<(), RuntimeError> {
        self.with_store(|s| s.update_payment(r))
    }

    /// Unfinished sales (in doubt, or approved and not captured) and refunds in doubt.
    pub fn unfinished(&self) -> Result<(Vec<PaymentRecord>, Vec<RefundRecord>), RuntimeError> {
        self.with_store(|s| Ok((s.unfinished_payments()?, s.refunds_in_doubt()?)))
    }

    /// Resolves every sale and refund in doubt (on start, and before each new sale).
    /// Returns what happened to each, for staff.
    pub async fn recover(&self) -> Result<Vec<SaleReport>, RuntimeError> {
        let (sales, refunds) = self.unfinished()?;
        let mut out = Vec::new();
        for mut r in sales {
            r.recovered = true;
            let report = self.drive(r, None).await?;
            out.push(report);
        }
        for rf in refunds {
            self.drive_refund(rf).await?;
        }
        if !out.is_empty() {
            tracing::info!(resolved = out.len(), "payments in doubt resolved on start");
        }
        Ok(out)
    }

    /// A new sale of `amount_jpy` authorised with the customer's `assertion` (from
    /// `counter_core::payment::cashier::Checkout::confirm`), driven to its end: captured,
    /// declined, reversed, or left in doubt when the acquirer stays unreachable.
    pub async fn sell(
        &self,
        amount_jpy: u64,
        order_ref: Option<String>,
        assertion: String,
    ) -> Result<SaleReport, RuntimeError> {
        let (sales, refunds) = self.unfinished()?;
        if !sales.is_empty() || !refunds.is_empty() {
            // Resolve what is left before a new sale (§1.10 rule 4, "before the next sale").
            self.recover().await?;
            let (sales, refunds) = self.unfinished()?;
            if !sales.is_empty() || !refunds.is_empty() {
                return Err(RuntimeError::Refused(Code::PaymentBusy));
            }
        }
        let seq = self.with_store(|s| s.next_sequence("sale"))?;
        let id = format!("{}-{seq:06}", self.terminal_id);
        let sale = NewSale {
            idempotency_key: new_key(&format!("{id}-auth")),
            order_ref: order_ref.unwrap_or_else(|| id.clone()),
            id,
            merchant_id: self.merchant_id.clone(),
            terminal_id: self.terminal_id.clone(),
            amount_jpy,
        };
        crash::point("before_journal");
        let record = payment::begin(sale, self.clock.now());
        self.with_store(|s| s.insert_payment(&record))?;
        crash::point("after_journal");
        self.drive(record, Some(assertion)).await
    }

    /// Carries `record` through its actions until it settles or the policy's rounds run
    /// out. `assertion` is held only while the sale is live.
    pub async fn drive(
        &self,
        mut record: PaymentRecord,
        assertion: Option<String>,
    ) -> Result<SaleReport, RuntimeError> {
        let mut last = Resolution::Pending;
        let mut backoff = self.policy.first_backoff;
        for _ in 0..self.policy.max_rounds {
            let Some(action) = payment::next_action(&record, assertion.is_some()) else {
                break;
            };
            let before = (record.state, record.attempts);
            last = self.step(&mut record, action, assertion.as_deref()).await?;
            if record.state.is_final() {
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
        let code = match (last, record.state.is_final()) {
            (Resolution::Settled { code, .. }, true) => code,
            (_, true) => payment::settled_code(record.state),
            (Resolution::Refused { code }, false) => code,
            _ => Code::PaymentInDoubt,
        };
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
                let req = counter_api::acquirer::CaptureRequest {
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
                let req =
                    payment::begin_reversal(record, key, ReversalReason::Timeout, self.clock.now());
                self.journal(record)?;
                let Some(key) = record.reversal_key.clone() else {
                    return Ok(Resolution::Pending);
                };
                let answer = b.reverse(&key, &req).await;
                let res = payment::on_reversal(record, answer, self.clock.now());
                self.journal(record)?;
                res
            }
        };
        Ok(resolution)
    }

    /// A refused capture or void: the acquirer's status is the truth.
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

    /// Voids sale `id` (staff action; only on its business day).
    pub async fn void(&self, id: &str) -> Result<SaleReport, RuntimeError> {
        let mut record = self
            .with_store(|s| s.payment(id))?
            .ok_or(RuntimeError::Refused(Code::NotNow))?;
        let key = new_key(&format!("{id}-void"));
        payment::begin_void(&mut record, key, self.clock.now()).map_err(RuntimeError::Refused)?;
        self.journal(&mut record)?;
        self.drive(record, None).await
    }

    /// Refunds `amount_jpy` of sale `id` (staff action).
    pub async fn refund(
        &self,
        id: &str,
        amount_jpy: u64,
    ) -> Result<(RefundRecord, Code), RuntimeError> {
        let (record, existing) = self.with_store(|s| Ok((s.payment(id)?, s.refunds_of(id)?)))?;
        let record = record.ok_or(RuntimeError::Refused(Code::NotNow))?;
        let seq = self.with_store(|s| s.next_sequence("refund"))?;
        let refund = payment::begin_refund(
            &record,
            &existing,
            format!("{}-R{seq:06}", self.terminal_id),
            new_key(&format!("{id}-refund-{seq}")),
            amount_jpy,
            self.clock.now(),
        )
        .map_err(RuntimeError::Refused)?;
        self.with_store(|s| s.insert_refund(&refund))?;
        self.drive_refund(refund).await
    }

    async fn drive_refund(
        &self,
        mut refund: RefundRecord,
    ) -> Result<(RefundRecord, Code), RuntimeError> {
        let mut backoff = self.policy.first_backoff;
        for _ in 0..self.policy.max_rounds {
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
            self.with_store(|s| s.update_refund_with_payment(&mut refund, &mut sale))?;
            if let Some(code) = code {
                return Ok((refund, code));
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.policy.max_backoff);
        }
        Ok((refund, Code::PaymentInDoubt))
    }

    /// The sales matching `q` with their refunds, newest first (the staff's journal).
    pub fn search(
        &self,
        q: &counter_store::PaymentQuery,
    ) -> Result<Vec<(PaymentRecord, Vec<RefundRecord>)>, RuntimeError> {
        self.with_store(|s| {
            s.search_payments(q)?
                .into_iter()
                .map(|p| {
                    let refunds = s.refunds_of(&p.id)?;
                    Ok((p, refunds))
                })
                .collect()
        })
    }

    /// The daily close of `date` (`YYYY-MM-DD`): refused while anything is in doubt.
    pub async fn close_day(&self, date: &str) -> Result<payment::close::CloseReport, RuntimeError> {
        let (doubt_sales, doubt_refunds) = self.unfinished()?;
        payment::close::check_closable(&doubt_sales, &doubt_refunds)
            .map_err(|r| RuntimeError::Refused(r.code))?;
        let (sales, refunds) = self.with_store(|s| s.journal_for_day(date))?;
        let theirs = self
            .backends
            .settlement(date)
            .await
            .map_err(|_| RuntimeError::Refused(Code::AcquirerUnavailable))?;
        let refunds_done: Vec<RefundRecord> = refunds
            .into_iter()
            .filter(|r| r.state == RefundState::Refunded)
            .collect();
        let ours = payment::close::journal_totals(date, &sales, &refunds_done);
        Ok(payment::close::reconcile(date, ours, &theirs))
    }
}
