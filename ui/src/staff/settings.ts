// The terminal's settings, read-only: they live in the configuration file
// (staff or the installer edit it; a change takes effect on the next start).

import type { TerminalSettings } from "../ipc/generated/TerminalSettings";
import { settings } from "../ipc";
import { el, facts } from "../render/dom";
import type { StaffContext } from "./context";
import { MODE } from "./labels";

function settingsList(ctx: StaffContext, s: TerminalSettings): HTMLElement {
  return facts(
    [
      [ctx.t("staff.settings.config_path"), s.config_path],
      [ctx.t("staff.settings.terminal_id"), s.terminal_id],
      [ctx.t("staff.settings.merchant_id"), s.merchant_id],
      [ctx.t("staff.settings.mode"), s.mode === null ? ctx.t("staff.settings.unset") : ctx.t(MODE[s.mode])],
      [ctx.t("staff.settings.reader"), s.reader ?? ctx.t("staff.settings.unset")],
      [ctx.t("staff.settings.platform_url"), s.platform_url],
      [ctx.t("staff.settings.platform_id"), s.platform_id],
      [ctx.t("staff.settings.insurer_url"), s.insurer_url],
      [ctx.t("staff.settings.acquirer_url"), s.acquirer_url],
      [ctx.t("staff.settings.export_dir"), s.export_dir ?? ctx.t("staff.settings.unset")],
      [ctx.t("staff.settings.medical_institution_code"), s.medical_institution_code ?? ctx.t("staff.settings.unset")],
      [ctx.t("staff.settings.shop_name"), s.shop_name ?? ctx.t("staff.settings.unset")],
      [ctx.t("staff.settings.database"), s.database],
      [ctx.t("staff.settings.folders_root"), s.folders_root ?? ctx.t("staff.settings.unset")],
      [ctx.t("staff.settings.pos_address"), s.pos_address ?? ctx.t("staff.settings.unset")],
    ],
    { test: "settings" },
  );
}

/** The settings tab: loads them each time it is shown. */
export async function renderSettings(root: HTMLElement, ctx: StaffContext): Promise<void> {
  root.replaceChildren(
    el("h2", {}, ctx.t("staff.tab.settings")),
    el("p", { class: "lead", test: "settings-note" }, ctx.t("staff.settings.note")),
    ctx.refusals.slot("settings"),
  );
  const loaded = await ctx.refusals.run("settings", () => settings());
  if (loaded !== undefined) root.append(settingsList(ctx, loaded));
}
