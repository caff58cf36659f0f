// The enrollment as staff follow it: the services being linked, the step, the
// tries left of the PIN and of the signature password, what to tell the
// customer (and, for staff only, which attribute a refusal names), the last-try
// confirmation, and once it is over what is linked and what was refused.

import type { EnrollStaffView } from "../ipc/session";
import type { Message } from "../ipc/generated/Message";
import type { RefusedLine } from "../ipc/generated/RefusedLine";
import { el, facts } from "../render/dom";
import { codeBlock, messageBlock } from "../render/message";
import { refusedSection } from "../render/refused";
import type { StaffContext } from "./context";
import { menuList, padInUse, timeLeft } from "./identify";
import { ATTRIBUTE, ENROLL_STEP, SERVICE_KIND } from "./labels";

/**
 * The links the services did not confirm (not made), each with its service,
 * the code table's line (why, and what to do) and, for a mismatch, which of the
 * four attributes differs (never the service's value). After a partial success
 * as after a failure.
 */
function refusedBlock(ctx: StaffContext, refused: readonly RefusedLine[]): HTMLElement | undefined {
  return refusedSection(refused, {
    sectionClass: "panel refused",
    heading: el("h3", { id: "refused-heading" }, ctx.t("staff.enroll.refused")),
    service: (line) => el("strong", {}, `${ctx.t(SERVICE_KIND[line.kind])} (${line.service_id})`),
    attribute: (attribute) => `${ctx.t("staff.enroll.field")}: ${ctx.t(ATTRIBUTE[attribute])}`,
    lang: ctx.lang,
  });
}

/**
 * The enroll screen. `hold` is the counter's word that nothing may leave the
 * enrollment now (its application is sent and the platform's answer awaited):
 * the counter refuses Cancel and Finish then, so neither is offered, and the
 * hold's line says why and what to do.
 */
export function enrollScreen(ctx: StaffContext, view: EnrollStaffView, hold: Message | null = null): Node[] {
  const over = view.step === "enrolled" || view.step === "failed" || view.step === "cancelled";
  const out: (Node | undefined | false)[] = [
    el("h2", {}, ctx.t("staff.enroll.title")),
    el("p", { class: "step", test: "enroll-step", "data-step": view.step }, ctx.t(ENROLL_STEP[view.step])),
    view.needs_staff_confirmation && el("p", { class: "alert-box", test: "last-try" }, ctx.t("staff.identify.confirm_last_try")),
    padInUse(ctx, view.step),
    view.code !== null && codeBlock(view.code, ctx.lang, { test: "enroll-code" }),
    ctx.actionRow(
      "enroll",
      view.needs_staff_confirmation &&
        ctx.actionButton("staff.action.confirm_last_try", { action: "confirm_last_try" }, "enroll", { class: "primary" }),
      view.can_retry && ctx.actionButton("staff.action.start_again", { action: "start_again" }, "enroll"),
      hold === null &&
        (over
          ? ctx.actionButton("staff.action.finish", { action: "finish" }, "enroll", { class: "primary" })
          : ctx.actionButton("staff.action.cancel", { action: "cancel" }, "enroll", { "aria-keyshortcuts": "Escape" })),
    ),
    hold !== null && messageBlock(hold, ctx.lang, { test: "hold" }),
    // What the customer must be told comes before the facts.
    refusedBlock(ctx, view.refused),
    facts([
      [
        ctx.t("staff.enroll.services"),
        view.services.map((s) => `${ctx.t(SERVICE_KIND[s.kind])} (${s.service_id})`).join(", "),
      ],
      [ctx.t("staff.enroll.field"), view.field],
      [ctx.t("staff.identify.pin_pad"), ctx.t(view.pin_pad ? "app.yes" : "app.no")],
      [
        ctx.t("staff.identify.tries_left"),
        view.tries_left === null ? null : el("span", { test: "tries-left", "data-tries": view.tries_left }, String(view.tries_left)),
      ],
      [
        ctx.t("staff.enroll.password_tries_left"),
        view.password_tries_left === null
          ? null
          : el("span", { test: "password-tries-left", "data-tries": view.password_tries_left }, String(view.password_tries_left)),
      ],
      [ctx.t("staff.enroll.enrollment_id"), view.enrollment_id],
    ]),
    timeLeft(ctx, view.seconds_left, view.time_warning, view.step === "pin_pad"),
    menuList(ctx, view.linked),
  ];
  return out.filter((node): node is Node => node instanceof Node);
}
