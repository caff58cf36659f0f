//! A fresh demo: the configuration it writes, the backends it starts, the personas it
//! enrols.

use counter_api::insurer::EligibilityRequest;
use counter_core::BackendFailure;
use counter_demo::MARKER;
use counter_runtime::config::CounterMode;

use crate::support::{assertion, backends, config, enrolments, identify, start, try_identify};

#[tokio::test]
async fn writes_a_configuration_on_the_virtual_reader_and_enrols_the_personas() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start(dir.path(), true).await;

    let file = config(&demo).file;
    assert_eq!(
        (file.terminal_id.as_str(), file.merchant_id.as_str()),
        ("counter-1", "clinic-a")
    );
    assert_eq!(file.timeout_ms, Some(3000));
    assert_eq!(file.backends.platform_id, "pf-tokyo");
    let counter = file.counter.expect("a [counter] section");
    assert_eq!(counter.mode, CounterMode::Reception);
    assert_eq!(
        counter.reader,
        counter_runtime::config::ReaderNames::One(demo.reader_name().to_owned())
    );
    assert!(
        counter.reader.first().ends_with(" 00 00"),
        "{}",
        counter.reader
    );
    assert_eq!(
        counter.medical_institution_code.as_deref(),
        Some("1312345678")
    );
    assert_eq!(counter.shop_name.as_deref(), Some("みどりクリニック"));
    assert_eq!(counter.export_dir, dir.path().join("exports"));
    assert!(dir.path().join(MARKER).is_file());
    assert_eq!(enrolments(dir.path()), 4);

    // The enrolled personas are identified with their services; the others are not enrolled.
    let b = backends(&demo);
    let services = |r: &counter_api::platform::IdentificationResponse| {
        r.menu
            .iter()
            .map(|m| (m.service_id.clone(), m.label.clone()))
            .collect::<Vec<_>>()
    };
    let hanako = identify(&b, "sato-hanako", None).await;
    let names: Vec<_> = services(&hanako).into_iter().map(|(s, _)| s).collect();
    assert_eq!(names, ["ins-kanto", "acq-visa"], "{:?}", hanako.menu);
    let yuki = identify(&b, "tanaka-yuki", None).await;
    assert!(
        services(&yuki)
            .iter()
            .any(|(s, l)| s == "acq-visa" && l.contains("5555")),
        "{:?}",
        yuki.menu
    );
    let ichiro = identify(&b, "suzuki-ichiro", None).await;
    let names: Vec<_> = services(&ichiro).into_iter().map(|(s, _)| s).collect();
    assert_eq!(names, ["ins-kanto"]);
    // She moved after the demo enrolled her: still served, and told her details changed.
    let aoi = identify(&b, "nakamura-aoi", None).await;
    assert_eq!(services(&aoi).len(), 1);
    assert!(
        matches!(
            aoi.notices[..],
            [counter_api::platform::Notice::SignCertificateRevoked { .. }]
        ),
        "{:?}",
        aoi.notices
    );
    // Valid certificates, not enrolled; revoked and expired certificates refused.
    for (persona, code) in [
        ("kobayashi-mei", "not_enrolled"),
        ("yamamoto-shota", "certificate_revoked"),
        ("ito-sachiko", "certificate_expired"),
    ] {
        match try_identify(&b, persona, None).await {
            Err(BackendFailure::Problem { code: c, .. }) => assert_eq!(c, code, "{persona}"),
            other => panic!("{persona}: {other:?}"),
        }
    }

    // The insurer answers from the demo register: 有効 for sato-hanako, 無効(新しい資格あり)
    // for suzuki-ichiro.
    let today =
        madoguchi_time::jst::compact_date(backend_kit::Clock::now(&backend_kit::SystemClock));
    for (r, validity) in [(&hanako, "1"), (&ichiro, "3")] {
        let answer = b
            .eligibility(&EligibilityRequest {
                assertion: assertion(r, "ins-kanto"),
                qualification_confirmation_date: today.clone(),
                medical_institution_code: "1312345678".into(),
                arbitrary_identifier: None,
                limit_certificate_consent: false,
            })
            .await
            .unwrap();
        assert_eq!(answer.qualification_validity, validity);
    }
    demo.shutdown().await;
}

#[tokio::test]
async fn with_the_insurer_down_its_url_is_a_closed_port() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start(dir.path(), false).await;
    let file = config(&demo).file;
    assert_eq!(file.backends.insurer, "https://localhost:9");
    // The platform still offers the insurance (the counter records a fallback).
    let b = backends(&demo);
    let hanako = identify(&b, "sato-hanako", None).await;
    let request = EligibilityRequest {
        assertion: assertion(&hanako, "ins-kanto"),
        qualification_confirmation_date: "20261124".into(),
        medical_institution_code: "1312345678".into(),
        arbitrary_identifier: None,
        limit_certificate_consent: false,
    };
    let failure = b.eligibility(&request).await.unwrap_err();
    assert!(
        matches!(
            failure,
            counter_core::BackendFailure::Unreachable { sent: false, .. }
        ),
        "{failure:?}"
    );
    demo.shutdown().await;
}
