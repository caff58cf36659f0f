// The form staff fill in before an enrollment: which services to link to the
// card placed next (start_enrollment). An insurance link carries the insurance
// identifiers as printed on the customer's documents; a payment link the
// acquirer's card-token reference (never a card number). In the demo the
// service ids are prefilled with the demo's insurer and acquirer.

import type { ServiceLink } from "../ipc/generated/ServiceLink";
import type { StringKey } from "../i18n";
import { el, field, valueOf } from "../render/dom";
import type { StaffContext } from "./context";

/** The demo's services (crates/counter-demo): one insurer, one acquirer. */
const DEMO_INSURER = "ins-kanto";
const DEMO_ACQUIRER = "acq-visa";

function input(ctx: StaffContext, label: StringKey, test: string, value = "", attrs: Record<string, string> = {}): HTMLElement {
  return field(ctx.t(label), el("input", { type: "text", test, value, autocomplete: "off", ...attrs }));
}

function checkbox(ctx: StaffContext, label: StringKey, test: string): HTMLElement {
  const box = el("input", { type: "checkbox", test, checked: true });
  return el("label", { class: "check" }, box, ctx.t(label));
}

function optional(value: string): string | null {
  return value === "" ? null : value;
}

function checked(root: ParentNode, test: string): boolean {
  return root.querySelector<HTMLInputElement>(`[data-test="${test}"]`)?.checked === true;
}

/** The enrollment form (collapsed until staff open it). */
export function enrollForm(ctx: StaffContext): HTMLElement {
  const demo = ctx.info?.demo === true;
  const form: HTMLFormElement = ctx.actionForm(
    "start_enrollment",
    "staff.enroll.start",
    () => {
      const services: ServiceLink[] = [];
      if (checked(form, "enroll-insurance")) {
        services.push({
          kind: "insurance",
          service_id: valueOf(form, "enroll-insurance-service"),
          insurer_number: valueOf(form, "enroll-insurer_number"),
          symbol: optional(valueOf(form, "enroll-symbol")),
          number: valueOf(form, "enroll-number"),
          branch: optional(valueOf(form, "enroll-branch")),
        });
      }
      if (checked(form, "enroll-payment")) {
        services.push({
          kind: "payment",
          service_id: valueOf(form, "enroll-payment-service"),
          card_token_ref: valueOf(form, "enroll-card_token_ref"),
          brand: optional(valueOf(form, "enroll-brand")),
          last4: optional(valueOf(form, "enroll-last4")),
        });
      }
      return { action: "start_enrollment", services };
    },
    el(
      "fieldset",
      {},
      el("legend", {}, checkbox(ctx, "staff.service.insurance", "enroll-insurance")),
      input(ctx, "staff.enroll.service_id", "enroll-insurance-service", demo ? DEMO_INSURER : ""),
      input(ctx, "staff.field.insurer_number", "enroll-insurer_number", "", { inputmode: "numeric", maxlength: "8" }),
      input(ctx, "staff.field.symbol", "enroll-symbol"),
      input(ctx, "staff.field.number", "enroll-number"),
      input(ctx, "staff.field.branch", "enroll-branch", "", { inputmode: "numeric", maxlength: "2" }),
    ),
    el(
      "fieldset",
      {},
      el("legend", {}, checkbox(ctx, "staff.service.payment", "enroll-payment")),
      input(ctx, "staff.enroll.service_id", "enroll-payment-service", demo ? DEMO_ACQUIRER : ""),
      input(ctx, "staff.enroll.card_token_ref", "enroll-card_token_ref"),
      input(ctx, "staff.enroll.brand", "enroll-brand"),
      input(ctx, "staff.enroll.last4", "enroll-last4", "", { inputmode: "numeric", maxlength: "4" }),
    ),
  );
  return el(
    "details",
    { class: "panel", test: "enroll-form" },
    el("summary", {}, ctx.t("staff.enroll.heading")),
    el("p", { class: "hint" }, ctx.t("staff.enroll.hint")),
    form,
  );
}
