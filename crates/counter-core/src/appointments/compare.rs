//! A pre-check's answer against what the clinic holds: the status staff read first, and
//! every field that differs with both values, so that the record is fixed before the
//! patient arrives. The record compared is the one that applies on the visit day (for
//! `3` 無効(新しい資格あり) the new one: the clinic holds the old insurance), chosen as a
//! check chooses it (docs/domain/eligibility.md §2.3, §2.4).

use counter_api::insurer::{BulkPrecheckItem, EligibilityResponse, QualificationResult};
use counter_api::platform::Sex;
use madoguchi_time::jst::CivilDate;
use serde::{Deserialize, Serialize};

use super::{Appointment, AppointmentSource, Precheck};
use crate::eligibility::ClinicRecord;
use crate::eligibility::names::{normalize, same_name};
use crate::eligibility::validity::{Ratio, Validity, primary_index, ratio_of};
use crate::{Code, UnixTime};

/// What the pre-check says, first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PrecheckStatus {
    /// Not pre-checked yet.
    NotChecked,
    /// Submitted; the insurer has not answered yet (処理中).
    Waiting,
    /// `1` 有効 or `6` 有効(未登録).
    Valid,
    /// `2` 無効, `3` 無効(新しい資格あり), `5` 複数該当 or a code this version does not know.
    NotValid,
    /// `4` 該当資格なし: no record under these numbers and birth date (or not loaded yet).
    NotFound,
    /// The insurer answered with an error (`ProcessingResultStatus` 2), or the pre-check
    /// could not be made.
    Error,
}

/// A field that may differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DiffField {
    /// `InsurerNumber`.
    InsurerNumber,
    /// `InsuredCardSymbol`.
    Symbol,
    /// `InsuredIdentificationNumber`.
    Number,
    /// `InsuredBranchNumber`.
    Branch,
    /// 負担割合 (the values are tenths `1`–`3`, or `public_assistance` for 医療扶助).
    Ratio,
    /// `Name` (or `NameOfOther`).
    Name,
    /// `NameKana` (or `NameOfOtherKana`).
    Kana,
    /// `Birthdate` (`YYYYMMDD`).
    BirthDate,
    /// `Sex1` (or `Sex2`): `male`, `female`.
    Sex,
}

/// One field the clinic holds otherwise than the insurer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Difference {
    /// The field.
    pub field: DiffField,
    /// As the clinic holds it.
    pub clinic: String,
    /// As the insurer answered (`None`: the insurer's record has no such field).
    pub insurer: Option<String>,
}

/// One appointment as the staff window lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppointmentView {
    /// The store's id ("Patient arrived" names it).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    /// The day of the visit, `YYYYMMDD`.
    pub visit_date: String,
    /// What the clinic holds.
    pub record: ClinicRecord,
    /// 負担割合 the clinic holds, in tenths.
    pub ratio_tenths: Option<u8>,
    /// Where it came from.
    pub source: AppointmentSource,
    /// The pre-check's status.
    pub status: PrecheckStatus,
    /// The code of the table line to show with the status.
    pub code: Code,
    /// `QualificationValidity` as answered.
    pub validity: Option<String>,
    /// `ProcessingResultMessage`, verbatim.
    pub insurer_message: Option<String>,
    /// When the answer (or the failure) came.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub checked_at: Option<UnixTime>,
    /// What differs from the clinic's record (empty when nothing does or nothing was
    /// answered).
    pub differences: Vec<Difference>,
}

/// The appointment as the staff window shows it.
pub fn view(a: &Appointment) -> AppointmentView {
    let (status, code, validity, insurer_message, checked_at, differences) = match &a.precheck {
        Precheck::NotSubmitted => (
            PrecheckStatus::NotChecked,
            Code::PrecheckNotYet,
            None,
            None,
            None,
            vec![],
        ),
        Precheck::Submitted { .. } => (
            PrecheckStatus::Waiting,
            Code::PrecheckWaiting,
            None,
            None,
            None,
            vec![],
        ),
        Precheck::Failed { code, at } => {
            (PrecheckStatus::Error, *code, None, None, Some(*at), vec![])
        }
        Precheck::Answered { item, at } => {
            let (status, code) = status_of(item);
            let diffs = differences(a, item);
            let code = if diffs.is_empty() || status == PrecheckStatus::Error {
                code
            } else {
                Code::PrecheckDifferences
            };
            (
                status,
                code,
                Some(item.qualification_validity.clone()),
                item.processing_result.message.clone(),
                Some(*at),
                diffs,
            )
        }
    };
    AppointmentView {
        id: a.id,
        visit_date: a.visit_date.clone(),
        record: a.record.clone(),
        ratio_tenths: a.ratio_tenths,
        source: a.source,
        status,
        code,
        validity,
        insurer_message,
        checked_at,
        differences,
    }
}

/// The status of an answer and its code.
pub fn status_of(item: &BulkPrecheckItem) -> (PrecheckStatus, Code) {
    if item.processing_result.status == "2" {
        return (PrecheckStatus::Error, Code::InsurerError);
    }
    let v = Validity::parse(&item.qualification_validity);
    let status = match v {
        Validity::Valid | Validity::ValidUnregistered => PrecheckStatus::Valid,
        Validity::NoQualification => PrecheckStatus::NotFound,
        Validity::Invalid
        | Validity::InvalidWithNew
        | Validity::MultipleMatches
        | Validity::Other(_) => PrecheckStatus::NotValid,
    };
    (status, v.code())
}

/// The record of the answer that applies on the visit day (none for `4`, or `5` where
/// staff must ask which one is the patient's).
fn applicable<'a>(a: &Appointment, item: &'a BulkPrecheckItem) -> Option<&'a QualificationResult> {
    let validity = Validity::parse(&item.qualification_validity);
    let response = EligibilityResponse {
        processing_result: item.processing_result.clone(),
        qualification_validity: item.qualification_validity.clone(),
        arbitrary_identifier: None,
        results: item.results.clone(),
    };
    primary_index(&validity, &response, None, &a.visit_date).and_then(|i| item.results.get(i))
}

/// Every field the clinic holds that the answer's applicable record holds otherwise. A
/// field the clinic does not hold is not compared; insurance numbers are compared after
/// normalising digits and spaces, names as the wrong-person check compares them.
pub fn differences(a: &Appointment, item: &BulkPrecheckItem) -> Vec<Difference> {
    let Some(r) = applicable(a, item) else {
        return Vec::new();
    };
    let c = &a.record;
    let mut out = Vec::new();
    let mut push = |field, clinic: &str, insurer: Option<&str>| {
        out.push(Difference {
            field,
            clinic: clinic.to_owned(),
            insurer: insurer.map(str::to_owned),
        });
    };
    let insurance = [
        (
            DiffField::InsurerNumber,
            c.insurer_number.as_deref(),
            Some(r.insurer_number.as_str()),
        ),
        (DiffField::Symbol, c.symbol.as_deref(), r.symbol.as_deref()),
        (
            DiffField::Number,
            c.number.as_deref(),
            Some(r.number.as_str()),
        ),
        (DiffField::Branch, c.branch.as_deref(), r.branch.as_deref()),
    ];
    for (field, ours, theirs) in insurance {
        if let Some(o) = ours
            && normalize(o) != normalize(theirs.unwrap_or(""))
        {
            push(field, o, theirs);
        }
    }
    if let Some(held) = a.ratio_tenths {
        let found = match ratio_of(r, &a.visit_date) {
            Ratio::Tenths { tenths, .. } => Some(tenths.to_string()),
            Ratio::PublicAssistance => Some("public_assistance".to_owned()),
            Ratio::Unknown { .. } | Ratio::NotApplicable => None,
        };
        if found.as_deref() != Some(held.to_string().as_str()) {
            push(DiffField::Ratio, &held.to_string(), found.as_deref());
        }
    }
    if let Some(n) = c.name.as_deref()
        && !same_name(&r.name, n)
        && !r.name_of_other.as_deref().is_some_and(|o| same_name(o, n))
    {
        push(DiffField::Name, n, Some(&r.name));
    }
    if let Some(k) = c.kana.as_deref()
        && !same_name(&r.name_kana, k)
        && !r
            .name_of_other_kana
            .as_deref()
            .is_some_and(|o| same_name(o, k))
    {
        push(DiffField::Kana, k, Some(&r.name_kana));
    }
    if let Some(b) = c.birth_date.as_deref()
        && CivilDate::parse(b) != CivilDate::parse(&r.birth_date)
    {
        push(DiffField::BirthDate, b, Some(&r.birth_date));
    }
    let sex = |code: &str| match code {
        "1" => Some("male"),
        "2" => Some("female"),
        _ => None,
    };
    let held = match c.sex {
        Some(Sex::Male) => Some(("1", "male")),
        Some(Sex::Female) => Some(("2", "female")),
        Some(Sex::NotKnown) | None => None,
    };
    if let Some((code, word)) = held
        && r.sex1 != code
        && r.sex2.as_deref() != Some(code)
    {
        push(DiffField::Sex, word, sex(&r.sex1));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use counter_api::insurer::ProcessingResult;

    use super::*;

    fn record(insurer: &str, symbol: &str, number: &str, branch: &str) -> QualificationResult {
        let mut r = crate::eligibility::testdata::sato();
        r.insurer_number = insurer.into();
        r.symbol = Some(symbol.into());
        r.number = number.into();
        r.branch = Some(branch.into());
        r
    }

    fn item(validity: &str, results: Vec<QualificationResult>) -> BulkPrecheckItem {
        BulkPrecheckItem {
            reference: "1".into(),
            processing_result: ProcessingResult {
                status: "1".into(),
                code: None,
                message: None,
            },
            qualification_validity: validity.into(),
            results,
        }
    }

    fn appointment(r: &QualificationResult, precheck: Precheck) -> Appointment {
        Appointment {
            id: 7,
            visit_date: "20261207".into(),
            record: ClinicRecord {
                patient_id: Some("P-1".into()),
                name: Some(r.name.clone()),
                kana: Some(r.name_kana.clone()),
                birth_date: Some(r.birth_date.clone()),
                sex: Some(if r.sex1 == "1" {
                    Sex::Male
                } else {
                    Sex::Female
                }),
                insurer_number: Some(r.insurer_number.clone()),
                symbol: r.symbol.clone(),
                number: Some(r.number.clone()),
                branch: r.branch.clone(),
            },
            ratio_tenths: Some(3),
            source: AppointmentSource::Typed,
            precheck,
        }
    }

    fn answered(i: BulkPrecheckItem) -> Precheck {
        Precheck::Answered {
            item: Box::new(i),
            at: UnixTime::from_secs(1_796_500_000),
        }
    }

    #[test]
    fn an_answer_that_matches_the_record_is_valid_without_differences() {
        let r = record("06139999", "千代", "10001", "01");
        let a = appointment(&r, answered(item("1", vec![r.clone()])));
        let v = view(&a);
        assert_eq!(v.status, PrecheckStatus::Valid);
        assert_eq!(v.code, Code::EligibilityValid);
        assert_eq!(v.validity.as_deref(), Some("1"));
        assert!(v.differences.is_empty(), "{:?}", v.differences);
    }

    #[test]
    fn a_ratio_and_a_name_held_otherwise_are_flagged_with_both_values() {
        let r = record("06139999", "千代", "10001", "01");
        let mut a = appointment(&r, answered(item("1", vec![r.clone()])));
        a.ratio_tenths = Some(2);
        a.record.name = Some("佐藤　華子".into());
        // Spaces and full-width digits are not differences.
        a.record.number = Some("１０００１".into());
        let v = view(&a);
        assert_eq!(v.status, PrecheckStatus::Valid);
        assert_eq!(v.code, Code::PrecheckDifferences);
        let fields: Vec<DiffField> = v.differences.iter().map(|d| d.field).collect();
        assert_eq!(fields, [DiffField::Ratio, DiffField::Name]);
        assert_eq!(v.differences[0].clinic, "2");
        assert_eq!(v.differences[0].insurer.as_deref(), Some("3"));
        assert_eq!(v.differences[1].insurer.as_deref(), Some(r.name.as_str()));
    }

    #[test]
    fn a_new_qualification_flags_every_insurance_field_against_the_new_record() {
        let mut old = record("06139999", "大阪", "10002", "01");
        old.disqualification_date = Some("20250401".into());
        let mut new = record("00270009", "大阪北", "3456789", "00");
        new.qualification_date = "20250401".into();
        let a = appointment(&old, answered(item("3", vec![old.clone(), new])));
        let v = view(&a);
        assert_eq!(v.status, PrecheckStatus::NotValid);
        let fields: Vec<DiffField> = v.differences.iter().map(|d| d.field).collect();
        assert_eq!(
            fields,
            [
                DiffField::InsurerNumber,
                DiffField::Symbol,
                DiffField::Number,
                DiffField::Branch
            ]
        );
        assert_eq!(v.differences[0].clinic, "06139999");
        assert_eq!(v.differences[0].insurer.as_deref(), Some("00270009"));
    }

    #[test]
    fn statuses_of_every_answer_kind() {
        let r = record("06139999", "千代", "10001", "01");
        let cases = [
            ("4", vec![], PrecheckStatus::NotFound, Code::NoQualification),
            (
                "2",
                vec![r.clone()],
                PrecheckStatus::NotValid,
                Code::EligibilityInvalid,
            ),
            (
                "5",
                vec![r.clone(), r.clone()],
                PrecheckStatus::NotValid,
                Code::MultipleMatches,
            ),
            (
                "6",
                vec![r.clone()],
                PrecheckStatus::Valid,
                Code::EligibilityValid,
            ),
            ("9", vec![], PrecheckStatus::NotValid, Code::InsurerError),
        ];
        for (validity, results, status, code) in cases {
            let v = view(&appointment(&r, answered(item(validity, results))));
            assert_eq!((v.status, v.code), (status, code), "{validity}");
        }
        let mut e = item("4", vec![]);
        e.processing_result.status = "2".into();
        e.processing_result.message = Some("生年月日が一致しません。".into());
        let v = view(&appointment(&r, answered(e)));
        assert_eq!(
            (v.status, v.code),
            (PrecheckStatus::Error, Code::InsurerError)
        );
        assert_eq!(
            v.insurer_message.as_deref(),
            Some("生年月日が一致しません。")
        );
        let v = view(&appointment(&r, Precheck::NotSubmitted));
        assert_eq!(
            (v.status, v.code),
            (PrecheckStatus::NotChecked, Code::PrecheckNotYet)
        );
        let waiting = Precheck::Submitted {
            reception_number: "R1".into(),
            reference: "7".into(),
            at: UnixTime::EPOCH,
        };
        assert_eq!(
            view(&appointment(&r, waiting)).status,
            PrecheckStatus::Waiting
        );
        let failed = Precheck::Failed {
            code: Code::InsurerUnavailable,
            at: UnixTime::EPOCH,
        };
        let v = view(&appointment(&r, failed));
        assert_eq!(
            (v.status, v.code),
            (PrecheckStatus::Error, Code::InsurerUnavailable)
        );
    }

    #[test]
    fn fields_the_clinic_does_not_hold_are_not_compared() {
        let r = record("06139999", "千代", "10001", "01");
        let mut a = appointment(&r, answered(item("1", vec![r.clone()])));
        a.record = ClinicRecord {
            insurer_number: Some("06139999".into()),
            number: Some("10001".into()),
            birth_date: Some(r.birth_date.clone()),
            ..ClinicRecord::default()
        };
        a.ratio_tenths = None;
        assert!(view(&a).differences.is_empty());
        a.record.sex = Some(if r.sex1 == "1" {
            Sex::Female
        } else {
            Sex::Male
        });
        let d = view(&a).differences;
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, DiffField::Sex);
    }
}
