//! The eligibility decision: from the insurer's records that share an insurance number,
//! the `QualificationValidity` (OQSCD006, docs/domain/eligibility.md §2.3) and the
//! `ResultOfQualificationConfirmation` list (§2.4) as of a date.
//!
//! | validity | when |
//! |---|---|
//! | `1` 有効 | one person matches, qualified on the date (`QualificationDate` ≤ date, no `DisqualificationDate` ≤ date) |
//! | `2` 無効 | the matching record lost its qualification on or before the date, and the person has no other current one |
//! | `3` 無効(新しい資格あり) | as `2`, but the same person holds a newer qualification (returned after the old one) |
//! | `4` 該当資格なし | the record has not reached the system yet (insurer lag, docs/domain/eligibility.md §1.4), qualification starts after the date, or (bulk) the birth date does not match |
//! | `5` 複数該当 | records of more than one person carry the same number (every one is returned) |
//! | `6` 有効(未登録) | a 医療扶助 record (`InsuredCardClassification` `A1`), valid |
//!
//! Processing-result codes: the real 別紙6-1 table was not in the corpus (docs/domain/eligibility.md
//! §2 and §7), so the codes here are ours (`MDG…`) \[C\]; messages are Japanese and meant to
//! be shown verbatim.

use counter_api::insurer::{ProcessingResult, QualificationResult};
use serde::{Deserialize, Serialize};

/// One record of the insurer's register: one qualification of one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsuredRecord {
    /// The insurer's own key of the person (the same person across qualifications).
    pub person: String,
    /// The day (JST, `YYYYMMDD`) the record reaches the eligibility system; before it the
    /// record is invisible, as a new 国保 record issued the same day often is (docs/domain/eligibility.md
    /// §1.4). Absent: loaded long ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_on: Option<String>,
    /// The result as the real system would return it.
    #[serde(flatten)]
    pub result: QualificationResult,
}

/// What a caller asks about: the insurance number and, in the bulk route, the birth date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query<'a> {
    /// `InsurerNumber`.
    pub insurer_number: &'a str,
    /// `InsuredCardSymbol` (absent: any).
    pub symbol: Option<&'a str>,
    /// `InsuredIdentificationNumber`.
    pub number: &'a str,
    /// `InsuredBranchNumber` (absent: any; the system fills it in, §2.2).
    pub branch: Option<&'a str>,
    /// `Birthdate` (the bulk route's knowledge factor; the assertion route has none).
    pub birth_date: Option<&'a str>,
    /// 限度額適用認定証提供同意フラグ.
    pub limit_certificate_consent: bool,
}

/// `QualificationValidity` (OQSCD006).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Validity {
    /// `1` 有効.
    Valid,
    /// `2` 無効.
    Invalid,
    /// `3` 無効(新しい資格あり).
    InvalidWithNewQualification,
    /// `4` 該当資格なし.
    NoQualification,
    /// `5` 複数該当.
    MultipleMatches,
    /// `6` 有効(未登録) (医療扶助 only).
    ValidUnregistered,
}

impl Validity {
    /// The code as on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "1",
            Self::Invalid => "2",
            Self::InvalidWithNewQualification => "3",
            Self::NoQualification => "4",
            Self::MultipleMatches => "5",
            Self::ValidUnregistered => "6",
        }
    }
}

/// The decision.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// No record of this insurer, visible or not, carries the number: the person is
    /// unknown here (the assertion route answers `insured_unknown`).
    Unknown,
    /// A result to return.
    Found {
        /// `QualificationValidity`.
        validity: Validity,
        /// `ProcessingResult*`.
        processing: ProcessingResult,
        /// `ResultList`.
        results: Vec<QualificationResult>,
    },
}

/// Processing result: normal end without a message.
fn ok() -> ProcessingResult {
    ProcessingResult {
        status: "1".into(),
        code: None,
        message: None,
    }
}

/// Processing result: normal end with a warning to show verbatim.
fn warn(code: &str, message: &str) -> ProcessingResult {
    ProcessingResult {
        status: "1".into(),
        code: Some(code.into()),
        message: Some(message.into()),
    }
}

/// Processing result: error (`ProcessingResultStatus` 2).
fn error(code: &str, message: &str) -> ProcessingResult {
    ProcessingResult {
        status: "2".into(),
        code: Some(code.into()),
        message: Some(message.into()),
    }
}

/// Whether `r` carries the insurance number `q` asks about: the insurer number and number,
/// the symbol when `q` gives one, the branch when both give one (the system fills a missing
/// branch in, docs/domain/eligibility.md §2.2). Link confirmation finds its candidates by this rule too.
pub fn matches(r: &QualificationResult, q: &Query<'_>) -> bool {
    r.insurer_number == q.insurer_number
        && r.number == q.number
        && q.symbol.is_none_or(|s| r.symbol.as_deref() == Some(s))
        && q.branch
            .is_none_or(|b| r.branch.as_deref().is_none_or(|rb| rb == b))
}

/// Whether `r` is current on `date`: qualified on or before it, not lost on or before it.
fn current(r: &QualificationResult, date: &str) -> bool {
    r.qualification_date.as_str() <= date
        && r.disqualification_date.as_deref().is_none_or(|d| d > date)
}

/// Decides eligibility for `q` as of `as_of` (資格確認日) when the insurer's day is
/// `today` (both `YYYYMMDD`; `today` decides which records have reached the system).
/// `register` holds the records carrying the number and every other record of the same
/// persons (for `3`); its order does not matter.
pub fn decide(register: &[InsuredRecord], q: &Query<'_>, as_of: &str, today: &str) -> Decision {
    let by_number: Vec<&InsuredRecord> =
        register.iter().filter(|r| matches(&r.result, q)).collect();
    if by_number.is_empty() {
        return Decision::Unknown;
    }
    let visible = |r: &&InsuredRecord| r.registered_on.as_deref().is_none_or(|d| d <= today);
    let mut found: Vec<&InsuredRecord> = by_number.iter().copied().filter(visible).collect();
    if found.is_empty() {
        return Decision::Found {
            validity: Validity::NoQualification,
            processing: warn(
                "MDGW0002",
                "該当する資格情報が見つかりません。保険者による資格情報の登録が遅れている可能性があります。資格情報のお知らせ等で確認してください。",
            ),
            results: vec![],
        };
    }
    if let Some(birth) = q.birth_date {
        found.retain(|r| r.result.birth_date == birth);
        if found.is_empty() {
            return Decision::Found {
                validity: Validity::NoQualification,
                processing: error("MDGE0001", "生年月日が一致しません。"),
                results: vec![],
            };
        }
    }
    let mut persons: Vec<&str> = found.iter().map(|r| r.person.as_str()).collect();
    persons.sort_unstable();
    persons.dedup();
    let shape = |r: &InsuredRecord| shape_result(&r.result, q.limit_certificate_consent);
    if persons.len() > 1 {
        return Decision::Found {
            validity: Validity::MultipleMatches,
            processing: warn(
                "MDGW0003",
                "複数の資格情報が該当しました。氏名・生年月日等で本人の資格を確認してください。",
            ),
            results: found.into_iter().map(shape).collect(),
        };
    }
    // One person: the record under this number whose qualification started last.
    let Some(record) = found.iter().copied().max_by(|a, b| {
        a.result
            .qualification_date
            .cmp(&b.result.qualification_date)
    }) else {
        return Decision::Unknown;
    };
    let r = &record.result;
    if r.qualification_date.as_str() > as_of {
        return Decision::Found {
            validity: Validity::NoQualification,
            processing: warn(
                "MDGW0004",
                "資格確認日時点で資格を取得していません(資格取得日以降に確認してください)。",
            ),
            results: vec![],
        };
    }
    if !current(r, as_of) {
        let newer: Vec<&InsuredRecord> = register
            .iter()
            .filter(|o| o.person == record.person && !std::ptr::eq(*o, record))
            .filter(|o| visible(o) && current(&o.result, as_of))
            .collect();
        if newer.is_empty() {
            return Decision::Found {
                validity: Validity::Invalid,
                processing: ok(),
                results: vec![shape(record)],
            };
        }
        return Decision::Found {
            validity: Validity::InvalidWithNewQualification,
            processing: warn(
                "MDGW0005",
                "この資格は喪失しています。新しい資格情報があります。",
            ),
            results: std::iter::once(record).chain(newer).map(shape).collect(),
        };
    }
    let validity = if r.insured_card_classification == "A1" {
        Validity::ValidUnregistered
    } else {
        Validity::Valid
    };
    let processing = if r.qualification_date.as_str() == today {
        // docs/domain/eligibility.md §5 R3: say why a fresh result may still be incomplete.
        warn(
            "MDGW0001",
            "資格取得日が本日です。保険者のデータ反映が遅れている場合があります。",
        )
    } else {
        ok()
    };
    Decision::Found {
        validity,
        processing,
        results: vec![shape(record)],
    }
}

/// The result as returned: the 限度額適用認定証 only with the patient's consent
/// (`LimitApplicationCertificateRelatedConsFlg`, docs/domain/eligibility.md §2.2).
fn shape_result(r: &QualificationResult, limit_consent: bool) -> QualificationResult {
    let mut out = r.clone();
    if !limit_consent {
        out.limit_certificate = None;
    }
    out
}

#[cfg(test)]
#[path = "eligibility_tests.rs"]
mod tests;
