// The staff window: the header (mode, tabs, language), the card's notices
// (above every tab), the counter's screen of each frame, the journal, the close, the settings, the demo panel, and the
// status bar. It holds no logic of the counter's: it shows the frames and sends
// actions; the counter decides. Until it is connected to the counter it says so on the
// status bar and tries again, waiting longer each time (../ipc/connect).
//
// Keys: F1–F6 open the tabs, Escape presses the screen's Cancel.

import "../styles/base.css";
import "../styles/staff.css";
import "../styles/print.css";

import type { StaffFrame } from "../ipc/generated/StaffFrame";
import { appInfo, codeTable, subscribeStaff } from "../ipc";
import { connectWithRetry } from "../ipc/connect";
import { setCodeTable } from "../render/message";
import { applyStrings, type Lang } from "../i18n";
import { startCountdowns } from "../render/countdown";
import { byId } from "../render/dom";
import { renderNotices } from "../render/notices";
import { AppointmentsPanel } from "./appointments";
import { ClosePanel } from "./close";
import { StaffContext } from "./context";
import { DemoPanel } from "./demo";
import { renderHeader, type Tab, TABS } from "./header";
import { JournalPanel } from "./journal";
import { renderCounter } from "./screen";
import { renderSettings } from "./settings";
import { type AppState, renderStatus } from "./status";

const ctx = new StaffContext();
let frame: StaffFrame | undefined;
let app: AppState = "starting";
let tab: Tab = "counter";

const panels: Record<Tab, HTMLElement> = {
  counter: byId("panel-counter"),
  journal: byId("panel-journal"),
  close: byId("panel-close"),
  settings: byId("panel-settings"),
  demo: byId("panel-demo"),
  appointments: byId("panel-appointments"),
};
// A co-payment taken from the journal's visits goes on at the counter.
const journal = new JournalPanel(panels.journal, ctx, () => showTab("counter"));
const close = new ClosePanel(panels.close, ctx);
const demo = new DemoPanel(panels.demo, ctx);
// "Patient arrived" sets the expected patient: the counter tab shows who it is.
const appointments = new AppointmentsPanel(panels.appointments, ctx, () => showTab("counter"));

function tabs(): Tab[] {
  return TABS.filter((t) => t !== "demo" || ctx.info?.demo === true);
}

function header(): void {
  renderHeader(byId("header-controls"), ctx, {
    mode: frame?.status.mode,
    tab,
    tabs: tabs(),
    onTab: (t) => showTab(t),
    onLang: (lang) => setLang(lang),
  });
}

/** Draws the status bar from the latest frame: its one source (the bar keeps none of its own). */
function status(): void {
  renderStatus(byId("status-bar"), ctx, app, frame?.status, status);
}

/** The card's notices, above every tab. */
function notices(): void {
  renderNotices(byId("card-notices"), frame?.notices ?? [], ctx.lang, ctx.t("staff.notices.title"));
}

/** Renders what the tab shows (the journal keeps its last search). */
function fillTab(t: Tab): void {
  switch (t) {
    case "counter":
      if (frame !== undefined) renderCounter(panels.counter, ctx, frame);
      break;
    case "journal":
      journal.render();
      break;
    case "close":
      close.render();
      break;
    case "settings":
      void renderSettings(panels.settings, ctx);
      break;
    case "demo":
      void demo.load();
      break;
    case "appointments":
      void appointments.load();
      break;
  }
}

function showTab(t: Tab): void {
  if (!tabs().includes(t)) return;
  tab = t;
  for (const [name, panel] of Object.entries(panels)) panel.hidden = name !== t;
  header();
  fillTab(t);
  panels[t].querySelector<HTMLElement>("h2")?.setAttribute("tabindex", "-1");
  panels[t].querySelector<HTMLElement>("h2")?.focus();
}

function setLang(lang: Lang): void {
  ctx.lang = lang;
  document.documentElement.lang = lang;
  applyStrings(document, lang);
  header();
  status();
  notices();
  fillTab(tab);
  if (tab !== "counter") fillTab("counter");
}

function onFrame(next: StaffFrame): void {
  // A late frame older than the one shown is dropped (Screens::revision).
  if (frame !== undefined && next.revision <= frame.revision) return;
  const noticeChanged = JSON.stringify(frame?.status.notice ?? null) !== JSON.stringify(next.status.notice);
  const modeChanged = frame?.status.mode !== next.status.mode;
  frame = next;
  app = "ready";
  status();
  notices();
  renderCounter(panels.counter, ctx, next);
  if (modeChanged) header();
  if (noticeChanged && tab === "journal") void journal.refresh();
  document.documentElement.dataset["appReady"] = "true";
}

function onKey(event: KeyboardEvent): void {
  const index = /^F([1-9])$/.exec(event.key);
  if (index !== null) {
    const t = TABS[Number(index[1]) - 1];
    if (t !== undefined && tabs().includes(t)) {
      event.preventDefault();
      showTab(t);
    }
    return;
  }
  // Escape in a field only leaves the field (it must not cancel a form half filled in).
  const target = event.target;
  const inField = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
  if (event.key === "Escape" && tab === "counter" && !inField) {
    const cancel = panels.counter.querySelector<HTMLButtonElement>('[data-test="action-cancel"]');
    if (cancel !== null) {
      event.preventDefault();
      cancel.click();
    }
  }
}

async function start(): Promise<void> {
  document.documentElement.lang = ctx.lang;
  applyStrings(document, ctx.lang);
  document.addEventListener("keydown", onKey);
  startCountdowns(panels.counter);
  header();
  status();
  await connectWithRetry("staff", connect, () => {
    app = "error";
    status();
  });
}

/** Connects to the counter: app info, the code table, then the frames. */
async function connect(): Promise<void> {
  ctx.info = await appInfo();
  setCodeTable(await codeTable());
  byId("version").textContent = ctx.info.version;
  header();
  await subscribeStaff(onFrame);
}

void start();
