//! What a check starts from: the counter's mode and settings, the consent screens the site
//! offers, and what the terminal already knows about the person (the clinic's chart, the
//! card holder's enrolled attributes).

use counter_api::platform::Sex;
use serde::{Deserialize, Serialize};

/// Longest check id: it is the `ArbitraryFileIdentifier` and part of a file name
/// (docs/domain/eligibility.md §2.1). The insurer echoes at most 100 characters
/// (`backend-insurer` `MAX_ECHO_CHARS`); 64 keeps file names short.
pub const MAX_CHECK_ID_LEN: usize = 64;

/// Where the terminal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A clinic's or hospital's reception (医療機関).
    Reception,
    /// A pharmacy (薬局).
    Pharmacy,
}

/// The consent screens the site offers on the customer's screen (docs/domain/eligibility.md §1.2
/// step 3: each site enables the items it uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsentsOffered {
    /// 薬剤情報 (`PharmacistsInfoConsFlg`).
    pub medication: bool,
    /// 特定健診情報 (`SpecificHealthCheckupsInfoConsFlg`).
    pub health_checks: bool,
    /// 診療情報 (`DiagnosisInfoConsFlg`); off by default in the real system (§1.2).
    pub treatment: bool,
    /// 手術情報 (`OperationInfoConsFlg`); off by default in the real system (§1.2).
    pub surgery: bool,
    /// The single 包括同意 (blanket consent) choice, offered since 2024-10-07 (§1.2).
    pub blanket: bool,
    /// The separate 限度額 screen of before 2024-10. When it is not offered the terminal
    /// sends `LimitApplicationCertificateRelatedConsFlg` = 1: the law requires the
    /// information to be provided anyway (§1.2 step 3).
    pub limit_certificate_screen: bool,
    /// The 処方箋形式 question (`PrescriptionIssueSelect`, §1.2 step 4), at clinics that
    /// issue e-prescriptions.
    pub prescription_format: bool,
}

impl ConsentsOffered {
    /// A clinic's reception: medication and health checks, the blanket choice, and the
    /// prescription format (the clinic issues the prescription). Treatment and surgery are
    /// off, as the real system's defaults (§1.2 step 3).
    pub fn reception_default() -> Self {
        Self {
            medication: true,
            health_checks: true,
            treatment: false,
            surgery: false,
            blanket: true,
            limit_certificate_screen: false,
            prescription_format: true,
        }
    }

    /// A pharmacy: medication and health checks and the blanket choice; no prescription
    /// format question, since the pharmacy receives the prescription the clinic chose
    /// (our reading of §1.2 step 4 \[C\]).
    pub fn pharmacy_default() -> Self {
        Self {
            prescription_format: false,
            ..Self::reception_default()
        }
    }

    /// The default of a mode.
    pub fn default_for(mode: Mode) -> Self {
        match mode {
            Mode::Reception => Self::reception_default(),
            Mode::Pharmacy => Self::pharmacy_default(),
        }
    }
}

/// The site's settings for eligibility checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSettings {
    /// 医療機関コード (`MedicalInstitutionCode`): 10 digits (docs/domain/eligibility.md §2.1).
    pub medical_institution_code: String,
    /// The consent screens offered.
    pub consents_offered: ConsentsOffered,
    /// Whether results are handed to the receipt system as files (§2.6, §2.7 item 1).
    pub export: bool,
}

/// What the clinic's chart says about the patient. Every field is optional: a first visit
/// has no chart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClinicRecord {
    /// The clinic's patient id (照会番号, `ReferenceNumber`, docs/domain/eligibility.md §2.3).
    pub patient_id: Option<String>,
    /// 氏名 as on the chart.
    pub name: Option<String>,
    /// 氏名カナ as on the chart (any kana width).
    pub kana: Option<String>,
    /// 生年月日, `YYYYMMDD` or `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// 性別.
    pub sex: Option<Sex>,
    /// `InsurerNumber` on the chart.
    pub insurer_number: Option<String>,
    /// `InsuredCardSymbol` on the chart.
    pub symbol: Option<String>,
    /// `InsuredIdentificationNumber` on the chart.
    pub number: Option<String>,
    /// `InsuredBranchNumber` on the chart.
    pub branch: Option<String>,
}

/// Longest expected name accepted, in characters.
pub const MAX_EXPECTED_NAME_CHARS: usize = 100;

/// Why the expected patient staff typed cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectedError {
    /// Neither a name nor a birth date was given.
    #[error("type the expected patient's name (kanji or kana), birth date, or both")]
    Empty,
    /// The name is too long or holds control characters.
    #[error("the name is 1 to 100 characters without control characters")]
    Name,
    /// The birth date is not a real date.
    #[error("the birth date is YYYY-MM-DD or YYYYMMDD (Gregorian)")]
    BirthDate,
}

impl ExpectedError {
    /// The UI code.
    pub fn code(self) -> crate::Code {
        crate::Code::ExpectedPatientInvalid
    }
}

impl ClinicRecord {
    /// The patient the receptionist expects, as typed: a name in kanji or in kana (a name
    /// written only in kana, of either width, or hiragana, is compared with `NameKana`;
    /// any other with `Name`) and a birth date. Either may be empty, not both. The result
    /// is compared with the insurer's answer (R7).
    pub fn expected(name: &str, birth_date: &str) -> Result<ClinicRecord, ExpectedError> {
        let name = name.trim_matches(|c: char| c == ' ' || c == '\u{3000}');
        let birth_date = birth_date.trim();
        if name.is_empty() && birth_date.is_empty() {
            return Err(ExpectedError::Empty);
        }
        if name.chars().count() > MAX_EXPECTED_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(ExpectedError::Name);
        }
        let birth_date = match birth_date {
            "" => None,
            b => Some(
                madoguchi_time::jst::CivilDate::parse(b)
                    .ok_or(ExpectedError::BirthDate)?
                    .compact(),
            ),
        };
        let name = (!name.is_empty()).then(|| name.to_owned());
        let kana_only = name.as_deref().is_some_and(is_kana);
        Ok(ClinicRecord {
            kana: name.clone().filter(|_| kana_only),
            name: name.filter(|_| !kana_only),
            birth_date,
            ..ClinicRecord::default()
        })
    }
}

/// Whether `s` is written in kana only (full- and half-width katakana, hiragana, the
/// prolonged mark and sound marks), spaces allowed.
fn is_kana(s: &str) -> bool {
    s.chars().any(|c| !matches!(c, ' ' | '\u{3000}'))
        && s.chars().all(|c| {
            matches!(c,
                ' ' | '\u{3000}'
                | '\u{3041}'..='\u{309F}'   // hiragana, sound marks
                | '\u{30A0}'..='\u{30FF}'   // katakana, ー, ・
                | '\u{FF65}'..='\u{FF9F}') // half-width katakana
        })
}

/// The card holder's attributes, when known from an earlier enrollment (the signature
/// certificate's 基本4情報 as confirmed then).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardHolder {
    /// 氏名.
    pub name: Option<String>,
    /// 生年月日, `YYYYMMDD` or `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// 性別.
    pub sex: Option<Sex>,
}

/// Why a check could not be set up: the caller passed something malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The medical institution code is not 10 digits.
    #[error("the medical institution code must be 10 digits (docs/domain/eligibility.md §2.1)")]
    InstitutionCode,
    /// The check id cannot serve as `ArbitraryFileIdentifier` and file-name part.
    #[error("the check id must be 1 to 64 ASCII letters, digits, '-' or '_'")]
    CheckId,
}

impl SetupError {
    /// The UI code: both come from the terminal's settings (its institution code, its id
    /// in the check id).
    pub fn code(&self) -> crate::codes::Code {
        crate::codes::Code::SettingsInvalid
    }
}

/// Checks the settings.
pub(crate) fn validate_settings(s: &CheckSettings) -> Result<(), SetupError> {
    let c = &s.medical_institution_code;
    if c.len() == 10 && c.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(SetupError::InstitutionCode)
    }
}

/// The id of terminal `terminal_id`'s `seq`-th check: the terminal id, `-chk-` and the
/// number (six digits at least).
pub fn check_id_for(terminal_id: &str, seq: u64) -> String {
    format!("{terminal_id}-chk-{seq:06}")
}

/// Whether every check id that terminal `terminal_id` makes ([`check_id_for`]) is a valid
/// one: only `A-Z a-z 0-9 - _`, and at most [`MAX_CHECK_ID_LEN`] characters with the
/// longest number (so the terminal id has at most 39). A terminal id the backends accept
/// (`counter_api::ident`: also `.` and `:`) may still not make check ids.
pub fn terminal_makes_check_ids(terminal_id: &str) -> bool {
    !terminal_id.is_empty() && validate_check_id(&check_id_for(terminal_id, u64::MAX)).is_ok()
}

/// Checks a check id (a file-name part, so no path separators, dots or spaces).
pub(crate) fn validate_check_id(id: &str) -> Result<(), SetupError> {
    let ok = (1..=MAX_CHECK_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(()) } else { Err(SetupError::CheckId) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_terminal_makes_check_ids_only_with_file_name_characters_and_room_for_the_number() {
        assert_eq!(check_id_for("desk-1", 7), "desk-1-chk-000007");
        assert!(terminal_makes_check_ids("desk-1"));
        assert!(terminal_makes_check_ids(&"x".repeat(39)));
        assert!(validate_check_id(&check_id_for(&"x".repeat(39), u64::MAX)).is_ok());
        for bad in ["clinic:till-1", "desk.1", "", &"x".repeat(40)] {
            assert!(!terminal_makes_check_ids(bad), "{bad}");
        }
    }

    #[test]
    fn check_ids_are_safe_file_name_parts() {
        assert!(validate_check_id("chk-2026_001").is_ok());
        for bad in ["", "../x", "a b", "a.xml", "名前", &"x".repeat(65)] {
            assert_eq!(validate_check_id(bad), Err(SetupError::CheckId), "{bad}");
        }
    }

    #[test]
    fn modes_differ_in_the_prescription_question_only() {
        let r = ConsentsOffered::default_for(Mode::Reception);
        let p = ConsentsOffered::default_for(Mode::Pharmacy);
        assert!(r.prescription_format && !p.prescription_format);
        assert!(!r.treatment && !r.surgery && r.blanket);
        assert_eq!(
            ConsentsOffered {
                prescription_format: true,
                ..p
            },
            r
        );
    }

    #[test]
    fn an_expected_patient_is_typed_in_kanji_or_kana() {
        let r = ClinicRecord::expected("佐藤　花子", "1985-04-12").unwrap();
        assert_eq!(r.name.as_deref(), Some("佐藤　花子"));
        assert_eq!((r.kana, r.birth_date.as_deref()), (None, Some("19850412")));
        let r = ClinicRecord::expected(" ｻﾄｳ ﾊﾅｺ ", "").unwrap();
        assert_eq!((r.name, r.kana.as_deref()), (None, Some("ｻﾄｳ ﾊﾅｺ")));
        let r = ClinicRecord::expected("さとう はなこ", "19850412").unwrap();
        assert_eq!(r.kana.as_deref(), Some("さとう はなこ"));
        let r = ClinicRecord::expected("", "19850412").unwrap();
        assert_eq!((r.name, r.kana), (None, None));
        assert_eq!(ClinicRecord::expected(" ", ""), Err(ExpectedError::Empty));
        assert_eq!(
            ClinicRecord::expected("佐藤", "1985-02-30"),
            Err(ExpectedError::BirthDate)
        );
        assert_eq!(
            ClinicRecord::expected("佐藤\n花子", ""),
            Err(ExpectedError::Name)
        );
        assert_eq!(
            ExpectedError::Empty.code(),
            crate::Code::ExpectedPatientInvalid
        );
    }

    #[test]
    fn institution_code_is_ten_digits() {
        let mut s = CheckSettings {
            medical_institution_code: "1312345678".into(),
            consents_offered: ConsentsOffered::reception_default(),
            export: true,
        };
        assert!(validate_settings(&s).is_ok());
        s.medical_institution_code = "131234567".into();
        assert_eq!(validate_settings(&s), Err(SetupError::InstitutionCode));
    }
}
