//! Fallbacks (docs/domain/eligibility.md §1.4, §5 R1: never leave a patient at 10割). When eligibility
//! cannot be had, staff record what the patient presented, with the fields printed on it,
//! so the patient pays the normal share; a re-check by insurance number follows.

use madoguchi_time::jst::CivilDate;
use serde::{Deserialize, Serialize};

use crate::Code;

/// Longest symbol and number accepted: the insurer's bulk route takes at most 20
/// characters (`backend-insurer` `core::validate`), so what passes here is accepted there.
pub const MAX_INSURANCE_TEXT: usize = 20;
/// Longest name accepted, in characters (as the platform's application, `MAX_NAME_CHARS`).
pub const MAX_NAME: usize = 100;

/// The document the patient presented (docs/domain/eligibility.md §1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FallbackDocument {
    /// 資格情報のお知らせ (eligibility notice), shown with the card.
    EligibilityNotice,
    /// 資格確認書 (eligibility certificate), issued by the insurer.
    EligibilityCertificate,
    /// The Mynaportal eligibility screen on the patient's phone.
    Mynaportal,
    /// 被保険者資格申立書 (self-declaration), filled in at the counter; the patient may not
    /// know the numbers.
    SelfDeclaration,
}

/// Why a fallback is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FallbackReason {
    /// The insurer could not be reached or failed (transport, 5xx, unreadable answer).
    InsurerUnavailable,
    /// The insurer refused the check with a problem of its own.
    InsurerError,
    /// The platform's assertion expired before the check.
    AssertionExpired,
    /// The card carries no insurance service.
    NotEnrolled,
    /// `QualificationValidity` 4 (often insurer lag, §1.4).
    NoQualification,
    /// `QualificationValidity` 2 or 3.
    Invalid,
    /// `QualificationValidity` 5, and no record is clearly the patient's.
    MultipleMatches,
    /// The auth PIN is blocked.
    PinBlocked,
    /// The card's certificate expired (reader message 006, §1.4).
    CertificateExpired,
    /// The card's certificate was revoked.
    CertificateRevoked,
    /// The card cannot be read.
    CardUnreadable,
    /// The verification platform is down (§1.4 "system or network down").
    PlatformUnavailable,
    /// The insurer does not hold the card's link as confirmed for this holder (linked to
    /// someone else since, or never confirmed): the card must be enrolled again.
    LinkNotConfirmed,
}

impl FallbackReason {
    /// The code staff read for the reason.
    pub fn code(self) -> Code {
        match self {
            Self::InsurerUnavailable => Code::InsurerUnavailable,
            Self::InsurerError => Code::InsurerError,
            Self::AssertionExpired => Code::AssertionExpired,
            Self::NotEnrolled => Code::NotEnrolled,
            Self::NoQualification => Code::NoQualification,
            Self::Invalid => Code::EligibilityInvalid,
            Self::MultipleMatches => Code::MultipleMatches,
            Self::PinBlocked => Code::PinBlocked,
            Self::CertificateExpired => Code::CertificateExpired,
            Self::CertificateRevoked => Code::CertificateRevoked,
            Self::CardUnreadable => Code::CardUnreadable,
            Self::PlatformUnavailable => Code::PlatformUnavailable,
            Self::LinkNotConfirmed => Code::LinkNotOwned,
        }
    }
}

/// The form as staff typed it (free text; [`FallbackForm::validate`] checks it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FallbackForm {
    /// What was presented.
    pub document: FallbackDocument,
    /// 保険者番号: 8 digits (full-width digits accepted); may be empty on a self-declaration.
    pub insurer_number: String,
    /// 保険者名, required on a self-declaration without an insurer number.
    pub insurer_name: String,
    /// 記号 (may be empty).
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番: 2 digits, or empty.
    pub branch: String,
    /// 氏名 as printed.
    pub name: String,
    /// 生年月日, `YYYYMMDD` or `YYYY-MM-DD`.
    pub birth_date: String,
    /// 負担割合 shown on the document, in tenths (1, 2, 3).
    pub ratio_tenths: u8,
}

/// A field of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FallbackField {
    /// 保険者番号.
    InsurerNumber,
    /// 保険者名.
    InsurerName,
    /// 記号.
    Symbol,
    /// 番号.
    Number,
    /// 枝番.
    Branch,
    /// 氏名.
    Name,
    /// 生年月日.
    BirthDate,
    /// 負担割合.
    Ratio,
}

/// A field that breaks its rule; the message says what is expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field:?}: {detail}")]
pub struct FallbackError {
    /// The field at fault.
    pub field: FallbackField,
    /// What is expected.
    pub detail: &'static str,
}

impl FallbackError {
    /// The UI code ([`Code::FallbackFieldInvalid`]).
    pub fn code(&self) -> Code {
        Code::FallbackFieldInvalid
    }
}

/// The validated form: what the patient presented, in the insurer's formats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Presented {
    /// What was presented.
    pub document: FallbackDocument,
    /// `InsurerNumber`, 8 digits.
    pub insurer_number: Option<String>,
    /// 保険者名.
    pub insurer_name: Option<String>,
    /// `InsuredCardSymbol`.
    pub symbol: Option<String>,
    /// `InsuredIdentificationNumber`.
    pub number: Option<String>,
    /// `InsuredBranchNumber`, 2 digits.
    pub branch: Option<String>,
    /// 氏名, as typed (trimmed).
    pub name: String,
    /// `Birthdate`, `YYYYMMDD`.
    pub birth_date: String,
    /// 負担割合 in tenths.
    pub ratio_tenths: u8,
}

impl Presented {
    /// Whether the numbers allow a re-check by insurance number (§2.2).
    pub fn can_recheck(&self) -> bool {
        self.insurer_number.is_some() && self.number.is_some()
    }
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

fn err(field: FallbackField, detail: &'static str) -> FallbackError {
    FallbackError { field, detail }
}

fn text(
    v: String,
    max: usize,
    field: FallbackField,
    detail: &'static str,
) -> Result<Option<String>, FallbackError> {
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(err(field, detail));
    }
    Ok(Some(v))
}

impl FallbackForm {
    /// Checks every field against the rules of docs/domain/eligibility.md §2.2 and `today` (JST).
    pub fn validate(&self, today: CivilDate) -> Result<Presented, FallbackError> {
        use FallbackField as F;
        let self_declared = self.document == FallbackDocument::SelfDeclaration;
        let insurer_number = clean(&self.insurer_number);
        let insurer_number = if insurer_number.is_empty() {
            if !self_declared {
                return Err(err(
                    F::InsurerNumber,
                    "enter the 8-digit insurer number printed on the document",
                ));
            }
            None
        } else if insurer_number.len() == 8 && insurer_number.bytes().all(|b| b.is_ascii_digit()) {
            Some(insurer_number)
        } else {
            return Err(err(
                F::InsurerNumber,
                "the insurer number is 8 digits (pad a 6-digit number with 00, docs/domain/eligibility.md §2.2)",
            ));
        };
        let insurer_name = text(
            clean(&self.insurer_name),
            MAX_NAME,
            F::InsurerName,
            "at most 100 characters",
        )?;
        if insurer_number.is_none() && insurer_name.is_none() {
            return Err(err(
                F::InsurerName,
                "name the insurer when its number is not known",
            ));
        }
        let symbol = text(
            clean(&self.symbol),
            MAX_INSURANCE_TEXT,
            F::Symbol,
            "the symbol is at most 20 characters",
        )?;
        let number = text(
            clean(&self.number),
            MAX_INSURANCE_TEXT,
            F::Number,
            "the number is at most 20 characters",
        )?;
        if insurer_number.is_some() && number.is_none() {
            return Err(err(F::Number, "enter the number printed after the symbol"));
        }
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
        let name = clean(&self.name);
        if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control)
        {
            return Err(err(
                F::Name,
                "enter the name as printed (1 to 100 characters)",
            ));
        }
        let birth = CivilDate::parse(&clean(&self.birth_date))
            .filter(|b| *b <= today)
            .ok_or_else(|| {
                err(
                    F::BirthDate,
                    "a real date, not in the future, written YYYYMMDD or YYYY-MM-DD",
                )
            })?;
        if !(1..=3).contains(&self.ratio_tenths) {
            return Err(err(
                F::Ratio,
                "the share shown on the document: 1, 2 or 3 (割)",
            ));
        }
        Ok(Presented {
            document: self.document,
            insurer_number,
            insurer_name,
            symbol,
            number,
            branch,
            name,
            birth_date: birth.compact(),
            ratio_tenths: self.ratio_tenths,
        })
    }
}

#[cfg(test)]
#[path = "fallback_tests.rs"]
mod tests;
