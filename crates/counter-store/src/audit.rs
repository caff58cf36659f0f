//! The audit trail: who did what, when, under which authentication. Append-only: there is
//! no API to change or remove an event, and the table's triggers refuse `UPDATE` and
//! `DELETE` from any code path.

use counter_core::UnixTime;

use crate::error::{StoreError, sql};
use crate::store::Store;

/// One audited action at the counter.
///
/// `subject` is an opaque reference (a platform identification id, a check id, a payment
/// id): never a certificate serial number, a card number or a PIN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// When the action was done.
    pub at: UnixTime,
    /// The staff member who did it (the terminal's staff id).
    pub staff: String,
    /// Stable snake_case action name: `identified`, `eligibility_viewed`,
    /// `payment_authorised`, `void`, `refund`, `fallback_recorded`, `daily_close`,
    /// `enrolled`, ….
    pub action: String,
    /// What it was done to, as an opaque reference.
    pub subject: Option<String>,
    /// How the person was authenticated (`pin`, `pin_pad`, `signature_password`, …): the
    /// method's name, never the secret.
    pub auth_method: Option<String>,
    /// Free text for the auditor (no personal details).
    pub detail: Option<String>,
}

impl Store {
    /// Appends `event` to the audit trail.
    pub fn append_audit(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        let tx = self.write()?;
        append_audit_in(&tx, event)?;
        tx.commit().map_err(sql("append an audit event"))
    }

    /// The audit events with `from <= at < to`, in the order they happened (ties in the
    /// order they were appended).
    pub fn audit_between(
        &self,
        from: UnixTime,
        to: UnixTime,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        const OP: &str = "read the audit trail";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at, staff, action, subject, auth_method, detail FROM audit \
                 WHERE at >= ?1 AND at < ?2 ORDER BY at, seq",
            )
            .map_err(sql(OP))?;
        let rows = stmt
            .query_map([from, to], |row| {
                Ok(AuditEvent {
                    at: row.get(0)?,
                    staff: row.get(1)?,
                    action: row.get(2)?,
                    subject: row.get(3)?,
                    auth_method: row.get(4)?,
                    detail: row.get(5)?,
                })
            })
            .map_err(sql(OP))?;
        rows.collect::<Result<_, _>>().map_err(sql(OP))
    }
}

/// The insert of `event` inside `tx` (the caller commits), for a write audited in its own
/// transaction.
pub(crate) fn append_audit_in(
    tx: &rusqlite::Transaction<'_>,
    event: &AuditEvent,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (at, staff, action, subject, auth_method, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            event.at,
            &event.staff,
            &event.action,
            &event.subject,
            &event.auth_method,
            &event.detail,
        ),
    )
    .map_err(sql("append an audit event"))?;
    Ok(())
}
