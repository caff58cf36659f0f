//! Starting the demo on a folder, and a card's answers made in-process (no reader).

use std::path::Path;

use counter_api::platform::{
    ChallengeContext, ChallengePurpose, ChallengeRequest, IdentificationRequest,
    IdentificationResponse,
};
use counter_core::BackendFailure;
use counter_demo::{Demo, DemoOptions};
use counter_runtime::config::{Config, CounterMode};
use counter_runtime::http::Backends;
use jpki_card::{AuthPin, Authenticate, PinEntry, run, sha256};
use jpki_card_sim::{Faults, SimTransport, VirtualCard};

/// Starts the demo on `dir`; fails with the demo's own message (which says to run under
/// `scripts/pcscd.sh run` when its environment is missing).
pub async fn start(dir: &Path, insurer_up: bool) -> Demo {
    start_on(dir, insurer_up, false).await
}

/// [`start`], on the virtual PIN-pad reader when `pin_pad`.
pub async fn start_on(dir: &Path, insurer_up: bool, pin_pad: bool) -> Demo {
    let options = DemoOptions {
        dir: dir.to_owned(),
        mode: CounterMode::Reception,
        insurer_up,
        acquirer_up: true,
        stale_sign_crl: false,
        pos_port: None,
        pin_pad,
    };
    Demo::start(options).await.unwrap_or_else(|e| {
        panic!(
            "the demo did not start: {e} (run as `scripts/pcscd.sh run cargo test -p counter-demo`)"
        )
    })
}

pub fn config(demo: &Demo) -> Config {
    Config::load(demo.config_path()).unwrap()
}

pub fn backends(demo: &Demo) -> Backends {
    config(demo).backends().unwrap()
}

/// Identifies `persona` (its test card, in-process) for `context` (a payment) or for
/// eligibility checks.
pub async fn identify(
    b: &Backends,
    persona: &str,
    context: Option<ChallengeContext>,
) -> IdentificationResponse {
    try_identify(b, persona, context)
        .await
        .unwrap_or_else(|f| panic!("{persona} not identified: {f:?}"))
}

/// [`identify`], returning the platform's refusal.
pub async fn try_identify(
    b: &Backends,
    persona: &str,
    context: Option<ChallengeContext>,
) -> Result<IdentificationResponse, BackendFailure> {
    let p = testkit::load_persona(persona).unwrap();
    let purpose = if context.is_some() {
        ChallengePurpose::Payment
    } else {
        ChallengePurpose::Identify
    };
    let ch = b
        .challenge(&ChallengeRequest { purpose, context })
        .await
        .unwrap();
    let tbs = counter_api::b64::decode("tbs", &ch.to_be_signed).unwrap();
    let mut card = SimTransport::new(VirtualCard::from_persona(&p).unwrap(), Faults::default());
    let auth = run(
        &mut card,
        Authenticate::new(
            PinEntry::Host(AuthPin::new(&p.auth_pin).unwrap()),
            sha256(&tbs),
        )
        .confirm_last_try(true),
    )
    .unwrap();
    b.identify(&IdentificationRequest {
        challenge_id: ch.challenge_id,
        auth_certificate: counter_api::b64::encode(&auth.certificate),
        signature: counter_api::b64::encode(&auth.signature),
    })
    .await
}
/// The assertion for `service` in `r`'s menu.
pub fn assertion(r: &IdentificationResponse, service: &str) -> String {
    r.menu
        .iter()
        .find(|m| m.service_id == service)
        .and_then(|m| m.assertion.clone())
        .unwrap_or_else(|| panic!("no assertion for {service} in {:?}", r.menu))
}

/// The enrolments the platform's database holds.
pub fn enrolments(dir: &Path) -> i64 {
    let c = rusqlite::Connection::open(dir.join("platform.sqlite")).unwrap();
    c.query_row("SELECT count(*) FROM enrollments", [], |r| r.get(0))
        .unwrap()
}
