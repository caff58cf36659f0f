//! R8: a session ends when the patient leaves, and nothing personal survives it.

use counter_api::platform::Sex;
use counter_core::Code;
use counter_core::eligibility::view::StaffStep;
use counter_core::eligibility::{
    AuditAction, CardHolder, CheckError, CustomerView, Effect, FallbackDocument, FallbackForm,
    Input,
};

use crate::support::*;

fn assert_forgotten(c: &counter_core::eligibility::EligibilityCheck) {
    let staff = serde_json::to_string(&c.staff_view()).unwrap();
    let customer = serde_json::to_string(&c.customer_view()).unwrap();
    let debug = format!("{c:?}");
    for s in [&staff, &customer, &debug] {
        for secret in [
            "佐藤",
            "花子",
            "ﾊﾅｺ",
            "19850412",
            "1985-04-12",
            "10001",
            "eyJ.kenpo.sig",
            "関東健康保険組合",
        ] {
            assert!(!s.contains(secret), "{secret} survives the session: {s}");
        }
    }
    assert_eq!(c.customer_view(), CustomerView::Ended);
    assert_eq!(c.staff_view().step, StaffStep::Ended);
}

#[test]
fn after_end_the_views_hold_no_personal_data() {
    let holder = CardHolder {
        name: Some("佐藤 花子".into()),
        birth_date: Some("1985-04-12".into()),
        sex: Some(Sex::Female),
    };
    let mut c = start(true, Some(chart_for_sato()), Some(holder));
    answered(&mut c, answer("1", vec![sato()], None));
    let before = serde_json::to_string(&c.staff_view()).unwrap();
    assert!(before.contains("佐藤　花子"), "the staff saw the result");
    let customer = serde_json::to_string(&c.customer_view()).unwrap();
    assert!(
        !customer.contains("佐藤") && !customer.contains("10001"),
        "never on the customer screen: {customer}"
    );
    let fx = c.end(NOW.plus_secs(60));
    assert!(matches!(&fx[..], [Effect::Audit(a)] if a.action == AuditAction::Ended));
    assert_forgotten(&c);
    assert!(
        c.end(NOW.plus_secs(61)).is_empty(),
        "ending twice is harmless"
    );
    let late = c.handle(
        Input::EligibilityAnswered(Ok(answer("1", vec![sato()], None))),
        NOW.plus_secs(62),
    );
    assert!(matches!(late, Err(CheckError::NotNow { step: "ended" })));
    assert_forgotten(&c);
}

#[test]
fn a_session_ended_mid_check_or_after_a_fallback_is_wiped_too() {
    let mut c = start(false, Some(chart_for_sato()), None);
    to_request(&mut c, blanket());
    c.end(NOW.plus_secs(30));
    assert_forgotten(&c);

    let mut c = start(false, Some(chart_for_sato()), None);
    let form = FallbackForm {
        document: FallbackDocument::Mynaportal,
        insurer_number: "06139999".into(),
        insurer_name: String::new(),
        symbol: "千代".into(),
        number: "10001".into(),
        branch: String::new(),
        name: "佐藤　花子".into(),
        birth_date: "19850412".into(),
        ratio_tenths: 3,
    };
    let none = c.handle(Input::RecordFallback(form.clone()), NOW);
    assert!(
        none.is_err(),
        "the menu is still open: a fallback is not needed yet"
    );
    to_request(&mut c, blanket());
    c.handle(
        Input::EligibilityAnswered(Err(counter_core::BackendFailure::Malformed {
            detail: "x".into(),
        })),
        NOW.plus_secs(5),
    )
    .unwrap();
    c.handle(Input::RecordFallback(form), NOW.plus_secs(20))
        .unwrap();
    assert_eq!(
        c.staff_view().headline.unwrap().code,
        Code::FallbackRecorded
    );
    c.end(NOW.plus_secs(30));
    assert_forgotten(&c);
}
