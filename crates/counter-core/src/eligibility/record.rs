//! What the store keeps of a check: a summary without personal details (kept for the
//! statistics and the audit trail) and the details (names, numbers, the raw answer; purged
//! by the [`super::retention::RetentionPolicy`]), and the audit events (ids and codes only,
//! docs/domain/eligibility.md §5 R7 "log every view", R10).

use counter_api::insurer::EligibilityResponse;
use serde::{Deserialize, Serialize};

use super::consent::ConsentsGiven;
use super::fallback::{FallbackDocument, FallbackReason, Presented};
use super::setup::Mode;
use crate::{Code, UnixTime};

/// `validity` of a fallback record (`RecordCheck` with what the patient presented).
pub const VALIDITY_FALLBACK: &str = "fallback";
/// `validity` of a check that got no answer and has no fallback (yet).
pub const VALIDITY_FAILED: &str = "failed";

/// How the eligibility on record was established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckSource {
    /// The insurer's answer to a card identification.
    Card,
    /// A document the patient presented.
    Fallback {
        /// The document the patient presented.
        document: FallbackDocument,
        /// Why the check falls back to a document (the card, platform or insurer failed).
        reason: FallbackReason,
    },
    /// A later re-check by insurance number (bulk pre-check).
    Recheck,
}

/// The part of a record without personal details.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckSummary {
    /// The check id (`ArbitraryFileIdentifier`).
    pub check_id: String,
    /// When recorded (Unix seconds).
    pub at: UnixTime,
    /// Reception or pharmacy.
    pub mode: Mode,
    /// The clinic's own patient id (照会番号), when the chart is known: the clinic's
    /// reference, not a personal detail of the result.
    pub patient_ref: Option<String>,
    /// How it was established.
    pub source: CheckSource,
    /// `QualificationValidity` `1`–`6` as answered, [`VALIDITY_FALLBACK`] or
    /// [`VALIDITY_FAILED`].
    pub validity: String,
    /// The share that applies, in tenths, when one is known (the document's for a
    /// fallback; the insurer's for an answer).
    pub ratio_tenths: Option<u8>,
    /// The warnings shown, as codes.
    pub warnings: Vec<Code>,
    /// Whether a re-check was queued.
    pub recheck_queued: bool,
}

/// The part of a record with personal details.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckDetails {
    /// The insurer's answer, raw (names unchanged, R2).
    pub response: Option<EligibilityResponse>,
    /// The record staff chose among several matches (`ResultList` index).
    pub chosen_record: Option<usize>,
    /// What the patient presented (fallback).
    pub presented: Option<Presented>,
    /// The consents in force.
    pub consents: Option<ConsentsGiven>,
}

/// `RecordCheck`: upsert by `summary.check_id` (a later record of the same check replaces
/// the earlier one: a failure, then its fallback, then the re-check's result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    /// Without personal details.
    pub summary: CheckSummary,
    /// With personal details.
    pub details: CheckDetails,
}

/// What happened, for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    /// The customer chose a service.
    ServiceChosen {
        /// The platform's service id.
        service_id: String,
    },
    /// The customer consented.
    Consented {
        /// What is in force.
        consents: ConsentsGiven,
    },
    /// Staff gave the patient they expect (compared with the answer; the audit keeps no
    /// name or date).
    ExpectedPersonSet,
    /// The eligibility request is being sent.
    EligibilityRequested,
    /// The insurer answered.
    EligibilityAnswered {
        /// `QualificationValidity`.
        validity: String,
        /// The warnings raised.
        warnings: Vec<Code>,
    },
    /// No answer could be had.
    EligibilityFailed {
        /// The code of the failure (the table has its text and next step).
        code: Code,
    },
    /// The detailed result (consent data) became visible to staff (R7 "log every view").
    DetailsShown,
    /// Staff acknowledged the warnings.
    WarningsAcknowledged {
        /// The codes to show, in order.
        codes: Vec<Code>,
    },
    /// Staff chose one of several matching records.
    RecordChosen {
        /// `ResultList` index.
        record: usize,
    },
    /// Staff recorded a fallback.
    FallbackRecorded {
        /// What was presented.
        document: FallbackDocument,
        /// Why the check falls back to a document (the card, platform or insurer failed).
        reason: FallbackReason,
    },
    /// Staff said the answer names another patient than the one expected: the check is
    /// that patient's, without the expected patient's chart id (the audit keeps neither
    /// person's name nor date).
    AnotherPatientConfirmed,
    /// Result files handed to the shell for the receipt system.
    Exported {
        /// File names.
        files: Vec<String>,
    },
    /// The shell could not write the export.
    ExportFailed,
    /// The session ended and was wiped.
    Ended,
    /// Staff confirmed they saw the check's finished re-check
    /// ([`super::recheck_outcome`]): it leaves the status bar.
    RecheckConfirmed {
        /// What was listed ([`Code::RecheckContradiction`] or [`Code::RecheckGaveUp`]).
        code: Code,
    },
}

impl AuditAction {
    /// The stable snake_case name (the serde tag).
    pub fn name(&self) -> &'static str {
        match self {
            Self::ServiceChosen { .. } => "service_chosen",
            Self::Consented { .. } => "consented",
            Self::ExpectedPersonSet => "expected_person_set",
            Self::EligibilityRequested => "eligibility_requested",
            Self::EligibilityAnswered { .. } => "eligibility_answered",
            Self::EligibilityFailed { .. } => "eligibility_failed",
            Self::DetailsShown => "details_shown",
            Self::WarningsAcknowledged { .. } => "warnings_acknowledged",
            Self::RecordChosen { .. } => "record_chosen",
            Self::FallbackRecorded { .. } => "fallback_recorded",
            Self::AnotherPatientConfirmed => "another_patient_confirmed",
            Self::Exported { .. } => "exported",
            Self::ExportFailed => "export_failed",
            Self::Ended => "ended",
            Self::RecheckConfirmed { .. } => "recheck_confirmed",
        }
    }
}

/// `Audit`: one line of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When (Unix seconds).
    pub at: UnixTime,
    /// The check.
    pub check_id: String,
    /// What happened.
    pub action: AuditAction,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_are_the_serde_tags() {
        for a in [
            AuditAction::ServiceChosen {
                service_id: "s".into(),
            },
            AuditAction::Consented {
                consents: ConsentsGiven::default(),
            },
            AuditAction::ExpectedPersonSet,
            AuditAction::EligibilityRequested,
            AuditAction::EligibilityAnswered {
                validity: "1".into(),
                warnings: vec![],
            },
            AuditAction::EligibilityFailed {
                code: Code::InsurerError,
            },
            AuditAction::DetailsShown,
            AuditAction::WarningsAcknowledged { codes: vec![] },
            AuditAction::RecordChosen { record: 0 },
            AuditAction::FallbackRecorded {
                document: FallbackDocument::Mynaportal,
                reason: FallbackReason::PinBlocked,
            },
            AuditAction::AnotherPatientConfirmed,
            AuditAction::Exported { files: vec![] },
            AuditAction::ExportFailed,
            AuditAction::Ended,
            AuditAction::RecheckConfirmed {
                code: Code::RecheckGaveUp,
            },
        ] {
            assert_eq!(serde_json::to_value(&a).unwrap()["action"], a.name());
        }
    }
}
