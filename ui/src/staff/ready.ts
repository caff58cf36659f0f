// The counter at rest. Reception and pharmacy wait for a card (or start an
// eligibility check without one, with the reason) and may name the patient they
// expect next, and take the co-payment of a visit checked today; the cashier
// types the amount
// of the next sale (new_sale). Enrollment can start from here in every mode.

import type { ClinicRecord } from "../ipc/generated/ClinicRecord";
import type { CounterMode } from "../ipc/generated/CounterMode";
import type { FallbackReason } from "../ipc/generated/FallbackReason";
import type { ReaderState } from "../ipc/generated/ReaderState";
import { el, field, select, valueOf } from "../render/dom";
import type { StaffContext } from "./context";
import { enrollForm } from "./enroll-form";
import { expectedPanel } from "./expected";
import { FALLBACK_REASON, FALLBACK_REASONS } from "./labels";
import { coPaymentForm } from "./visit";

/** The form that starts an eligibility check without the card (start_fallback). */
export function fallbackStarter(ctx: StaffContext, reason: FallbackReason = "card_unreadable"): HTMLElement {
  const form: HTMLFormElement = ctx.actionForm(
    "start_fallback",
    "staff.fallback.start",
    () => ({ action: "start_fallback", reason: valueOf(form, "fallback-reason") as FallbackReason }),
    field(
      ctx.t("staff.fallback.reason"),
      select(
        FALLBACK_REASONS.map((r) => [r, ctx.t(FALLBACK_REASON[r])] as const),
        reason,
        { test: "fallback-reason" },
      ),
    ),
  );
  return el("section", { class: "panel" }, el("h3", {}, ctx.t("staff.fallback.start_heading")), form);
}

function saleForm(ctx: StaffContext): HTMLElement {
  const form: HTMLFormElement = ctx.actionForm(
    "new_sale",
    "staff.sale.start",
    () => {
      const amount = Number(valueOf(form, "sale-amount"));
      const orderRef = valueOf(form, "sale-order-ref");
      // The counter checks the amount (1 to 99,999,999) and says what is wrong.
      return {
        action: "new_sale",
        amount_jpy: Number.isSafeInteger(amount) ? amount : 0,
        order_ref: orderRef === "" ? null : orderRef,
      };
    },
    field(
      ctx.t("staff.sale.amount"),
      el("input", {
        type: "number",
        test: "sale-amount",
        inputmode: "numeric",
        min: 1,
        max: 99_999_999,
        step: 1,
        required: true,
        autocomplete: "off",
        class: "amount-input",
      }),
    ),
    field(ctx.t("staff.sale.order_ref"), el("input", { type: "text", test: "sale-order-ref", autocomplete: "off" })),
  );
  return el("section", { class: "panel" }, el("h3", {}, ctx.t("staff.sale.new")), form);
}

/**
 * The ready screen for `mode`. A card already on the reader (left there from a
 * sale, or placed before the mode was switched) does not start a check by
 * itself: staff are told to have it taken off and placed again. Reception and
 * pharmacy may say which patient they expect next (`expected`: the one in force).
 */
export function readyScreen(ctx: StaffContext, mode: CounterMode, reader: ReaderState, expected: ClinicRecord | null): Node[] {
  if (mode === "cashier") {
    return [el("h2", {}, ctx.t("staff.ready.cashier")), saleForm(ctx), enrollForm(ctx)];
  }
  const cardThere = reader === "card";
  const out: (Node | undefined)[] = [
    el("h2", {}, ctx.t(cardThere ? "staff.ready.card_left" : "staff.ready.waiting")),
    el(
      "p",
      { class: "lead", test: "ready-hint", "data-card": String(cardThere) },
      ctx.t(cardThere ? "staff.ready.card_left_hint" : "staff.ready.hint"),
    ),
    expectedPanel(ctx, expected, true),
    coPaymentForm(ctx),
    fallbackStarter(ctx),
    enrollForm(ctx),
  ];
  return out.filter((node): node is Node => node !== undefined);
}
