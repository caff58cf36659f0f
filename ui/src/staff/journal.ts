// The journal: the sales of a day (and a text: order ref, slip, last 4 digits,
// amount or visit number), newest first, a co-payment with its visit's check,
// and the day's visits (visits.ts), with the card masked to its last 4 digits; void and
// refund after a confirmation; the receipts (customer and merchant copies) to
// show and reprint.

import type { JournalEntry } from "../ipc/generated/JournalEntry";
import { journal } from "../ipc";
import { button, el, field, replaceKeeping, valueOf } from "../render/dom";
import { jstTime, todayJst, yen } from "../render/format";
import type { StaffContext } from "./context";
import { PAYMENT_STATE, REFUND_STATE } from "./labels";
import { receiptBlock } from "./receipt";
import { maskedCard } from "./sale";
import { visitSummary } from "./visit";
import { VisitsList } from "./visits";

/** What is open under a row. */
type Open = { readonly id: string; readonly what: "void" | "refund" | "receipts" } | undefined;

/** The journal tab. */
export class JournalPanel {
  private entries: readonly JournalEntry[] = [];
  private searched = false;
  private open: Open;
  private readonly list = document.createElement("div");
  private readonly visits: VisitsList;

  constructor(
    private readonly root: HTMLElement,
    private readonly ctx: StaffContext,
    /** Called once a visit's co-payment was taken from the visits list. */
    onCoPayment: () => void = () => undefined,
  ) {
    this.visits = new VisitsList(ctx, () => valueOf(this.root, "journal-date"), onCoPayment);
  }

  /** Builds the panel (the search form and the list). */
  render(): void {
    const form = el(
      "form",
      { class: "search", test: "journal-search", role: "search", novalidate: true },
      field(this.ctx.t("staff.journal.date"), el("input", { type: "date", test: "journal-date", value: todayJst() })),
      field(this.ctx.t("staff.journal.text"), el("input", { type: "search", test: "journal-text", autocomplete: "off" })),
      el("div", { class: "actions" }, el("button", { type: "submit", test: "journal-search-run" }, this.ctx.t("staff.journal.search"))),
      this.ctx.refusals.slot("journal"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.search();
    });
    this.list.className = "journal-list";
    this.renderList();
    replaceKeeping(this.root, [el("h2", {}, this.ctx.t("staff.tab.journal")), form, this.list, this.visits.section()], true);
  }

  /** Runs the search with the form's criteria. */
  async search(): Promise<void> {
    const date = valueOf(this.root, "journal-date");
    const text = valueOf(this.root, "journal-text");
    const found = await this.ctx.refusals.run("journal", () =>
      journal({ business_date: date === "" ? null : date, text: text === "" ? null : text }),
    );
    if (found === undefined) return;
    this.entries = found;
    this.searched = true;
    this.renderList();
  }

  /** Searches again when the list was shown (after a void, a refund or a recovery). */
  async refresh(): Promise<void> {
    if (this.searched) await this.search();
    await this.visits.refresh();
  }

  private toggle(id: string, what: "void" | "refund" | "receipts"): void {
    this.open = this.open?.id === id && this.open.what === what ? undefined : { id, what };
    this.renderList();
    // Opening a confirmation moves the focus into it; closing returns it to the row.
    const target = this.open === undefined ? `journal-${what}` : what === "receipts" ? "print-receipt" : `action-${what}`;
    for (const candidate of this.list.querySelectorAll<HTMLElement>(`[data-test="${target}"]`)) {
      if (target === "print-receipt" || candidate.dataset["key"] === id) {
        candidate.focus();
        break;
      }
    }
  }

  private renderList(): void {
    const ctx = this.ctx;
    if (!this.searched) {
      replaceKeeping(this.list, [], true);
      return;
    }
    if (this.entries.length === 0) {
      replaceKeeping(this.list, [el("p", { test: "journal-empty" }, ctx.t("staff.journal.empty"))], true);
      return;
    }
    const head = el(
      "tr",
      {},
      ...(
        ["staff.journal.time", "staff.journal.state", "staff.journal.amount", "staff.journal.refunded", "staff.journal.slip", "staff.journal.card", "staff.sale.order", "staff.visit.label", "staff.journal.actions"] as const
      ).map((key) => el("th", { scope: "col" }, ctx.t(key))),
    );
    const body = el("tbody", {});
    for (const entry of this.entries) {
      body.append(this.row(entry));
      if (this.open?.id === entry.sale.id) body.append(this.extra(entry, this.open.what));
    }
    replaceKeeping(this.list, [el("table", { class: "journal" }, el("thead", {}, head), body)], true);
  }

  private row(entry: JournalEntry): HTMLTableRowElement {
    const ctx = this.ctx;
    const s = entry.sale;
    const key = { "data-key": s.id, "data-sale-id": s.id };
    const canVoid = s.state === "authorised" || s.state === "captured";
    const canRefund = s.state === "captured" && s.refunded_jpy < s.captured_jpy;
    return el(
      "tr",
      { test: "journal-row", "data-sale-id": s.id, "data-state": s.state },
      el("td", {}, jstTime(s.created_at)),
      el("td", {}, ctx.t(PAYMENT_STATE[s.state])),
      el("td", { class: "number" }, yen(s.amount_jpy)),
      el("td", { class: "number" }, s.refunded_jpy === 0 ? "" : yen(s.refunded_jpy)),
      el("td", {}, s.slip_number === null ? "" : String(s.slip_number)),
      el("td", { test: "journal-card" }, maskedCard(s) ?? ""),
      el("td", {}, s.order_ref),
      el(
        "td",
        { test: "journal-visit", "data-check-id": s.visit_id, "data-result": entry.visit?.result ?? null },
        s.visit_id ?? "",
        entry.visit !== null && el("span", { class: "note" }, ` ${visitSummary(ctx, entry.visit)}`),
      ),
      el(
        "td",
        { class: "row-actions" },
        canVoid && button(ctx.t("staff.journal.void"), () => this.toggle(s.id, "void"), { test: "journal-void", ...key }),
        canRefund && button(ctx.t("staff.journal.refund"), () => this.toggle(s.id, "refund"), { test: "journal-refund", ...key }),
        entry.receipts.length > 0 &&
          button(ctx.t("staff.journal.receipts"), () => this.toggle(s.id, "receipts"), {
            test: "journal-receipts",
            "aria-expanded": String(this.open?.id === s.id && this.open.what === "receipts"),
            ...key,
          }),
      ),
    );
  }

  private extra(entry: JournalEntry, what: "void" | "refund" | "receipts"): HTMLTableRowElement {
    const ctx = this.ctx;
    const s = entry.sale;
    const slot = `journal-${s.id}`;
    const key = { "data-key": s.id, "data-sale-id": s.id };
    const cancel = button(ctx.t("staff.journal.keep"), () => this.toggle(s.id, what), { test: "journal-keep", ...key });
    const done = (ok: boolean): void => {
      if (!ok) return;
      this.open = undefined;
      void this.refresh();
    };
    let content: Node[];
    if (what === "void") {
      content = [
        el("p", { class: "confirm" }, `${ctx.t("staff.journal.void_confirm")} ${yen(s.amount_jpy)}`),
        ctx.actionRow(
          slot,
          button(ctx.t("staff.journal.void"), () => void ctx.act({ action: "void", sale_id: s.id }, slot).then(done), {
            test: "action-void",
            class: "danger",
            ...key,
          }),
          cancel,
        ),
      ];
    } else if (what === "refund") {
      const amount = el("input", {
        type: "number",
        test: "refund-amount",
        inputmode: "numeric",
        min: 1,
        max: s.captured_jpy - s.refunded_jpy,
        value: s.captured_jpy - s.refunded_jpy,
        ...key,
      });
      content = [
        el("p", { class: "confirm" }, ctx.t("staff.journal.refund_confirm")),
        field(ctx.t("staff.journal.refund_amount"), amount),
        ctx.actionRow(
          slot,
          button(
            ctx.t("staff.journal.refund"),
            () => {
              const n = Number(amount.value);
              void ctx.act({ action: "refund", sale_id: s.id, amount_jpy: Number.isSafeInteger(n) ? n : 0 }, slot).then(done);
            },
            { test: "action-refund", class: "danger", ...key },
          ),
          cancel,
        ),
      ];
    } else {
      content = [
        ...entry.refunds.map((r) =>
          el("p", { test: "journal-refund-line", "data-state": r.state }, `${ctx.t("staff.journal.refund")}: ${yen(r.amount_jpy)} — ${ctx.t(REFUND_STATE[r.state])}`),
        ),
        el("div", { class: "receipts" }, ...entry.receipts.map((r) => receiptBlock(ctx, r))),
      ];
    }
    return el("tr", { class: "journal-extra", test: `journal-${what}-panel`, "data-sale-id": s.id }, el("td", { colspan: 9 }, ...content));
  }
}
