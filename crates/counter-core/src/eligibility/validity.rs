//! What staff read first: the `QualificationValidity` (OQSCD006) and the co-payment ratio
//! (負担割合) of the record that applies (docs/domain/eligibility.md §2.3, §2.4).

use counter_api::insurer::{EligibilityResponse, QualificationResult};
use serde::{Deserialize, Serialize};

use crate::Code;

/// `QualificationValidity` (OQSCD006, docs/domain/eligibility.md §2.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "validity", content = "raw", rename_all = "snake_case")]
pub enum Validity {
    /// `1` 有効.
    Valid,
    /// `2` 無効.
    Invalid,
    /// `3` 無効(新しい資格あり).
    InvalidWithNew,
    /// `4` 該当資格なし (often insurer lag, §1.4).
    NoQualification,
    /// `5` 複数該当.
    MultipleMatches,
    /// `6` 有効(未登録) (医療扶助 only).
    ValidUnregistered,
    /// A code this version does not know, kept as received.
    Other(String),
}

impl Validity {
    /// Parses the wire code.
    pub fn parse(code: &str) -> Self {
        match code {
            "1" => Self::Valid,
            "2" => Self::Invalid,
            "3" => Self::InvalidWithNew,
            "4" => Self::NoQualification,
            "5" => Self::MultipleMatches,
            "6" => Self::ValidUnregistered,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code staff read in the headline.
    pub fn code(&self) -> Code {
        match self {
            Self::Valid | Self::ValidUnregistered => Code::EligibilityValid,
            Self::Invalid => Code::EligibilityInvalid,
            Self::InvalidWithNew => Code::NewQualificationAvailable,
            Self::NoQualification => Code::NoQualification,
            Self::MultipleMatches => Code::MultipleMatches,
            Self::Other(_) => Code::InsurerError,
        }
    }

    /// Whether the patient may be treated on this result without a fallback document.
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid | Self::ValidUnregistered)
    }
}

/// Where a ratio was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RatioSource {
    /// `InsuredPartialContributionRatio` (一部負担金割合).
    Insured,
    /// `ElderlyRecipientContributionRatio` (高齢受給者証), valid today.
    ElderlyRecipient,
    /// Printed on the document the patient presented (fallback).
    Document,
}

/// 負担割合: the share of the bill the patient pays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ratio {
    /// 1割, 2割 or 3割.
    Tenths {
        /// 1, 2 or 3.
        tenths: u8,
        /// Where it was read.
        source: RatioSource,
    },
    /// 医療扶助 (`InsuredCardClassification` `A1`): public assistance pays; check the
    /// 医療券 for the 本人支払額.
    PublicAssistance,
    /// No usable ratio: the field is absent or holds a code we do not know.
    Unknown {
        /// The code as received, if any.
        raw: Option<String>,
    },
    /// No record applies (validity 2 or 4, or 5 before staff chose a record).
    NotApplicable,
}

/// Parses a ratio code: `010`, `020`, `030` (docs/domain/eligibility.md §2.4).
pub fn tenths_of(code: &str) -> Option<u8> {
    match code {
        "010" => Some(1),
        "020" => Some(2),
        "030" => Some(3),
        _ => None,
    }
}

/// The ratio of one record on the JST day `today` (`YYYYMMDD`): a 高齢受給者証 valid today
/// wins over the insured ratio (it is the ratio of 70–74 year olds, §2.4).
pub fn ratio_of(r: &QualificationResult, today: &str) -> Ratio {
    if r.insured_card_classification == "A1" {
        return Ratio::PublicAssistance;
    }
    if let Some(e) = &r.elderly_recipient {
        let current = e.valid_start_date.as_str() <= today && today <= e.valid_end_date.as_str();
        if current && let Some(tenths) = tenths_of(&e.contribution_ratio) {
            return Ratio::Tenths {
                tenths,
                source: RatioSource::ElderlyRecipient,
            };
        }
    }
    match r.partial_contribution_ratio.as_deref() {
        Some(code) => match tenths_of(code) {
            Some(tenths) => Ratio::Tenths {
                tenths,
                source: RatioSource::Insured,
            },
            None => Ratio::Unknown {
                raw: Some(code.to_owned()),
            },
        },
        None => Ratio::Unknown { raw: None },
    }
}

/// Whether a record is current on `today`: qualified, and not lost on or before it.
pub fn is_current(r: &QualificationResult, today: &str) -> bool {
    r.qualification_date.as_str() <= today
        && r.disqualification_date.as_deref().is_none_or(|d| d > today)
}

/// The index of the record the headline is about: the only one for 1, 2 and 6; for 3 the
/// first current record (the new qualification, returned after the lost one); for 5 the
/// one staff chose; none for 4.
pub fn primary_index(
    validity: &Validity,
    resp: &EligibilityResponse,
    chosen: Option<usize>,
    today: &str,
) -> Option<usize> {
    let n = resp.results.len();
    match validity {
        Validity::NoQualification => None,
        Validity::MultipleMatches => chosen.filter(|i| *i < n),
        Validity::InvalidWithNew => resp
            .results
            .iter()
            .position(|r| is_current(r, today))
            .or(n.checked_sub(1)),
        _ => (n > 0).then_some(0),
    }
}

/// The headline ratio: the primary record's, when the validity lets one apply.
pub fn headline_ratio(
    validity: &Validity,
    resp: &EligibilityResponse,
    primary: Option<usize>,
    today: &str,
) -> Ratio {
    match (validity, primary.and_then(|i| resp.results.get(i))) {
        (Validity::Invalid | Validity::NoQualification, _) | (_, None) => Ratio::NotApplicable,
        (_, Some(r)) => ratio_of(r, today),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use counter_api::insurer::ElderlyRecipient;

    pub(crate) fn record() -> QualificationResult {
        serde_json::from_value(serde_json::json!({
            "insured_card_classification": "01", "insurer_number": "06139999",
            "insurer_name": "関東健康保険組合", "number": "20003",
            "personal_family_classification": "1", "name": "山田　昭",
            "name_kana": "ﾔﾏﾀﾞ ｱｷﾗ", "sex1": "1", "birth_date": "19530710",
            "qualification_date": "19760401", "partial_contribution_ratio": "030"
        }))
        .unwrap()
    }

    #[test]
    fn elderly_ratio_applies_while_valid() {
        let mut r = record();
        r.elderly_recipient = Some(ElderlyRecipient {
            certificate_date: "20230710".into(),
            valid_start_date: "20230801".into(),
            valid_end_date: "20280731".into(),
            contribution_ratio: "020".into(),
        });
        let two = Ratio::Tenths {
            tenths: 2,
            source: RatioSource::ElderlyRecipient,
        };
        assert_eq!(ratio_of(&r, "20261125"), two);
        let three = Ratio::Tenths {
            tenths: 3,
            source: RatioSource::Insured,
        };
        assert_eq!(ratio_of(&r, "20280801"), three);
    }

    #[test]
    fn odd_ratios_and_public_assistance() {
        let mut r = record();
        r.partial_contribution_ratio = Some("015".into());
        assert_eq!(
            ratio_of(&r, "20261125"),
            Ratio::Unknown {
                raw: Some("015".into())
            }
        );
        r.insured_card_classification = "A1".into();
        assert_eq!(ratio_of(&r, "20261125"), Ratio::PublicAssistance);
    }

    #[test]
    fn validity_codes() {
        for (c, code) in [
            ("1", Code::EligibilityValid),
            ("2", Code::EligibilityInvalid),
            ("3", Code::NewQualificationAvailable),
            ("4", Code::NoQualification),
            ("5", Code::MultipleMatches),
            ("6", Code::EligibilityValid),
            ("9", Code::InsurerError),
        ] {
            assert_eq!(Validity::parse(c).code(), code, "{c}");
        }
        assert_eq!(Validity::parse("7"), Validity::Other("7".into()));
    }
}
