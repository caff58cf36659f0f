// The visits of a day in the journal tab: each reception check (its visit
// number, time, result) with the co-payments journaled with it, and for a check
// of today with a result, the form that takes its co-payment (take_co_payment:
// the patient then places the card and enters the PIN again on the counter tab).

import type { VisitEntry } from "../ipc/generated/VisitEntry";
import { visits } from "../ipc";
import { button, el, replaceKeeping } from "../render/dom";
import { jstTime, yen } from "../render/format";
import type { StaffContext } from "./context";
import { PAYMENT_STATE } from "./labels";
import { visitSummary } from "./visit";

/** The visits section of the journal tab. */
export class VisitsList {
  private entries: readonly VisitEntry[] = [];
  private loaded = false;
  private readonly list = document.createElement("div");

  constructor(
    private readonly ctx: StaffContext,
    /** The day to list (the journal's date field). */
    private readonly date: () => string,
    /** Called once the counter took a co-payment (the counter tab shows the sale). */
    private readonly onTaken: () => void,
  ) {}

  /** The section: its button and the list (kept across renders). */
  section(): HTMLElement {
    const ctx = this.ctx;
    this.renderList();
    return el(
      "section",
      { class: "panel", test: "visits" },
      el("h3", {}, ctx.t("staff.visits.heading")),
      ctx.actionRow("visits", button(ctx.t("staff.visits.load"), () => void this.load(), { test: "visits-load" })),
      this.list,
    );
  }

  /** Lists the visits of the journal's day. */
  async load(): Promise<void> {
    const found = await this.ctx.refusals.run("visits", () => visits(this.date()));
    if (found === undefined) return;
    this.entries = found;
    this.loaded = true;
    this.renderList();
  }

  /** Lists again when the list was shown. */
  async refresh(): Promise<void> {
    if (this.loaded) await this.load();
  }

  private renderList(): void {
    const ctx = this.ctx;
    if (!this.loaded) {
      replaceKeeping(this.list, [], true);
      return;
    }
    if (this.entries.length === 0) {
      replaceKeeping(this.list, [el("p", { test: "visits-empty" }, ctx.t("staff.visits.empty"))], true);
      return;
    }
    const head = el(
      "tr",
      {},
      ...(["staff.journal.time", "staff.visit.label", "staff.visits.result", "staff.visits.payments", "staff.journal.actions"] as const).map((key) =>
        el("th", { scope: "col" }, ctx.t(key)),
      ),
    );
    const body = el("tbody", {}, ...this.entries.map((entry) => this.row(entry)));
    replaceKeeping(this.list, [el("table", { class: "journal" }, el("thead", {}, head), body)], true);
  }

  private row(entry: VisitEntry): HTMLTableRowElement {
    const ctx = this.ctx;
    const slot = `visit-${entry.check_id}`;
    const key = { "data-check-id": entry.check_id };
    const payments = entry.payments.map((p) =>
      el("div", { test: "visit-payment", "data-sale-id": p.id, "data-state": p.state }, `${yen(p.amount_jpy)} ${ctx.t(PAYMENT_STATE[p.state])}`),
    );
    let action: Node | false = false;
    if (entry.co_payment) {
      const amount = el("input", {
        type: "number",
        test: "visit-co-payment-amount",
        inputmode: "numeric",
        min: 1,
        max: 99_999_999,
        step: 1,
        autocomplete: "off",
        class: "amount-input",
        "aria-label": `${ctx.t("staff.visit.amount")} ${entry.check_id}`,
        ...key,
      });
      const take = button(
        ctx.t("staff.visit.take"),
        () => {
          const n = Number(amount.value);
          const sent = { action: "take_co_payment", check_id: entry.check_id, amount_jpy: Number.isSafeInteger(n) ? n : 0 } as const;
          void ctx.act(sent, slot).then((ok) => {
            if (ok) this.onTaken();
          });
        },
        { test: "visit-take", class: "primary", ...key },
      );
      action = ctx.actionRow(slot, amount, take);
    }
    return el(
      "tr",
      { test: "visit-row", "data-result": entry.visit?.result ?? "none", "data-co-payment": String(entry.co_payment), ...key },
      el("td", {}, jstTime(entry.at)),
      el("td", {}, entry.check_id),
      el("td", {}, entry.visit === null ? ctx.t("staff.visits.no_result") : visitSummary(ctx, entry.visit)),
      el("td", {}, ...payments),
      el("td", { class: "row-actions" }, action),
    );
  }
}
