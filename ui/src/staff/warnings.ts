// The warnings of an eligibility result, shown above everything else: the
// counter's line for each (by code) and what exactly it is about. Staff read
// them and acknowledge them (acknowledge_warnings), which lifts the hold on the
// details.

import type { Warning } from "../ipc/generated/Warning";
import type { WarningLine } from "../ipc/generated/WarningLine";
import { el } from "../render/dom";
import { isoDate } from "../render/format";
import { codeBlock } from "../render/message";
import type { StaffContext } from "./context";
import { FIELD, KNOWN_SOURCE } from "./labels";

function recordNo(ctx: StaffContext, index: number): string {
  return `${ctx.t("staff.record.heading")} ${index + 1}`;
}

/** What exactly the warning is about, as a line of facts. */
function detail(ctx: StaffContext, w: Warning): string | undefined {
  const fields = (names: readonly (keyof typeof FIELD)[]): string => names.map((f) => ctx.t(FIELD[f])).join(", ");
  switch (w.kind) {
    case "person_mismatch":
      return `${ctx.t(KNOWN_SOURCE[w.source])}: ${fields(w.fields)}`;
    case "no_qualification":
    case "invalid":
      return undefined;
    case "new_qualification":
    case "qualification_starts_today":
      return recordNo(ctx, w.record);
    case "multiple_matches":
      return `${ctx.t("staff.warning.count")}: ${w.count}`;
    case "unknown_validity":
      return `${ctx.t("staff.warning.raw")}: ${w.raw}`;
    case "name_characters":
      return [
        recordNo(ctx, w.record),
        ctx.t(FIELD[w.field]),
        `${ctx.t("staff.warning.substituted")}: ${w.substituted}`,
        w.outside_jis === "" ? "" : `${ctx.t("staff.warning.outside_jis")}: ${w.outside_jis}`,
      ]
        .filter((part) => part !== "")
        .join(" / ");
    case "card_expiring_soon":
      return `${recordNo(ctx, w.record)} / ${ctx.t("staff.warning.expires")}: ${isoDate(w.expires)} (${ctx.t("staff.warning.days_left")}: ${w.days_left})`;
    case "insurance_changed":
      return fields(w.fields);
    case "insurer_message":
      return `${ctx.t("staff.warning.insurer_message")} [${w.status}${w.code === null ? "" : ` ${w.code}`}] ${w.message}`;
  }
}

/** The warnings block, or nothing when there are none. */
export function warningsBlock(ctx: StaffContext, lines: readonly WarningLine[], canAcknowledge: boolean): HTMLElement | undefined {
  if (lines.length === 0) return undefined;
  return el(
    "section",
    { class: "warnings", test: "warnings", "aria-labelledby": "warnings-heading" },
    el("h3", { id: "warnings-heading" }, ctx.t("staff.warning.heading")),
    el(
      "ul",
      {},
      ...lines.map((line) => {
        const text = detail(ctx, line.warning);
        return el(
          "li",
          { class: "warning", test: "warning", "data-code": line.code, "data-kind": line.warning.kind },
          codeBlock(line.code, ctx.lang),
          text !== undefined && el("p", { class: "warning-detail" }, text),
          line.blocks_details && el("p", { class: "hint" }, ctx.t("staff.warning.blocks_details")),
        );
      }),
    ),
    canAcknowledge &&
      ctx.actionRow(
        "acknowledge_warnings",
        ctx.actionButton("staff.action.acknowledge_warnings", { action: "acknowledge_warnings" }, "acknowledge_warnings", {
          class: "primary",
        }),
      ),
  );
}
