//! The payment shell: carries out `counter_core::payment`'s actions against the acquirer,
//! journaling every record **durably before** the request that depends on it leaves
//! (docs/domain/payments-and-eid-clients.md §1.10), and resolves unfinished sales on start before any
//! new sale (§1.10 "Startup: replay journal; anything in AUTH_SENDING/UNKNOWN/*_PENDING is
//! resolved before new sales").
//!
//! One sale at a time per terminal (§1.10 rule 6): [`Payments::sell`] refuses while any
//! sale or refund of this terminal is unfinished.
//!
//! **One owner per sale's journal row**: every piece of payment work on a sale
//! (the live sale, a void, a refund, a recovery) holds that sale's lock while it runs
//! (`payments::locks`); live work waits for it, recovery only tries it and leaves a sale another
//! task is driving to that task. Journal updates are compare-and-set on the row's version:
//! a [`counter_store::StoreError::Conflict`] (a writer outside this process) is answered
//! by re-reading the row and stopping, never by writing the stale record again. Store
//! failures are returned, never swallowed: a sale whose journal cannot be written is not
//! driven further (nothing is sent that the journal does not hold first).
//!
//! **Recovery reverses approvals the counter did not show** ([`Payments::recover`],
//! `counter_core::payment::machine`'s rules): a sale recovery finds approved was never
//! reported as approved (the terminal crashed, or the sale ended with a journal failure
//! or in doubt), so the customer may have paid another way; it is reversed and staff read
//! [`Code::ApprovalReversedOnRecovery`], never captured silently.
//!
//! **A captured sale's outcome is marked shown once it is out** ([`Payments::mark_shown`],
//! `counter_core::payment::shown`): a sale journaled captured is final and recovery leaves
//! it, so a crash between that write and the outcome reaching staff or the register would
//! hide a charge nobody saw. The caller that hands the outcome over marks it afterwards
//! (the counter's event loop once the screens carrying it are published, or the register's
//! request has its answer; the headless driver once it printed it); the counter lists
//! today's captured sales that have no mark.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use counter_core::counter::Visit;
use counter_core::payment::{
    self, HeldQueries, NewSale, PaymentRecord, RecoveryPass, RefundRecord, RefundState,
};
use counter_core::{Code, UnixTime};
use counter_store::Store;
use serde::Serialize;

use crate::clock::{Clock, new_key};
use crate::crash;
use crate::error::RuntimeError;
use crate::http::Backends;

mod drive;
mod locks;

use locks::SaleLocks;

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

/// What a recovery pass did ([`Payments::recover`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// What happened to each sale it drove.
    pub sales: Vec<SaleReport>,
    /// Each refund it sent again or asked the acquirer about, as journaled after, with what
    /// staff read about it.
    pub refunds: Vec<(RefundRecord, Code)>,
}

/// A recovery pass that failed partway ([`Payments::recover_reported`]): why, with the held
/// refunds it had already settled by the acquirer's record before it failed, which are
/// journaled as settled and must still be named to staff.
#[derive(Debug)]
pub struct RecoveryFailed {
    /// Why the pass stopped.
    pub error: RuntimeError,
    /// The held refunds it settled before that.
    pub settled: Vec<payment::HeldSettled>,
}

impl RecoveryFailed {
    /// The pass that did `done` and then stopped on `error`.
    fn after(done: &Recovery, error: RuntimeError) -> Self {
        RecoveryFailed {
            error,
            settled: done.settled_by_record(),
        }
    }
}

impl Recovery {
    /// The held refunds this pass settled by the acquirer's record
    /// (`counter_core::payment::settled_by_record`).
    fn settled_by_record(&self) -> Vec<payment::HeldSettled> {
        payment::settled_by_record(self.refunds.iter().map(|(r, c)| (r, *c)))
    }
}

/// What a new sale is journaled with.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Link {
    /// Nothing: a cashier's sale.
    None,
    /// The register's order (its `order_ref`), in one transaction.
    PosOrder,
    /// The visit (reception check id) of a co-payment.
    Visit(String),
}

/// The payment shell of one terminal. Clones share the store and the sales' locks.
#[derive(Clone, Debug)]
pub struct Payments {
    store: Arc<Mutex<Store>>,
    backends: Backends,
    clock: Arc<dyn Clock>,
    terminal_id: String,
    merchant_id: String,
    policy: RetryPolicy,
    locks: SaleLocks,
    /// Held from the "nothing unfinished" check of a new sale until it is journaled, so
    /// two sales cannot both pass the check.
    new_sale: Arc<tokio::sync::Mutex<()>>,
    /// When each held refund was last asked about (`counter_core::payment::held_query_due`).
    held_queries: Arc<Mutex<HeldQueries>>,
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
            locks: SaleLocks::default(),
            new_sale: Arc::default(),
            held_queries: Arc::default(),
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

    /// The time now, by this shell's clock.
    pub fn now(&self) -> counter_core::UnixTime {
        self.clock.now()
    }

    /// Unfinished sales (in doubt, or approved and not captured) and refunds in doubt.
    pub fn unfinished(&self) -> Result<(Vec<PaymentRecord>, Vec<RefundRecord>), RuntimeError> {
        self.with_store(|s| Ok((s.unfinished_payments()?, s.refunds_in_doubt()?)))
    }

    /// Journals that sale `id`'s outcome was handed over now (`counter_core::payment::shown`):
    /// call it once the outcome is out, never before. `Ok(false)` when it already was.
    pub fn mark_shown(&self, id: &str) -> Result<bool, RuntimeError> {
        let now = self.clock.now();
        self.with_store(|s| s.mark_shown(id, now))
    }

    /// Whether some task of this shell is working on sale `id` now (a live sale, a void,
    /// a refund or a recovery).
    pub fn busy(&self, id: &str) -> bool {
        self.locks.busy(id)
    }

    /// Whether held refund `refund` is due its status query on a pass `pass` started at
    /// `at`, noting it asked at `at` when it is
    /// (`counter_core::payment::HeldQueries::take_due`).
    fn held_query_due(&self, refund: &RefundRecord, pass: RecoveryPass, at: UnixTime) -> bool {
        self.held_queries().take_due(refund, pass, at)
    }

    /// When each held refund was last asked about. The map is whole after any panic (each
    /// call inserts or drops whole entries): a poisoned lock is taken as it is.
    fn held_queries(&self) -> std::sync::MutexGuard<'_, HeldQueries> {
        self.held_queries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Resolves every unfinished sale and refund that no other task is working on; `pass`
    /// says why it runs (at start, before a new sale, staff's, the timed one). An approval
    /// found for a sale the counter did not show as approved is reversed; a refund past the
    /// recovery horizon is not sent again (`counter_core::payment::retry_refund`: it could
    /// be made twice) and stays listed for staff; the acquirer's record of its sale is asked
    /// only when the core says it is due on this pass
    /// (`counter_core::payment::held_query_due`: never before a new sale, which must not
    /// wait on it; at most once an hour from the timer). Returns what happened to each
    /// sale and refund, for staff; a sale another task is driving is left to it and not
    /// reported.
    pub async fn recover(&self, pass: RecoveryPass) -> Result<Recovery, RuntimeError> {
        self.recover_at(pass, self.clock.now()).await
    }

    /// As [`Payments::recover`], for a pass the counter started at `at` (its own time,
    /// `counter_core::counter::JournalOp::Recover`): whether a held refund is due its status
    /// query, and when it was asked, count from `at`, the time the counter keeps for the
    /// pass, so that its next hourly pass finds the refund due rather than a few seconds
    /// short of the hour.
    pub async fn recover_at(
        &self,
        pass: RecoveryPass,
        at: UnixTime,
    ) -> Result<Recovery, RuntimeError> {
        let mut done = Recovery::default();
        self.recover_into(pass, at, &mut done).await?;
        Ok(done)
    }

    /// The pass of [`Payments::recover_at`], adding to `done` each sale and refund as it
    /// is driven, so that what a pass failing partway did is still known.
    async fn recover_into(
        &self,
        pass: RecoveryPass,
        at: UnixTime,
        done: &mut Recovery,
    ) -> Result<(), RuntimeError> {
        let (sales, refunds) = self.unfinished()?;
        self.held_queries().keep_only(&refunds);
        for listed in sales {
            let Some(guard) = self.locks.try_lock(&listed.id) else {
                tracing::info!(sale = %listed.id, "recovery leaves a sale its owner is driving");
                continue;
            };
            // Read again under the lock: its owner may have settled it since the list.
            let Some(mut record) = self.with_store(|s| s.payment(&listed.id))? else {
                continue;
            };
            if record.state.is_final() {
                continue;
            }
            record.recovered = true;
            done.sales
                .push(self.drive_owned(&guard, record, None).await?);
        }
        for listed in refunds {
            let Some(guard) = self.locks.try_lock(&listed.payment) else {
                continue;
            };
            let fresh = self
                .with_store(|s| s.refunds_of(&listed.payment))?
                .into_iter()
                .find(|r| r.id == listed.id && r.state == RefundState::Refunding);
            let Some(refund) = fresh else {
                continue;
            };
            if payment::retry_refund(&refund, self.clock.now()) {
                done.refunds
                    .push(self.drive_refund_owned(&guard, refund).await?);
            } else if self.held_query_due(&refund, pass, at) {
                done.refunds
                    .push(self.resolve_held_owned(&guard, refund).await?);
            }
        }
        if !done.sales.is_empty() {
            tracing::info!(resolved = done.sales.len(), "unfinished payments resolved");
        }
        Ok(())
    }

    /// A recovery pass ([`Payments::recover`]) and what staff read about it
    /// (`counter_core::payment::recovery_report_code`: a refund still unknown after it is
    /// said so, never "nothing in doubt"), with the held refunds it settled by the acquirer's
    /// record (`counter_core::payment::settled_by_record`), which the counter names to staff
    /// until they act.
    /// The pass started at `at`, the counter's time ([`Payments::recover_at`]). A pass that
    /// fails partway returns the held refunds it settled before with its error
    /// ([`RecoveryFailed`]): they are settled in the journal and named nowhere else.
    pub async fn recover_reported(
        &self,
        pass: RecoveryPass,
        at: UnixTime,
    ) -> Result<(Code, Vec<payment::HeldSettled>), RecoveryFailed> {
        let mut done = Recovery::default();
        let before = self
            .unfinished()
            .map_err(|error| RecoveryFailed::after(&done, error))?
            .1
            .len();
        if let Err(error) = self.recover_into(pass, at, &mut done).await {
            return Err(RecoveryFailed::after(&done, error));
        }
        let open = self
            .unfinished()
            .map_err(|error| RecoveryFailed::after(&done, error))?
            .1;
        let report = payment::recovery_report_code(
            done.sales.iter().map(|s| &s.record),
            before,
            &open,
            self.clock.now(),
        );
        Ok((report, done.settled_by_record()))
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
        self.sell_linked(amount_jpy, order_ref, assertion, Link::None)
            .await
    }

    /// As [`Payments::sell`], for the co-payment of visit `visit_id` (a reception check):
    /// the sale is journaled with the check id, which its receipts name.
    pub async fn sell_for_visit(
        &self,
        amount_jpy: u64,
        visit_id: String,
        assertion: String,
    ) -> Result<SaleReport, RuntimeError> {
        self.sell_linked(amount_jpy, None, assertion, Link::Visit(visit_id))
            .await
    }

    /// As [`Payments::sell`], for the register's order `order_ref`: the sale is journaled
    /// with the link to the order in one transaction, and refused (nothing sent) unless the
    /// order is still open.
    pub async fn sell_for_pos(
        &self,
        amount_jpy: u64,
        order_ref: String,
        assertion: String,
    ) -> Result<SaleReport, RuntimeError> {
        self.sell_linked(amount_jpy, Some(order_ref), assertion, Link::PosOrder)
            .await
    }

    async fn sell_linked(
        &self,
        amount_jpy: u64,
        order_ref: Option<String>,
        assertion: String,
        link: Link,
    ) -> Result<SaleReport, RuntimeError> {
        let gate = self.new_sale.lock().await;
        // What holds back a new sale: a refund held past the recovery horizon does not (it is
        // never sent again, so nothing races the sale; staff settle it apart).
        let blocking = |(sales, refunds): (Vec<PaymentRecord>, Vec<RefundRecord>)| {
            !payment::blocking_ids(&sales, &refunds, self.clock.now()).is_empty()
        };
        if blocking(self.unfinished()?) {
            // Resolve what is left before a new sale (§1.10 rule 4, "before the next sale");
            // a held refund is not asked about on this pass, so the sale never waits on it.
            self.recover(RecoveryPass::BeforeSale).await?;
            if blocking(self.unfinished()?) {
                return Err(RuntimeError::Refused(Code::PaymentBusy));
            }
        }
        let seq = self.with_store(|s| s.next_sequence("sale"))?;
        let id = format!("{}-{seq:06}", self.terminal_id);
        // A fresh id: nobody else can hold it; held before the row exists, so a recovery
        // that lists the new row finds it owned.
        let guard = self.locks.lock(&id).await;
        let sale = NewSale {
            idempotency_key: new_key(&format!("{id}-auth")),
            order_ref: order_ref.unwrap_or_else(|| id.clone()),
            id,
            merchant_id: self.merchant_id.clone(),
            terminal_id: self.terminal_id.clone(),
            amount_jpy,
            visit_id: match &link {
                Link::Visit(id) => Some(id.clone()),
                _ => None,
            },
        };
        crash::point("before_journal");
        let record = payment::begin(sale, self.clock.now());
        if link == Link::PosOrder {
            let order_ref = record.order_ref.clone();
            self.with_store(|s| s.insert_payment_for_pos_order(&record, &order_ref))?;
        } else {
            self.with_store(|s| s.insert_payment(&record))?;
        }
        crash::point("after_journal");
        drop(gate);
        self.drive_owned(&guard, record, Some(assertion)).await
    }

    /// Carries `record` through its actions until it settles or the policy's rounds run
    /// out. `assertion` is held only while the sale is live. Waits for the sale's lock
    /// first (another task working on it finishes first); `record` must be as journaled
    /// (a stale copy is refused by the journal and re-read, see the module documentation).
    pub async fn drive(
        &self,
        record: PaymentRecord,
        assertion: Option<String>,
    ) -> Result<SaleReport, RuntimeError> {
        let guard = self.locks.lock(&record.id).await;
        self.drive_owned(&guard, record, assertion).await
    }

    /// Voids sale `id` (staff action; only on its business day). Waits until no other
    /// task works on the sale, then decides from the journal as it is then.
    pub async fn void(&self, id: &str) -> Result<SaleReport, RuntimeError> {
        let guard = self.locks.lock(id).await;
        let mut record = self
            .with_store(|s| s.payment(id))?
            .ok_or(RuntimeError::Refused(Code::NotNow))?;
        let key = new_key(&format!("{id}-void"));
        payment::begin_void(&mut record, key, self.clock.now()).map_err(RuntimeError::Refused)?;
        self.with_store(|s| s.update_payment(&mut record))?;
        self.drive_owned(&guard, record, None).await
    }

    /// Refunds `amount_jpy` of sale `id` (staff action). Waits until no other task works
    /// on the sale, then decides from the journal as it is then.
    pub async fn refund(
        &self,
        id: &str,
        amount_jpy: u64,
    ) -> Result<(RefundRecord, Code), RuntimeError> {
        self.refund_linked(id, amount_jpy, None).await
    }

    /// As [`Payments::refund`], for `register`'s order `order_ref` under that register's
    /// `idempotency_key`, journaled with the refund in one transaction (a retry of the
    /// request finds it and refunds nothing again; another register's key is its own).
    pub async fn refund_for_pos(
        &self,
        id: &str,
        amount_jpy: u64,
        order_ref: &str,
        register: &str,
        idempotency_key: &str,
    ) -> Result<(RefundRecord, Code), RuntimeError> {
        self.refund_linked(id, amount_jpy, Some((order_ref, register, idempotency_key)))
            .await
    }

    async fn refund_linked(
        &self,
        id: &str,
        amount_jpy: u64,
        pos: Option<(&str, &str, &str)>,
    ) -> Result<(RefundRecord, Code), RuntimeError> {
        let guard = self.locks.lock(id).await;
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
        match pos {
            Some((order_ref, register, key)) => {
                let key = counter_core::pos::PosRefundKey {
                    register: Some(register.to_owned()),
                    idempotency_key: key.to_owned(),
                    order_ref: order_ref.to_owned(),
                    amount_jpy,
                    refund_id: refund.id.clone(),
                };
                self.with_store(|s| s.insert_refund_for_pos(&refund, &key))?;
            }
            None => self.with_store(|s| s.insert_refund(&refund))?,
        }
        self.drive_refund_owned(&guard, refund).await
    }

    /// Records what the acquirer told staff about held refund `refund_id` (staff action;
    /// nothing is sent): under its sale's lock, the counter asks the acquirer's own record
    /// of the sale (its status query by the sale's key), the rule decides from the journal
    /// as it is then and that record (`counter_core::payment::settle_held_refund`: only a
    /// refund held past the recovery horizon, and not an answer the record contradicts;
    /// when the acquirer cannot be reached, staff's answer stands), and the answer is
    /// journaled with its audit line (staff: this terminal, as for the other staff
    /// actions) in one transaction.
    pub async fn settle_held_refund(
        &self,
        refund_id: &str,
        said: payment::AcquirerSaid,
    ) -> Result<(RefundRecord, Code), RuntimeError> {
        // No such refund (a stale list, a mistyped id): nothing to settle, and "already
        // settled" would be wrong advice. One not in doubt any more (a second press after
        // it was settled) is refused by the rule below, read under its sale's lock.
        let listed = self
            .with_store(|s| s.refund(refund_id))?
            .ok_or(RuntimeError::Refused(Code::RefundUnknown))?;
        let _guard = self.locks.lock(&listed.payment).await;
        // Read again under the lock: a recovery may have settled it since the list.
        let (sale, refunds) =
            self.with_store(|s| Ok((s.payment(&listed.payment)?, s.refunds_of(&listed.payment)?)))?;
        let mut sale = sale.ok_or(RuntimeError::Refused(Code::NotNow))?;
        let mut refund = refunds
            .into_iter()
            .find(|r| r.id == refund_id)
            .ok_or(RuntimeError::Refused(Code::NotNow))?;
        // Ask the acquirer's own record first when the core says so (a held refund:
        // nothing else is settled this way); unreachable, staff's answer stands.
        let figure = if self.held_query_due(&refund, RecoveryPass::Settle, self.clock.now()) {
            self.acquirer_refunded(&sale).await
        } else {
            None
        };
        let now = self.clock.now();
        let code = payment::settle_held_refund(&mut refund, &mut sale, said, figure, now).map_err(
            |e| {
                tracing::warn!(
                    refund = refund_id,
                    "staff's answer for a refund refused: {e}"
                );
                RuntimeError::Refused(e.code())
            },
        )?;
        let event = counter_store::AuditEvent {
            at: now,
            staff: self.terminal_id.clone(),
            action: "held_refund_settled".into(),
            subject: Some(refund.id.clone()),
            auth_method: None,
            detail: refund.reason.clone(),
        };
        self.with_store(|s| s.update_refund_audited(&mut refund, &mut sale, &event))?;
        tracing::info!(
            refund = refund_id,
            ?said,
            "staff recorded the acquirer's answer for a held refund"
        );
        Ok((refund, code))
    }

    /// The summary of visit `check_id` (the check a co-payment was journaled with), if the
    /// check is stored and has a result.
    pub fn visit(&self, check_id: &str) -> Result<Option<Visit>, RuntimeError> {
        let check = self.with_store(|s| s.visit_check(check_id))?;
        Ok(check.and_then(|c| Visit::of_record(&c.record, c.visited_at).ok()))
    }

    /// The visits (reception checks) of JST business day `date`, each with its
    /// co-payments, oldest first.
    pub fn visits(&self, date: &str) -> Result<Vec<counter_store::VisitRow>, RuntimeError> {
        let day = madoguchi_time::jst::CivilDate::parse(date)
            .filter(|_| date.len() == 10)
            .ok_or(RuntimeError::Refused(Code::DateInvalid))?;
        let (from, to) = day.bounds();
        self.with_store(|s| s.visits_between(from, to))
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
        payment::close::check_closable(&doubt_sales, &doubt_refunds, self.clock.now())
            .map_err(|r| RuntimeError::Refused(r.code))?;
        let (sales, refunds) = self.with_store(|s| s.journal_for_day(date))?;
        let theirs = self.backends.settlement(date).await.map_err(|f| {
            tracing::warn!(date, "the acquirer's totals could not be read: {f:?}");
            RuntimeError::Refused(Code::AcquirerUnavailable)
        })?;
        let refunds_done: Vec<RefundRecord> = refunds
            .into_iter()
            .filter(|r| r.state == RefundState::Refunded)
            .collect();
        let ours = payment::close::journal_totals(date, &sales, &refunds_done);
        Ok(payment::close::reconcile(date, ours, &theirs))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use counter_core::payment::{HeldSettled, RefundRecord, RefundState};

    use super::*;

    #[test]
    fn a_pass_failing_partway_keeps_the_held_refunds_it_settled() {
        let refund = |id: &str, state| RefundRecord {
            id: id.into(),
            payment: "T1-000001".into(),
            idempotency_key: format!("{id}-key"),
            amount_jpy: 700,
            state,
            business_date: "2026-11-10".into(),
            reason: None,
            created_at: UnixTime::from_secs(1_762_736_400),
            updated_at: UnixTime::from_secs(1_764_000_000),
            attempts: 1,
            version: 1,
        };
        let done = Recovery {
            sales: Vec::new(),
            refunds: vec![
                (
                    refund("T1-R000002", RefundState::Refunded),
                    Code::HeldRefundFoundRefunded,
                ),
                (
                    refund("T1-R000003", RefundState::Refunding),
                    Code::PaymentUnresolved,
                ),
            ],
        };
        let failed = RecoveryFailed::after(&done, RuntimeError::Refused(Code::StorageFailure));
        assert!(
            matches!(failed.error, RuntimeError::Refused(Code::StorageFailure)),
            "{:?}",
            failed.error
        );
        assert_eq!(
            failed.settled,
            [HeldSettled {
                refund_id: "T1-R000002".into(),
                sale_id: "T1-000001".into(),
                amount_jpy: 700,
                made: true,
            }]
        );
    }
}
