// One visit: the reception check and its co-payment. Reception and pharmacy
// take the co-payment of a check of today (take_co_payment): on the check's
// result screen with the amount alone, on the ready screen with the check id
// (the visit number) and the amount. The sale, the journal and the receipt name
// the visit; the sale shows the check's summary beside the amount. Staff only:
// the customer window shows the amount, as for any sale.

import type { StringKey } from "../i18n";
import type { Visit } from "../ipc/generated/Visit";
import type { VisitResult } from "../ipc/generated/VisitResult";
import { el, field, valueOf } from "../render/dom";
import type { StaffContext } from "./context";

const RESULT: Record<VisitResult, StringKey> = {
  valid: "staff.visit.result.valid",
  invalid: "staff.visit.result.invalid",
  fallback: "staff.visit.result.fallback",
};

function amountInput(): HTMLInputElement {
  return el("input", {
    type: "number",
    test: "co-payment-amount",
    inputmode: "numeric",
    min: 1,
    max: 99_999_999,
    step: 1,
    required: true,
    autocomplete: "off",
    class: "amount-input",
  });
}

/**
 * The co-payment form: for check `checkId` (the result on screen), or with a
 * field for the visit number (the ready screen). The counter checks the amount
 * and the check (of today, with a result) and says what is wrong.
 */
export function coPaymentForm(ctx: StaffContext, checkId?: string): HTMLElement {
  const form: HTMLFormElement = ctx.actionForm(
    "take_co_payment",
    "staff.visit.take",
    () => {
      const amount = Number(valueOf(form, "co-payment-amount"));
      return {
        action: "take_co_payment",
        check_id: checkId ?? valueOf(form, "co-payment-check-id"),
        amount_jpy: Number.isSafeInteger(amount) ? amount : 0,
      };
    },
    checkId === undefined &&
      field(ctx.t("staff.visit.check_id"), el("input", { type: "text", test: "co-payment-check-id", autocomplete: "off" })),
    field(ctx.t("staff.visit.amount"), amountInput(), ctx.t("staff.visit.card_again")),
  );
  return el("section", { class: "panel", test: "co-payment", "data-check-id": checkId ?? null }, el("h3", {}, ctx.t("staff.visit.heading")), form);
}

/** The visit's summary as one line: result, 負担割合, insurer. */
export function visitSummary(ctx: StaffContext, visit: Visit): string {
  const ratio = visit.ratio_tenths === null ? null : ctx.lang === "ja" ? `${visit.ratio_tenths}割` : `${visit.ratio_tenths * 10}%`;
  const insurer = [visit.insurer_name, visit.insurer_number === null ? null : `(${visit.insurer_number})`]
    .filter((part): part is string => part !== null && part !== "")
    .join(" ");
  return [ctx.t(RESULT[visit.result]), ratio, insurer === "" ? null : insurer].filter((part) => part !== null).join(" · ");
}

/** The sale's visit, beside its amount (a headline item). */
export function visitHeadline(ctx: StaffContext, visit: Visit): HTMLElement {
  return el(
    "div",
    {
      class: "headline-item",
      test: "sale-visit",
      "data-check-id": visit.check_id,
      "data-result": visit.result,
      "data-tenths": visit.ratio_tenths,
    },
    el("span", { class: "headline-label" }, `${ctx.t("staff.visit.label")} ${visit.check_id}`),
    el("strong", { class: visit.result === "invalid" ? "headline-note bad" : "headline-note" }, visitSummary(ctx, visit)),
  );
}

/** The check's visit number, on the check screen. */
export function checkIdLine(ctx: StaffContext, checkId: string): HTMLElement {
  return el(
    "p",
    { class: "visit-id", test: "check-id", "data-check-id": checkId },
    el("span", { class: "status-label" }, `${ctx.t("staff.visit.label")}: `),
    checkId,
  );
}
