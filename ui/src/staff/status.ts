// The status bar, always visible at the bottom of the staff window: the reader,
// the PIN pad, the backends, the re-check queue, the payments in doubt (and which of them
// staff must call the acquirer about), the charges the counter never showed (confirm or
// void each), the refunds held past the counter's recovery horizon (its days come with the
// status; record the acquirer's answer for each, after a confirm step saying what it
// means), the re-checks that contradict what a patient presented or were given up (confirm
// each; those whose details the retention purge removed say so), the folders the retention
// purge cannot list, whether the store writes, the last thing staff must know (the
// counter's Message), the customer window receiving no screens (the counter's line), and a
// card lying unread on another reader. It is a polite live region, rebuilt only when the
// status changed so that it is read out once.
//
// It keeps no status of its own: the staff window (main.ts) holds the latest frame and
// hands the bar a way to draw itself again from it.

import type { AcquirerSaid } from "../ipc/generated/AcquirerSaid";
import type { Contradiction } from "../ipc/generated/Contradiction";
import type { RefundRecord } from "../ipc/generated/RefundRecord";
import type { RecheckToConfirm } from "../ipc/generated/RecheckToConfirm";
import type { Status } from "../ipc/generated/Status";
import type { Lang, StringKey } from "../i18n";
import type { Message } from "../ipc/generated/Message";
import { button, el, replaceKeeping } from "../render/dom";
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
    { "data-check": r.check_id, "data-code": r.code, "data-purged": String(r.details_purged) },
    el("span", { class: "recheck" }, facts.join(" ")),
    ...(r.contradictions.length === 0
      ? []
      : [el("span", { class: "recheck-differs" }, ` (${r.contradictions.map((c) => differs(ctx, c)).join("; ")})`)]),
    // The retention purge kept only that it is to confirm: say what went.
    ...(r.details_purged ? [el("span", { class: "recheck-purged" }, ` ${ctx.t("staff.recheck.details_purged")}`)] : []),
    ctx.actionRow(
      slot,
      ctx.actionButton("staff.action.confirm_recheck", { action: "confirm_recheck", check_id: r.check_id }, slot, {
        "data-check-id": r.check_id,
      }),
    ),
  );
}

/** The held refund whose answer staff are about to record (the confirm step), if any. */
let heldOpen: { id: string; said: AcquirerSaid } | undefined;

const HELD_CHOICE: Record<AcquirerSaid, { label: StringKey; confirm: StringKey }> = {
  refunded: { label: "staff.held.refunded", confirm: "staff.held.refunded_confirm" },
  not_refunded: { label: "staff.held.not_refunded", confirm: "staff.held.not_refunded_confirm" },
};

/**
 * One held refund: its number, amount, day and sale, then the two answers staff may record
 * (what the acquirer told them). Either opens a confirm step that says in plain words what
 * it means; only its "record" button sends the action. `rerender` draws the bar again from
 * the window's latest status, never from the one captured when the buttons were drawn,
 * which a frame that arrived meanwhile (while "Record it" waited for its answer) may have
 * replaced.
 */
function heldItem(ctx: StaffContext, r: RefundRecord, rerender: () => void): HTMLElement {
  const slot = `held-${r.id}`;
  const attrs = { "data-refund-id": r.id };
  const open = heldOpen?.id === r.id ? heldOpen : undefined;
  const choose = (said: AcquirerSaid): HTMLButtonElement =>
    button(
      ctx.t(HELD_CHOICE[said].label),
      () => {
        heldOpen = open?.said === said ? undefined : { id: r.id, said };
        rerender();
      },
      { test: `held-${said}`, "aria-expanded": String(open?.said === said), ...attrs },
    );
  const confirm =
    open === undefined
      ? []
      : [
          el(
            "div",
            { class: "confirm", test: "held-confirm", "data-said": open.said, ...attrs },
            el("p", {}, ctx.t(HELD_CHOICE[open.said].confirm)),
            ctx.actionRow(
              slot,
              button(
                ctx.t("staff.held.record"),
                () =>
                  void ctx.act({ action: "settle_held_refund", refund_id: r.id, said: open.said }, slot).then((ok) => {
                    if (!ok) return;
                    heldOpen = undefined;
                    rerender();
                  }),
                { test: "action-settle_held_refund", class: "danger", ...attrs },
              ),
              button(
                ctx.t("staff.held.keep"),
                () => {
                  heldOpen = undefined;
                  rerender();
                },
                { test: "held-keep", ...attrs },
              ),
            ),
          ),
        ];
  return el(
    "li",
    { "data-refund": r.id },
    el("span", { class: "refund" }, `${r.id} ${yen(r.amount_jpy)} (${isoDate(r.business_date)}) ${ctx.t("staff.held.sale")} ${r.payment}`),
    el("div", { class: "actions" }, choose("refunded"), choose("not_refunded")),
    ...confirm,
  );
}

function backends(ok: boolean | null): { state: string; key: StringKey } {
  if (ok === null) return { state: "unknown", key: "staff.status.backends.unknown" };
  return ok ? { state: "ok", key: "staff.status.backends.ok" } : { state: "down", key: "staff.status.backends.down" };
}

/**
 * Renders the status bar into `root` (the footer): the app's state, then the counter's
 * `status` when known. `redraw` draws the bar again from the window's latest state (the
 * staff window's own status function): the held refunds' buttons call it once staff chose.
 */
export function renderStatus(root: HTMLElement, ctx: StaffContext, app: AppState, status: Status | undefined, redraw: () => void): void {
  if (heldOpen !== undefined && !(status?.held_refunds ?? []).some((r) => r.id === heldOpen?.id)) heldOpen = undefined;
  const key = JSON.stringify([ctx.lang, app, status ?? null, heldOpen ?? null]);
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
    // The customer window receives no screens (the app knows: it has not subscribed, its
    // page went, or it fell silent): customers see only a request to call staff, until it
    // connects again (empty data-code while it is connected).
    live.append(noticeLine("status-notice status-customer-window", "status-customer-window", status.customer_window_notice, ctx.lang));
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
    if (status.rechecks_purged_notice !== null) {
      // Some of them are listed without what they found (the retention purge removed it).
      live.append(noticeLine("status-notice status-rechecks-purged", "status-rechecks-purged", status.rechecks_purged_notice, ctx.lang));
    }
    if (status.purge_details_notice !== null) {
      // The retention purge could not purge the database: personal details are kept past
      // their period until a purge does.
      live.append(noticeLine("status-notice status-purge-details", "status-purge-details", status.purge_details_notice, ctx.lang));
    }
    if (status.purge_notice !== null) {
      // Folders the retention purge could not list or purge: their expired files stay until it can.
      live.append(noticeLine("status-notice status-purge", "status-purge", status.purge_notice, ctx.lang));
      live.append(
        el(
          "div",
          { class: "status-purge-failed" },
          el("span", { class: "status-label" }, ctx.t("staff.status.purge_failed")),
          el(
            "ul",
            { test: "status-purge-failed", "data-count": String(status.purge_failed.length) },
            ...status.purge_failed.map((folder) => el("li", {}, folder)),
          ),
        ),
      );
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
    if (status.held_refunds.length > 0) {
      // Outside the live region, as the sales above: the unresolved line is read out.
      // The horizon's days come from the counter, so the label cannot tell another age.
      const label = ctx.t("staff.status.held_refunds").replace("{days}", String(status.refund_horizon_days));
      extra.push(
        el(
          "div",
          { class: "status-held-refunds" },
          el("span", { class: "status-label", test: "status-held-refunds-label" }, label),
          el(
            "ul",
            { test: "status-held-refunds", "data-count": String(status.held_refunds.length) },
            ...status.held_refunds.map((r) => heldItem(ctx, r, redraw)),
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
