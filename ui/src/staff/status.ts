// The status bar, always visible at the bottom of the staff window: the reader,
// the PIN pad, the backends, the re-check queue, the payments in doubt (and which of them
// staff must call the acquirer about), the charges the counter never showed (confirm or
// void each), the re-checks that contradict what a patient presented or were given up
// (confirm each), whether the store writes, the last thing staff must know (the counter's Message), whether
// the customer window is connected, and a card lying unread on another reader. It is a polite live region, rebuilt only when the
// status changed so that it is read out once.

import type { Contradiction } from "../ipc/generated/Contradiction";
import type { RecheckToConfirm } from "../ipc/generated/RecheckToConfirm";
import type { Status } from "../ipc/generated/Status";
import type { Lang, StringKey } from "../i18n";
import type { Message } from "../ipc/generated/Message";
import { el, replaceKeeping } from "../render/dom";
import { count, isoDate, jstTime, yen } from "../render/format";
import { messageBlock } from "../render/message";
import type { StaffContext } from "./context";
import { FIELD, READER } from "./labels";
import { ratioText } from "./records";

/** The app's own state, shown in #status (before and besides the counter's). */
export type AppState = "starting" | "ready" | "error";

const APP_STATE: Record<AppState, StringKey> = {
  starting: "staff.status.starting",
  ready: "staff.status.ready",
  error: "staff.status.ipc_failed",
};

function item(ctx: StaffContext, label: StringKey, test: string, state: string, text: string): HTMLElement {
  return el(
    "div",
    { class: "status-item" },
    el("span", { class: "status-label" }, ctx.t(label)),
    el("span", { class: "status-value", test, "data-state": state }, text),
  );
}

/** A notice line of the status bar: the message, or an empty line (empty data-code) when there is none. */
function noticeLine(cls: string, test: string, message: Message | null, lang: Lang): HTMLElement {
  return message === null
    ? el("div", { class: cls, test, "data-code": "" })
    : el("div", { class: cls, test, "data-code": message.code }, messageBlock(message, lang));
}

/** What a re-check found that differs from what the patient presented, in a few words. */
function differs(ctx: StaffContext, c: Contradiction): string {
  switch (c.kind) {
    case "validity":
      return `${ctx.t("staff.recheck.validity")} ${c.validity}`;
    case "ratio":
      return `${ctx.t("staff.field.ratio")} ${ratioText(ctx, { kind: "tenths", tenths: c.presented, source: "document" })} → ${ratioText(ctx, c.found)}`;
    case "person":
      return `${ctx.t("staff.recheck.person")}: ${c.fields.map((f) => ctx.t(FIELD[f])).join(", ")}`;
    case "insurer_error":
      return c.code === null ? ctx.t("staff.recheck.insurer_error") : `${ctx.t("staff.recheck.insurer_error")} ${c.code}`;
  }
}

/** One re-check to confirm: its check, patient id, visit day and what differs, then the confirm button. */
function recheckItem(ctx: StaffContext, r: RecheckToConfirm): HTMLElement {
  const slot = `recheck-${r.check_id}`;
  const facts = [
    r.check_id,
    r.patient_ref === null ? null : `${ctx.t("staff.recheck.patient")} ${r.patient_ref}`,
    r.visit_date === null ? null : `${ctx.t("staff.recheck.visit")} ${isoDate(r.visit_date)}`,
  ].filter((f): f is string => f !== null);
  return el(
    "li",
    { "data-check": r.check_id, "data-code": r.code },
    el("span", { class: "recheck" }, facts.join(" ")),
    ...(r.contradictions.length === 0
      ? []
      : [el("span", { class: "recheck-differs" }, ` (${r.contradictions.map((c) => differs(ctx, c)).join("; ")})`)]),
    ctx.actionRow(
      slot,
      ctx.actionButton("staff.action.confirm_recheck", { action: "confirm_recheck", check_id: r.check_id }, slot, {
        "data-check-id": r.check_id,
      }),
    ),
  );
}

function backends(ok: boolean | null): { state: string; key: StringKey } {
  if (ok === null) return { state: "unknown", key: "staff.status.backends.unknown" };
  return ok ? { state: "ok", key: "staff.status.backends.ok" } : { state: "down", key: "staff.status.backends.down" };
}

/** Renders the status bar into `root` (the footer): the app's state, then the counter's `status` when known. */
export function renderStatus(root: HTMLElement, ctx: StaffContext, app: AppState, status: Status | undefined): void {
  const key = JSON.stringify([ctx.lang, app, status ?? null]);
  if (root.dataset["rendered"] === key) return;
  root.dataset["rendered"] = key;

  const live = el(
    "div",
    { class: "status-items", role: "status", "aria-live": "polite" },
    el(
      "div",
      { class: "status-item" },
      el("span", { class: "status-label", id: "status-label" }, ctx.t("staff.status.label")),
      el("output", { id: "status", class: "status-value", "data-state": app, "aria-labelledby": "status-label" }, ctx.t(APP_STATE[app])),
    ),
  );
  const extra: HTMLElement[] = [];
  if (status !== undefined) {
    const b = backends(status.backends_ok);
    live.append(
      item(ctx, "staff.status.reader", "status-reader", status.reader, ctx.t(READER[status.reader])),
      item(
        ctx,
        "staff.status.pin_pad",
        "status-pin-pad",
        String(status.pin_pad),
        ctx.t(status.pin_pad ? "app.yes" : "app.no"),
      ),
      item(ctx, "staff.status.backends", "status-backends", b.state, ctx.t(b.key)),
      item(ctx, "staff.status.rechecks", "status-rechecks", String(status.pending_rechecks), count(status.pending_rechecks, ctx.lang)),
      item(ctx, "staff.status.doubt", "status-doubt", String(status.payments_in_doubt), count(status.payments_in_doubt, ctx.lang)),
      item(
        ctx,
        "staff.status.storage",
        "status-storage",
        status.storage_failed ? "failed" : "ok",
        ctx.t(status.storage_failed ? "staff.status.storage.failed" : "staff.status.storage.ok"),
      ),
    );
    live.append(noticeLine("status-notice", "status-notice", status.notice, ctx.lang));
    // The customer window receives no screens (the app knows: it has not subscribed, or its
    // page went): customers see only a request to call staff, until it connects again.
    live.append(
      status.customer_window_connected
        ? el("div", { class: "status-notice status-customer-window", test: "status-customer-window", "data-state": "connected" })
        : el(
            "div",
            { class: "status-notice status-customer-window", test: "status-customer-window", "data-state": "missing" },
            el(
              "div",
              { class: "message" },
              el("p", { class: "message-text" }, ctx.t("staff.status.customer_window.missing")),
              el("p", { class: "message-next" }, ctx.t("staff.status.customer_window.next")),
            ),
          ),
    );
    // A card on another watched reader, not read while this one holds the customer's:
    // what to do with it, until it is gone (empty data-code when there is none).
    live.append(noticeLine("status-notice status-other-card", "status-other-card", status.other_card, ctx.lang));
    if (status.unresolved_notice !== null) {
      // Sales that failed to resolve again and again: staff call the acquirer about each,
      // naming it (the counter keeps trying).
      live.append(noticeLine("status-notice status-unresolved", "status-unresolved", status.unresolved_notice, ctx.lang));
    }
    if (status.unshown_notice !== null) {
      // Sales of today that charged the card but whose outcome the counter never showed
      // (it stopped first): staff ask the customer, then confirm or void each (below).
      live.append(noticeLine("status-notice status-unshown", "status-unshown", status.unshown_notice, ctx.lang));
    }
    if (status.rechecks_notice !== null) {
      // Re-checks that contradict what a patient presented (the share charged may be wrong)
      // or were given up: listed (below) until staff confirm each.
      live.append(noticeLine("status-notice status-rechecks-notice", "status-rechecks-notice", status.rechecks_notice, ctx.lang));
    }
    if (status.in_doubt.length > 0) {
      // Which sales wait (new card sales and the daily close wait for them): the journal finds them by id.
      live.append(
        el(
          "div",
          { class: "status-in-doubt" },
          el("span", { class: "status-label" }, ctx.t("staff.status.in_doubt")),
          el(
            "ul",
            { test: "status-in-doubt", "data-count": String(status.in_doubt.length) },
            ...status.in_doubt.map((id) =>
              el("li", { "data-sale": id, "data-unresolved": String(status.unresolved.includes(id)) }, id),
            ),
          ),
        ),
      );
    }
    if (status.unshown.length > 0) {
      // Outside the live region: the line above is read out, the buttons are not.
      extra.push(
        el(
          "div",
          { class: "status-unshown-sales" },
          el("span", { class: "status-label" }, ctx.t("staff.status.unshown")),
          el(
            "ul",
            { test: "status-unshown-sales", "data-count": String(status.unshown.length) },
            ...status.unshown.map((sale) => {
              const slot = `unshown-${sale.id}`;
              const attrs = { "data-sale-id": sale.id };
              return el(
                "li",
                { "data-sale": sale.id },
                el("span", { class: "sale" }, `${sale.id} ${yen(sale.amount_jpy)} (${jstTime(sale.created_at)})`),
                ctx.actionRow(
                  slot,
                  ctx.actionButton("staff.action.confirm_card_sale", { action: "confirm_card_sale", sale_id: sale.id }, slot, attrs),
                  ctx.actionButton("staff.action.void_unshown", { action: "void", sale_id: sale.id }, slot, { ...attrs, class: "danger" }),
                ),
              );
            }),
          ),
        ),
      );
    }
    if (status.rechecks.length > 0) {
      // Outside the live region, as the sales above: the line is read out, the buttons are not.
      extra.push(
        el(
          "div",
          { class: "status-rechecks-to-confirm" },
          el("span", { class: "status-label" }, ctx.t("staff.status.rechecks_to_confirm")),
          el(
            "ul",
            { test: "status-rechecks-to-confirm", "data-count": String(status.rechecks.length) },
            ...status.rechecks.map((r) => recheckItem(ctx, r)),
          ),
        ),
      );
    }
    if (status.payments_in_doubt > 0) {
      extra.push(ctx.actionRow("recover", ctx.actionButton("staff.action.recover", { action: "recover" })));
    }
  }
  replaceKeeping(root, [live, ...extra], false);
}
