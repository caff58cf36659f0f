//! Eligibility records as `counter_core`'s machine emits them, shaped like the insurer
//! reference server's demo register (sato-hanako, `crates/backend-insurer/data`).

use counter_core::Code;
use counter_core::UnixTime;
use counter_core::eligibility::recheck::FIRST_RECHECK_SECS;
use counter_core::eligibility::record::{VALIDITY_FAILED, VALIDITY_FALLBACK};
use counter_core::eligibility::{
    CheckDetails, CheckRecord, CheckSource, CheckSummary, FallbackDocument, FallbackReason, Mode,
    Presented, RecheckDecision, RecheckPolicy, RecheckRequest, RetryOutcome, decide,
};
use serde_json::{Value, json};

pub const NAME: &str = "佐藤　花子";
pub const BIRTH: &str = "19850412";
pub const ADDRESS: &str = "東京都千代田区丸の内九丁目９番９９号";

/// sato-hanako's qualification record as the insurer answers it, at `address`.
pub fn qualification(name: &str, birth: &str, address: &str) -> Value {
    json!({
        "insured_card_classification": "01", "insurer_number": "06139999",
        "insurer_name": "関東健康保険組合", "symbol": "千代", "number": "10001", "branch": "01",
        "personal_family_classification": "1", "insured_name": name,
        "name": name, "name_kana": "ｻﾄｳ ﾊﾅｺ", "sex1": "2", "birth_date": birth,
        "address": address, "qualification_date": "20080401",
        "partial_contribution_ratio": "030"
    })
}

fn summary(check_id: &str, at: UnixTime, source: CheckSource, validity: &str) -> CheckSummary {
    CheckSummary {
        check_id: check_id.to_owned(),
        at,
        mode: Mode::Reception,
        patient_ref: Some("P-000123".to_owned()),
        source,
        validity: validity.to_owned(),
        ratio_tenths: None,
        warnings: vec![],
        recheck_queued: false,
    }
}

/// The record of an online check answered `1` for `name`, with the answer's
/// `ResultList` holding the record `copies` times (to make the details span pages).
pub fn answered(
    check_id: &str,
    at: UnixTime,
    name: &str,
    address: &str,
    copies: usize,
) -> CheckRecord {
    let record = qualification(name, BIRTH, address);
    let details: CheckDetails = serde_json::from_value(json!({
        "response": {
            "processing_result": { "status": "1" },
            "qualification_validity": "1",
            "arbitrary_identifier": check_id,
            "results": vec![record; copies.max(1)],
        },
        "chosen_record": null,
        "presented": null,
        "consents": null,
    }))
    .unwrap();
    CheckRecord {
        summary: CheckSummary {
            ratio_tenths: Some(3),
            ..summary(check_id, at, CheckSource::Card, "1")
        },
        details,
    }
}

/// The record of a check that got no answer (the insurer was down).
pub fn failure(check_id: &str, at: UnixTime) -> CheckRecord {
    CheckRecord {
        summary: CheckSummary {
            warnings: vec![Code::InsurerUnavailable],
            ..summary(check_id, at, CheckSource::Card, VALIDITY_FAILED)
        },
        details: CheckDetails::default(),
    }
}

/// What sato-hanako presented (資格情報のお知らせ), with `ratio_tenths` as printed.
pub fn presented(name: &str, ratio_tenths: u8) -> Presented {
    Presented {
        document: FallbackDocument::EligibilityNotice,
        insurer_number: Some("06139999".to_owned()),
        insurer_name: Some("関東健康保険組合".to_owned()),
        symbol: Some("千代".to_owned()),
        number: Some("10001".to_owned()),
        branch: Some("01".to_owned()),
        name: name.to_owned(),
        birth_date: BIRTH.to_owned(),
        ratio_tenths,
    }
}

/// The fallback record of `presented`, with its re-check queued.
pub fn fallback(check_id: &str, at: UnixTime, presented: &Presented) -> CheckRecord {
    let reason = FallbackReason::InsurerUnavailable;
    CheckRecord {
        summary: CheckSummary {
            ratio_tenths: Some(presented.ratio_tenths),
            warnings: vec![reason.code()],
            recheck_queued: true,
            ..summary(
                check_id,
                at,
                CheckSource::Fallback {
                    document: presented.document,
                    reason,
                },
                VALIDITY_FALLBACK,
            )
        },
        details: CheckDetails {
            presented: Some(presented.clone()),
            ..CheckDetails::default()
        },
    }
}

/// The `EnqueueRecheck` that goes with [`fallback`].
pub fn request(check_id: &str, at: UnixTime, presented: &Presented) -> RecheckRequest {
    RecheckRequest {
        check_id: check_id.to_owned(),
        mode: Mode::Reception,
        patient_ref: Some("P-000123".to_owned()),
        visit_date: "20260401".to_owned(),
        presented: presented.clone(),
        queued_at: at,
        attempts: 0,
        next_at: at.plus_secs(FIRST_RECHECK_SECS),
    }
}

/// The core's decision when the insurer answers `validity` with sato-hanako's record
/// (address `address`) for `request` at `now`.
pub fn answered_recheck(
    request: &RecheckRequest,
    validity: &str,
    address: &str,
    now: UnixTime,
) -> RecheckDecision {
    let item = serde_json::from_value(json!({
        "reference": request.check_id,
        "processing_result": { "status": "1" },
        "qualification_validity": validity,
        "results": [qualification(NAME, BIRTH, address)],
    }))
    .unwrap();
    decide(
        request,
        RetryOutcome::Answered(&item),
        now,
        &RecheckPolicy::default(),
    )
}
