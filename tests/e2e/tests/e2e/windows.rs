//! Both windows: what they show, what they may call, and their screenshots.

use std::path::Path;

use madoguchi_e2e::{AppOptions, E2eError, Screen, Want};
use serde_json::json;

use crate::harness::{Scene, scenario, with_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_customer_windows() {
    scenario("windows", async |dir: &Path| {
        with_app(AppOptions::demo(dir).label("windows"), check).await
    })
    .await;
}

async fn check(app: &Scene) -> Result<(), E2eError> {
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
    app.wait_hook("staff-screen", Want::Attr("data-screen", "ready"))
        .await?;
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
    expect(
        "app_info says the demo runs",
        matches!(app.invoke("app_info").await?, Ok(ref info) if info["demo"] == json!(true)),
        "app_info",
    )?;
    app.capture(Screen::Staff, "staff").await?;

    app.switch_to(Screen::Customer).await?;
    app.wait_hook("customer-screen", Want::Attr("data-screen", "welcome"))
        .await?;
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
    let refused = app.invoke("demo_cards").await?;
    expect(
        "demo_cards refused to the customer window",
        matches!(&refused, Err(message) if message.contains("not allowed")),
        &format!("{refused:?}"),
    )?;
    app.capture(Screen::Customer, "customer-ja").await?;

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
    app.capture(Screen::Customer, "customer-en").await?;
    axe_sees_a_violation(app).await
}

/// The accessibility check is no formality: an image without a text alternative
/// (axe's `image-alt`, critical) laid on the page for a moment is found.
async fn axe_sees_a_violation(app: &Scene) -> Result<(), E2eError> {
    app.switch_to(Screen::Customer).await?;
    let add = "const img = document.createElement('img'); img.id = 'e2e-no-alt'; \
               img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; \
               document.body.append(img);";
    app.client()
        .execute(add, vec![])
        .await
        .map_err(cmd("add an image"))?;
    let found = app.axe_violations().await;
    app.client()
        .execute("document.getElementById('e2e-no-alt').remove();", vec![])
        .await
        .map_err(cmd("remove the image"))?;
    let found = found?;
    expect(
        "axe finds the image without alt",
        found
            .iter()
            .any(|v| v.id == "image-alt" && v.targets.iter().any(|t| t.contains("e2e-no-alt"))),
        &format!("{found:?}"),
    )
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
