// The daily close: the date (today in JST unless staff pick another), then the
// counter's report — per brand our totals beside the acquirer's, and whether
// they match — or its refusal (payments in doubt block the close).

import type { BrandTotals } from "../ipc/generated/BrandTotals";
import type { CloseReport } from "../ipc/generated/CloseReport";
import { closeDay } from "../ipc";
import { el, facts, field, replaceKeeping, valueOf } from "../render/dom";
import { todayJst, yen } from "../render/format";
import { codeBlock } from "../render/message";
import type { StaffContext } from "./context";

function totals(t: BrandTotals): string {
  return `${t.debit_count} / ${yen(t.debit_jpy)}`;
}

function reportBlock(ctx: StaffContext, report: CloseReport): HTMLElement {
  const head = el(
    "tr",
    {},
    ...(
      ["staff.close.brand", "staff.close.ours", "staff.close.theirs", "staff.close.refunds", "staff.close.cancelled", "staff.close.declined", "staff.close.matches"] as const
    ).map((key) => el("th", { scope: "col" }, ctx.t(key))),
  );
  const rows = report.lines.map((line) =>
    el(
      "tr",
      { test: "close-line", "data-brand": line.brand, "data-matches": String(line.matches) },
      el("th", { scope: "row" }, line.brand),
      el("td", {}, totals(line.journal)),
      el("td", {}, totals(line.acquirer)),
      el("td", {}, `${line.journal.credit_count} / ${yen(line.journal.credit_jpy)} · ${line.acquirer.credit_count} / ${yen(line.acquirer.credit_jpy)}`),
      el("td", {}, `${line.journal.cancelled_count} · ${line.acquirer.cancelled_count}`),
      el("td", {}, `${line.journal.declined_count} · ${line.acquirer.declined_count}`),
      el("td", { class: line.matches ? "" : "bad" }, ctx.t(line.matches ? "staff.close.match" : "staff.close.mismatch")),
    ),
  );
  return el(
    "section",
    { class: "panel", test: "close-report", "data-code": report.code, "data-date": report.date },
    codeBlock(report.code, ctx.lang, { test: "close-code" }),
    facts([
      [ctx.t("staff.close.date"), report.date],
      [ctx.t("staff.close.pending"), String(report.pending_authorisations)],
    ]),
    report.lines.length === 0
      ? el("p", {}, ctx.t("staff.close.no_lines"))
      : el("table", { class: "journal" }, el("caption", {}, ctx.t("staff.close.lines")), el("thead", {}, head), el("tbody", {}, ...rows)),
  );
}

/** The close tab. */
export class ClosePanel {
  private report: CloseReport | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly ctx: StaffContext,
  ) {}

  /** Builds the panel. */
  render(): void {
    const form = el(
      "form",
      { class: "search", test: "close-form", novalidate: true },
      field(this.ctx.t("staff.close.date"), el("input", { type: "date", test: "close-date", value: todayJst() })),
      el("div", { class: "actions" }, el("button", { type: "submit", test: "close-run" }, this.ctx.t("staff.close.run"))),
      this.ctx.refusals.slot("close"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.run();
    });
    replaceKeeping(
      this.root,
      [el("h2", {}, this.ctx.t("staff.tab.close")), form, this.report !== undefined && reportBlock(this.ctx, this.report)].filter(
        (n): n is HTMLElement => n instanceof HTMLElement,
      ),
      true,
    );
  }

  private async run(): Promise<void> {
    this.report = undefined;
    const date = valueOf(this.root, "close-date");
    this.report = await this.ctx.refusals.run("close", () => closeDay(date === "" ? todayJst() : date));
    this.render();
  }
}
