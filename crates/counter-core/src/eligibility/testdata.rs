//! Results for the unit tests, shaped like the insurer reference server's demo register
//! (`crates/backend-insurer/data/demo-insured.toml`).

#![allow(clippy::unwrap_used)]

use counter_api::insurer::{EligibilityResponse, ProcessingResult, QualificationResult};

use crate::UnixTime;

/// 2026-11-25 10:00:00 JST.
pub(crate) const NOW: UnixTime = UnixTime::from_secs(1_795_568_400);
/// The JST date of [`NOW`].
pub(crate) const TODAY: &str = "20261125";

/// sato-hanako's record (validity 1).
pub(crate) fn sato() -> QualificationResult {
    serde_json::from_value(serde_json::json!({
        "insured_card_classification": "01", "insurer_number": "06139999",
        "insurer_name": "関東健康保険組合", "symbol": "千代", "number": "10001", "branch": "01",
        "personal_family_classification": "1", "insured_name": "佐藤　花子",
        "name": "佐藤　花子", "name_kana": "ｻﾄｳ ﾊﾅｺ", "sex1": "2", "birth_date": "19850412",
        "qualification_date": "20080401", "partial_contribution_ratio": "030"
    }))
    .unwrap()
}

/// An answer with `validity`, a normal processing result and `results`.
pub(crate) fn answer(validity: &str, results: Vec<QualificationResult>) -> EligibilityResponse {
    EligibilityResponse {
        processing_result: ProcessingResult {
            status: "1".into(),
            code: None,
            message: None,
        },
        qualification_validity: validity.into(),
        arbitrary_identifier: Some("chk-1".into()),
        results,
    }
}
