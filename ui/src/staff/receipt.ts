// A receipt on screen and on paper: the counter's labelled lines in print
// order, under which copy it is. Printing marks the one receipt and prints the
// page; the print stylesheet (styles/print.css) hides everything else.

import type { Receipt } from "../ipc/generated/Receipt";
import { button, el } from "../render/dom";
import type { StaffContext } from "./context";
import { RECEIPT_COPY, RECEIPT_KIND } from "./labels";

/** The class the print stylesheet prints alone. */
const TARGET = "print-target";

/** Prints `receipt` (an element made by receiptBlock) and nothing else. */
export function printReceipt(receipt: HTMLElement): void {
  for (const other of document.querySelectorAll(`.${TARGET}`)) other.classList.remove(TARGET);
  receipt.classList.add(TARGET);
  document.documentElement.classList.add("printing");
  const done = (): void => {
    receipt.classList.remove(TARGET);
    document.documentElement.classList.remove("printing");
  };
  window.addEventListener("afterprint", done, { once: true });
  window.print();
}

/** `receipt` as a printable block with its print button. */
export function receiptBlock(ctx: StaffContext, receipt: Receipt): HTMLElement {
  const title = `${ctx.t(RECEIPT_COPY[receipt.copy])} — ${ctx.t(RECEIPT_KIND[receipt.kind])}`;
  const lines = el("dl", { class: "receipt-lines" });
  for (const [label, value] of receipt.lines) {
    lines.append(el("div", { class: "receipt-line" }, el("dt", {}, label), el("dd", {}, value)));
  }
  const block = el(
    "section",
    {
      class: "receipt",
      test: "receipt",
      "data-copy": receipt.copy,
      "data-kind": receipt.kind,
      "data-reprint": String(receipt.reprint),
      "aria-label": title,
    },
    el("h4", {}, title, receipt.reprint && el("span", { class: "badge" }, ctx.t("staff.receipt.reprint"))),
    lines,
  );
  block.append(
    el(
      "div",
      { class: "actions no-print" },
      button(ctx.t("staff.receipt.print"), () => printReceipt(block), {
        test: "print-receipt",
        "data-copy": receipt.copy,
        "aria-label": `${ctx.t("staff.receipt.print")}: ${title}`,
      }),
    ),
  );
  return block;
}
