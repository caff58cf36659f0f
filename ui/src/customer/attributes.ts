// The certificate's four attributes on the customer's screen, to confirm or
// reject. When the services to link check their records against them
// (disclosure_needed), the customer is told plainly that the platform sends the
// four details to each service named, and chooses: right and agreed, right but
// not to be sent (the counter then ends the enrollment), or not right.

import type { EnrollCustomerView } from "../ipc/session";
import type { ServiceKind } from "../ipc/generated/ServiceKind";
import type { SignAttributes } from "../ipc/generated/SignAttributes";
import type { StringKey } from "../i18n";
import { button, el, facts } from "../render/dom";
import { isoDate } from "../render/format";
import type { CustomerContext } from "./context";

const SEX: Record<SignAttributes["sex"], StringKey> = {
  male: "app.sex.male",
  female: "app.sex.female",
  not_known: "app.sex.not_known",
};

/** The kinds of service, as the customer reads them. */
export const SERVICE_KIND: Record<ServiceKind, StringKey> = {
  insurance: "customer.service.insurance",
  payment: "customer.service.payment",
  platform: "customer.service.platform",
};

/** A service as the customer reads it: its kind, then the platform's id for it. */
export function serviceName(ctx: CustomerContext, kind: ServiceKind, serviceId: string): string {
  return `${ctx.t(SERVICE_KIND[kind])}（${serviceId}）`;
}

/** What is sent to whom, and why; the choices follow it. */
function disclosure(ctx: CustomerContext, services: EnrollCustomerView["services"]): HTMLElement {
  return el(
    "section",
    { class: "disclosure", test: "disclosure", "aria-labelledby": "disclosure-heading" },
    el("h2", { id: "disclosure-heading" }, ctx.t("customer.disclosure.heading")),
    el("p", {}, ctx.t("customer.disclosure.text")),
    el(
      "ul",
      { class: "disclosure-services" },
      ...services.map((s) => el("li", { "data-service-id": s.service_id, "data-kind": s.kind }, serviceName(ctx, s.kind, s.service_id))),
    ),
    el("p", { class: "hint" }, ctx.t("customer.disclosure.hint")),
  );
}

function confirm(ctx: CustomerContext, label: StringKey, consent: boolean, primary: boolean): HTMLButtonElement {
  return button(ctx.t(label), () => void ctx.act({ action: "confirm_attributes", disclosure_consent: consent }, "attributes"), {
    test: "action-confirm_attributes",
    "data-consent": String(consent),
    class: primary ? "primary" : undefined,
  });
}

/** The four attributes and the customer's answer (the disclosure with them when it is asked). */
export function attributesBlock(ctx: CustomerContext, view: EnrollCustomerView, a: SignAttributes): HTMLElement {
  const ask = view.disclosure_needed;
  return el(
    "div",
    { class: "attributes", test: "attributes" },
    facts([
      [ctx.t("customer.attributes.name"), a.name],
      [ctx.t("customer.attributes.address"), a.address],
      [ctx.t("customer.attributes.birth_date"), isoDate(a.birth_date)],
      [ctx.t("customer.attributes.sex"), ctx.t(SEX[a.sex])],
    ]),
    ask && disclosure(ctx, view.services),
    ctx.actionRow(
      "attributes",
      ask ? confirm(ctx, "customer.attributes.confirm_agree", true, true) : confirm(ctx, "customer.attributes.confirm", false, true),
      ask && confirm(ctx, "customer.attributes.confirm_decline", false, false),
      button(ctx.t("customer.attributes.reject"), () => void ctx.act({ action: "reject_attributes" }, "attributes"), {
        test: "action-reject_attributes",
      }),
    ),
  );
}
