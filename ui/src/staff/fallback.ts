// Eligibility without the card's answer: the form staff fill in from the
// document the patient presented (record_fallback; the counter validates it and
// names the field that is wrong), and the fallback on record.

import type { FallbackDocument } from "../ipc/generated/FallbackDocument";
import type { FallbackLine } from "../ipc/generated/FallbackLine";
import type { StringKey } from "../i18n";
import { el, facts, field, select, valueOf } from "../render/dom";
import { isoDate } from "../render/format";
import type { StaffContext } from "./context";
import { FALLBACK_DOCUMENT, FALLBACK_DOCUMENTS, FALLBACK_REASON, FIELD } from "./labels";

function text(ctx: StaffContext, label: StringKey, name: string, attrs: Record<string, string> = {}): HTMLElement {
  return field(ctx.t(label), el("input", { type: "text", test: `fallback-${name}`, autocomplete: "off", ...attrs }));
}

/** The fallback form (record_fallback). */
export function fallbackForm(ctx: StaffContext): HTMLElement {
  const form: HTMLFormElement = ctx.actionForm(
    "record_fallback",
    "staff.fallback.record",
    () => ({
      action: "record_fallback",
      form: {
        document: valueOf(form, "fallback-document") as FallbackDocument,
        insurer_number: valueOf(form, "fallback-insurer_number"),
        insurer_name: valueOf(form, "fallback-insurer_name"),
        symbol: valueOf(form, "fallback-symbol"),
        number: valueOf(form, "fallback-number"),
        branch: valueOf(form, "fallback-branch"),
        name: valueOf(form, "fallback-name"),
        birth_date: valueOf(form, "fallback-birth_date"),
        ratio_tenths: Number(valueOf(form, "fallback-ratio")),
      },
    }),
    field(
      ctx.t("staff.fallback.document"),
      select(
        FALLBACK_DOCUMENTS.map((d) => [d, ctx.t(FALLBACK_DOCUMENT[d])] as const),
        "eligibility_certificate",
        { test: "fallback-document" },
      ),
    ),
    text(ctx, FIELD.insurer_number, "insurer_number", { inputmode: "numeric" }),
    text(ctx, "staff.record.insurer_name", "insurer_name"),
    text(ctx, FIELD.symbol, "symbol"),
    text(ctx, FIELD.number, "number"),
    text(ctx, FIELD.branch, "branch", { inputmode: "numeric" }),
    text(ctx, FIELD.name, "name"),
    field(
      ctx.t(FIELD.birth_date),
      el("input", { type: "text", test: "fallback-birth_date", autocomplete: "off", placeholder: "YYYY-MM-DD" }),
      ctx.t("staff.fallback.birth_date_hint"),
    ),
    field(
      ctx.t("staff.record.ratio"),
      select(
        [1, 2, 3].map((n) => [String(n), ctx.lang === "ja" ? `${n}割` : `${n * 10}%`] as const),
        "3",
        { test: "fallback-ratio" },
      ),
    ),
  );
  return el(
    "section",
    { class: "panel", test: "fallback-form" },
    el("h3", {}, ctx.t("staff.fallback.form_heading")),
    form,
  );
}

/** The fallback on record. */
export function fallbackLine(ctx: StaffContext, line: FallbackLine): HTMLElement {
  const p = line.presented;
  return el(
    "section",
    { class: "panel", test: "fallback", "data-recheck": String(line.recheck_queued) },
    el("h3", {}, ctx.t("staff.fallback.on_record")),
    facts([
      [ctx.t("staff.fallback.reason"), ctx.t(FALLBACK_REASON[line.reason])],
      [ctx.t("staff.fallback.document"), ctx.t(FALLBACK_DOCUMENT[p.document])],
      [ctx.t(FIELD.insurer_number), p.insurer_number],
      [ctx.t("staff.record.insurer_name"), p.insurer_name],
      [ctx.t(FIELD.symbol), p.symbol],
      [ctx.t(FIELD.number), p.number],
      [ctx.t(FIELD.branch), p.branch],
      [ctx.t(FIELD.name), p.name],
      [ctx.t(FIELD.birth_date), isoDate(p.birth_date)],
      [ctx.t("staff.fallback.recheck"), ctx.t(line.recheck_queued ? "staff.fallback.recheck_queued" : "app.no")],
    ]),
  );
}
