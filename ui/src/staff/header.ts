// The staff window's header: the counter's mode with the switch (set_mode; the
// counter refuses it unless idle, and its Message shows under the switch), the
// tabs (F1–F5), and the language toggle.

import type { CounterMode } from "../ipc/generated/CounterMode";
import { LANGS, type Lang, type StringKey, t } from "../i18n";
import { button, el, replaceKeeping } from "../render/dom";
import type { StaffContext } from "./context";
import { MODE, MODES } from "./labels";

/**
 * The staff window's tabs, in order (F1 is the first). The appointments tab
 * came last so that the older tabs keep their keys (the demo stays F5).
 */
export const TABS = ["counter", "journal", "close", "settings", "demo", "appointments"] as const;

/** A tab of the staff window. */
export type Tab = (typeof TABS)[number];

const TAB: Record<Tab, StringKey> = {
  counter: "staff.tab.counter",
  journal: "staff.tab.journal",
  close: "staff.tab.close",
  settings: "staff.tab.settings",
  demo: "staff.tab.demo",
  appointments: "staff.tab.appointments",
};

const LANG_NAME: Record<Lang, StringKey> = { ja: "app.lang.ja", en: "app.lang.en" };

/** What the header shows and what its controls do. */
export interface HeaderState {
  readonly mode: CounterMode | undefined;
  readonly tab: Tab;
  readonly tabs: readonly Tab[];
  readonly onTab: (tab: Tab) => void;
  readonly onLang: (lang: Lang) => void;
}

/** Renders the header's controls into `root` (#header-controls). */
export function renderHeader(root: HTMLElement, ctx: StaffContext, state: HeaderState): void {
  const modeLabel = el("span", { class: "mode-label", id: "mode-label" }, ctx.t("staff.mode.label"));
  const current = el(
    "strong",
    { class: "mode-current", test: "mode", "data-mode": state.mode ?? "" },
    state.mode === undefined ? "—" : ctx.t(MODE[state.mode]),
  );
  const switches = MODES.map((mode) =>
    ctx.actionButton(MODE[mode], { action: "set_mode", mode }, "set_mode", {
      "data-mode": mode,
      "aria-pressed": String(mode === state.mode),
    }),
  );
  const modeBlock = el(
    "div",
    { class: "mode-block" },
    el("div", { class: "mode-switch", role: "group", "aria-labelledby": "mode-label" }, modeLabel, current, ...switches),
    ctx.refusals.slot("set_mode"),
  );

  const tabs = el(
    "nav",
    { class: "tabs", "aria-label": ctx.t("staff.tabs") },
    ...state.tabs.map((tab) =>
      button(`${ctx.t(TAB[tab])} (F${TABS.indexOf(tab) + 1})`, () => state.onTab(tab), {
        test: `tab-${tab}`,
        "aria-pressed": String(tab === state.tab),
        "aria-keyshortcuts": `F${TABS.indexOf(tab) + 1}`,
      }),
    ),
  );

  const langs = el(
    "div",
    { class: "lang-toggle", role: "group", "aria-label": ctx.t("app.language") },
    ...LANGS.map((lang) =>
      button(t(LANG_NAME[lang], lang), () => state.onLang(lang), {
        lang,
        "data-lang": lang,
        "aria-pressed": String(lang === ctx.lang),
      }),
    ),
  );
  replaceKeeping(root, [modeBlock, tabs, langs], false);
}
