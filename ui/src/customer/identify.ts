// The identification on the customer's screen: what to do at each step, the
// amount of a payment before the PIN, the PIN keypad (unless the reader has its
// own pad), the tries left, the time left, and what went wrong when it did.

import type { CustomerFrame } from "../ipc/generated/CustomerFrame";
import type { IdentifyCustomerView } from "../ipc/session";
import type { IdentifyStep } from "../ipc/generated/IdentifyStep";
import type { StringKey } from "../i18n";
import { el } from "../render/dom";
import { yen } from "../render/format";
import type { CustomerContext } from "./context";
import type { PinKeypad } from "./keypad";
import { cancelRow, countdown, keepCard, nodes, pinStep, said, triesLeft } from "./session";

const HEADING: Record<IdentifyStep, StringKey> = {
  waiting_for_card: "customer.place_card.heading",
  reading_card: "customer.reading",
  confirm_last_try: "customer.last_try",
  pin_entry: "customer.pin.heading",
  requesting_challenge: "customer.checking",
  pin_pad: "customer.pin_pad.heading",
  signing: "customer.checking",
  verifying: "customer.checking",
  identified: "customer.identified",
  failed: "customer.not_identified",
  cancelled: "customer.cancelled",
};

/** Whether the card is being read now (the customer must leave it there). */
function reading(step: IdentifyStep): boolean {
  return ["reading_card", "requesting_challenge", "signing", "verifying"].includes(step);
}

/** The identify screen. */
export function identifyScreen(ctx: CustomerContext, frame: CustomerFrame, view: IdentifyCustomerView, keypad: PinKeypad): Node[] {
  const readerPad = frame.pin_pad || view.pin_pad || view.step === "pin_pad";
  const over = view.step === "identified" || view.step === "failed" || view.step === "cancelled";
  return nodes(
    el("h1", {}, ctx.t(HEADING[view.step])),
    view.payment !== null &&
      el(
        "div",
        { class: "amount-box" },
        el("p", { class: "amount-label" }, ctx.t("customer.pay.amount")),
        el("p", { class: "amount", test: "identify-amount" }, yen(view.payment.amount_jpy)),
      ),
    said(ctx, view.code),
    (view.step === "pin_entry" || view.step === "pin_pad") && triesLeft(ctx, view.tries_left),
    (view.step === "pin_entry" || view.step === "pin_pad") && pinStep(ctx, keypad, readerPad, view.step === "pin_pad"),
    reading(view.step) && keepCard(ctx, frame.reader),
    countdown(ctx, view.seconds_left, view.time_warning, view.step === "pin_pad"),
    view.step === "identified" &&
      view.menu.length > 0 &&
      el("ul", { class: "menu", test: "menu" }, ...view.menu.map((m) => el("li", { "data-service-id": m.service_id }, m.label))),
    view.can_retry && view.pin_pad && ctx.actionRow("retry_pin", ctx.actionButton("customer.retry_pin", { action: "retry_pin" })),
    !over && cancelRow(ctx),
  );
}
