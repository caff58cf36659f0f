//! The links the demo refuses on purpose (`personas::WRONG_LINKS`), through the demo's
//! real backends: 小林 芽衣's card with another holder's card token, or with another
//! 小林 芽衣's insurance, is refused by the service naming the attribute that differs, and
//! nothing is stored; with her own insurance beside the other holder's token, only her
//! insurance is linked.

use counter_core::BackendFailure;
use counter_demo::personas::{
    ANOTHER_HOLDERS_TOKEN, Insurance, KAWASAKI_NUMBER, WRONG_LINKS, insurance_link,
};
use counter_runtime::enrol::enrol_persona;

use crate::support::{backends, enrolments, identify, start, try_identify};

#[tokio::test]
async fn another_holders_token_and_another_persons_insurance_are_refused_naming_the_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start(dir.path(), true).await;
    let b = backends(&demo);
    for wrong in WRONG_LINKS {
        let card = testkit::personas_dir().join(format!("{}.toml", wrong.persona));
        let e = enrol_persona(&b, &card, vec![wrong.link()])
            .await
            .expect_err("another person's record is refused");
        let attribute = format!("the {} differs", wrong.differs.replace('_', " "));
        assert_eq!(e.step, "enroll", "{e}");
        assert!(
            e.detail.contains("422 link_refused") && e.detail.contains(&attribute),
            "{:?}: {e}",
            wrong.record
        );
    }
    // Nothing was stored: she is still not enrolled, and the demo's four enrolments are
    // all the platform holds.
    assert_eq!(enrolments(dir.path()), 4);
    match try_identify(&b, ANOTHER_HOLDERS_TOKEN.persona, None).await {
        Err(BackendFailure::Problem { code, .. }) => assert_eq!(code, "not_enrolled"),
        other => panic!("{other:?}"),
    }

    // Her own insurance beside 佐藤 花子's token: the insurance is linked, the token refused
    // on the name, and her menu offers the insurance only.
    let own = insurance_link(
        KAWASAKI_NUMBER,
        &Insurance {
            symbol: "中原",
            number: "5550001",
            branch: "00",
        },
    );
    let card = testkit::personas_dir().join(format!("{}.toml", ANOTHER_HOLDERS_TOKEN.persona));
    let r = enrol_persona(&b, &card, vec![own, ANOTHER_HOLDERS_TOKEN.link()])
        .await
        .unwrap();
    let linked: Vec<&str> = r.linked.iter().map(|l| l.service_id.as_str()).collect();
    assert_eq!(linked, ["ins-kanto"]);
    let refused: Vec<(u32, String)> = r
        .refused
        .iter()
        .map(|x| (x.index, x.reason_code()))
        .collect();
    assert_eq!(refused, [(1, "mismatch_name".to_owned())]);
    let mei = identify(&b, ANOTHER_HOLDERS_TOKEN.persona, None).await;
    let menu: Vec<&str> = mei.menu.iter().map(|m| m.service_id.as_str()).collect();
    assert_eq!(menu, ["ins-kanto"]);
    // The token still pays for its holder.
    let hanako = identify(&b, "sato-hanako", None).await;
    assert!(
        hanako.menu.iter().any(|m| m.service_id == "acq-visa"),
        "{:?}",
        hanako.menu
    );
    demo.shutdown().await;
}
