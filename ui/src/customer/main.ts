// The customer window: a language toggle (日本語 / English, always visible),
// the card's notices above everything, and the customer's screen of each frame.
// Japanese until the customer picks English, and again for the next customer:
// when the welcome screen comes back with no card on the reader. It sees only
// what the counter sends the customer (CustomerFrame: its own lines about the
// card, never the staff's status notice or counts).
//
// Until the window is connected to the counter (app info, code table, frames)
// it asks whoever stands there to call staff rather than to place a card that
// nothing would read, and tries again, waiting longer each time.
//
// Keys: digits, Backspace and Enter type on the PIN keypad when it is shown;
// Escape presses Cancel.

import "../styles/base.css";
import "../styles/customer.css";

import type { CustomerFrame } from "../ipc/generated/CustomerFrame";
import { appInfo, codeTable, describeError, subscribeCustomer } from "../ipc";
import { setCodeTable } from "../render/message";
import { applyStrings, isLang, type Lang, t } from "../i18n";
import { startCountdowns } from "../render/countdown";
import { byId, el } from "../render/dom";
import { renderNotices } from "../render/notices";
import { CustomerContext } from "./context";
import { PinKeypad } from "./keypad";
import { renderCustomer } from "./screen";

const ctx = new CustomerContext();
const keypad = new PinKeypad(ctx);
const root = byId("screen");
let frame: CustomerFrame | undefined;
/** Whether the last frame was the welcome screen with no card: between two customers. */
let betweenCustomers = false;

/** The waits before each new try to connect, in ms; the last repeats. */
export const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000] as const;

function render(): void {
  if (frame === undefined) return;
  // The card's notices stay above whatever screen is shown.
  renderNotices(byId("card-notices"), frame.notices, ctx.lang, ctx.t("customer.notices.title"));
  renderCustomer(root, ctx, frame, keypad);
}

function show(lang: Lang): void {
  ctx.lang = lang;
  document.documentElement.lang = lang;
  document.title = `${t("customer.window_title", "ja")} / ${t("customer.window_title", "en")}`;
  applyStrings(document, lang);
  for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset["lang"] === lang));
  }
  render();
}

function onFrame(next: CustomerFrame): void {
  // A late frame older than the one shown is dropped (Screens::revision).
  if (frame !== undefined && next.revision <= frame.revision) return;
  frame = next;
  // The welcome screen, no card: the customer before has left (their card with
  // them), and the next one starts in Japanese. Only on coming back to it, so
  // that a customer who picks English there keeps it while frames arrive.
  const between = next.customer.screen === "welcome" && next.reader !== "card";
  const comingBack = between && !betweenCustomers;
  betweenCustomers = between;
  if (comingBack && ctx.lang !== "ja") show("ja");
  else render();
  document.documentElement.dataset["appReady"] = "true";
}

function onKey(event: KeyboardEvent): void {
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
  if (event.key === "Escape") {
    const cancel = root.querySelector<HTMLButtonElement>('[data-test="action-cancel"]');
    if (cancel !== null) {
      event.preventDefault();
      cancel.click();
    }
    return;
  }
  if (root.querySelector('[data-test="key-ok"]') === null) return;
  // Enter on a focused button presses that button; the keypad takes it otherwise.
  if (event.key === "Enter" && target instanceof HTMLButtonElement) return;
  if (keypad.onKey(event)) event.preventDefault();
}

/** Asks the customer to call staff: the window is not connected to the counter. */
function showUnavailable(): void {
  if (frame !== undefined) return;
  root.dataset["screen"] = "unavailable";
  delete root.dataset["rendered"];
  root.replaceChildren(
    el("h1", { "data-i18n": "customer.unavailable.heading" }, ctx.t("customer.unavailable.heading")),
    el("p", { class: "lead", "data-i18n": "customer.unavailable.detail" }, ctx.t("customer.unavailable.detail")),
  );
}

/** Connects to the counter: app info, the code table, then the frames. */
async function connect(attempt: number): Promise<void> {
  try {
    await appInfo();
    setCodeTable(await codeTable());
    await subscribeCustomer(onFrame);
  } catch (error) {
    const wait = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] ?? 30_000;
    console.error(`customer window could not connect (try ${attempt + 1}; again in ${wait} ms):`, describeError(error));
    showUnavailable();
    setTimeout(() => void connect(attempt + 1), wait);
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
  document.addEventListener("keydown", onKey);
  startCountdowns(root);
  await connect(0);
}

void start();
