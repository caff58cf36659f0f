// The customer window: a language toggle (日本語 / English) and what the customer
// should do next. Japanese until the customer picks English.

import "../styles/base.css";

import { applyStrings, isLang, type Lang, t } from "../i18n";
import { appInfo, describeError } from "../ipc";

function show(lang: Lang): void {
  document.documentElement.lang = lang;
  document.title = `${t("customer.window_title", "ja")} / ${t("customer.window_title", "en")}`;
  applyStrings(document, lang);
  for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset["lang"] === lang));
  }
}

async function start(): Promise<void> {
  show("ja");
  for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-lang]")) {
    button.addEventListener("click", () => {
      const lang = button.dataset["lang"] ?? "";
      if (isLang(lang)) show(lang);
    });
  }
  try {
    await appInfo();
    document.documentElement.dataset["appReady"] = "true";
  } catch (error) {
    // The customer sees nothing of it; the staff window reports the app's state.
    console.error("app_info failed:", describeError(error));
  }
}

void start();
