//! The one place where `counter_core::eligibility`'s effects become the store's rows and
//! rows become core values again:
//!
//! | core | row | back |
//! |---|---|---|
//! | [`eligibility::CheckRecord`] (`RecordCheck`) | [`CheckRecord`]: `summary_json` is the [`CheckSummary`], `details_json` the [`CheckDetails`] | [`CheckRecord::to_eligibility`] |
//! | [`eligibility::AuditEvent`] (`Audit`) | [`AuditEvent`] via [`AuditEvent::from_eligibility`] | — (the trail is read as rows) |
//! | [`RecheckRequest`] (`EnqueueRecheck`) | [`RecheckItem`]: `request_json` is the request | [`RecheckItem::request`] |

use counter_core::eligibility::{
    self, CheckDetails, CheckSummary, RecheckRequest, recheck::RecheckDone,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::audit::AuditEvent;
use crate::checks::CheckRecord;
use crate::error::StoreError;
use crate::recheck::{RecheckItem, RecheckState};

/// `value` as JSON text.
pub(crate) fn to_json<T: Serialize>(what: &'static str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Encode {
        what,
        detail: e.to_string(),
    })
}

/// Stored JSON text as `T`.
pub(crate) fn from_json<T: DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

/// The serde name of a unit enum variant (`Mode::Reception` → `reception`).
fn name_of<T: Serialize>(what: &'static str, value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::Encode {
            what,
            detail: format!("expected a name, got {other}"),
        }),
        Err(e) => Err(StoreError::Encode {
            what,
            detail: e.to_string(),
        }),
    }
}

impl TryFrom<&eligibility::CheckRecord> for CheckRecord {
    type Error = StoreError;

    /// The row of a `RecordCheck`: the summary's id, time, mode, patient reference and
    /// validity as columns, the summary and the details as JSON, no export files yet (the
    /// export is written after the record; see [`crate::Store::set_check_exports`]).
    fn try_from(r: &eligibility::CheckRecord) -> Result<Self, StoreError> {
        let s = &r.summary;
        Ok(CheckRecord {
            id: s.check_id.clone(),
            at: s.at,
            mode: name_of("check mode", &s.mode)?,
            patient_ref: s.patient_ref.clone(),
            validity: s.validity.clone(),
            summary_json: to_json("check summary", s)?,
            details_json: Some(to_json("check details", &r.details)?),
            export_files: Vec::new(),
        })
    }
}

impl CheckRecord {
    /// The summary (kept by the purge).
    pub fn summary(&self) -> Result<CheckSummary, StoreError> {
        from_json("check summary", &self.summary_json)
    }

    /// The details; `None` once purged.
    pub fn details(&self) -> Result<Option<CheckDetails>, StoreError> {
        self.details_json
            .as_deref()
            .map(|d| from_json("check details", d))
            .transpose()
    }

    /// The core record, as last recorded. Once purged its details are empty
    /// ([`CheckDetails::default`]): only the summary is kept.
    pub fn to_eligibility(&self) -> Result<eligibility::CheckRecord, StoreError> {
        Ok(eligibility::CheckRecord {
            summary: self.summary()?,
            details: self.details()?.unwrap_or_default(),
        })
    }
}

impl AuditEvent {
    /// The trail's line for an eligibility event, done by the staff member `staff` (the
    /// terminal's staff id; the core machine does not know who is at the desk).
    ///
    /// `action` is the action's stable name ([`eligibility::AuditAction::name`]), `subject`
    /// the check id, `detail` the action's fields as JSON (codes, flags and file names, no
    /// personal details; `None` for an action without fields). `auth_method` is `None`: an
    /// eligibility step authenticates no one (the identification before it is audited with
    /// its own method).
    pub fn from_eligibility(
        event: &eligibility::AuditEvent,
        staff: &str,
    ) -> Result<Self, StoreError> {
        let mut fields = match serde_json::to_value(&event.action) {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(other) => {
                return Err(StoreError::Encode {
                    what: "audit action",
                    detail: format!("expected an object, got {other}"),
                });
            }
            Err(e) => {
                return Err(StoreError::Encode {
                    what: "audit action",
                    detail: e.to_string(),
                });
            }
        };
        // The tag is the action column already.
        fields.remove("action");
        let detail = if fields.is_empty() {
            None
        } else {
            Some(to_json("audit detail", &fields)?)
        };
        Ok(AuditEvent {
            at: event.at,
            staff: staff.to_owned(),
            action: event.action.name().to_owned(),
            subject: Some(event.check_id.clone()),
            auth_method: None,
            detail,
        })
    }
}

impl TryFrom<&RecheckRequest> for RecheckItem {
    type Error = StoreError;

    /// A new pending row for an `EnqueueRecheck`: its id is the check id (one re-check per
    /// check), `fallback_kind` the presented document's name, `presented_json` what was
    /// presented and `request_json` the whole request.
    fn try_from(r: &RecheckRequest) -> Result<Self, StoreError> {
        Ok(RecheckItem {
            id: r.check_id.clone(),
            created_at: r.queued_at,
            check_id: Some(r.check_id.clone()),
            fallback_kind: name_of("fallback document", &r.presented.document)?,
            presented_json: Some(to_json("presented document", &r.presented)?),
            request_json: Some(to_json("re-check request", r)?),
            reception_number: None,
            state: RecheckState::Pending,
            attempts: r.attempts,
            next_at: r.next_at,
            last_error: None,
            result_json: None,
        })
    }
}

impl RecheckItem {
    /// The request to run; `None` once purged (or for a row queued before schema 2). The
    /// row's `attempts` and `next_at` columns are the truth (the worker updates them), so
    /// they replace the request's.
    pub fn request(&self) -> Result<Option<RecheckRequest>, StoreError> {
        let Some(text) = self.request_json.as_deref() else {
            return Ok(None);
        };
        let mut r: RecheckRequest = from_json("re-check request", text)?;
        if self.check_id.as_deref() != Some(r.check_id.as_str()) {
            return Err(StoreError::Corrupt {
                what: "re-check request",
                detail: format!(
                    "the request is for check {:?} but the row for {:?}",
                    r.check_id, self.check_id
                ),
            });
        }
        r.attempts = self.attempts;
        r.next_at = self.next_at;
        Ok(Some(r))
    }
}

/// `result_json` of a finished re-check: what staff must see (the code and the
/// contradictions with what was presented); the new record itself replaces the check's.
pub(crate) fn recheck_result_json(done: &RecheckDone) -> Result<String, StoreError> {
    to_json("re-check result", &eligibility::RecheckShown::from(done))
}
