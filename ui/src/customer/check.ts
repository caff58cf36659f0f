// The eligibility check on the customer's screen: which insurance to use, the
// consent screens the site offers (docs/domain/eligibility.md §1.2 step 3: the blanket
// choice, each item, the 限度額 screen of old, the prescription format), then
// waiting, done, or "please ask staff".

import type { ConsentsOffered } from "../ipc/generated/ConsentsOffered";
import type { CustomerConsents } from "../ipc/generated/CustomerConsents";
import type { EligibilityCustomerView } from "../ipc/generated/EligibilityCustomerView";
import type { PrescriptionFormat } from "../ipc/generated/PrescriptionFormat";
import type { StringKey } from "../i18n";
import { button, el } from "../render/dom";
import { codeBlock } from "../render/message";
import type { CustomerContext } from "./context";
import { cancelRow, nodes } from "./session";

type Item = "medication" | "health_checks" | "treatment" | "surgery";

const ITEMS: readonly [Item, StringKey][] = [
  ["medication", "customer.consent.medication"],
  ["health_checks", "customer.consent.health_checks"],
  ["treatment", "customer.consent.treatment"],
  ["surgery", "customer.consent.surgery"],
];

function checkbox(ctx: CustomerContext, test: string, label: StringKey): HTMLElement {
  return el("label", { class: "choice" }, el("input", { type: "checkbox", test }), ctx.t(label));
}

function radio(ctx: CustomerContext, value: PrescriptionFormat, label: StringKey): HTMLElement {
  return el(
    "label",
    { class: "choice" },
    el("input", { type: "radio", name: "prescription", value, test: "consent-prescription", "data-key": value }),
    ctx.t(label),
  );
}

function isChecked(form: HTMLElement, test: string): boolean {
  return form.querySelector<HTMLInputElement>(`[data-test="${test}"]`)?.checked === true;
}

/** The consent form: one OK sends every answer (consent). */
function consentForm(ctx: CustomerContext, offered: ConsentsOffered): HTMLElement {
  const ok = el("button", { type: "submit", test: "action-consent", class: "primary" }, ctx.t("customer.consent.ok"));
  const form = el(
    "form",
    { class: "consents", novalidate: true },
    el("p", { class: "lead" }, ctx.t("customer.consent.hint")),
    offered.blanket && el("fieldset", {}, el("legend", {}, ctx.t("customer.consent.blanket_heading")), checkbox(ctx, "consent-blanket", "customer.consent.blanket")),
    el(
      "fieldset",
      { class: "consent-items" },
      el("legend", {}, ctx.t("customer.consent.items_heading")),
      ...ITEMS.filter(([item]) => offered[item]).map(([item, label]) => checkbox(ctx, `consent-${item}`, label)),
    ),
    offered.limit_certificate_screen && el("fieldset", {}, el("legend", {}, ctx.t("customer.consent.limit_heading")), checkbox(ctx, "consent-limit_certificate", "customer.consent.limit_certificate")),
    offered.prescription_format &&
      el(
        "fieldset",
        { role: "radiogroup" },
        el("legend", {}, ctx.t("customer.consent.prescription")),
        radio(ctx, "electronic", "app.prescription.electronic"),
        radio(ctx, "paper", "app.prescription.paper"),
      ),
    el("div", { class: "action-block" }, el("div", { class: "actions" }, ok), ctx.refusals.slot("consent")),
  );
  const chosenFormat = (): PrescriptionFormat | null => {
    const picked = form.querySelector<HTMLInputElement>('[data-test="consent-prescription"]:checked');
    return picked === null ? null : (picked.value as PrescriptionFormat);
  };
  const update = (): void => {
    // The blanket choice stands for every item: the single items are then moot.
    const blanket = isChecked(form, "consent-blanket");
    for (const box of form.querySelectorAll<HTMLInputElement>(".consent-items input")) box.disabled = blanket;
    ok.disabled = offered.prescription_format && chosenFormat() === null;
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const blanket = isChecked(form, "consent-blanket");
    const pick = (item: Item): boolean => offered[item] && (blanket || isChecked(form, `consent-${item}`));
    const consents: CustomerConsents = {
      blanket,
      medication: pick("medication"),
      health_checks: pick("health_checks"),
      treatment: pick("treatment"),
      surgery: pick("surgery"),
      limit_certificate: offered.limit_certificate_screen && isChecked(form, "consent-limit_certificate"),
      prescription: offered.prescription_format ? chosenFormat() : null,
    };
    void ctx.act({ action: "consent", consents }, "consent");
  });
  update();
  return form;
}

/** The check screen. */
export function checkScreen(ctx: CustomerContext, view: EligibilityCustomerView): Node[] {
  switch (view.screen) {
    case "choose_service":
      return nodes(
        el("h1", {}, ctx.t("customer.service.heading")),
        ctx.actionRow(
          "choose_service",
          ...view.services.map((s) =>
            button(s.label, () => void ctx.act({ action: "choose_service", service_id: s.service_id }, "choose_service"), {
              test: "action-choose_service",
              "data-service-id": s.service_id,
              class: "big",
            }),
          ),
        ),
        cancelRow(ctx),
      );
    case "consent":
      return nodes(el("h1", {}, ctx.t("customer.consent.heading")), consentForm(ctx, view.offered), cancelRow(ctx));
    case "wait":
      return nodes(el("h1", {}, ctx.t("customer.checking")), el("p", { class: "lead" }, ctx.t("customer.wait")));
    case "done":
      return nodes(el("h1", {}, ctx.t("customer.check_done")), el("p", { class: "lead" }, ctx.t("customer.check_done_detail")));
    case "ask_staff":
      return nodes(el("h1", {}, ctx.t("customer.ask_staff")), codeBlock(view.code, ctx.lang, { test: "customer-code" }));
    case "ended":
      return nodes(el("h1", {}, ctx.t("customer.thanks")));
  }
}
