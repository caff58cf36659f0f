//! The warnings that matter on a result (docs/domain/eligibility.md §1.4, §5 R2, R3, R7), each typed
//! and carrying a [`Code`]. A [`Warning::PersonMismatch`] withholds the detailed result
//! until staff acknowledge it (R7).

use counter_api::insurer::{EligibilityResponse, QualificationResult};
use counter_api::platform::Sex;
use madoguchi_time::jst::CivilDate;
use serde::{Deserialize, Serialize};

use super::names::{normalize, outside_jis, same_name, substituted};
use super::setup::{CardHolder, ClinicRecord};
use super::validity::{Validity, is_current, primary_index};
use crate::Code;

/// Months ahead in which an `InsuredCardExpirationDate` is announced (docs/domain/eligibility.md §1.7:
/// the real system warns "card expires within 3 months").
pub const EXPIRY_NOTICE_MONTHS: u32 = 3;

/// Whose data the result was compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum KnownSource {
    /// The clinic's chart.
    ClinicRecord,
    /// The card holder's enrolled attributes.
    CardHolder,
}

/// A person attribute that differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PersonField {
    /// `Name` / `NameOfOther`.
    Name,
    /// `NameKana` / `NameOfOtherKana`.
    Kana,
    /// `Birthdate`.
    BirthDate,
    /// `Sex1` / `Sex2`.
    Sex,
}

/// A name field of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum NameField {
    /// `Name`.
    Name,
    /// `NameOfOther`.
    NameOfOther,
    /// `InsuredName`.
    InsuredName,
}

/// An insurance field that differs from the chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum InsuranceField {
    /// `InsurerNumber`.
    InsurerNumber,
    /// `InsuredCardSymbol`.
    Symbol,
    /// `InsuredIdentificationNumber`.
    Number,
    /// `InsuredBranchNumber`.
    Branch,
}

/// One warning on a result. `record` indexes `ResultList`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Warning {
    /// The person in the result differs from the chart or the card holder (R7): confirm
    /// the person before the details are shown.
    PersonMismatch {
        /// Compared with.
        source: KnownSource,
        /// What differs (for 複数該当: of the closest record).
        fields: Vec<PersonField>,
    },
    /// `4` 該当資格なし: may be insurer lag (§1.4); record a fallback, a re-check follows.
    NoQualification,
    /// `2` 無効: ask about a new insurance.
    Invalid,
    /// `3` 無効(新しい資格あり): register the new qualification.
    NewQualification {
        /// The current record.
        record: usize,
    },
    /// `5` 複数該当: ask the patient which insurance is current.
    MultipleMatches {
        /// How many records came back.
        count: usize,
    },
    /// A `QualificationValidity` this version does not know.
    UnknownValidity {
        /// As received.
        raw: String,
    },
    /// `QualificationDate` is today: the insurer's data may lag (R3).
    QualificationStartsToday {
        /// The record.
        record: usize,
    },
    /// A name holds `●` or characters outside JIS levels 1/2: keep the raw value, the
    /// claims system may reject it (R2).
    NameCharacters {
        /// The record.
        record: usize,
        /// The field.
        field: NameField,
        /// How many `●`.
        substituted: usize,
        /// The characters certainly outside JIS X 0208.
        outside_jis: String,
    },
    /// `InsuredCardExpirationDate` is within [`EXPIRY_NOTICE_MONTHS`] months (or past).
    CardExpiringSoon {
        /// The record.
        record: usize,
        /// `YYYYMMDD`.
        expires: String,
        /// Days from today (negative when past).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        days_left: i64,
    },
    /// The insurance differs from the chart: update the chart.
    InsuranceChanged {
        /// What differs.
        fields: Vec<InsuranceField>,
    },
    /// `ProcessingResultMessage`, to show verbatim (§1.7).
    InsurerMessage {
        /// `ProcessingResultStatus`: `1` normal, `2` error.
        status: String,
        /// `ProcessingResultCode`.
        code: Option<String>,
        /// `ProcessingResultMessage`, verbatim.
        message: String,
    },
}

impl Warning {
    /// The code of the table line staff read.
    pub fn code(&self) -> Code {
        match self {
            Self::PersonMismatch { .. } => Code::PersonMismatch,
            Self::NoQualification => Code::NoQualification,
            Self::Invalid => Code::EligibilityInvalid,
            Self::NewQualification { .. } => Code::NewQualificationAvailable,
            Self::MultipleMatches { .. } => Code::MultipleMatches,
            Self::UnknownValidity { .. } => Code::InsurerError,
            Self::QualificationStartsToday { .. } => Code::QualificationStartsToday,
            Self::NameCharacters { .. } => Code::NameCharacters,
            Self::CardExpiringSoon { .. } => Code::CardExpiringSoon,
            Self::InsuranceChanged { .. } => Code::InsuranceChanged,
            Self::InsurerMessage { status, .. } if status == "2" => Code::InsurerError,
            Self::InsurerMessage { .. } => Code::InsurerMessage,
        }
    }

    /// Whether the detailed result stays hidden until staff acknowledge (R7).
    pub fn blocks_details(&self) -> bool {
        matches!(self, Self::PersonMismatch { .. })
    }

    /// Display order: what stops staff first.
    fn rank(&self) -> u8 {
        match self {
            Self::PersonMismatch { .. } => 0,
            Self::InsurerMessage { status, .. } if status == "2" => 1,
            Self::NoQualification
            | Self::Invalid
            | Self::NewQualification { .. }
            | Self::MultipleMatches { .. }
            | Self::UnknownValidity { .. } => 1,
            Self::QualificationStartsToday { .. } => 2,
            Self::NameCharacters { .. } => 3,
            Self::InsuranceChanged { .. } => 4,
            Self::CardExpiringSoon { .. } => 5,
            Self::InsurerMessage { .. } => 6,
        }
    }
}

/// Every warning of `resp` on the JST day `today`, most urgent first.
pub fn assess(
    resp: &EligibilityResponse,
    clinic: Option<&ClinicRecord>,
    holder: Option<&CardHolder>,
    today: CivilDate,
) -> Vec<Warning> {
    let day = today.compact();
    let validity = Validity::parse(&resp.qualification_validity);
    let primary = primary_index(&validity, resp, None, &day);
    let mut out = Vec::new();
    match &validity {
        Validity::NoQualification => out.push(Warning::NoQualification),
        Validity::Invalid => out.push(Warning::Invalid),
        Validity::InvalidWithNew => {
            out.extend(primary.map(|record| Warning::NewQualification { record }))
        }
        Validity::MultipleMatches => out.push(Warning::MultipleMatches {
            count: resp.results.len(),
        }),
        Validity::Other(raw) => out.push(Warning::UnknownValidity { raw: raw.clone() }),
        Validity::Valid | Validity::ValidUnregistered => {}
    }
    // The records that must be this person: every one for 複数該当 (one of them), else the
    // primary (for 3 the new record: the name may have changed with the insurance).
    let compared: Vec<&QualificationResult> = match validity {
        Validity::MultipleMatches => resp.results.iter().collect(),
        _ => primary
            .and_then(|i| resp.results.get(i))
            .into_iter()
            .collect(),
    };
    if let Some(c) = clinic {
        out.extend(mismatch(
            &compared,
            &Known::of_clinic(c),
            KnownSource::ClinicRecord,
        ));
    }
    if let Some(h) = holder {
        out.extend(mismatch(
            &compared,
            &Known::of_holder(h),
            KnownSource::CardHolder,
        ));
    }
    for (i, r) in resp.results.iter().enumerate() {
        if r.qualification_date == day {
            out.push(Warning::QualificationStartsToday { record: i });
        }
        let names = [
            (NameField::Name, Some(r.name.as_str())),
            (NameField::NameOfOther, r.name_of_other.as_deref()),
            (NameField::InsuredName, r.insured_name.as_deref()),
        ];
        for (field, value) in names {
            let Some(v) = value else { continue };
            let (n, odd) = (substituted(v), outside_jis(v));
            if n > 0 || !odd.is_empty() {
                out.push(Warning::NameCharacters {
                    record: i,
                    field,
                    substituted: n,
                    outside_jis: odd,
                });
            }
        }
    }
    if let Some((i, r)) = primary.and_then(|i| resp.results.get(i).map(|r| (i, r)))
        && is_current(r, &day)
    {
        if let Some(c) = clinic {
            let fields = insurance_diff(r, c);
            if !fields.is_empty() {
                out.push(Warning::InsuranceChanged { fields });
            }
        }
        if let Some(w) = expiring(i, r, today) {
            out.push(w);
        }
    }
    let p = &resp.processing_result;
    if let Some(message) = &p.message {
        out.push(Warning::InsurerMessage {
            status: p.status.clone(),
            code: p.code.clone(),
            message: message.clone(),
        });
    } else if p.status == "2" {
        out.push(Warning::InsurerMessage {
            status: p.status.clone(),
            code: p.code.clone(),
            message: String::new(),
        });
    }
    out.sort_by_key(Warning::rank);
    out
}

/// What the terminal knows about the person from one source.
#[derive(Clone, Copy)]
pub(crate) struct Known<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) kana: Option<&'a str>,
    pub(crate) birth: Option<&'a str>,
    pub(crate) sex: Option<Sex>,
}

impl<'a> Known<'a> {
    fn of_clinic(c: &'a ClinicRecord) -> Self {
        Self {
            name: c.name.as_deref(),
            kana: c.kana.as_deref(),
            birth: c.birth_date.as_deref(),
            sex: c.sex,
        }
    }

    fn of_holder(h: &'a CardHolder) -> Self {
        Self {
            name: h.name.as_deref(),
            kana: None,
            birth: h.birth_date.as_deref(),
            sex: h.sex,
        }
    }
}

/// Whether `r` names the person the chart and the card holder describe; `None` when
/// neither is known.
pub fn names_known_person(
    r: &QualificationResult,
    clinic: Option<&ClinicRecord>,
    holder: Option<&CardHolder>,
) -> Option<bool> {
    if clinic.is_none() && holder.is_none() {
        return None;
    }
    let chart = clinic.is_none_or(|c| person_diff(r, &Known::of_clinic(c)).is_empty());
    let card = holder.is_none_or(|h| person_diff(r, &Known::of_holder(h)).is_empty());
    Some(chart && card)
}

/// The fields of `r` that differ from `k`; a field `k` does not hold is not compared.
pub(crate) fn person_diff(r: &QualificationResult, k: &Known<'_>) -> Vec<PersonField> {
    let Known {
        name,
        kana,
        birth,
        sex,
    } = *k;
    let mut d = Vec::new();
    if let Some(n) = name
        && !same_name(&r.name, n)
        && !r.name_of_other.as_deref().is_some_and(|o| same_name(o, n))
    {
        d.push(PersonField::Name);
    }
    if let Some(k) = kana
        && !same_name(&r.name_kana, k)
        && !r
            .name_of_other_kana
            .as_deref()
            .is_some_and(|o| same_name(o, k))
    {
        d.push(PersonField::Kana);
    }
    if let Some(b) = birth.and_then(CivilDate::parse)
        && CivilDate::parse(&r.birth_date) != Some(b)
    {
        d.push(PersonField::BirthDate);
    }
    let sex_code = match sex {
        Some(Sex::Male) => Some("1"),
        Some(Sex::Female) => Some("2"),
        Some(Sex::NotKnown) | None => None,
    };
    if let Some(s) = sex_code
        && r.sex1 != s
        && r.sex2.as_deref() != Some(s)
    {
        d.push(PersonField::Sex);
    }
    d
}

/// A mismatch unless at least one compared record names the known person.
fn mismatch(
    compared: &[&QualificationResult],
    k: &Known<'_>,
    source: KnownSource,
) -> Option<Warning> {
    let diffs: Vec<Vec<PersonField>> = compared.iter().map(|r| person_diff(r, k)).collect();
    if diffs.iter().any(Vec::is_empty) {
        return None;
    }
    let fields = diffs.into_iter().min_by_key(Vec::len)?;
    Some(Warning::PersonMismatch { source, fields })
}

/// The insurance fields of `r` that differ from the chart's (digits and spaces normalised).
fn insurance_diff(r: &QualificationResult, c: &ClinicRecord) -> Vec<InsuranceField> {
    let differs = |ours: Option<&str>, theirs: Option<&str>| match ours {
        Some(o) => normalize(o) != normalize(theirs.unwrap_or("")),
        None => false,
    };
    let mut d = Vec::new();
    if differs(c.insurer_number.as_deref(), Some(&r.insurer_number)) {
        d.push(InsuranceField::InsurerNumber);
    }
    if differs(c.symbol.as_deref(), r.symbol.as_deref()) {
        d.push(InsuranceField::Symbol);
    }
    if differs(c.number.as_deref(), Some(&r.number)) {
        d.push(InsuranceField::Number);
    }
    if differs(c.branch.as_deref(), r.branch.as_deref()) {
        d.push(InsuranceField::Branch);
    }
    d
}

/// The date `months` calendar months after `d`, the day clamped to the month's end.
pub(crate) fn add_months(d: CivilDate, months: u32) -> CivilDate {
    let m0 = i64::from(d.month) - 1 + i64::from(months);
    let (year, month) = (d.year + m0.div_euclid(12), (m0.rem_euclid(12) + 1) as u32);
    (0..4)
        .filter_map(|back| {
            let day = d.day.saturating_sub(back);
            CivilDate::parse(&format!("{year:04}{month:02}{day:02}"))
        })
        .next()
        .unwrap_or(CivilDate {
            year,
            month,
            day: 28,
        })
}

fn expiring(i: usize, r: &QualificationResult, today: CivilDate) -> Option<Warning> {
    let raw = r.card_expiration_date.as_deref()?;
    let exp = CivilDate::parse(raw)?;
    (exp < add_months(today, EXPIRY_NOTICE_MONTHS)).then(|| Warning::CardExpiringSoon {
        record: i,
        expires: raw.to_owned(),
        days_left: today.days_until(exp),
    })
}

#[cfg(test)]
#[path = "warnings_tests.rs"]
mod tests;
