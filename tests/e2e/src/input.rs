//! Pressing and typing in the current window: buttons by their `data-test` hook, the
//! customer's PIN keypad, form fields, selects.

use fantoccini::{Locator, elements::Element, error::CmdError};
use serde_json::json;
use tokio::time::{Instant, sleep};

use crate::{
    AppSession, E2eError,
    page::{POLL, Seen, WAIT, Want, hook},
    session::step,
};

impl AppSession {
    /// Clicks the first element matching `css` once it is there, shown and enabled. A
    /// frame may rebuild the element between the look and the click; the click is then
    /// tried again, until [`WAIT`] has passed.
    ///
    /// # Errors
    ///
    /// When no such element could be clicked in time.
    pub async fn click(&self, css: &str) -> Result<(), E2eError> {
        let ready = |seen: &Seen| seen.found() && seen.visible && seen.attr("disabled").is_none();
        let deadline = Instant::now() + WAIT;
        loop {
            let seen = self.wait_for(css, Want::Check(&ready), WAIT).await?;
            let clicked = match self.centred(css).await {
                Ok(element) => element.click().await,
                Err(error) => Err(error),
            };
            match clicked {
                Ok(()) => return Ok(()),
                Err(error) if Instant::now() >= deadline => {
                    return Err(E2eError::Unexpected(format!(
                        "click {css} ({seen}) failed: {error}"
                    )));
                }
                Err(_) => sleep(POLL).await,
            }
        }
    }

    /// Clicks the element with the `data-test` hook `name` ([`AppSession::click`]).
    ///
    /// # Errors
    ///
    /// As [`AppSession::click`].
    pub async fn click_test(&self, name: &str) -> Result<(), E2eError> {
        self.click(&hook(name)).await
    }

    /// Types `digits` on the customer window's PIN keypad (`key-0`..`key-9`), one
    /// press at a time, and waits until the entry shows as many (`pin-entry`
    /// `data-length`). Does not press OK (`key-ok`).
    ///
    /// # Errors
    ///
    /// When a key is missing or a press was lost.
    pub async fn type_digits(&self, digits: &str) -> Result<(), E2eError> {
        for (typed, digit) in digits.chars().enumerate() {
            if !digit.is_ascii_digit() {
                return Err(E2eError::Unexpected(format!(
                    "{digit:?} is not a keypad digit"
                )));
            }
            self.click_test(&format!("key-{digit}")).await?;
            let length = (typed + 1).to_string();
            self.wait_hook("pin-entry", Want::Attr("data-length", &length))
                .await?;
        }
        Ok(())
    }

    /// Replaces the value of the form control with hook `name` by `text`, typed
    /// through WebDriver (keyboard events, as a person would).
    ///
    /// # Errors
    ///
    /// When there is no such control or it takes no text.
    pub async fn fill(&self, name: &str, text: &str) -> Result<(), E2eError> {
        let css = hook(name);
        self.wait_for(&css, Want::Present, WAIT).await?;
        let element = step(format!("find {css}"), self.centred(&css)).await?;
        step(format!("clear {css}"), element.clear()).await?;
        step(format!("type into {css}"), element.send_keys(text)).await
    }

    /// Picks the option with value `value` of the `<select>` with hook `name`.
    ///
    /// # Errors
    ///
    /// When there is no such select or option.
    pub async fn choose(&self, name: &str, value: &str) -> Result<(), E2eError> {
        // An <option> takes no room of its own (no client rects), so it is never
        // "shown" for AppSession::click; WebDriver selects it by a click all the same.
        let css = format!("{} option[value=\"{value}\"]", hook(name));
        self.wait_for(&css, Want::Present, WAIT).await?;
        step(format!("find {}", hook(name)), self.centred(&hook(name))).await?;
        let option = step(format!("find {css}"), self.client.find(Locator::Css(&css))).await?;
        step(format!("select {css}"), option.click()).await?;
        let chosen = step(
            format!("read {}", hook(name)),
            self.client.execute(
                "return document.querySelector(arguments[0]).value;",
                vec![json!(hook(name))],
            ),
        )
        .await?;
        if chosen == json!(value) {
            Ok(())
        } else {
            Err(E2eError::Unexpected(format!(
                "{} holds {chosen} after selecting {value:?}",
                hook(name)
            )))
        }
    }

    /// The first element matching `css`, scrolled to the middle of the window first: the
    /// staff window's status bar stays at the bottom, and WebDriver's own scrolling
    /// (to the nearest edge) may leave a control under it, where it takes no click.
    async fn centred(&self, css: &str) -> Result<Element, CmdError> {
        self.client
            .execute(
                "document.querySelector(arguments[0])\
                   ?.scrollIntoView({ block: 'center', inline: 'nearest' });",
                vec![json!(css)],
            )
            .await?;
        self.client.find(Locator::Css(css)).await
    }
}
