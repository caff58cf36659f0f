//! What the two screens show. The staff view is laid out as staff read it: warnings above
//! everything, then the headline (co-payment ratio and validity), then the records, then
//! the details R7 may withhold. The customer view never holds a result: no name, no
//! number, nothing of another person (R8). After `end()` both hold nothing.

use counter_api::insurer::{
    Consents, ElderlyRecipient, LimitCertificate, QualificationResult, SpecificDisease,
};
use serde::{Deserialize, Serialize};

use super::consent::ConsentsGiven;
use super::fallback::{FallbackReason, Presented};
use super::machine::{Answered, EligibilityCheck, ExportState, Stage};
use super::recheck::presented_ratio;
use super::setup::ConsentsOffered;
use super::validity::{Ratio, Validity, headline_ratio, is_current, primary_index, ratio_of};
use super::warnings::{Warning, names_known_person};
use crate::Code;

/// A warning line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WarningLine {
    /// The table line to show.
    pub code: Code,
    /// What exactly.
    pub warning: Warning,
    /// Whether it keeps the details hidden until acknowledged.
    pub blocks_details: bool,
}

/// What staff read first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Headline {
    /// 負担割合.
    pub ratio: Ratio,
    /// `QualificationValidity`, when the insurer answered.
    pub validity: Option<Validity>,
    /// The line to show.
    pub code: Code,
}

/// Where the check stands, for staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum StaffStep {
    /// The customer is choosing or consenting.
    WaitingForCustomer,
    /// The request is out.
    Checking,
    /// The insurer answered.
    Result,
    /// Record what the patient presents.
    NeedsFallback {
        /// Why the check falls back to a document (the card, platform or insurer failed).
        reason: FallbackReason,
    },
    /// A fallback was recorded.
    FallbackRecorded,
    /// The session ended.
    Ended,
}

/// One returned record, as staff compare it (raw values, R2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordLine {
    /// `ResultList` index.
    pub index: usize,
    /// Whether the headline is about this record.
    pub primary: bool,
    /// Whether the record is current on the check's date.
    pub current: bool,
    /// Its ratio.
    pub ratio: Ratio,
    /// Whether it names the known person (chart and card holder); `None` when nothing is known.
    pub matches_known: Option<bool>,
    /// The record itself, without the consent details (those are in [`Details`]).
    pub record: QualificationResult,
}

/// What R7 withholds until staff acknowledge a mismatch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Details {
    /// Nothing to show.
    None,
    /// Hidden: acknowledge the person mismatch first.
    Withheld,
    /// Shown.
    Shown {
        /// What the customer consented to here.
        consents_given: ConsentsGiven,
        /// Per record.
        records: Vec<RecordDetails>,
    },
}

/// The sensitive part of a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordDetails {
    /// `ResultList` index.
    pub index: usize,
    /// 薬剤・健診・診療・手術 consent flags and 限度額 / 特定疾病 consent.
    pub consents: Consents,
    /// 限度額適用認定証.
    pub limit_certificate: Option<LimitCertificate>,
    /// 特定疾病療養受療証.
    pub specific_diseases: Vec<SpecificDisease>,
    /// 高齢受給者証.
    pub elderly_recipient: Option<ElderlyRecipient>,
}

/// The fallback on record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FallbackLine {
    /// Why the check falls back to a document (the card, platform or insurer failed).
    pub reason: FallbackReason,
    /// What was presented.
    pub presented: Presented,
    /// Whether a re-check was queued.
    pub recheck_queued: bool,
}

/// An action staff may take now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(rename = "EligibilityStaffAction")
)]
#[serde(rename_all = "snake_case")]
pub enum StaffAction {
    /// [`super::Input::AcknowledgeWarnings`].
    AcknowledgeWarnings,
    /// [`super::Input::ChooseRecord`].
    ChooseRecord,
    /// [`super::Input::RecordFallback`].
    RecordFallback,
    /// [`super::Input::Export`].
    Export,
    /// [`super::Input::ConfirmAnotherPatient`]: offered beside [`StaffAction::Export`]
    /// after an acknowledged mismatch with the expected patient, until a file is written.
    ConfirmAnotherPatient,
}

/// Whether the result was compared with the person the clinic expects (R7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PersonCheck {
    /// No answer yet, or no result to compare.
    Pending,
    /// Nobody was expected: the result was compared with no one ([`Code::PersonNotCompared`]).
    NotCompared,
    /// The result names the person expected.
    Same,
    /// The result names someone else ([`Warning::PersonMismatch`] comes first).
    Different,
    /// The result named someone else and staff said it is another patient's
    /// ([`Code::AnotherPatient`]): the check is theirs, the expected patient waits for
    /// their own check.
    AnotherPatient,
}

/// The staff screen, in reading order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "EligibilityStaffView"))]
pub struct StaffView {
    /// Above everything, most urgent first; empty once acknowledged.
    pub warnings: Vec<WarningLine>,
    /// 負担割合 and validity.
    pub headline: Option<Headline>,
    /// Where the check stands.
    pub step: StaffStep,
    /// The returned records.
    pub records: Vec<RecordLine>,
    /// Consent data (R7).
    pub details: Details,
    /// The fallback on record.
    pub fallback: Option<FallbackLine>,
    /// What staff may do now.
    pub actions: Vec<StaffAction>,
    /// The export's state.
    pub export: ExportState,
    /// Whether the result was compared with the expected person, and how it came out.
    pub person: PersonCheck,
    /// Whether staff may name or change the expected patient now (the check compares its
    /// answer with them): [`EligibilityCheck::takes_expected`].
    pub takes_expected: bool,
}

/// A service the customer may pick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServiceChoice {
    /// Send back in [`super::Input::ChooseService`].
    pub service_id: String,
    /// What to show (`国民健康保険`).
    pub label: String,
}

/// The customer screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "EligibilityCustomerView"))]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum CustomerView {
    /// Pick the insurance service.
    ChooseService {
        /// The choices.
        services: Vec<ServiceChoice>,
    },
    /// The consent screens.
    Consent {
        /// What the site asks.
        offered: ConsentsOffered,
    },
    /// Please wait.
    Wait,
    /// Done: staff will call you.
    Done,
    /// Ask staff (`code` is fit for customers: [`Code::for_customer`]).
    AskStaff {
        /// The line to show.
        code: Code,
    },
    /// Nothing (the session ended).
    Ended,
}

impl EligibilityCheck {
    /// The staff screen.
    pub fn staff_view(&self) -> StaffView {
        let mut v = StaffView {
            warnings: vec![],
            headline: None,
            step: StaffStep::WaitingForCustomer,
            records: vec![],
            details: Details::None,
            fallback: None,
            actions: vec![],
            export: ExportState::NotExported,
            person: PersonCheck::Pending,
            takes_expected: self.takes_expected(),
        };
        match &self.stage {
            Stage::ChoosingService | Stage::Consenting { .. } => {}
            Stage::Checking { .. } => v.step = StaffStep::Checking,
            Stage::Ended => v.step = StaffStep::Ended,
            Stage::NoInsuranceService => {
                let reason = FallbackReason::NotEnrolled;
                v.step = StaffStep::NeedsFallback { reason };
                v.headline = Some(Headline {
                    ratio: Ratio::NotApplicable,
                    validity: None,
                    code: reason.code(),
                });
                v.actions.push(StaffAction::RecordFallback);
            }
            Stage::NeedsFallback { reason, .. } => {
                v.step = StaffStep::NeedsFallback { reason: *reason };
                v.headline = Some(Headline {
                    ratio: Ratio::NotApplicable,
                    validity: None,
                    code: reason.code(),
                });
                v.actions.push(StaffAction::RecordFallback);
            }
            Stage::FallbackRecorded {
                presented,
                reason,
                recheck_queued,
                ..
            } => {
                v.step = StaffStep::FallbackRecorded;
                v.headline = Some(Headline {
                    ratio: presented_ratio(presented),
                    validity: None,
                    code: Code::FallbackRecorded,
                });
                v.fallback = Some(FallbackLine {
                    reason: *reason,
                    presented: (**presented).clone(),
                    recheck_queued: *recheck_queued,
                });
                v.actions.push(StaffAction::RecordFallback);
            }
            Stage::Answered(a) => self.answered_view(a, &mut v),
        }
        v
    }

    fn answered_view(&self, a: &Answered, v: &mut StaffView) {
        let validity = Validity::parse(&a.response.qualification_validity);
        let primary = primary_index(&validity, &a.response, a.chosen, &a.date);
        v.step = StaffStep::Result;
        v.export = a.export;
        v.person = if a.another_patient {
            PersonCheck::AnotherPatient
        } else if self.clinic.is_none() && self.holder.is_none() {
            PersonCheck::NotCompared
        } else if a
            .warnings
            .iter()
            .any(|w| matches!(w, Warning::PersonMismatch { .. }))
        {
            PersonCheck::Different
        } else {
            PersonCheck::Same
        };
        if !a.acknowledged {
            v.warnings = a
                .warnings
                .iter()
                .map(|w| WarningLine {
                    code: w.code(),
                    warning: w.clone(),
                    blocks_details: w.blocks_details(),
                })
                .collect();
        }
        v.records = a
            .response
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut record = r.clone();
                record.consents = Consents::default();
                record.limit_certificate = None;
                record.specific_diseases = vec![];
                RecordLine {
                    index: i,
                    primary: primary == Some(i),
                    current: is_current(r, &a.date),
                    ratio: ratio_of(r, &a.date),
                    matches_known: names_known_person(
                        r,
                        self.clinic.as_ref(),
                        self.holder.as_ref(),
                    ),
                    record,
                }
            })
            .collect();
        v.headline = Some(Headline {
            ratio: headline_ratio(&validity, &a.response, primary, &a.date),
            code: validity.code(),
            validity: Some(validity.clone()),
        });
        v.details = if a.blocked() {
            Details::Withheld
        } else {
            Details::Shown {
                consents_given: a.consents,
                records: a
                    .response
                    .results
                    .iter()
                    .enumerate()
                    .map(|(index, r)| RecordDetails {
                        index,
                        consents: r.consents.clone(),
                        limit_certificate: r.limit_certificate.clone(),
                        specific_diseases: r.specific_diseases.clone(),
                        elderly_recipient: r.elderly_recipient.clone(),
                    })
                    .collect(),
            }
        };
        if !a.acknowledged && !a.warnings.is_empty() {
            v.actions.push(StaffAction::AcknowledgeWarnings);
        }
        if validity == Validity::MultipleMatches {
            v.actions.push(StaffAction::ChooseRecord);
        }
        if !validity.is_valid() {
            v.actions.push(StaffAction::RecordFallback);
        }
        if self.settings.export && !a.blocked() {
            v.actions.push(StaffAction::Export);
        }
        if self.may_confirm_another_patient(a) {
            v.actions.push(StaffAction::ConfirmAnotherPatient);
        }
    }

    /// The customer screen.
    pub fn customer_view(&self) -> CustomerView {
        match &self.stage {
            Stage::ChoosingService => CustomerView::ChooseService {
                services: self
                    .menu
                    .iter()
                    .map(|e| ServiceChoice {
                        service_id: e.service_id.clone(),
                        label: e.label.clone(),
                    })
                    .collect(),
            },
            Stage::Consenting { .. } => CustomerView::Consent {
                offered: self.settings.consents_offered,
            },
            Stage::Checking { .. } => CustomerView::Wait,
            Stage::Answered(a)
                if Validity::parse(&a.response.qualification_validity).is_valid()
                    && !a.blocked() =>
            {
                CustomerView::Done
            }
            Stage::FallbackRecorded { .. } => CustomerView::Done,
            Stage::Answered(_) => CustomerView::AskStaff {
                code: Code::AskStaff,
            },
            Stage::NoInsuranceService => CustomerView::AskStaff {
                code: Code::NotEnrolled.for_customer(),
            },
            Stage::NeedsFallback { reason, .. } => CustomerView::AskStaff {
                code: reason.code().for_customer(),
            },
            Stage::Ended => CustomerView::Ended,
        }
    }
}
