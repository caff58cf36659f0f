// Paying on the customer's screen: the amount, large, and the ways to pay the
// card is linked to (pay with the amount shown); then the payment under way and
// its outcome (a customer-safe Message).

import type { Message } from "../ipc/generated/Message";
import type { PaymentOption } from "../ipc/generated/PaymentOption";
import type { ReaderState } from "../ipc/generated/ReaderState";
import { button, el } from "../render/dom";
import { yen } from "../render/format";
import { messageBlock } from "../render/message";
import type { CustomerContext } from "./context";
import { cancelRow, keepCard, nodes } from "./session";

/** The pay screen. */
export function payScreen(ctx: CustomerContext, amount: number, options: readonly PaymentOption[]): Node[] {
  return nodes(
    el("h1", {}, ctx.t("customer.pay.heading")),
    el(
      "div",
      { class: "amount-box" },
      el("p", { class: "amount-label" }, ctx.t("customer.pay.amount")),
      el("p", { class: "amount", test: "pay-amount", "data-amount": amount }, yen(amount)),
    ),
    el("p", { class: "lead" }, ctx.t("customer.pay.choose")),
    ctx.actionRow(
      "pay",
      ...options.map((o) =>
        button(o.label, () => void ctx.act({ action: "pay", service_id: o.service_id, amount_jpy: amount }, "pay"), {
          test: "action-pay",
          "data-service-id": o.service_id,
          class: "big primary",
        }),
      ),
    ),
    cancelRow(ctx),
  );
}

/** The paying screen. */
export function payingScreen(ctx: CustomerContext, message: Message | null, reader: ReaderState): Node[] {
  if (message === null) {
    return nodes(el("h1", {}, ctx.t("customer.paying")), keepCard(ctx, reader));
  }
  return nodes(messageBlock(message, ctx.lang, { test: "paying-message", heading: "h1" }));
}
