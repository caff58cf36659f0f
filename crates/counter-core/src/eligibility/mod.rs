//! Reception and pharmacy eligibility checks (資格確認, docs/domain/eligibility.md §1–2, §5).
//!
//! | piece | module |
//! |---|---|
//! | the check after identification, as a sans-IO machine ([`EligibilityCheck`]) | [`machine`], `answer`, `recording`, [`view`] |
//! | the site's settings and what the terminal knows about the person | [`setup`], [`consent`] |
//! | 負担割合 and `QualificationValidity` | [`validity`] |
//! | warnings (R2, R3, R7) and name comparison | [`warnings`], [`names`] |
//! | result files for the receipt system (`OQSsiquc01res_*.xml` / `.json`) | [`export`], [`xml`] |
//! | fallbacks (R1) and the re-check queue's decisions | [`fallback`], [`recheck`] |
//! | the finished re-checks staff must confirm | [`recheck_outcome`] |
//! | the store's records, the audit trail, retention | [`record`], [`retention`] |
//!
//! See [`EligibilityCheck`] for the calling contract.

mod answer;
pub mod consent;
pub mod export;
pub mod fallback;
pub mod machine;
pub mod names;
pub mod recheck;
pub mod recheck_outcome;
pub mod record;
mod recording;
pub mod retention;
pub mod setup;
pub mod validity;
pub mod view;
pub mod warnings;
pub mod xml;

#[cfg(test)]
pub(crate) mod testdata;

pub use answer::failure_reason;
pub use consent::{ConsentsGiven, CustomerConsents, PrescriptionFormat};
pub use export::{ExportFile, ResultMessage};
pub use fallback::{
    FallbackDocument, FallbackError, FallbackField, FallbackForm, FallbackReason, Presented,
};
pub use machine::{CheckError, Effect, EligibilityCheck, ExportState, Input};
pub use recheck::{
    RecheckDecision, RecheckPolicy, RecheckRequest, RetryOutcome, bulk_requests, decide,
    decide_bulk,
};
pub use recheck_outcome::{
    FinishedRecheck, RecheckShown, RecheckToConfirm, kept_by_purge, to_confirm,
};
pub use record::{AuditAction, AuditEvent, CheckDetails, CheckRecord, CheckSource, CheckSummary};
pub use retention::RetentionPolicy;
pub use setup::{
    CardHolder, CheckSettings, ClinicRecord, ConsentsOffered, ExpectedError, Mode, SetupError,
    check_id_for, terminal_makes_check_ids,
};
pub use validity::{Ratio, RatioSource, Validity};
pub use view::{CustomerView, PersonCheck, StaffView};
pub use warnings::Warning;
