//! The daily close (日計): the terminal's journal of a JST business day against the
//! acquirer's settlement totals, per brand, in the nexo reconciliation categories
//! (docs/domain/payments-and-eid-clients.md §1.4, §1.9). Refused while any sale or refund of the
//! terminal is in doubt (§1.9: "refuse to close while any transaction is in doubt"); a refund
//! held past the recovery horizon is named apart, with the staff action that settles it
//! ([`Code::CloseRefusedRefundHeld`], [`super::settle_held_refund`]).
//!
//! Counting follows the acquirer's settlement (each operation on the day it happened): a
//! capture is a debit on its capture day unless the same sale was voided or reversed that
//! day; a refund is a credit on its own day; a void or a reversal of an approved sale is a
//! cancellation; a decline by the issuer counts as declined. Authorisations the acquirer
//! never saw (reversed as unknown) count nowhere.

use counter_api::acquirer::{BrandTotals, SettlementTotals};
use serde::{Deserialize, Serialize};

use super::record::{PaymentRecord, PaymentState, RefundRecord, RefundState};
use crate::UnixTime;
use crate::codes::Code;

/// One brand's line of the close: ours, theirs, and whether they agree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloseLine {
    /// The brand.
    pub brand: String,
    /// Our totals from the journal.
    pub journal: BrandTotals,
    /// The acquirer's totals (zero when it has no line for the brand).
    pub acquirer: BrandTotals,
    /// Whether the two agree.
    pub matches: bool,
}

/// The close of one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloseReport {
    /// The business date `YYYY-MM-DD`.
    pub date: String,
    /// Per brand, sorted.
    pub lines: Vec<CloseLine>,
    /// Authorisations the acquirer still holds open.
    pub pending_authorisations: u32,
    /// [`Code::CloseMatched`] or [`Code::CloseMismatch`].
    pub code: Code,
}

/// Why the day cannot be closed yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloseRefused {
    /// [`Code::CloseRefusedInDoubt`] while a sale or a refund the counter still sends is in
    /// doubt; else [`Code::CloseRefusedRefundHeld`] while a refund is held past the recovery
    /// horizon (staff record the acquirer's answer for it).
    pub code: Code,
    /// The sales and refunds in doubt (local ids); for a held refund, the held ones.
    pub in_doubt: Vec<String>,
}

/// Refuses the close at `now` while anything is in doubt; the shell checks this before
/// asking the acquirer for its totals. A refund held past the recovery horizon
/// ([`super::refund_held`]) is never resolved by the counter: the refusal then names it and
/// the action (staff record what the acquirer said), instead of telling staff to wait.
pub fn check_closable(
    payments: &[PaymentRecord],
    refunds: &[RefundRecord],
    now: UnixTime,
) -> Result<(), CloseRefused> {
    let mut in_doubt: Vec<String> = payments
        .iter()
        .filter(|p| p.state.in_doubt())
        .map(|p| p.id.clone())
        .collect();
    in_doubt.extend(
        refunds
            .iter()
            .filter(|r| super::retry_refund(r, now))
            .map(|r| r.id.clone()),
    );
    if !in_doubt.is_empty() {
        return Err(CloseRefused {
            code: Code::CloseRefusedInDoubt,
            in_doubt,
        });
    }
    let held: Vec<String> = super::held_refunds(refunds, now)
        .into_iter()
        .map(|r| r.id)
        .collect();
    if held.is_empty() {
        Ok(())
    } else {
        Err(CloseRefused {
            code: Code::CloseRefusedRefundHeld,
            in_doubt: held,
        })
    }
}

fn empty(brand: &str) -> BrandTotals {
    BrandTotals {
        brand: brand.to_owned(),
        debit_count: 0,
        debit_jpy: 0,
        credit_count: 0,
        credit_jpy: 0,
        cancelled_count: 0,
        declined_count: 0,
    }
}

fn line<'a>(out: &'a mut Vec<BrandTotals>, brand: &str) -> Option<&'a mut BrandTotals> {
    if !out.iter().any(|b| b.brand == brand) {
        out.push(empty(brand));
    }
    out.iter_mut().find(|b| b.brand == brand)
}

/// Our totals of `date` from the journal (`payments`: every sale that may have an
/// operation that day; `refunds`: every refund).
pub fn journal_totals(
    date: &str,
    payments: &[PaymentRecord],
    refunds: &[RefundRecord],
) -> Vec<BrandTotals> {
    let mut out = Vec::new();
    for p in payments {
        let Some(brand) = p.brand.as_deref() else {
            continue;
        };
        let cancelled = matches!(p.state, PaymentState::Voided | PaymentState::Reversed);
        let cancelled_on = p.cancelled_date.as_deref();
        if let (Some(day), true) = (p.captured_date.as_deref(), p.captured_jpy > 0 || cancelled) {
            let cancelled_same_day = cancelled && cancelled_on == Some(day);
            if day == date
                && !cancelled_same_day
                && p.captured_jpy > 0
                && let Some(b) = line(&mut out, brand)
            {
                b.debit_count += 1;
                b.debit_jpy += p.captured_jpy;
            }
        }
        if cancelled
            && cancelled_on == Some(date)
            && let Some(b) = line(&mut out, brand)
        {
            b.cancelled_count += 1;
        }
        let issuer_declined = p.state == PaymentState::Declined
            && p.decline_reason
                .as_deref()
                .is_some_and(|r| r.starts_with("payment_declined"));
        if issuer_declined
            && p.business_date == date
            && let Some(b) = line(&mut out, brand)
        {
            b.declined_count += 1;
        }
    }
    for r in refunds {
        if r.state != RefundState::Refunded || r.business_date != date {
            continue;
        }
        let Some(brand) = payments
            .iter()
            .find(|p| p.id == r.payment)
            .and_then(|p| p.brand.as_deref())
        else {
            continue;
        };
        if let Some(b) = line(&mut out, brand) {
            b.credit_count += 1;
            b.credit_jpy += r.amount_jpy;
        }
    }
    out.sort_by(|a, b| a.brand.cmp(&b.brand));
    out
}

/// Compares our totals with the acquirer's. Brands are compared on debits, credits and
/// cancellations; declines are compared when we know the brand of the declined sale.
pub fn reconcile(date: &str, ours: Vec<BrandTotals>, theirs: &SettlementTotals) -> CloseReport {
    let mut brands: Vec<String> = ours.iter().map(|b| b.brand.clone()).collect();
    brands.extend(theirs.brands.iter().map(|b| b.brand.clone()));
    brands.sort();
    brands.dedup();
    let lines: Vec<CloseLine> = brands
        .into_iter()
        .map(|brand| {
            let journal = ours
                .iter()
                .find(|b| b.brand == brand)
                .cloned()
                .unwrap_or_else(|| empty(&brand));
            let acquirer = theirs
                .brands
                .iter()
                .find(|b| b.brand == brand)
                .cloned()
                .unwrap_or_else(|| empty(&brand));
            let matches = journal.debit_count == acquirer.debit_count
                && journal.debit_jpy == acquirer.debit_jpy
                && journal.credit_count == acquirer.credit_count
                && journal.credit_jpy == acquirer.credit_jpy
                && journal.cancelled_count == acquirer.cancelled_count
                && (journal.declined_count == 0
                    || journal.declined_count == acquirer.declined_count);
            CloseLine {
                brand,
                journal,
                acquirer,
                matches,
            }
        })
        .collect();
    let code = if lines.iter().all(|l| l.matches) {
        Code::CloseMatched
    } else {
        Code::CloseMismatch
    };
    CloseReport {
        date: date.to_owned(),
        lines,
        pending_authorisations: theirs.pending_authorisations,
        code,
    }
}
