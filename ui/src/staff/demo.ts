// The demo panel (only when the app runs its embedded demo): the test persona
// cards with what each shows and its published test PIN, and buttons that lay a
// card on the virtual reader or take it off. The list is read again after
// every press.

import type { DemoCard } from "../ipc/generated/DemoCard";
import { demoCards, demoPlace, demoRemove } from "../ipc";
import { button, el, facts, replaceKeeping } from "../render/dom";
import type { StaffContext } from "./context";

function card(ctx: StaffContext, c: DemoCard, press: (call: () => Promise<void>) => void): HTMLElement {
  return el(
    "article",
    { class: c.on_reader ? "demo-card on-reader" : "demo-card", test: "demo-card", "data-persona": c.id, "data-on-reader": String(c.on_reader) },
    el("h3", {}, c.name, c.on_reader && el("span", { class: "badge" }, ctx.t("staff.demo.on_reader"))),
    el("p", {}, ctx.lang === "ja" ? c.note_ja : c.note_en),
    facts([
      [ctx.t("staff.demo.pin"), el("span", { test: "demo-pin", "data-persona": c.id }, c.pin)],
      [ctx.t("staff.demo.enrolled"), ctx.t(c.enrolled ? "app.yes" : "app.no")],
    ]),
    button(ctx.t("staff.demo.place"), () => press(() => demoPlace(c.id)), {
      test: `demo-place-${c.id}`,
      "aria-label": `${ctx.t("staff.demo.place")}: ${c.name}`,
    }),
  );
}

/** The demo tab. */
export class DemoPanel {
  private cards: readonly DemoCard[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly ctx: StaffContext,
  ) {}

  /** Reads the cards and builds the panel. */
  async load(): Promise<void> {
    const cards = await this.ctx.refusals.run("demo-list", () => demoCards());
    if (cards !== undefined) this.cards = cards;
    this.render();
  }

  /** Builds the panel from the cards last read. */
  render(): void {
    const ctx = this.ctx;
    const press = (call: () => Promise<void>): void => {
      void this.ctx.refusals.run("demo", call).then(() => this.load());
    };
    replaceKeeping(
      this.root,
      [
        el("h2", {}, ctx.t("staff.tab.demo")),
        el("p", { class: "lead" }, ctx.t("staff.demo.hint")),
        el(
          "div",
          { class: "action-block" },
          el("div", { class: "actions" }, button(ctx.t("staff.demo.remove"), () => press(() => demoRemove()), { test: "demo-remove" })),
          ctx.refusals.slot("demo"),
        ),
        ctx.refusals.slot("demo-list"),
        el("div", { class: "demo-cards" }, ...this.cards.map((c) => card(ctx, c, press))),
      ],
      false,
    );
  }
}
