//! A service verifying the platform's assertions with the published keys refuses a
//! replayed jti, a wrong audience and an expired assertion.

use counter_api::assertion::{AssertionError, AssertionVerifier, KeySet, MemoryReplayGuard};
use counter_api::platform::{ChallengePurpose, IdentificationResponse};

use crate::support::*;

#[tokio::test]
async fn services_refuse_replayed_misaddressed_and_expired_assertions() {
    let env = Env::start().await;
    let c = env.client(Some(T1));
    let card = Card::load("sato-hanako");
    assert_eq!(enroll(&env, &c, &card).await.0, 200);
    let ch = challenge(&env, &c, ChallengePurpose::Identify, None).await;
    let (_, _, v) = post(&c, &env.url("/v1/identifications"), &card.answer(&ch)).await;
    let r: IdentificationResponse = serde_json::from_value(v).unwrap();
    let insurance = r
        .menu
        .iter()
        .find(|e| e.service_id == INSURER)
        .unwrap()
        .assertion
        .clone()
        .unwrap();
    let set: KeySet = env
        .client(None)
        .get(env.url("/v1/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let mut insurer = AssertionVerifier::new(INSURER);
    insurer.trust(&set).unwrap();
    let mut acquirer = AssertionVerifier::new(ACQUIRER);
    acquirer.trust(&set).unwrap();
    let now = env.clock_now();

    // wrong audience: the insurer's assertion presented to the acquirer
    let mut guard = MemoryReplayGuard::new();
    assert!(matches!(
        acquirer.verify(&insurance, now, &mut guard),
        Err(AssertionError::WrongAudience { .. })
    ));
    // expired: presented after its two minutes
    assert!(matches!(
        insurer.verify(&insurance, now.plus_secs(200), &mut guard),
        Err(AssertionError::Expired { .. })
    ));
    // accepted once, then a replay
    assert!(insurer.verify(&insurance, now, &mut guard).is_ok());
    assert!(matches!(
        insurer.verify(&insurance, now.plus_secs(1), &mut guard),
        Err(AssertionError::Replayed { .. })
    ));
    // another platform's key does not verify it
    let other = Env::start_with(EnvOptions {
        platform_id: "pf-other",
        signing_seed: 9,
        ..EnvOptions::default()
    })
    .await;
    let other_set: KeySet = other
        .client(None)
        .get(other.url("/v1/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut fooled = AssertionVerifier::new(INSURER);
    fooled.trust(&other_set).unwrap();
    assert!(matches!(
        fooled.verify(&insurance, now, &mut MemoryReplayGuard::new()),
        Err(AssertionError::UntrustedIssuer(_))
    ));
    other.shutdown().await;
    env.shutdown().await;
}
