//! One visit: the reception's eligibility check and the co-payments journaled with it
//! (`payments.visit_id`, schema 6). The counter reads the check before it takes a
//! co-payment; the journal lists the visits of a day, each check with its payments.

use counter_core::UnixTime;
use counter_core::counter::VisitCheck;
use counter_core::eligibility::AuditAction;
use counter_core::payment::PaymentRecord;

use crate::checks::CheckRecord;
use crate::error::{StoreError, sql};
use crate::payments::{PAYMENT_COLUMNS, collect_payments};
use crate::store::Store;

/// One visit as the journal lists it: the check (its row; the summary stays after the
/// purge) and the sales journaled with it, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitRow {
    /// The check.
    pub check: CheckRecord,
    /// Whether staff acknowledged the check's warnings (see
    /// [`VisitCheck::warnings_acknowledged`]).
    pub warnings_acknowledged: bool,
    /// Whether staff confirmed the check's finished re-check (see
    /// [`VisitCheck::recheck_confirmed`]).
    pub recheck_confirmed: bool,
    /// Its co-payments (every attempt: declined and reversed ones too).
    pub payments: Vec<PaymentRecord>,
}

impl Store {
    /// Check `id` as a visit: when it was first recorded and its record as last written
    /// (`None`: no such check).
    pub fn visit_check(&self, id: &str) -> Result<Option<VisitCheck>, StoreError> {
        let Some(row) = self.check(id)? else {
            return Ok(None);
        };
        Ok(Some(VisitCheck {
            visited_at: row.at,
            record: row.to_eligibility()?,
            warnings_acknowledged: self.warnings_acknowledged(&row.id, row.at)?,
            recheck_confirmed: self.recheck_confirmed(&row.id)?,
        }))
    }

    /// Whether staff confirmed check `id`'s finished re-check (`rechecks.confirmed_at`,
    /// schema 15). `false` when it has none, or while a new one is pending (queuing it
    /// clears the confirmation).
    pub fn recheck_confirmed(&self, id: &str) -> Result<bool, StoreError> {
        const OP: &str = "read a re-check's confirmation";
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM rechecks WHERE check_id = ?1 \
                 AND confirmed_at IS NOT NULL)",
            )
            .and_then(|mut stmt| stmt.query_row([id], |row| row.get(0)))
            .map_err(sql(OP))
    }

    /// Whether the audit trail holds staff's acknowledgement of check `id`'s warnings
    /// (the eligibility machine's `warnings_acknowledged` line, whose subject is the check
    /// id), at or after `since`, the check's first record: nothing is acknowledged before
    /// the answer that raised it was recorded.
    pub fn warnings_acknowledged(&self, id: &str, since: UnixTime) -> Result<bool, StoreError> {
        const OP: &str = "read a check's acknowledgement";
        let action = AuditAction::WarningsAcknowledged { codes: Vec::new() }.name();
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM audit WHERE at >= ?1 AND action = ?2 \
                 AND subject = ?3)",
            )
            .and_then(|mut stmt| stmt.query_row((since, action, id), |row| row.get(0)))
            .map_err(sql(OP))
    }

    /// The sales journaled with visit `check_id`, oldest first.
    pub fn payments_of_visit(&self, check_id: &str) -> Result<Vec<PaymentRecord>, StoreError> {
        const OP: &str = "list a visit's payments";
        let query = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE visit_id = ?1 \
             ORDER BY created_at, rowid"
        );
        let mut stmt = self.conn.prepare_cached(&query).map_err(sql(OP))?;
        let rows = stmt.query([check_id]).map_err(sql(OP))?;
        collect_payments(rows, OP)
    }

    /// The visits with `from <= at < to` (the checks of a day), oldest first, each with
    /// its co-payments.
    pub fn visits_between(
        &self,
        from: UnixTime,
        to: UnixTime,
    ) -> Result<Vec<VisitRow>, StoreError> {
        self.checks_between(from, to)?
            .into_iter()
            .map(|check| {
                let payments = self.payments_of_visit(&check.id)?;
                let warnings_acknowledged = self.warnings_acknowledged(&check.id, check.at)?;
                let recheck_confirmed = self.recheck_confirmed(&check.id)?;
                Ok(VisitRow {
                    check,
                    warnings_acknowledged,
                    recheck_confirmed,
                    payments,
                })
            })
            .collect()
    }
}
