// The identification as staff follow it: the step, the PIN's tries left, the
// customer's time, what to tell the customer, and the staff's part — confirm the
// last try with the customer, start again, cancel. Also shown inside a sale.

import type { IdentifyStaffView } from "../ipc/session";
import type { MenuLine } from "../ipc/generated/MenuLine";
import type { Notice } from "../ipc/generated/Notice";
import { secondsSpan } from "../render/countdown";
import { el, facts } from "../render/dom";
import { jstTime, yen } from "../render/format";
import { codeBlock, codeLine } from "../render/message";
import type { StaffContext } from "./context";
import { enrollForm } from "./enroll-form";
import { IDENTIFY_STEP, PURPOSE, SERVICE_KIND } from "./labels";
import { fallbackStarter } from "./ready";

/** What exactly a notice is about: when and why the certificate was revoked, or why it could not be checked. */
function noticeDetail(n: Notice): string {
  switch (n.code) {
    case "sign_certificate_revoked":
      return `${jstTime(n.revoked_at)} (${n.reason})`;
    case "sign_certificate_unchecked":
      return n.detail;
  }
}

function notice(ctx: StaffContext, n: Notice): HTMLElement {
  return el(
    "li",
    { class: "notice", test: "identify-notice", "data-code": n.code },
    el("strong", {}, codeLine(n.code, ctx.lang)),
    ` ${noticeDetail(n)}`,
  );
}

/** The linked services of a card (labels only), or nothing when there are none. */
export function menuList(ctx: StaffContext, menu: readonly MenuLine[]): HTMLElement | undefined {
  if (menu.length === 0) return undefined;
  return el(
    "section",
    { class: "panel" },
    el("h3", {}, ctx.t("staff.identify.menu")),
    el(
      "ul",
      { class: "menu", test: "menu" },
      ...menu.map((line) =>
        el("li", { "data-service-id": line.service_id }, `${ctx.t(SERVICE_KIND[line.kind])}: ${line.label}`),
      ),
    ),
  );
}

/**
 * The customer's time at this step, when a limit runs (on the reader's pad,
 * `pad`, the pad's own time), counted down by the page between frames.
 */
export function timeLeft(ctx: StaffContext, seconds: number | null, warning: boolean, pad = false): HTMLElement | undefined {
  if (seconds === null) return undefined;
  return el(
    "p",
    { class: warning ? "time-left warning" : "time-left", test: "seconds-left", "data-seconds": seconds },
    `${ctx.t(pad ? "staff.identify.pad_seconds_left" : "staff.identify.seconds_left")}: `,
    secondsSpan(seconds),
    ctx.t("app.seconds"),
    warning && ` — ${ctx.t("staff.identify.time_warning")}`,
  );
}

/**
 * "PIN pad in use", while the reader's pad waits for the customer's digits: the
 * staff's Cancel (below it) abandons the wait; the table's line says how the
 * pad itself is stopped.
 */
export function padInUse(ctx: StaffContext, step: string): HTMLElement | undefined {
  if (step !== "pin_pad") return undefined;
  return el("p", { class: "status-box", test: "pin-pad-in-use" }, ctx.t("staff.identify.pin_pad_in_use"));
}

/**
 * The identification's body: facts, what to say, and the staff's buttons;
 * `expected` (the expected-patient panel, outside a sale) right under them, so
 * that the receptionist can type it while the customer enters the PIN.
 */
export function identifyBody(ctx: StaffContext, view: IdentifyStaffView, inSale: boolean, expected?: HTMLElement): Node[] {
  const out: (Node | undefined)[] = [
    el("p", { class: "step", test: "identify-step", "data-step": view.step }, ctx.t(IDENTIFY_STEP[view.step])),
  ];
  if (view.needs_staff_confirmation) {
    out.push(el("p", { class: "alert-box", test: "last-try" }, ctx.t("staff.identify.confirm_last_try")));
  }
  out.push(padInUse(ctx, view.step));
  if (view.code !== null) out.push(codeBlock(view.code, ctx.lang, { test: "identify-code" }));
  // The staff's buttons right under what they answer (the last try above all).
  out.push(
    ctx.actionRow(
      "identify",
      view.needs_staff_confirmation && ctx.actionButton("staff.action.confirm_last_try", { action: "confirm_last_try" }, "identify", { class: "primary" }),
      view.can_retry && ctx.actionButton("staff.action.start_again", { action: "start_again" }, "identify"),
      ctx.actionButton("staff.action.cancel", { action: "cancel" }, "identify", { "aria-keyshortcuts": "Escape" }),
    ),
  );
  if (view.notices.length > 0) out.push(el("ul", { class: "notices" }, ...view.notices.map((n) => notice(ctx, n))));
  out.push(
    expected,
    facts([
      [ctx.t("staff.identify.purpose"), ctx.t(PURPOSE[view.purpose])],
      [ctx.t("staff.identify.amount"), view.payment === null ? null : yen(view.payment.amount_jpy)],
      [ctx.t("staff.identify.merchant"), view.payment?.merchant_id],
      [ctx.t("staff.identify.pin_pad"), ctx.t(view.pin_pad ? "app.yes" : "app.no")],
      [
        ctx.t("staff.identify.tries_left"),
        view.tries_left === null ? null : el("span", { test: "tries-left", "data-tries": view.tries_left }, String(view.tries_left)),
      ],
      [ctx.t("staff.identify.identification_id"), view.identification_id],
    ]),
    timeLeft(ctx, view.seconds_left, view.time_warning, view.step === "pin_pad"),
    menuList(ctx, view.menu),
  );
  // After a failed identification the check can go on with a document, or the card be enrolled.
  if (!inSale && (view.step === "failed" || view.step === "cancelled")) {
    out.push(fallbackStarter(ctx), enrollForm(ctx));
  }
  return out.filter((node): node is Node => node !== undefined);
}

/** The identify screen, with the expected-patient panel when the mode has one. */
export function identifyScreen(ctx: StaffContext, view: IdentifyStaffView, expected?: HTMLElement): Node[] {
  return [el("h2", {}, ctx.t("staff.identify.heading")), ...identifyBody(ctx, view, false, expected)];
}
