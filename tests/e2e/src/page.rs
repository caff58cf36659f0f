//! Reading and pressing what the current window shows: the `data-test` hooks of
//! ui/README.md, waited for by polling with a time limit, never by sleeping.

use std::{collections::BTreeMap, fmt, time::Duration};

use fantoccini::Locator;
use serde_json::json;
use tokio::time::{Instant, sleep};

use crate::{
    AppSession, E2eError,
    session::{STEP, step},
};

/// The default time limit of a wait: generous, for a debug build on 2 cores.
pub const WAIT: Duration = Duration::from_secs(30);

/// How often a wait looks again.
pub(crate) const POLL: Duration = Duration::from_millis(100);

/// The CSS selector of the `data-test` hook `hook`.
pub fn hook(hook: &str) -> String {
    format!("[data-test=\"{hook}\"]")
}

/// What a look at the first element matching a selector found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// How many elements match.
    pub count: usize,
    /// The first one's attributes.
    pub attrs: BTreeMap<String, String>,
    /// The first one's text (`innerText`).
    pub text: String,
    /// Whether the first one takes room on the page (not hidden).
    pub visible: bool,
}

impl Seen {
    /// Whether an element matched.
    pub fn found(&self) -> bool {
        self.count > 0
    }

    /// The first element's attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.found() {
            return f.write_str("nothing");
        }
        let text: String = self.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text: String = text.chars().take(160).collect();
        write!(
            f,
            "{} element(s), the first with {:?}, text {text:?}",
            self.count, self.attrs
        )
    }
}

/// What [`AppSession::wait_for`] waits for.
pub enum Want<'a> {
    /// An element matches.
    Present,
    /// No element matches.
    Absent,
    /// The first element's attribute has this value.
    Attr(&'a str, &'a str),
    /// The first element's attribute has one of these values.
    AttrIn(&'a str, &'a [&'a str]),
    /// The first element's text contains this.
    Text(&'a str),
    /// The first element passes this test.
    Check(&'a (dyn Fn(&Seen) -> bool + Send + Sync)),
}

impl Want<'_> {
    fn holds(&self, seen: &Seen) -> bool {
        match self {
            Want::Present => seen.found(),
            Want::Absent => !seen.found(),
            Want::Attr(name, value) => seen.attr(name) == Some(*value),
            Want::AttrIn(name, values) => seen.attr(name).is_some_and(|v| values.contains(&v)),
            Want::Text(part) => seen.found() && seen.text.contains(part),
            Want::Check(test) => test(seen),
        }
    }
}

impl fmt::Display for Want<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Want::Present => f.write_str("present"),
            Want::Absent => f.write_str("absent"),
            Want::Attr(name, value) => write!(f, "{name}={value:?}"),
            Want::AttrIn(name, values) => write!(f, "{name} one of {values:?}"),
            Want::Text(part) => write!(f, "text containing {part:?}"),
            Want::Check(_) => f.write_str("the test's condition"),
        }
    }
}

/// Reads the first match of `arguments[0]`: count, attributes, text, visibility.
const PEEK: &str = "const all = document.querySelectorAll(arguments[0]); \
    const e = all[0]; if (!e) return { count: 0 }; \
    const attrs = {}; for (const a of e.attributes) attrs[a.name] = a.value; \
    return { count: all.length, attrs, text: e.innerText ?? e.textContent ?? '', \
             visible: e.getClientRects().length > 0 };";

impl AppSession {
    /// A look at the first element matching `css` in the current window.
    ///
    /// # Errors
    ///
    /// When the script cannot run (the window is gone).
    pub async fn peek(&self, css: &str) -> Result<Seen, E2eError> {
        let value = step(
            format!("look at {css}"),
            self.client.execute(PEEK, vec![json!(css)]),
        )
        .await?;
        let attrs = value["attrs"]
            .as_object()
            .map(|attrs| {
                attrs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Seen {
            count: value["count"].as_u64().unwrap_or(0) as usize,
            attrs,
            text: value["text"].as_str().unwrap_or_default().to_owned(),
            visible: value["visible"].as_bool().unwrap_or(false),
        })
    }

    /// Waits until the first element matching `css` in the current window is as
    /// `want` says, looking every 100 ms, and returns what it saw then.
    ///
    /// # Errors
    ///
    /// When `limit` passes first: the error says what was last seen, and where the
    /// window's screen was (`data-screen`, `data-step`).
    pub async fn wait_for(
        &self,
        css: &str,
        want: Want<'_>,
        limit: Duration,
    ) -> Result<Seen, E2eError> {
        let deadline = Instant::now() + limit;
        loop {
            let seen = self.peek(css).await?;
            if want.holds(&seen) {
                return Ok(seen);
            }
            if Instant::now() >= deadline {
                let screen = self.where_now().await;
                return Err(E2eError::Timeout {
                    what: format!("{css} {want}"),
                    limit,
                    hint: format!(" (last seen: {seen}; {screen})"),
                });
            }
            sleep(POLL).await;
        }
    }

    /// [`AppSession::wait_for`] the hook `name` with the default limit [`WAIT`].
    ///
    /// # Errors
    ///
    /// As [`AppSession::wait_for`].
    pub async fn wait_hook(&self, name: &str, want: Want<'_>) -> Result<Seen, E2eError> {
        self.wait_for(&hook(name), want, WAIT).await
    }

    /// The visible text of the first element matching `css` in the current window.
    ///
    /// # Errors
    ///
    /// When there is no such element.
    pub async fn text(&self, css: &str) -> Result<String, E2eError> {
        let element = step(format!("find {css}"), self.client.find(Locator::Css(css))).await?;
        step(format!("read {css}"), element.text()).await
    }

    /// The value of `attribute` on the first element matching `css`.
    ///
    /// # Errors
    ///
    /// When there is no such element.
    pub async fn attribute(&self, css: &str, attribute: &str) -> Result<Option<String>, E2eError> {
        let element = step(format!("find {css}"), self.client.find(Locator::Css(css))).await?;
        step(format!("read {css} @{attribute}"), element.attr(attribute)).await
    }

    /// Where the current window's screen is, for error messages: its screen root's
    /// `data-screen` and `data-step`, or what went wrong reading them.
    async fn where_now(&self) -> String {
        let root = "[data-test=\"staff-screen\"], [data-test=\"customer-screen\"]";
        match tokio::time::timeout(STEP, self.peek(root)).await {
            Ok(Ok(seen)) if seen.found() => format!(
                "{} screen {:?} step {:?}",
                seen.attr("data-test").unwrap_or_default(),
                seen.attr("data-screen").unwrap_or_default(),
                seen.attr("data-step").unwrap_or_default()
            ),
            Ok(Ok(_)) => "no screen root in this window".into(),
            Ok(Err(error)) => format!("the window could not be read: {error}"),
            Err(_) => "the window did not answer".into(),
        }
    }
}
