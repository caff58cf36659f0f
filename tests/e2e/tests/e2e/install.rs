//! The packages as installed: scripts/install-test.sh (`make install-test`) makes a fresh
//! Debian 12 root, installs our .debs into it with apt, starts the root's own pcscd (the
//! one the app's Depends brought) with Debian's vpcd entry, and runs this test in a
//! loopback-only network namespace. Ignored in `cargo test`: it needs that root.
//!
//! 1. The installed app with no configuration: its window says what to configure
//!    (the checks of `setup`).
//! 2. The test PKI, the insurer's register (its package carries none: the repository's
//!    demo register, named by `demo_data`) and the packages' sample configurations adapted
//!    to them (`install_root`);
//!    the three servers started as their units say; the persona enrolled through the
//!    terminal's own TLS identity; her virtual card placed in the root's vpcd reader; the
//!    installed app on `/etc/madoguchi/counter.toml` completes a reception check: PIN,
//!    service, consents, "valid" 3割, the receipt system's file written.
//! 3. The installed card diagnostic (`madoguchi-card readers`, `status`) sees the reader,
//!    the card in it and its PIN tries through the root's pcscd.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use madoguchi_e2e::{AppOptions, E2eError, Want};

use crate::flows::{
    PERSONA, choose_service_and_consent, customer_at, enter_pin, pin, staff_at, valid_check_shown,
};
use crate::harness::{Scene, unconfigured_with, with_app};
use crate::install_root::{Card, Root, SERVERS};
use crate::reception::exported;

/// The reception check's time limit: the app's start in the root, a card session, on
/// 2 shared cores.
const LIMIT: std::time::Duration = std::time::Duration::from_secs(240);

/// The sample configuration the terminal's package installs, which the app's message names.
const SAMPLE: &str = "/usr/share/doc/madoguchi-app/examples/counter.toml";

/// The program that runs the installed app inside the root as the desk's user.
fn installed_app() -> PathBuf {
    std::env::var_os("MADOGUCHI_INSTALLED_APP")
        .map(PathBuf::from)
        .expect(
            "MADOGUCHI_INSTALLED_APP is not set: run scripts/install-test.sh (make install-test)",
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the root scripts/install-test.sh makes: make install-test"]
async fn installed_packages_complete_a_reception_check() {
    let root = Root::from_env();
    // The package installs no configuration: the app says what to write.
    assert!(
        !root.at("/etc/madoguchi/counter.toml").exists(),
        "the root has /etc/madoguchi/counter.toml before the test wrote one"
    );
    // The sample its message names is where the package put it.
    assert!(
        root.at(SAMPLE).is_file(),
        "the package did not install {SAMPLE}"
    );
    unconfigured_with(
        AppOptions::unconfigured().app(installed_app()),
        "install-setup",
        async |app: &Scene| {
            crate::setup::check(app).await?;
            let log = std::fs::read_to_string(app.log()).unwrap_or_default();
            if log.contains(SAMPLE) {
                Ok(())
            } else {
                Err(E2eError::Unexpected(format!(
                    "the message does not name the sample {SAMPLE} ({})",
                    app.log().display()
                )))
            }
        },
    )
    .await;

    // Debian's vpcd entry makes two readers, "Virtual PCD 00 00" and "00 01": the pattern
    // takes both, as a contact and a contactless reader would be.
    root.write_configuration("[\"Virtual PCD*\"]");
    let _servers: Vec<_> = SERVERS
        .iter()
        .map(|(package, port)| root.start_server(package, *port))
        .collect();
    enrol(&root).await;

    let exports = root.at("/var/lib/madoguchi-counter/exports");
    let database = root.at("/var/lib/madoguchi-counter");
    let options = AppOptions::configured(installed_app()).label("install-reception");
    let run = with_app(options, async |s: &Scene| check(s, &exports).await);
    match tokio::time::timeout(LIMIT, run).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => panic!("the reception check with the installed app failed: {error}"),
        Err(_) => panic!("the reception check did not finish within {LIMIT:?}"),
    }
    // No PIN, password or card number in the counter's database as installed.
    crate::secrets::absent(&database).unwrap();
    card_diagnostic(&root).await;
}

/// The card diagnostic the package installed (`madoguchi-card`, README "The diagnostic
/// tool"), through the root's pcscd: the reader with the card in it, then the card's PIN
/// tries, which need no PIN.
async fn card_diagnostic(root: &Root) {
    let _card = Card::place(PERSONA);
    // pcscd sees a card arrive within 55–400 ms (docs/domain/build-and-test.md).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut listing = root.output(&["madoguchi-card", "readers"]);
    while !listing.contains("card present") {
        assert!(
            Instant::now() < deadline,
            "madoguchi-card readers in the root saw no card in 10 s: {listing}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        listing = root.output(&["madoguchi-card", "readers"]);
    }
    assert!(
        listing.contains("Virtual PCD") && listing.contains("card present, ATR"),
        "madoguchi-card readers in the root: {listing}"
    );
    let status = root.output(&["madoguchi-card", "status"]);
    assert!(
        status.contains("(auth PIN): 3 of 3 tries left"),
        "madoguchi-card status in the root: {status}"
    );
}

/// Enrols the persona with her insurance at the platform, through the terminal's TLS
/// identity (as a counter's enrolment would; the card in-process, not on the reader). Her
/// insurance only: the installed acquirer's sample registers no card token.
async fn enrol(root: &Root) {
    let (_, enrolment) = counter_demo::personas::enrolled()
        .find(|(id, _)| *id == PERSONA)
        .expect("the demo enrols the persona");
    counter_demo::enrol_all_confirmed(
        &root.terminal_backends(),
        PERSONA,
        vec![enrolment.insurance_link()],
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// The reception check, the card placed once the counter is ready.
async fn check(s: &Scene, exports: &std::path::Path) -> Result<(), E2eError> {
    staff_at(s, "ready", None).await?;
    s.wait_hook("status-reader", Want::Attr("data-state", "empty"))
        .await?;
    customer_at(s, "welcome", None).await?;
    let _card = Card::place(PERSONA);
    s.switch_to(madoguchi_e2e::Screen::Staff).await?;
    s.wait_hook("status-reader", Want::Attr("data-state", "card"))
        .await?;
    staff_at(s, "identify", Some("pin_entry")).await?;
    enter_pin(s, &pin(), None).await?;
    choose_service_and_consent(s).await?;
    valid_check_shown(s).await?;
    exported(exports)?;
    s.switch_to(madoguchi_e2e::Screen::Staff).await?;
    s.click_test("action-finish").await?;
    staff_at(s, "ready", None).await?;
    Ok(())
}
