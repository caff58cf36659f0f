// The eligibility check as staff read it, in the counter's reading order:
// warnings above everything, then 負担割合 and 資格有効性 large and first, the
// step, whether the answer names the expected patient (and that patient, with
// the form while the check takes them), then the records (insurer, number, name, ...), the details, the fallback, and the
// staff's actions (those the view offers, and finish / cancel).

import type { ClinicRecord } from "../ipc/generated/ClinicRecord";
import type { EligibilityStaffView } from "../ipc/generated/EligibilityStaffView";
import type { Headline } from "../ipc/generated/Headline";
import type { PersonCheck } from "../ipc/generated/PersonCheck";
import type { RecordLine } from "../ipc/generated/RecordLine";
import type { StringKey } from "../i18n";
import { el } from "../render/dom";
import { codeBlock } from "../render/message";
import type { StaffContext } from "./context";
import { expectedPanel } from "./expected";
import { fallbackForm, fallbackLine } from "./fallback";
import { CHECK_STEP, EXPORT_STATE, FALLBACK_REASON, VALIDITY } from "./labels";
import { detailsBlock, ratioSource, ratioText, recordsBlock } from "./records";
import { checkIdLine, coPaymentForm } from "./visit";
import { warningsBlock } from "./warnings";

/** Who and which insurance the headline is about: the primary record's insurer, numbers and name. */
function primaryRecord(ctx: StaffContext, records: readonly RecordLine[]): HTMLElement | undefined {
  const line = records.find((r) => r.primary);
  if (line === undefined) return undefined;
  const r = line.record;
  const numbers = [r.symbol, r.number, r.branch].filter((part) => part !== null && part !== undefined && part !== "").join("・");
  return el(
    "div",
    { class: "headline-item headline-record", test: "headline-record", "data-index": line.index },
    el("span", { class: "headline-label" }, `${r.insurer_name} (${r.insurer_number})`),
    el("strong", { class: "headline-name" }, r.name),
    el("span", { class: "headline-note" }, `${ctx.t("staff.record.numbers")}: ${numbers}`),
  );
}

function headlineBlock(ctx: StaffContext, h: Headline, records: readonly RecordLine[]): HTMLElement {
  const validity = h.validity;
  const source = ratioSource(ctx, h.ratio);
  return el(
    "section",
    { class: "headline", test: "headline", "aria-label": ctx.t("staff.check.headline") },
    el(
      "div",
      { class: "headline-item" },
      el("span", { class: "headline-label" }, ctx.t("staff.record.ratio")),
      el(
        "strong",
        {
          class: "headline-value",
          test: "ratio",
          "data-kind": h.ratio.kind,
          "data-tenths": h.ratio.kind === "tenths" ? h.ratio.tenths : null,
        },
        ratioText(ctx, h.ratio),
      ),
      source !== undefined && el("span", { class: "headline-note" }, source),
    ),
    el(
      "div",
      { class: "headline-item" },
      el("span", { class: "headline-label" }, ctx.t("staff.check.validity")),
      el(
        "strong",
        {
          class: validity === null || validity.validity === "valid" || validity.validity === "valid_unregistered" ? "headline-value" : "headline-value bad",
          test: "validity",
          "data-validity": validity?.validity ?? "none",
        },
        validity === null
          ? "—"
          : validity.validity === "other"
            ? `${ctx.t(VALIDITY.other)} (${validity.raw})`
            : ctx.t(VALIDITY[validity.validity]),
      ),
    ),
    primaryRecord(ctx, records),
    codeBlock(h.code, ctx.lang, { test: "headline-code" }),
  );
}

const PERSON: Record<Exclude<PersonCheck, "not_compared" | "another_patient">, { key: StringKey; class: string }> = {
  pending: { key: "staff.person.pending", class: "person-line" },
  same: { key: "staff.person.same", class: "person-line good" },
  different: { key: "staff.person.different", class: "person-line bad" },
};

/**
 * Whether the answer was compared with the expected patient, and how it came
 * out. Not compared, or staff said it is another patient: the code table's line
 * (what happened, and what to do). Different: the person_mismatch warning above
 * says it first.
 */
function personLine(ctx: StaffContext, person: PersonCheck): HTMLElement {
  const label = el("span", { class: "status-label" }, `${ctx.t("staff.person.label")}: `);
  if (person === "not_compared" || person === "another_patient") {
    const code = person === "not_compared" ? "person_not_compared" : "another_patient";
    return el("div", { class: "person-check", test: "person-check", "data-person": person }, codeBlock(code, ctx.lang));
  }
  const line = PERSON[person];
  return el("p", { class: `person-check ${line.class}`, test: "person-check", "data-person": person }, label, ctx.t(line.key));
}

/**
 * The check screen; `expected` is the patient the receptionist expects
 * (frame.expected), `checkId` the check's (the visit's) id, `coPayment` whether
 * the counter takes the visit's co-payment now.
 */
export function eligibilityScreen(
  ctx: StaffContext,
  view: EligibilityStaffView,
  expected: ClinicRecord | null,
  checkId: string,
  coPayment: boolean,
): Node[] {
  const can = (action: EligibilityStaffView["actions"][number]): boolean => view.actions.includes(action);
  const step = view.step;
  const exportRow = el(
    "div",
    { class: "export" },
    el("span", { class: "status-label" }, ctx.t("staff.check.export")),
    el("span", { test: "export-state", "data-state": view.export }, ctx.t(EXPORT_STATE[view.export])),
  );
  const out: (Node | undefined | false)[] = [
    el("h2", {}, ctx.t("staff.check.heading")),
    warningsBlock(ctx, view.warnings, can("acknowledge_warnings")),
    view.headline !== null && headlineBlock(ctx, view.headline, view.records),
    el(
      "p",
      { class: "step", test: "check-step", "data-step": step.step },
      ctx.t(CHECK_STEP[step.step]),
      step.step === "needs_fallback" && ` — ${ctx.t(FALLBACK_REASON[step.reason])}`,
    ),
    personLine(ctx, view.person),
    checkIdLine(ctx, checkId),
    // The expected patient may be named or changed while the check takes them (the
    // counter says when: until the insurer answers, over the answer while no file was
    // written and nobody said it is another patient's, while a fallback is to be recorded).
    expectedPanel(ctx, expected, view.takes_expected),
    // The export matters once there is a result to write.
    (step.step === "result" || view.export !== "not_exported") && exportRow,
    // After a person mismatch the files wait for staff: they name the expected
    // patient's chart, so the button says that writing them confirms it is theirs;
    // beside it, the other answer: it is another patient (their check, no chart id;
    // the expected patient stays expected).
    (can("export") || can("confirm_another_patient")) &&
      ctx.actionRow(
        "export",
        can("export") &&
          ctx.actionButton(view.person === "different" ? "staff.action.export_confirmed" : "staff.action.export", {
            action: "export",
          }),
        can("confirm_another_patient") &&
          ctx.actionButton("staff.action.confirm_another_patient", { action: "confirm_another_patient" }, "export"),
      ),
    view.fallback !== null && fallbackLine(ctx, view.fallback),
    recordsBlock(ctx, view.records, can("choose_record")),
    detailsBlock(ctx, view.details),
    can("record_fallback") && fallbackForm(ctx),
    coPayment && coPaymentForm(ctx, checkId),
    ctx.actionRow(
      "check",
      ctx.actionButton("staff.action.finish", { action: "finish" }, "check", { class: "primary" }),
      ctx.actionButton("staff.action.cancel", { action: "cancel" }, "check", { "aria-keyshortcuts": "Escape" }),
    ),
  ];
  return out.filter((node): node is Node => node instanceof Node);
}
