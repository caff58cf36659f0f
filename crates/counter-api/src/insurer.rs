//! The insurer's contract: eligibility (資格確認) by assertion, and the asynchronous bulk
//! pre-check of booked patients, in the data model of the real result (docs/domain/eligibility.md §2).
//!
//! | endpoint | request | answer |
//! |---|---|---|
//! | `POST /v1/eligibility` | [`EligibilityRequest`] | [`EligibilityResponse`] |
//! | `POST /v1/eligibility/by-insurance-number` | [`InsuranceNumberCheckRequest`] | [`EligibilityResponse`] |
//! | `POST /v1/bulk-prechecks` | [`BulkPrecheckRequest`] | [`BulkPrecheckAccepted`] |
//! | `GET /v1/bulk-prechecks/{reception_number}` | | [`BulkPrecheckResult`] |
//!
//! Codes keep the real system's values as strings (`"1"`, `"010"`, `"A01"`), dates its
//! `YYYYMMDD`, so that a terminal written against this contract maps one-to-one to the real
//! オンライン資格確認 result.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/eligibility`: check the insured person named by a platform assertion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRequest {
    /// The platform's assertion for this insurer (compact JWS).
    #[schema(
        min_length = 5,
        max_length = 8192,
        pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
    )]
    pub assertion: String,
    /// 資格確認日: the date the check is "as of", `YYYYMMDD`.
    #[schema(
        pattern = r"^((18(6[89]|[7-9][0-9])|19[0-9]{2}|2[0-9]{3})((0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])(29|30)|(0[13578]|1[02])31)|(18(68|7[26]|8[048]|9[26])|19(0[48]|[2468][048]|[13579][26])|2[0-9](0[48]|[2468][048]|[13579][26])|2000|2400|2800)0229)$"
    )]
    pub qualification_confirmation_date: String,
    /// 医療機関コード: 10 digits.
    #[schema(pattern = r"^[0-9]{10}$")]
    pub medical_institution_code: String,
    /// 任意のファイル識別子: echoed back, a correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 0,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub arbitrary_identifier: Option<String>,
    /// 限度額適用認定証提供同意フラグ: the patient agreed to share the limit certificate.
    #[serde(default)]
    pub limit_certificate_consent: bool,
}

/// `POST /v1/eligibility/by-insurance-number`: check a person by the numbers of their
/// insurance card and their birth date, without a card at the reader: the receipt system's
/// single check `OQSsiquc01req` (docs/domain/eligibility.md §2.2, §2.6). A number the insurer
/// does not hold, or a birth date that does not match, is `QualificationValidity` 4 (該当資格なし),
/// as in the bulk pre-check: the clinic typed the numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsuranceNumberCheckRequest {
    /// 医療機関コード: 10 digits.
    #[schema(pattern = r"^[0-9]{10}$")]
    pub medical_institution_code: String,
    /// 資格確認日: the date the check is "as of", `YYYYMMDD`.
    #[schema(
        pattern = r"^((18(6[89]|[7-9][0-9])|19[0-9]{2}|2[0-9]{3})((0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])(29|30)|(0[13578]|1[02])31)|(18(68|7[26]|8[048]|9[26])|19(0[48]|[2468][048]|[13579][26])|2[0-9](0[48]|[2468][048]|[13579][26])|2000|2400|2800)0229)$"
    )]
    pub qualification_confirmation_date: String,
    /// `InsurerNumber`: 8 digits (pad a 6-digit number with `00`).
    #[schema(pattern = r"^[0-9]{8}$")]
    pub insurer_number: String,
    /// `InsuredCardSymbol`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub symbol: Option<String>,
    /// `InsuredIdentificationNumber`.
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub number: String,
    /// `InsuredBranchNumber` (absent: the insurer fills it in, §2.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"^[0-9]{2}$")]
    pub branch: Option<String>,
    /// `Birthdate`: `YYYYMMDD`, the knowledge factor of this route.
    #[schema(
        pattern = r"^((18(6[89]|[7-9][0-9])|19[0-9]{2}|2[0-9]{3})((0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])(29|30)|(0[13578]|1[02])31)|(18(68|7[26]|8[048]|9[26])|19(0[48]|[2468][048]|[13579][26])|2[0-9](0[48]|[2468][048]|[13579][26])|2000|2400|2800)0229)$"
    )]
    pub birth_date: String,
    /// 限度額適用認定証提供同意フラグ: the patient agreed to share the limit certificate.
    #[serde(default)]
    pub limit_certificate_consent: bool,
    /// 任意の識別子: echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 0,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub arbitrary_identifier: Option<String>,
}

/// 処理結果状況 and the processing result of one check (docs/domain/eligibility.md §2.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProcessingResult {
    /// `ProcessingResultStatus` (OQSCD004): `1` 正常終了, `2` エラー.
    pub status: String,
    /// `ProcessingResultCode` (別紙6-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `ProcessingResultMessage`: show it verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The answer to an eligibility check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EligibilityResponse {
    /// 処理結果.
    pub processing_result: ProcessingResult,
    /// `QualificationValidity` (OQSCD006): `1` 有効 · `2` 無効 · `3` 無効(新しい資格あり) ·
    /// `4` 該当資格なし · `5` 複数該当 · `6` 有効(未登録).
    pub qualification_validity: String,
    /// Echo of `arbitrary_identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arbitrary_identifier: Option<String>,
    /// `ResultList`: one or more records (several for 複数該当).
    pub results: Vec<QualificationResult>,
}

/// 高齢受給者証 (`ElderlyRecipientCertificateInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ElderlyRecipient {
    /// `ElderlyRecipientCertificateDate` (交付年月日).
    pub certificate_date: String,
    /// `…ValidStartDate`.
    pub valid_start_date: String,
    /// `…ValidEndDate`.
    pub valid_end_date: String,
    /// `ElderlyRecipientContributionRatio`: `010`/`020`/`030`.
    pub contribution_ratio: String,
}

/// 限度額適用認定証関連情報 (`LimitApplicationCertificateRelatedInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LimitCertificate {
    /// `LimitApplicationCertificateClassification`: `01`, `02`, `03`.
    pub classification: String,
    /// `LimitApplicationCertificateClassificationFlag` (適用区分, OQSCD012): `A01`…`B10`.
    pub classification_flag: String,
    /// `…Date`.
    pub date: String,
    /// `…ValidStartDate`.
    pub valid_start_date: String,
    /// `…ValidEndDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_end_date: Option<String>,
    /// `…LongTermDate` (長期入院該当年月日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_term_date: Option<String>,
}

/// 特定疾病療養受療証 (`SpecificDiseasesCertificateInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SpecificDisease {
    /// `SpecificDiseasesDiseaseCategory` (OQSCD013): `1`, `2`, `3`.
    pub disease_category: String,
    /// `…ValidStartDate`.
    pub valid_start_date: String,
    /// `…ValidEndDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_end_date: Option<String>,
    /// `SpecificDiseasesSelfPay` (自己負担限度額), yen.
    pub self_pay: u32,
}

/// A consent flag with its timestamps (特定健診, 薬剤, 診療, 手術 情報の閲覧同意).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Consent {
    /// `…ConsFlg`: `0` なし, `1` あり, `2` 期限切れ.
    pub flag: String,
    /// `…ConsTime`: `YYYYMMDDHHmmss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// `…AvailableTime`: until when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_until: Option<String>,
}

/// The consents a result carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Consents {
    /// 限度額適用認定証 (`LimitApplicationCertificateRelatedConsFlg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_certificate: Option<Consent>,
    /// 特定疾病 (`SpecificDiseasesCertificateRelatedConsFlg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases: Option<Consent>,
    /// 特定健診 (`SpecificHealthCheckupsInfoConsFlg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_checkups: Option<Consent>,
    /// 薬剤情報 (`PharmacistsInfoConsFlg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pharmacists: Option<Consent>,
    /// 診療情報 (`DiagnosisInfoConsFlg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Consent>,
    /// 手術情報 (`OperationInfoConsFlg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Consent>,
}

/// `ResultOfQualificationConfirmation` (docs/domain/eligibility.md §2.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QualificationResult {
    /// `InsuredCardClassification`: `01`…`07`, `A1`.
    pub insured_card_classification: String,
    /// `InsurerNumber`: 8 digits (prefix `39` = 後期高齢者医療).
    pub insurer_number: String,
    /// `InsurerName`.
    pub insurer_name: String,
    /// `InsuredCardSymbol`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// `InsuredIdentificationNumber`.
    pub number: String,
    /// `InsuredBranchNumber`: 2 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// `PersonalFamilyClassification`: `1` 本人, `2` 家族.
    pub personal_family_classification: String,
    /// `InsuredName` (被保険者氏名 / 世帯主氏名).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_name: Option<String>,
    /// `Name`: full-width; characters outside JIS levels 1/2 may come back as `●`.
    pub name: String,
    /// `NameOfOther` (通称 etc.).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_of_other: Option<String>,
    /// `NameKana`: half-width kana.
    pub name_kana: String,
    /// `NameOfOtherKana`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_of_other_kana: Option<String>,
    /// `Sex1` (券面): `1` 男, `2` 女, `3` 未設定.
    pub sex1: String,
    /// `Sex2` (裏面記載), when the insurer uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex2: Option<String>,
    /// `Birthdate`: `YYYYMMDD`.
    pub birth_date: String,
    /// `Address` as filed with the insurer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `PostNumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_number: Option<String>,
    /// `QualificationDate` (資格取得年月日).
    pub qualification_date: String,
    /// `DisqualificationDate` (資格喪失年月日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disqualification_date: Option<String>,
    /// `ReasonOfLoss`: `01`, `02`, `03`, `99`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_of_loss: Option<String>,
    /// `InsuredCertificateIssuanceDate` (交付年月日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_issuance_date: Option<String>,
    /// `InsuredCardValidDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_valid_date: Option<String>,
    /// `InsuredCardExpirationDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_expiration_date: Option<String>,
    /// `InsuredPartialContributionRatio` (一部負担金割合): `010`, `020`, `030`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_contribution_ratio: Option<String>,
    /// `PreschoolClassification`: `1` 未就学.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preschool_classification: Option<String>,
    /// 高齢受給者証.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elderly_recipient: Option<ElderlyRecipient>,
    /// 限度額適用認定証 (only with consent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_certificate: Option<LimitCertificate>,
    /// 特定疾病療養受療証.
    #[serde(default)]
    pub specific_diseases: Vec<SpecificDisease>,
    /// Consent flags.
    #[serde(default)]
    pub consents: Consents,
}

/// One booked patient in a bulk pre-check (insurance-number route, docs/domain/eligibility.md §2.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkPrecheckEntry {
    /// The clinic's reference (patient id), echoed in the result.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub reference: String,
    /// `InsurerNumber`.
    #[schema(pattern = r"^[0-9]{8}$")]
    pub insurer_number: String,
    /// `InsuredCardSymbol`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub symbol: Option<String>,
    /// `InsuredIdentificationNumber`.
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub number: String,
    /// `InsuredBranchNumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"^[0-9]{2}$")]
    pub branch: Option<String>,
    /// `Birthdate`: `YYYYMMDD` (the knowledge factor).
    #[schema(
        pattern = r"^((18(6[89]|[7-9][0-9])|19[0-9]{2}|2[0-9]{3})((0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])(29|30)|(0[13578]|1[02])31)|(18(68|7[26]|8[048]|9[26])|19(0[48]|[2468][048]|[13579][26])|2[0-9](0[48]|[2468][048]|[13579][26])|2000|2400|2800)0229)$"
    )]
    pub birth_date: String,
}

/// `POST /v1/bulk-prechecks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkPrecheckRequest {
    /// 医療機関コード.
    #[schema(pattern = r"^[0-9]{10}$")]
    pub medical_institution_code: String,
    /// 資格確認日 `YYYYMMDD` (usually the appointment day).
    #[schema(
        pattern = r"^((18(6[89]|[7-9][0-9])|19[0-9]{2}|2[0-9]{3})((0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])(29|30)|(0[13578]|1[02])31)|(18(68|7[26]|8[048]|9[26])|19(0[48]|[2468][048]|[13579][26])|2[0-9](0[48]|[2468][048]|[13579][26])|2000|2400|2800)0229)$"
    )]
    pub qualification_confirmation_date: String,
    /// The patients.
    #[schema(min_items = 1, max_items = 1000)]
    pub entries: Vec<BulkPrecheckEntry>,
}

/// The answer to a bulk submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkPrecheckAccepted {
    /// 受付番号: fetch the results with it.
    pub reception_number: String,
    /// Entries accepted.
    pub entries: u32,
}

/// State of a bulk pre-check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkStatus {
    /// `SegmentOfResult` 2 処理中: fetch again later.
    Processing,
    /// `SegmentOfResult` 1 正常終了.
    Completed,
    /// `SegmentOfResult` 9 異常終了.
    Failed,
}

/// The result of one entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkPrecheckItem {
    /// The clinic's reference.
    pub reference: String,
    /// 処理結果.
    pub processing_result: ProcessingResult,
    /// `QualificationValidity`.
    pub qualification_validity: String,
    /// The records.
    pub results: Vec<QualificationResult>,
}

/// `GET /v1/bulk-prechecks/{reception_number}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkPrecheckResult {
    /// 受付番号.
    pub reception_number: String,
    /// Processing state.
    pub status: BulkStatus,
    /// `NumberOfProcessingResult`.
    pub number_of_results: u32,
    /// `NumberOfNormalProcessing`.
    pub number_of_normal: u32,
    /// `NumberOfError`.
    pub number_of_errors: u32,
    /// Per entry, once completed.
    #[serde(default)]
    pub items: Vec<BulkPrecheckItem>,
}
