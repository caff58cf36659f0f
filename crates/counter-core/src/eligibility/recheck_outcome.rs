//! The finished re-checks staff must see (docs/domain/eligibility.md §5 R1, R3): a re-check
//! that contradicts what the patient presented (the share charged may be wrong, or the record
//! is another person's) or one that was given up (the fallback was never confirmed) stays on
//! the staff's status bar, read from the store, until staff confirm it
//! ([`crate::counter::StaffAction::ConfirmRecheck`]): whenever it finished, whether anyone
//! was at the counter then, and however many finished together.
//!
//! The store keeps each re-check's end ([`FinishedRecheck`]) and whether staff confirmed it;
//! [`to_confirm`] says which of the unconfirmed ones are listed and with what.

use serde::{Deserialize, Serialize};

use super::recheck::{Contradiction, RecheckDone, RecheckRequest};
use crate::Code;

/// A finished re-check staff have not confirmed yet: what the status bar lists. It names
/// the check, the clinic's patient id and the visit day, and what differs (the share, the
/// validity, which fields of the person, the insurer's refusal), no more of the person than
/// the staff's screen shows of the check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecheckToConfirm {
    /// The check (its record is now the insurer's answer, or the fallback as recorded).
    pub check_id: String,
    /// The clinic's patient id, when the check had one.
    pub patient_ref: Option<String>,
    /// The visit day the check was for (`YYYYMMDD`), while the store keeps the request.
    pub visit_date: Option<String>,
    /// [`Code::RecheckContradiction`] or [`Code::RecheckGaveUp`].
    pub code: Code,
    /// What differs from what the patient presented (empty for one given up).
    pub contradictions: Vec<Contradiction>,
    /// The retention purge removed what it found (what differed, the visit day): it is
    /// listed by its code alone ([`Code::RecheckDetailsPurged`] says so to staff).
    #[serde(default)]
    pub details_purged: bool,
}

/// What a re-check's stored result holds for staff (the store's `result_json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecheckShown {
    /// [`RecheckDone::code`].
    pub code: Code,
    /// [`RecheckDone::contradictions`].
    pub contradictions: Vec<Contradiction>,
    /// Whether this is what the retention purge kept ([`kept_by_purge`]): the rest went.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub purged: bool,
}

impl From<&RecheckDone> for RecheckShown {
    fn from(done: &RecheckDone) -> Self {
        Self {
            code: done.code,
            contradictions: done.contradictions.clone(),
            purged: false,
        }
    }
}

/// What the retention purge leaves of the stored result of a finished re-check that
/// [`to_confirm`] lists as `listed` (`None`: not listed, and nothing is left).
///
/// Every notice must reach the people who must act, and personal data must not outlive
/// their period (docs/domain/eligibility.md §5 R1, R10). A re-check staff have not
/// confirmed stays listed after the purge, since its check holds the co-payment until they
/// do (`counter::Visit::of`): the purge keeps its code alone, so that the status bar still
/// lists it as a contradiction (or a give-up) to confirm, with no contradictions (what
/// differed goes with the details, the insurer's message verbatim among them). Keeping the
/// whole result until staff confirm would keep those details for as long as nobody does.
pub fn kept_by_purge(listed: Option<&RecheckToConfirm>) -> Option<RecheckShown> {
    listed.map(|l| RecheckShown {
        code: l.code,
        contradictions: Vec::new(),
        purged: true,
    })
}

/// How a re-check ended, as the store holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinishedRecheck {
    /// Confirmed online; its result, or `None` once the retention purge removed it.
    Done(Option<RecheckShown>),
    /// Given up by the retry policy (the insurer refused, or the window closed): the
    /// fallback stands as recorded and was never confirmed.
    GaveUp,
}

/// Whether a finished, unconfirmed re-check of check `check_id` is listed for staff, and
/// what with: every one given up, and every one done that contradicts what was presented.
/// A done one whose result was purged is not listed (nothing says it contradicted), unless
/// the purge kept its code ([`kept_by_purge`]): a kept contradiction is listed with no
/// contradictions, a kept give-up as given up. `request` is the queued request (for the
/// visit day), `None` once purged.
pub fn to_confirm(
    check_id: &str,
    patient_ref: Option<String>,
    request: Option<&RecheckRequest>,
    end: FinishedRecheck,
) -> Option<RecheckToConfirm> {
    let details_purged = matches!(&end, FinishedRecheck::Done(Some(s)) if s.purged);
    let (code, contradictions) = match end {
        FinishedRecheck::GaveUp => (Code::RecheckGaveUp, Vec::new()),
        // Never a done re-check's own code ([`RecheckDone::code`]), but what the purge kept
        // of a row listed as given up: one given up (the store hands its kept code over as
        // this, so that it is listed as purged like any other), or a done one whose result
        // cannot be read (schema 1's free-form text; the store lists it as given up).
        // Without this arm it would leave the list at the purge, unconfirmed (the store's
        // test of the purge, its chk-4 and chk-5).
        FinishedRecheck::Done(Some(shown)) if shown.code == Code::RecheckGaveUp => {
            (Code::RecheckGaveUp, Vec::new())
        }
        FinishedRecheck::Done(Some(shown))
            if shown.code == Code::RecheckContradiction || !shown.contradictions.is_empty() =>
        {
            (Code::RecheckContradiction, shown.contradictions)
        }
        FinishedRecheck::Done(_) => return None,
    };
    Some(RecheckToConfirm {
        check_id: check_id.to_owned(),
        patient_ref: patient_ref.or_else(|| request.and_then(|r| r.patient_ref.clone())),
        visit_date: request.map(|r| r.visit_date.clone()),
        code,
        contradictions,
        details_purged,
    })
}

/// The status bar's line about the re-checks of `listed` whose details the retention purge
/// removed ([`RecheckToConfirm::details_purged`]): [`Code::RecheckDetailsPurged`] while any
/// is listed.
pub fn purged_notice(listed: &[RecheckToConfirm]) -> Option<Code> {
    listed
        .iter()
        .any(|r| r.details_purged)
        .then_some(Code::RecheckDetailsPurged)
}

/// The code of the status bar's line over `listed`: a contradiction's while any is listed
/// (the share charged may be wrong), else a give-up's; none when nothing is listed.
pub fn notice(listed: &[RecheckToConfirm]) -> Option<Code> {
    if listed.iter().any(|r| r.code == Code::RecheckContradiction) {
        Some(Code::RecheckContradiction)
    } else {
        listed.first().map(|r| r.code)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::eligibility::validity::{Ratio, RatioSource};

    fn shown(code: Code, contradictions: Vec<Contradiction>) -> FinishedRecheck {
        FinishedRecheck::Done(Some(RecheckShown {
            code,
            contradictions,
            purged: false,
        }))
    }

    fn ratio_1_found() -> Contradiction {
        Contradiction::Ratio {
            presented: 3,
            found: Ratio::Tenths {
                tenths: 1,
                source: RatioSource::Insured,
            },
        }
    }

    #[test]
    fn a_contradiction_is_listed_with_what_differs() {
        let listed = to_confirm(
            "c-1",
            Some("P-7".into()),
            None,
            shown(Code::RecheckContradiction, vec![ratio_1_found()]),
        );
        assert_eq!(
            listed,
            Some(RecheckToConfirm {
                check_id: "c-1".into(),
                patient_ref: Some("P-7".into()),
                visit_date: None,
                code: Code::RecheckContradiction,
                contradictions: vec![ratio_1_found()],
                details_purged: false,
            })
        );
    }

    #[test]
    fn a_recheck_given_up_is_listed() {
        let listed = to_confirm("c-2", None, None, FinishedRecheck::GaveUp);
        assert_eq!(listed.map(|l| l.code), Some(Code::RecheckGaveUp));
    }

    #[test]
    fn the_line_names_a_contradiction_before_a_give_up() {
        let gave_up = to_confirm("c-1", None, None, FinishedRecheck::GaveUp);
        let contradicted = to_confirm(
            "c-2",
            None,
            None,
            shown(Code::RecheckContradiction, vec![ratio_1_found()]),
        );
        let both: Vec<_> = gave_up.iter().chain(&contradicted).cloned().collect();
        assert_eq!(notice(&both), Some(Code::RecheckContradiction));
        assert_eq!(notice(&both[..1]), Some(Code::RecheckGaveUp));
        assert_eq!(notice(&[]), None);
    }

    #[test]
    fn what_the_purge_keeps_of_a_listed_recheck_is_listed_alike_without_its_details() {
        let ends = [
            shown(Code::RecheckContradiction, vec![ratio_1_found()]),
            shown(Code::EligibilityValid, vec![ratio_1_found()]),
            FinishedRecheck::GaveUp,
            shown(Code::EligibilityValid, vec![]),
        ];
        for end in ends {
            let listed = to_confirm("c-1", Some("P-7".into()), None, end.clone());
            let kept = kept_by_purge(listed.as_ref());
            assert!(
                kept.as_ref().is_none_or(|k| k.contradictions.is_empty()),
                "{kept:?}"
            );
            let after = to_confirm("c-1", Some("P-7".into()), None, FinishedRecheck::Done(kept));
            assert_eq!(
                after,
                listed.map(|l| RecheckToConfirm {
                    contradictions: Vec::new(),
                    details_purged: true,
                    ..l
                }),
                "{end:?}"
            );
            assert_eq!(
                purged_notice(after.as_slice()),
                after.as_ref().map(|_| Code::RecheckDetailsPurged),
                "staff read that its details went"
            );
        }
    }

    #[test]
    fn a_give_up_the_purge_kept_stays_listed_as_given_up() {
        // The store lists a done row whose result it cannot read (schema 1's text) as given
        // up; the purge keeps that line as a done result with the give-up's code.
        let kept = kept_by_purge(to_confirm("c-5", None, None, FinishedRecheck::GaveUp).as_ref());
        assert_eq!(kept.as_ref().map(|k| k.code), Some(Code::RecheckGaveUp));
        let after = to_confirm("c-5", None, None, FinishedRecheck::Done(kept)).unwrap();
        assert_eq!(
            (after.code, after.details_purged),
            (Code::RecheckGaveUp, true)
        );
    }

    #[test]
    fn a_recheck_that_confirmed_what_was_presented_is_not_listed() {
        assert_eq!(
            to_confirm("c-3", None, None, shown(Code::EligibilityValid, vec![])),
            None
        );
        assert_eq!(
            to_confirm("c-3", None, None, FinishedRecheck::Done(None)),
            None,
            "a purged result says nothing of a contradiction"
        );
    }
}
