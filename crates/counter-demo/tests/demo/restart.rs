//! The app killed and started again on the same folder: the databases stay, the
//! personas are not enrolled again, and a payment journaled at the acquirer is still there.

use counter_api::acquirer::{AuthoriseRequest, CaptureMode, PaymentStatus};
use counter_api::platform::ChallengeContext;
use counter_demo::MARKER;

use crate::support::{assertion, backends, enrolments, identify, start};

#[tokio::test]
async fn a_second_start_on_the_same_folder_keeps_the_data_and_does_not_enrol_again() {
    let dir = tempfile::tempdir().unwrap();
    let key = "demo-restart-0001";
    let paid = {
        let demo = start(dir.path(), true).await;
        let b = backends(&demo);
        let context = ChallengeContext {
            merchant_id: "clinic-a".into(),
            amount_jpy: 1200,
        };
        let hanako = identify(&b, "sato-hanako", Some(context)).await;
        let request = AuthoriseRequest {
            assertion: assertion(&hanako, "acq-visa"),
            merchant_id: "clinic-a".into(),
            amount_jpy: 1200,
            order_ref: "R-0001".into(),
            capture: CaptureMode::Automatic,
        };
        let paid = b.authorise(key, &request).await.unwrap();
        assert_eq!(paid.status, PaymentStatus::Captured);
        // Dropped without a shutdown, as when the app is killed.
        drop(demo);
        paid
    };
    let marker = std::fs::metadata(dir.path().join(MARKER))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(enrolments(dir.path()), 4);

    let demo = start(dir.path(), true).await;
    assert_eq!(enrolments(dir.path()), 4, "enrolled again");
    let again = std::fs::metadata(dir.path().join(MARKER))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(marker, again, "the marker was rewritten");
    let b = backends(&demo);
    let found = b
        .status(key)
        .await
        .unwrap()
        .expect("the payment after a restart");
    assert_eq!(
        (found.payment_id, found.captured_jpy),
        (paid.payment_id, 1200)
    );
    // The enrolments still identify (new TLS material, same platform database).
    let hanako = identify(&b, "sato-hanako", None).await;
    assert_eq!(hanako.menu.len(), 2, "{:?}", hanako.menu);
    demo.shutdown().await;
}
