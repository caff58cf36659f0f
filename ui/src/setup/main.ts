// The setup window: what the shipped app shows instead of the staff and customer
// windows when it has no usable configuration. The message itself comes from Rust
// (the same text the app writes on standard error: which file it looked for, in
// which order it looks, how to write one); this page only labels it, in Japanese
// and English at once (whoever installs the counter may read either).
//
// Closing the window (its close button, or the one here) ends the app, with a
// non-zero status.

import "../styles/base.css";
import "../styles/setup.css";

import { closeSetup, describeError, setupProblem } from "../ipc";
import { isLang, isStringKey, t } from "../i18n";
import { byId } from "../render/dom";

/** Every `data-i18n` element's string, in the language its nearest `lang` names. */
function label(): void {
  for (const element of document.querySelectorAll<HTMLElement>("[data-i18n]")) {
    const key = element.dataset["i18n"] ?? "";
    const lang = element.closest("[lang]")?.getAttribute("lang") ?? "ja";
    element.textContent = isStringKey(key) && isLang(lang) ? t(key, lang) : key;
  }
}

async function start(): Promise<void> {
  label();
  byId("setup-close").addEventListener("click", () => {
    closeSetup().catch((error: unknown) => console.error("setup: close:", describeError(error)));
  });
  const message = byId("setup-message");
  try {
    message.textContent = await setupProblem();
  } catch (error) {
    console.error("setup: the message:", describeError(error));
    message.textContent = `${t("app.unreachable", "ja")}\n${t("app.unreachable", "en")}`;
  }
  document.documentElement.dataset["appReady"] = "true";
}

void start();
