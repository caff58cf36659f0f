// The cashier's sale (or a visit's co-payment): the amount and order (and the
// visit with its check's summary), then where it is — the customer
// identifying (the identification's staff view), choosing how to pay, paying,
// done (the sale as journaled, the counter's message, the customer's receipt)
// or failed (the message, start again).

import type { PaymentRecord } from "../ipc/generated/PaymentRecord";
import type { SaleView } from "../ipc/generated/SaleView";
import { el, facts } from "../render/dom";
import { yen } from "../render/format";
import { messageBlock } from "../render/message";
import type { StaffContext } from "./context";
import { identifyBody } from "./identify";
import { PAYMENT_STATE, SALE_STEP } from "./labels";
import { receiptBlock } from "./receipt";
import { visitHeadline } from "./visit";

/** A card as staff may see it: brand and last 4 digits only. */
export function maskedCard(record: Pick<PaymentRecord, "brand" | "last4">): string | null {
  if (record.last4 === null) return record.brand;
  return `${record.brand ?? ""} ****${record.last4}`.trim();
}

function recordFacts(ctx: StaffContext, r: PaymentRecord): HTMLElement {
  return facts([
    [ctx.t("staff.journal.state"), ctx.t(PAYMENT_STATE[r.state])],
    [ctx.t("staff.journal.amount"), yen(r.amount_jpy)],
    [ctx.t("staff.journal.approval"), r.approval_code],
    [ctx.t("staff.journal.slip"), r.slip_number === null ? null : String(r.slip_number)],
    [ctx.t("staff.journal.card"), maskedCard(r)],
    [ctx.t("staff.sale.order"), r.order_ref],
    [ctx.t("staff.visit.label"), r.visit_id],
    [ctx.t("staff.journal.sale_id"), r.id],
    [ctx.t("staff.journal.decline_reason"), r.decline_reason],
  ]);
}

/** The sale screen. */
export function saleScreen(ctx: StaffContext, view: SaleView): Node[] {
  const step = view.step;
  const state = step.step === "done" ? step.record.state : step.step;
  const out: (Node | false)[] = [
    el("h2", {}, ctx.t("staff.sale.heading")),
    el(
      "div",
      { class: "headline" },
      el(
        "div",
        { class: "headline-item" },
        el("span", { class: "headline-label" }, ctx.t("staff.journal.amount")),
        el("strong", { class: "headline-value", test: "sale-amount-shown" }, yen(view.amount_jpy)),
      ),
      view.order_ref !== null &&
        el(
          "div",
          { class: "headline-item" },
          el("span", { class: "headline-label" }, ctx.t("staff.sale.order")),
          el("strong", { class: "headline-note" }, view.order_ref),
        ),
      view.visit !== null && visitHeadline(ctx, view.visit),
    ),
    el("p", { class: "step", test: "sale-state", "data-step": step.step, "data-state": state }, ctx.t(SALE_STEP[step.step])),
  ];
  switch (step.step) {
    case "identifying":
      out.push(...identifyBody(ctx, step.view, true));
      break;
    case "choosing":
      out.push(
        el("ul", { class: "menu", test: "sale-options" }, ...step.options.map((o) => el("li", { "data-service-id": o.service_id }, o.label))),
        ctx.actionRow("sale", ctx.actionButton("staff.action.cancel", { action: "cancel" }, "sale", { "aria-keyshortcuts": "Escape" })),
      );
      break;
    case "paying":
      out.push(el("p", { class: "lead" }, ctx.t("staff.sale.paying_hint")));
      break;
    case "done":
      out.push(
        messageBlock(step.message, ctx.lang, { test: "sale-message" }),
        recordFacts(ctx, step.record),
        step.receipt !== null && receiptBlock(ctx, step.receipt),
        ctx.actionRow("sale", ctx.actionButton("staff.action.finish", { action: "finish" }, "sale", { class: "primary" })),
      );
      break;
    case "failed":
      out.push(
        messageBlock(step.message, ctx.lang, { test: "sale-message" }),
        ctx.actionRow(
          "sale",
          ctx.actionButton("staff.action.start_again", { action: "start_again" }, "sale", { class: "primary" }),
          ctx.actionButton("staff.action.finish", { action: "finish" }, "sale"),
        ),
      );
      break;
  }
  return out.filter((node): node is Node => node !== false);
}
