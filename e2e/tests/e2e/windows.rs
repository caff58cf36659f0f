//! Both windows: what they show, what they may call, and their screenshots.

use std::time::Duration;

use madoguchi_e2e::{AppSession, E2eError, Screen};
use serde_json::json;

/// The whole run, start to quit: long enough for a cold WebKit start on 2 cores.
const RUN_LIMIT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_customer_windows() {
    match tokio::time::timeout(RUN_LIMIT, run()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => panic!("end-to-end run failed: {error}"),
        Err(_) => panic!("end-to-end run did not finish within {RUN_LIMIT:?}"),
    }
}

async fn run() -> Result<(), E2eError> {
    let app = AppSession::start().await?;
    let result = check(&app).await;
    // End the session whatever happened, then report the first failure.
    let quit = app.quit().await;
    result.and(quit)
}

async fn check(app: &AppSession) -> Result<(), E2eError> {
    app.switch_to(Screen::Staff).await?;
    expect_eq(
        "staff title",
        app.client().title().await.map_err(cmd("title"))?,
        "窓口 — スタッフ / Madoguchi — Staff",
    )?;
    expect_eq("staff heading", app.text("h1").await?, "窓口 — スタッフ")?;
    let version = app.text("#version").await?;
    expect(
        "staff version",
        !version.is_empty() && version.split('.').all(|part| part.parse::<u32>().is_ok()),
        &version,
    )?;
    expect_eq("staff status", app.text("#status").await?, "準備完了")?;
    expect_eq(
        "staff lang",
        app.attribute("html", "lang").await?.unwrap_or_default(),
        "ja",
    )?;
    expect(
        "staff_settings from staff",
        matches!(app.invoke("staff_settings").await?, Ok(ref s) if s["terminal_id"].is_string()),
        "the staff window reads the settings",
    )?;
    app.screenshot("staff").await?;

    app.switch_to(Screen::Customer).await?;
    expect_eq(
        "customer prompt (ja)",
        app.text("h1").await?,
        "マイナンバーカードを置いてください",
    )?;
    expect_eq(
        "customer 日本語 pressed",
        app.attribute("button[data-lang='ja']", "aria-pressed")
            .await?
            .unwrap_or_default(),
        "true",
    )?;
    let refused = app.invoke("staff_settings").await?;
    expect(
        "staff_settings refused to the customer window",
        matches!(&refused, Err(message) if message.contains("staff_settings") && message.contains("not allowed")),
        &format!("{refused:?}"),
    )?;
    expect_eq(
        "app_info from customer",
        app.invoke("app_info")
            .await?
            .map(|info| info["window"].clone()),
        Ok(json!("customer")),
    )?;
    app.screenshot("customer-ja").await?;

    app.click("button[data-lang='en']").await?;
    expect_eq(
        "customer prompt (en)",
        app.text("h1").await?,
        "Please place your My Number Card",
    )?;
    expect_eq(
        "customer lang",
        app.attribute("html", "lang").await?.unwrap_or_default(),
        "en",
    )?;
    expect_eq(
        "customer English pressed",
        app.attribute("button[data-lang='en']", "aria-pressed")
            .await?
            .unwrap_or_default(),
        "true",
    )?;
    app.screenshot("customer-en").await?;
    Ok(())
}

fn cmd(what: &'static str) -> impl FnOnce(fantoccini::error::CmdError) -> E2eError {
    move |error| E2eError::Unexpected(format!("{what}: {error}"))
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(
    what: &str,
    got: T,
    want: impl Into<T>,
) -> Result<(), E2eError> {
    let want = want.into();
    if got == want {
        Ok(())
    } else {
        Err(E2eError::Unexpected(format!(
            "{what}: got {got:?}, expected {want:?}"
        )))
    }
}

fn expect(what: &str, ok: bool, got: &str) -> Result<(), E2eError> {
    if ok {
        Ok(())
    } else {
        Err(E2eError::Unexpected(format!("{what}: got {got}")))
    }
}
