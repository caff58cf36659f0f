//! An appointment typed by staff, checked field by field: each error names the field and
//! says what to type (the pre-check asks by insurance number and birth date, so those are
//! required; docs/domain/eligibility.md §2.2).

use counter_api::platform::Sex;
use madoguchi_time::jst::CivilDate;
use serde::{Deserialize, Serialize};

use super::{AppointmentSource, NewAppointment};
use crate::Code;
use crate::eligibility::ClinicRecord;

/// Longest name or kana, in characters (as the expected patient's,
/// [`crate::eligibility::setup::MAX_EXPECTED_NAME_CHARS`]).
const MAX_NAME: usize = crate::eligibility::setup::MAX_EXPECTED_NAME_CHARS;
/// Longest symbol or number: the insurer's limit (`BulkPrecheckEntry`, 1 to 20 characters).
const MAX_INSURANCE_TEXT: usize = 20;
/// Longest patient id: the bulk entry's `reference` (1 to 100 characters).
const MAX_PATIENT_ID: usize = 100;

/// The appointment form as staff filled it in (every text as typed; the counter cleans
/// spaces and full-width digits).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppointmentForm {
    /// The day of the visit, `YYYY-MM-DD` (today or later).
    pub visit_date: String,
    /// The clinic's patient id (optional).
    pub patient_id: String,
    /// 氏名 as the clinic holds it.
    pub name: String,
    /// 氏名カナ as the clinic holds it.
    pub kana: String,
    /// 生年月日, `YYYY-MM-DD` or `YYYYMMDD`.
    pub birth_date: String,
    /// 性別, if held.
    pub sex: Option<Sex>,
    /// 保険者番号: 8 digits.
    pub insurer_number: String,
    /// 記号 (optional).
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番: 2 digits (optional).
    pub branch: String,
    /// 負担割合 the clinic holds, in tenths (1, 2 or 3), if any.
    pub ratio_tenths: Option<u8>,
}

/// A field of the appointment form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentField {
    /// The day of the visit.
    VisitDate,
    /// The patient id.
    PatientId,
    /// 氏名.
    Name,
    /// 氏名カナ.
    Kana,
    /// 生年月日.
    BirthDate,
    /// 保険者番号.
    InsurerNumber,
    /// 記号.
    Symbol,
    /// 番号.
    Number,
    /// 枝番.
    Branch,
    /// 負担割合.
    Ratio,
}

/// Why a typed appointment cannot be kept: the field, and what to type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[error("{field:?}: {detail}")]
pub struct AppointmentError {
    /// The field at fault.
    pub field: AppointmentField,
    /// What is expected, in English (the UI shows its own text for the field).
    pub detail: &'static str,
}

impl AppointmentError {
    /// The UI code ([`Code::AppointmentInvalid`]).
    pub fn code(&self) -> Code {
        Code::AppointmentInvalid
    }
}

fn err(field: AppointmentField, detail: &'static str) -> AppointmentError {
    AppointmentError { field, detail }
}

/// Trims ASCII and ideographic spaces and turns full-width digits into ASCII ones.
fn clean(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// An optional free text of at most `max` characters without control characters.
fn text(
    v: &str,
    max: usize,
    field: AppointmentField,
    detail: &'static str,
) -> Result<Option<String>, AppointmentError> {
    let v = clean(v);
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(err(field, detail));
    }
    Ok(Some(v))
}

impl AppointmentForm {
    /// Checks every field; `today` is the JST day (a visit before it is refused, as is a
    /// birth date after it).
    pub fn validate(&self, today: CivilDate) -> Result<NewAppointment, AppointmentError> {
        use AppointmentField as F;
        let visit = CivilDate::parse(&clean(&self.visit_date))
            .filter(|d| *d >= today)
            .ok_or_else(|| {
                err(
                    F::VisitDate,
                    "the day of the visit, today or later, written YYYY-MM-DD",
                )
            })?;
        let patient_id = text(
            &self.patient_id,
            MAX_PATIENT_ID,
            F::PatientId,
            "at most 100 characters, or empty",
        )?;
        let name = text(
            &self.name,
            MAX_NAME,
            F::Name,
            "the name as the clinic holds it, at most 100 characters",
        )?;
        let kana = text(
            &self.kana,
            MAX_NAME,
            F::Kana,
            "the name in kana, at most 100 characters",
        )?;
        if name.is_none() && kana.is_none() {
            return Err(err(F::Name, "type the patient's name, in kanji or kana"));
        }
        let birth = CivilDate::parse(&clean(&self.birth_date))
            .filter(|b| *b <= today)
            .ok_or_else(|| {
                err(
                    F::BirthDate,
                    "a real date, not in the future, written YYYY-MM-DD or YYYYMMDD",
                )
            })?;
        let insurer_number = clean(&self.insurer_number);
        if insurer_number.len() != 8 || !insurer_number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(
                F::InsurerNumber,
                "the insurer number is 8 digits (pad a 6-digit number with 00, docs/domain/eligibility.md §2.2)",
            ));
        }
        let symbol = text(
            &self.symbol,
            MAX_INSURANCE_TEXT,
            F::Symbol,
            "the symbol is at most 20 characters, or empty",
        )?;
        let number = text(
            &self.number,
            MAX_INSURANCE_TEXT,
            F::Number,
            "the number is at most 20 characters",
        )?
        .ok_or_else(|| err(F::Number, "type the number printed after the symbol"))?;
        let branch = clean(&self.branch);
        let branch = match branch.len() {
            0 => None,
            2 if branch.bytes().all(|b| b.is_ascii_digit()) => Some(branch),
            _ => {
                return Err(err(
                    F::Branch,
                    "the branch number is 2 digits (docs/domain/eligibility.md §2.2), or empty",
                ));
            }
        };
        if let Some(t) = self.ratio_tenths
            && !(1..=3).contains(&t)
        {
            return Err(err(
                F::Ratio,
                "the share the clinic holds: 1, 2 or 3 (割), or none",
            ));
        }
        Ok(NewAppointment {
            visit_date: visit.compact(),
            record: ClinicRecord {
                patient_id,
                name,
                kana,
                birth_date: Some(birth.compact()),
                sex: self.sex,
                insurer_number: Some(insurer_number),
                symbol,
                number: Some(number),
                branch,
            },
            ratio_tenths: self.ratio_tenths,
            source: AppointmentSource::Typed,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TODAY: CivilDate = CivilDate {
        year: 2026,
        month: 12,
        day: 6,
    };

    fn form() -> AppointmentForm {
        AppointmentForm {
            visit_date: "2026-12-07".into(),
            patient_id: " P-0001 ".into(),
            name: "佐藤　花子".into(),
            kana: "ｻﾄｳ ﾊﾅｺ".into(),
            birth_date: "1985-04-12".into(),
            sex: Some(Sex::Female),
            insurer_number: "０６１３９９９９".into(),
            symbol: "千代".into(),
            number: "10001".into(),
            branch: "01".into(),
            ratio_tenths: Some(3),
        }
    }

    #[test]
    fn a_complete_form_is_kept_in_the_insurers_formats() {
        let a = form().validate(TODAY).unwrap();
        assert_eq!(a.visit_date, "20261207");
        assert_eq!(a.source, AppointmentSource::Typed);
        let r = &a.record;
        assert_eq!(r.patient_id.as_deref(), Some("P-0001"));
        assert_eq!(r.insurer_number.as_deref(), Some("06139999"));
        assert_eq!(r.birth_date.as_deref(), Some("19850412"));
        assert_eq!((r.branch.as_deref(), a.ratio_tenths), (Some("01"), Some(3)));
        // Optional fields may stay empty; the kana alone is a name.
        let a = AppointmentForm {
            patient_id: String::new(),
            name: String::new(),
            symbol: String::new(),
            branch: String::new(),
            ratio_tenths: None,
            sex: None,
            visit_date: "2026-12-06".into(),
            ..form()
        }
        .validate(TODAY)
        .unwrap();
        assert_eq!(
            (a.record.name, a.record.symbol, a.record.branch),
            (None, None, None)
        );
    }

    #[test]
    fn each_error_names_its_field() {
        use AppointmentField as F;
        let cases: Vec<(AppointmentForm, AppointmentField)> = vec![
            (
                AppointmentForm {
                    visit_date: "2026-12-05".into(),
                    ..form()
                },
                F::VisitDate,
            ),
            (
                AppointmentForm {
                    visit_date: "2026-13-01".into(),
                    ..form()
                },
                F::VisitDate,
            ),
            (
                AppointmentForm {
                    name: String::new(),
                    kana: " ".into(),
                    ..form()
                },
                F::Name,
            ),
            (
                AppointmentForm {
                    name: "佐藤\n花子".into(),
                    ..form()
                },
                F::Name,
            ),
            (
                AppointmentForm {
                    birth_date: "2027-01-01".into(),
                    ..form()
                },
                F::BirthDate,
            ),
            (
                AppointmentForm {
                    birth_date: String::new(),
                    ..form()
                },
                F::BirthDate,
            ),
            (
                AppointmentForm {
                    insurer_number: "139999".into(),
                    ..form()
                },
                F::InsurerNumber,
            ),
            (
                AppointmentForm {
                    number: String::new(),
                    ..form()
                },
                F::Number,
            ),
            (
                AppointmentForm {
                    symbol: "x".repeat(21),
                    ..form()
                },
                F::Symbol,
            ),
            (
                AppointmentForm {
                    branch: "1".into(),
                    ..form()
                },
                F::Branch,
            ),
            (
                AppointmentForm {
                    ratio_tenths: Some(4),
                    ..form()
                },
                F::Ratio,
            ),
            (
                AppointmentForm {
                    patient_id: "x".repeat(101),
                    ..form()
                },
                F::PatientId,
            ),
        ];
        for (f, field) in cases {
            let e = f.validate(TODAY).unwrap_err();
            assert_eq!(e.field, field, "{f:?}");
            assert!(!e.detail.is_empty());
            assert_eq!(e.code(), Code::AppointmentInvalid);
        }
    }
}
