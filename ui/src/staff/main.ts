// The staff window: the title, the app's version and the status bar. The
// counter's workflows will render into <main>.

import "../styles/base.css";

import { applyStrings, type Lang, type StringKey, t } from "../i18n";
import { appInfo, describeError } from "../ipc";

/** The staff window is in Japanese (the staff's language at a Japanese counter). */
const LANG: Lang = "ja";

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`staff.html has no #${id}`);
  return element;
}

function setStatus(key: StringKey, state: "starting" | "ready" | "error"): void {
  const status = byId("status");
  status.textContent = t(key, LANG);
  status.dataset["state"] = state;
}

async function start(): Promise<void> {
  document.documentElement.lang = LANG;
  applyStrings(document, LANG);
  setStatus("staff.status.starting", "starting");
  try {
    const info = await appInfo();
    byId("version").textContent = info.version;
    setStatus("staff.status.ready", "ready");
    document.documentElement.dataset["appReady"] = "true";
  } catch (error) {
    console.error("app_info failed:", describeError(error));
    setStatus("staff.status.ipc_failed", "error");
  }
}

void start();
