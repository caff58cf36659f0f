//! The customer's answers on the consent screens (docs/domain/eligibility.md §1.2 steps 3–4), and what
//! they mean once the site's offer is applied.

use serde::{Deserialize, Serialize};

use super::setup::ConsentsOffered;

/// 処方箋発行形態 (`PrescriptionIssueSelect`, docs/domain/eligibility.md §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionFormat {
    /// `1` 電子処方箋.
    Electronic,
    /// `2` 紙の処方箋.
    Paper,
}

impl PrescriptionFormat {
    /// The code as in the result file.
    pub fn code(self) -> &'static str {
        match self {
            Self::Electronic => "1",
            Self::Paper => "2",
        }
    }
}

/// What the customer chose on their own screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerConsents {
    /// 包括同意: every item the site offers (since 2024-10-07, §1.2 step 3).
    pub blanket: bool,
    /// 薬剤情報.
    pub medication: bool,
    /// 特定健診情報.
    pub health_checks: bool,
    /// 診療情報.
    pub treatment: bool,
    /// 手術情報.
    pub surgery: bool,
    /// 限度額適用認定証: only read when the site still offers the separate screen.
    pub limit_certificate: bool,
    /// 処方箋形式, when asked.
    pub prescription: Option<PrescriptionFormat>,
}

/// The consents in force for this check: the customer's choices limited to what the site
/// offers, the blanket choice expanded, and the limit-certificate flag as sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsentsGiven {
    /// 薬剤情報.
    pub medication: bool,
    /// 特定健診情報.
    pub health_checks: bool,
    /// 診療情報.
    pub treatment: bool,
    /// 手術情報.
    pub surgery: bool,
    /// `LimitApplicationCertificateRelatedConsFlg` as sent in the request.
    pub limit_certificate: bool,
    /// Whether the blanket choice was used.
    pub blanket: bool,
    /// 処方箋形式, when asked and answered.
    pub prescription: Option<PrescriptionFormat>,
}

impl ConsentsGiven {
    /// Applies the site's offer to the customer's answers. An item the site does not
    /// offer is never given, whatever the screen sent; the blanket choice counts only when
    /// offered. Without the separate 限度額 screen the flag is `1` (§1.2 step 3: the law
    /// requires the information to be provided since 2024-10).
    pub fn resolve(offered: &ConsentsOffered, chosen: &CustomerConsents) -> Self {
        let blanket = offered.blanket && chosen.blanket;
        let item = |offer: bool, choice: bool| offer && (blanket || choice);
        Self {
            medication: item(offered.medication, chosen.medication),
            health_checks: item(offered.health_checks, chosen.health_checks),
            treatment: item(offered.treatment, chosen.treatment),
            surgery: item(offered.surgery, chosen.surgery),
            limit_certificate: !offered.limit_certificate_screen || chosen.limit_certificate,
            blanket,
            prescription: if offered.prescription_format {
                chosen.prescription
            } else {
                None
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanket_gives_only_what_is_offered() {
        let offered = ConsentsOffered::reception_default();
        let given = ConsentsGiven::resolve(
            &offered,
            &CustomerConsents {
                blanket: true,
                surgery: true,
                ..Default::default()
            },
        );
        assert!(given.medication && given.health_checks && given.blanket);
        assert!(!given.surgery && !given.treatment, "not offered by default");
    }

    #[test]
    fn limit_flag_follows_the_screen() {
        let mut offered = ConsentsOffered::pharmacy_default();
        let none = CustomerConsents::default();
        assert!(ConsentsGiven::resolve(&offered, &none).limit_certificate);
        offered.limit_certificate_screen = true;
        assert!(!ConsentsGiven::resolve(&offered, &none).limit_certificate);
        let yes = CustomerConsents {
            limit_certificate: true,
            ..none
        };
        assert!(ConsentsGiven::resolve(&offered, &yes).limit_certificate);
    }

    #[test]
    fn prescription_only_when_asked() {
        let chosen = CustomerConsents {
            prescription: Some(PrescriptionFormat::Electronic),
            ..Default::default()
        };
        let r = ConsentsGiven::resolve(&ConsentsOffered::reception_default(), &chosen);
        let p = ConsentsGiven::resolve(&ConsentsOffered::pharmacy_default(), &chosen);
        assert_eq!(r.prescription, Some(PrescriptionFormat::Electronic));
        assert_eq!(p.prescription, None);
        assert_eq!(PrescriptionFormat::Paper.code(), "2");
    }
}
