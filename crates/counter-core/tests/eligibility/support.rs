//! Shared helpers: the insurer demo register's people (crates/backend-insurer/data/
//! demo-insured.toml) as answers, a clinic's settings and a platform menu, and a driver
//! that walks a check to its request.

use counter_api::insurer::{
    EligibilityRequest, EligibilityResponse, ProcessingResult, QualificationResult,
};
use counter_api::platform::{MenuEntry, ServiceKind};
use counter_core::UnixTime;
use counter_core::eligibility::{
    AuditAction, CardHolder, CheckRecord, CheckSettings, ClinicRecord, ConsentsOffered,
    CustomerConsents, Effect, EligibilityCheck, ExportFile, Input, Mode, RecheckRequest,
};

/// 2026-11-25 10:00:00 JST.
pub const NOW: UnixTime = UnixTime::from_secs(1_795_568_400);
/// Its JST date.
pub const TODAY: &str = "20261125";
/// The clinic.
pub const INSTITUTION: &str = "1312345678";

pub fn settings(export: bool) -> CheckSettings {
    CheckSettings {
        medical_institution_code: INSTITUTION.into(),
        consents_offered: ConsentsOffered::reception_default(),
        export,
    }
}

pub fn menu() -> Vec<MenuEntry> {
    vec![
        MenuEntry {
            service_id: "acq".into(),
            kind: ServiceKind::Payment,
            label: "VISA ****4242".into(),
            assertion: Some("pay.jws".into()),
            assertion_expires_at: Some(NOW.plus_secs(300)),
        },
        MenuEntry {
            service_id: "kenpo".into(),
            kind: ServiceKind::Insurance,
            label: "関東健康保険組合".into(),
            assertion: Some("eyJ.kenpo.sig".into()),
            assertion_expires_at: Some(NOW.plus_secs(300)),
        },
        MenuEntry {
            service_id: "kokuho".into(),
            kind: ServiceKind::Insurance,
            label: "国民健康保険".into(),
            assertion: None,
            assertion_expires_at: None,
        },
    ]
}

/// A record from JSON fields over sato-hanako's defaults.
pub fn person(overrides: serde_json::Value) -> QualificationResult {
    let mut base = serde_json::json!({
        "insured_card_classification": "01", "insurer_number": "06139999",
        "insurer_name": "関東健康保険組合", "symbol": "千代", "number": "10001", "branch": "01",
        "personal_family_classification": "1", "insured_name": "佐藤　花子",
        "name": "佐藤　花子", "name_kana": "ｻﾄｳ ﾊﾅｺ", "sex1": "2", "birth_date": "19850412",
        "address": "東京都千代田区丸の内九丁目９番９９号", "post_number": "100-0005",
        "qualification_date": "20080401", "certificate_issuance_date": "20080401",
        "card_valid_date": "20080401", "partial_contribution_ratio": "030",
        "limit_certificate": {"classification": "01", "classification_flag": "A03",
            "date": "20250401", "valid_start_date": "20250401", "valid_end_date": "20270331"},
        "consents": {"pharmacists": {"flag": "1", "time": "20261101093000",
            "available_until": "20261102093000"}, "health_checkups": {"flag": "0"}}
    });
    if let (Some(b), Some(o)) = (base.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            if v.is_null() {
                b.remove(k);
            } else {
                b.insert(k.clone(), v.clone());
            }
        }
    }
    serde_json::from_value(base).unwrap()
}

pub fn sato() -> QualificationResult {
    person(serde_json::json!({}))
}

/// An answer; `message` makes it a normal end with a warning to show.
pub fn answer(
    validity: &str,
    results: Vec<QualificationResult>,
    message: Option<(&str, &str)>,
) -> EligibilityResponse {
    EligibilityResponse {
        processing_result: ProcessingResult {
            status: "1".into(),
            code: message.map(|m| m.0.into()),
            message: message.map(|m| m.1.into()),
        },
        qualification_validity: validity.into(),
        arbitrary_identifier: Some("chk-1".into()),
        results,
    }
}

pub fn chart_for_sato() -> ClinicRecord {
    ClinicRecord {
        patient_id: Some("P-0042".into()),
        name: Some("佐藤 花子".into()),
        kana: Some("サトウ ハナコ".into()),
        birth_date: Some("1985-04-12".into()),
        insurer_number: Some("06139999".into()),
        symbol: Some("千代".into()),
        number: Some("10001".into()),
        branch: Some("01".into()),
        ..ClinicRecord::default()
    }
}

pub fn start(
    export: bool,
    clinic: Option<ClinicRecord>,
    holder: Option<CardHolder>,
) -> EligibilityCheck {
    EligibilityCheck::new(
        "chk-1",
        Mode::Reception,
        settings(export),
        menu(),
        clinic,
        holder,
    )
    .unwrap()
}

pub fn blanket() -> CustomerConsents {
    CustomerConsents {
        blanket: true,
        ..CustomerConsents::default()
    }
}

/// Service chosen and consents given; returns the request the machine sent.
pub fn to_request(c: &mut EligibilityCheck, consents: CustomerConsents) -> EligibilityRequest {
    c.handle(
        Input::ChooseService {
            service_id: "kenpo".into(),
        },
        NOW,
    )
    .unwrap();
    let fx = c
        .handle(Input::Consent(consents), NOW.plus_secs(5))
        .unwrap();
    fx.into_iter()
        .find_map(|e| match e {
            Effect::RequestEligibility(r) => Some(r),
            _ => None,
        })
        .unwrap()
}

/// Walks a check with `resp` from start to answer; returns the answer's effects.
pub fn answered(c: &mut EligibilityCheck, resp: EligibilityResponse) -> Vec<Effect> {
    to_request(c, blanket());
    c.handle(Input::EligibilityAnswered(Ok(resp)), NOW.plus_secs(7))
        .unwrap()
}

pub fn records(fx: &[Effect]) -> Vec<CheckRecord> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::RecordCheck(r) => Some((**r).clone()),
            _ => None,
        })
        .collect()
}

pub fn audits(fx: &[Effect]) -> Vec<AuditAction> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Audit(a) => Some(a.action.clone()),
            _ => None,
        })
        .collect()
}

pub fn exports(fx: &[Effect]) -> Vec<ExportFile> {
    fx.iter()
        .flat_map(|e| match e {
            Effect::Export { files } => files.clone(),
            _ => vec![],
        })
        .collect()
}

pub fn rechecks(fx: &[Effect]) -> Vec<RecheckRequest> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::EnqueueRecheck(r) => Some((**r).clone()),
            _ => None,
        })
        .collect()
}
