// The customer window: a language toggle (日本語 / English, always visible),
// the card's notices above everything, and the customer's screen of each frame.
// Japanese until the customer picks English, and again for the next customer:
// when the welcome screen comes back with no card on the reader. It sees only
// what the counter sends the customer (CustomerFrame: its own lines about the
// card, never the staff's status notice or counts).
//
// Until the window is connected to the counter (app info, code table, frames)
// it asks whoever stands there to call staff rather than to place a card that
// nothing would read, and tries again, waiting longer each time (../ipc/connect).
// Once it rendered a frame it tells the counter which (customerRendered): a sale's
// charge counts as shown only then. While nothing changes it tells it again every
// ACK_EVERY_MS: the app takes a page silent for longer than its bound as hung, and tells
// staff that the customer sees no screens.
//
// Keys: digits, Backspace and Enter type on the PIN keypad when it is shown;
// Escape presses Cancel.

import "../styles/base.css";
import "../styles/customer.css";

import type { CustomerFrame } from "../ipc/generated/CustomerFrame";
import { appInfo, codeTable, customerRendered, describeError, subscribeCustomer } from "../ipc";
import { connectWithRetry } from "../ipc/connect";
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

/**
 * How often the page acknowledges the frame it shows while no new one comes: 5 seconds.
 * The app reports a page silent for longer than its bound (`SILENCE_LIMIT` in
 * src-tauri/src/customer_link.rs, 15 seconds: three of these missed) to staff.
 */
const ACK_EVERY_MS = 5_000;

/** The acknowledgement to send next if no frame comes first. */
let nextAck: ReturnType<typeof setTimeout> | undefined;

/**
 * Tells the counter the window shows the frame of `revision`, then again after
 * ACK_EVERY_MS unless a newer frame is acknowledged first. A page that hangs sends no more:
 * that silence is what the app detects.
 */
function acknowledge(revision: number): void {
  clearTimeout(nextAck);
  // A refusal changes nothing here: a charge is then listed to staff, the safe side.
  customerRendered(revision).catch((error: unknown) =>
    console.error("customer window: rendered frame not acknowledged:", describeError(error)),
  );
  nextAck = setTimeout(() => acknowledge(revision), ACK_EVERY_MS);
}

/** Whether `f` is the welcome screen with no card: between two customers. */
function betweenCustomers(f: CustomerFrame | undefined): boolean {
  return f !== undefined && f.customer.screen === "welcome" && f.reader !== "card";
}

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
  // The welcome screen, no card: the customer before has left (their card with
  // them), and the next one starts in Japanese. Only on coming back to it, so
  // that a customer who picks English there keeps it while frames arrive.
  const comingBack = betweenCustomers(next) && !betweenCustomers(frame);
  frame = next;
  if (comingBack && ctx.lang !== "ja") show("ja");
  else render();
  document.documentElement.dataset["appReady"] = "true";
  // Rendered: the counter may count what it shows as seen.
  acknowledge(next.revision);
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
async function connect(): Promise<void> {
  await appInfo();
  setCodeTable(await codeTable());
  await subscribeCustomer(onFrame);
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
  await connectWithRetry("customer", connect, showUnavailable);
}

void start();
