// The enrollment on the customer's screen: the signature password (6–16
// characters, masked, cleared as soon as it is sent), the certificate's four
// attributes to confirm or reject (attributes.ts), the PIN, and at the end what
// is linked and what was not, with why.

import type { Attribute } from "../ipc/generated/Attribute";
import type { CustomerFrame } from "../ipc/generated/CustomerFrame";
import type { EnrollCustomerView } from "../ipc/session";
import type { EnrollStep } from "../ipc/generated/EnrollStep";
import type { RefusedLine } from "../ipc/generated/RefusedLine";
import type { StringKey } from "../i18n";
import { el, field } from "../render/dom";
import { refusedSection } from "../render/refused";
import { attributesBlock, serviceName } from "./attributes";
import type { CustomerContext } from "./context";
import type { PinKeypad } from "./keypad";
import { cancelRow, countdown, keepCard, nodes, pinStep, said, triesLeft } from "./session";

/** The signature password's length (docs/domain/jpki.md: 6 to 16 characters). */
const PASSWORD_MIN = 6;
const PASSWORD_MAX = 16;

const HEADING: Record<EnrollStep, StringKey> = {
  waiting_for_card: "customer.place_card.heading",
  reading_card: "customer.reading",
  password_entry: "customer.password.heading",
  confirm_password_last_try: "customer.last_try",
  reading_sign_certificate: "customer.reading",
  confirm_attributes: "customer.attributes.heading",
  confirm_last_try: "customer.last_try",
  pin_entry: "customer.pin.heading",
  requesting_challenge: "customer.checking",
  pin_pad: "customer.pin_pad.heading",
  signing: "customer.checking",
  signing_application: "customer.checking",
  enrolling: "customer.enrolling",
  enrolled: "customer.enrolled",
  failed: "customer.not_enrolled",
  cancelled: "customer.cancelled",
};

/** The steps that read the card (the customer must leave it there). */
const READING: readonly EnrollStep[] = [
  "reading_card",
  "reading_sign_certificate",
  "requesting_challenge",
  "signing",
  "signing_application",
  "enrolling",
];

/** The four attributes' names, as the customer reads them. */
const ATTRIBUTE: Record<Attribute, StringKey> = {
  name: "customer.attributes.name",
  address: "customer.attributes.address",
  birth_date: "customer.attributes.birth_date",
  sex: "customer.attributes.sex",
};

function passwordForm(ctx: CustomerContext): HTMLElement {
  const input = el("input", {
    type: "password",
    test: "password-entry",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    minlength: PASSWORD_MIN,
    maxlength: PASSWORD_MAX,
    class: "password",
  });
  const ok = el("button", { type: "submit", test: "action-password", class: "primary", disabled: true }, ctx.t("customer.password.ok"));
  const fits = (): boolean => input.value.length >= PASSWORD_MIN && input.value.length <= PASSWORD_MAX;
  input.addEventListener("input", () => {
    ok.disabled = !fits();
  });
  const form = el(
    "form",
    { class: "password-form", novalidate: true },
    field(ctx.t("customer.password.label"), input, ctx.t("customer.password.hint")),
    el("div", { class: "action-block" }, el("div", { class: "actions" }, ok), ctx.refusals.slot("password")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!fits()) return;
    const text = input.value;
    input.value = "";
    ok.disabled = true;
    void ctx.act({ action: "password", text }, "password");
  });
  return form;
}

/**
 * The links not made, each with its service, the counter's line (already fit for
 * the customer: why, and what to do) and, when the service's records differ in
 * one of the four attributes, which one.
 */
function refusedList(ctx: CustomerContext, refused: readonly RefusedLine[]): HTMLElement | undefined {
  return refusedSection(refused, {
    sectionClass: "refused",
    heading: el("h2", { id: "refused-heading" }, ctx.t("customer.refused.heading")),
    service: (line) => el("p", { class: "refused-service" }, serviceName(ctx, line.kind, line.service_id)),
    attribute: (attribute) => `${ctx.t("customer.refused.attribute")}: ${ctx.t(ATTRIBUTE[attribute])}`,
    lang: ctx.lang,
  });
}

/** The enroll screen. */
export function enrollScreen(ctx: CustomerContext, frame: CustomerFrame, view: EnrollCustomerView, keypad: PinKeypad): Node[] {
  const step = view.step;
  const over = step === "enrolled" || step === "failed" || step === "cancelled";
  const pin = step === "pin_entry" || step === "pin_pad";
  return nodes(
    el("h1", {}, ctx.t(HEADING[step])),
    said(ctx, view.code),
    step === "password_entry" && triesLeft(ctx, view.password_tries_left, "password-tries-left"),
    step === "password_entry" && passwordForm(ctx),
    step === "confirm_attributes" && el("p", { class: "lead" }, ctx.t("customer.attributes.hint")),
    step === "confirm_attributes" && view.attributes !== null && attributesBlock(ctx, view, view.attributes),
    pin && triesLeft(ctx, view.tries_left),
    pin && pinStep(ctx, keypad, frame.pin_pad || view.pin_pad || step === "pin_pad", step === "pin_pad"),
    READING.includes(step) && keepCard(ctx, frame.reader),
    countdown(ctx, view.seconds_left, view.time_warning, step === "pin_pad"),
    step === "enrolled" &&
      view.linked.length > 0 &&
      el("ul", { class: "menu", test: "menu" }, ...view.linked.map((m) => el("li", { "data-service-id": m.service_id }, m.label))),
    refusedList(ctx, view.refused),
    view.can_retry && view.pin_pad && ctx.actionRow("retry_pin", ctx.actionButton("customer.retry_pin", { action: "retry_pin" })),
    !over && cancelRow(ctx),
  );
}
