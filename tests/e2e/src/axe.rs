//! The accessibility check of a window with axe-core (the npm devDependency
//! `axe-core`): injected into the page through WebDriver, run on the whole document, and
//! its serious and critical violations reported.

use std::{fmt, fs, sync::OnceLock};

use serde_json::Value;

use crate::{AppSession, E2eError, session::step, workspace_root};

/// axe-core's bundle, from the workspace's `node_modules` (`npm ci` installs it).
const AXE_PATH: &str = "node_modules/axe-core/axe.min.js";

/// The impacts that fail a check; `minor` and `moderate` are left to review.
const FAILING: &[&str] = &["serious", "critical"];

/// Runs axe on the document and hands back, for each violation, its id, impact,
/// help text and the nodes' CSS targets.
const RUN: &str = "const done = arguments[arguments.length - 1]; \
    window.axe.run(document, { resultTypes: ['violations'] }).then( \
      (r) => done({ ok: r.violations.map((v) => ({ id: v.id, impact: v.impact, \
        help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })) }), \
      (e) => done({ err: String(e) }));";

/// One rule axe found broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxeViolation {
    /// The rule's id (`color-contrast`, `label`, ...).
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for.
    pub help: String,
    /// The offending nodes, as CSS selectors.
    pub targets: Vec<String>,
}

impl fmt::Display for AxeViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {} — {}",
            self.id,
            self.impact,
            self.help,
            self.targets.join(", ")
        )
    }
}

impl AppSession {
    /// The serious and critical accessibility violations of the current window's page,
    /// as axe-core finds them (injected once per page).
    ///
    /// # Errors
    ///
    /// When axe-core is not installed, cannot be injected, or fails.
    pub async fn axe_violations(&self) -> Result<Vec<AxeViolation>, E2eError> {
        let loaded = step(
            "look for axe",
            self.client
                .execute("return typeof window.axe === 'object';", vec![]),
        )
        .await?;
        if loaded != Value::Bool(true) {
            let source = axe_source()?;
            step(
                "inject axe-core",
                self.client
                    .execute(&format!("{source}\nreturn true;"), vec![]),
            )
            .await?;
        }
        let answer = step("run axe", self.client.execute_async(RUN, vec![])).await?;
        let Some(found) = answer["ok"].as_array() else {
            return Err(E2eError::Unexpected(format!(
                "axe.run failed: {}",
                answer["err"]
            )));
        };
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        Ok(found
            .iter()
            .map(|v| AxeViolation {
                id: text(&v["id"]),
                impact: text(&v["impact"]),
                help: text(&v["help"]),
                targets: v["targets"]
                    .as_array()
                    .map(|t| t.iter().map(text).collect())
                    .unwrap_or_default(),
            })
            .filter(|v| FAILING.contains(&v.impact.as_str()))
            .collect())
    }

    /// Fails when the current window's page has a serious or critical accessibility
    /// violation; the error lists each with its rule id, help and nodes. `what` names
    /// the screen in the message.
    ///
    /// # Errors
    ///
    /// On a violation, or as [`AppSession::axe_violations`].
    pub async fn assert_accessible(&self, what: &str) -> Result<(), E2eError> {
        let found = self.axe_violations().await?;
        if found.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = found.iter().map(|v| format!("  - {v}")).collect();
        Err(E2eError::Unexpected(format!(
            "{what}: {} accessibility violation(s):\n{}",
            found.len(),
            list.join("\n")
        )))
    }
}

/// axe-core's source, read once.
fn axe_source() -> Result<&'static str, E2eError> {
    static SOURCE: OnceLock<String> = OnceLock::new();
    if let Some(source) = SOURCE.get() {
        return Ok(source);
    }
    let path = workspace_root().join(AXE_PATH);
    let source = fs::read_to_string(&path).map_err(|_| E2eError::Missing {
        program: "axe-core",
        install: "npm ci at the workspace's top (axe-core is a devDependency in package.json)",
    })?;
    Ok(SOURCE.get_or_init(|| source))
}
