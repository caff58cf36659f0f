// Actions and their refusals. Every button that asks the app for something
// goes through Refusals.run: a refused action (an ActionError) shows the
// counter's Message right next to the control that sent it, in a slot that
// survives the re-renders frames cause, until that control is used again or the
// screen changes. A refusal that comes back after the screen it was sent from has
// changed is dropped: its control is gone, and the slot of the same name on a later
// screen (maybe the next customer's) is another action's.

import type { Message } from "../ipc/generated/Message";
import { actionError, describeError } from "../ipc";
import { type Lang, t } from "../i18n";
import { el } from "./dom";
import { messageBlock } from "./message";

/** What a slot shows: the counter's refusal, or that the app could not be reached. */
type Refusal = { readonly kind: "refused"; readonly message: Message } | { readonly kind: "unreachable" };

/** The refusals of one window, by slot name. */
export class Refusals {
  private readonly shown = new Map<string, Refusal>();
  /**
   * How many times the screen holding each slot changed (`clearWithin`). Counted per
   * slot, not per window: the staff window's tabs (journal, settings, ...) keep their
   * slots while the counter's screen changes under them.
   */
  private readonly generations = new Map<string, number>();

  constructor(private readonly lang: () => Lang) {}

  /** The slot `name`, filled with its refusal if there is one. Place it after the slot's controls. */
  slot(name: string): HTMLElement {
    const element = el("div", { class: "refusal", "data-slot": name });
    this.fill(element, name);
    return element;
  }

  /**
   * Forgets the refusals shown under `root` (its screen changed), and those of its
   * actions still on their way: call it before the new screen replaces the old.
   */
  clearWithin(root: ParentNode): void {
    for (const element of root.querySelectorAll<HTMLElement>("[data-slot]")) {
      const name = element.dataset["slot"] ?? "";
      this.shown.delete(name);
      this.generations.set(name, this.generation(name) + 1);
      element.replaceChildren();
    }
  }

  /**
   * Calls `call`; a refusal lands in slot `name`, unless the screen the slot was
   * on changed meanwhile (then it is dropped, and logged). Resolves to the call's
   * value, or undefined when it was refused or failed.
   */
  async run<T>(name: string, call: () => Promise<T>): Promise<T | undefined> {
    this.set(name, undefined);
    const sent = this.generation(name);
    try {
      return await call();
    } catch (error) {
      const refused = actionError(error);
      if (refused === undefined) console.error(`${name} failed:`, describeError(error));
      if (this.generation(name) !== sent) {
        console.info(`${name}: its screen changed before the answer came; the refusal is not shown`);
        return undefined;
      }
      this.set(name, refused === undefined ? { kind: "unreachable" } : { kind: "refused", message: refused.message });
      return undefined;
    }
  }

  private generation(name: string): number {
    return this.generations.get(name) ?? 0;
  }

  private set(name: string, refusal: Refusal | undefined): void {
    if (refusal === undefined) this.shown.delete(name);
    else this.shown.set(name, refusal);
    for (const element of document.querySelectorAll<HTMLElement>("[data-slot]")) {
      if (element.dataset["slot"] === name) this.fill(element, name);
    }
  }

  private fill(element: HTMLElement, name: string): void {
    const refusal = this.shown.get(name);
    if (refusal === undefined) {
      element.replaceChildren();
      return;
    }
    const lang = this.lang();
    element.replaceChildren(
      refusal.kind === "refused"
        ? messageBlock(refusal.message, lang, { test: "action-error", role: "alert" })
        : el("div", { class: "message", test: "action-error", role: "alert", "data-code": "unreachable" },
            el("p", { class: "message-text" }, t("app.unreachable", lang))),
    );
  }
}
