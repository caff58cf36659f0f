// Actions and their refusals. Every button that asks the app for something
// goes through Refusals.run: a refused action (an ActionError) shows the
// counter's Message right next to the control that sent it, in a slot that
// survives the re-renders frames cause, until that control is used again or the
// screen changes.

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

  constructor(private readonly lang: () => Lang) {}

  /** The slot `name`, filled with its refusal if there is one. Place it after the slot's controls. */
  slot(name: string): HTMLElement {
    const element = el("div", { class: "refusal", "data-slot": name });
    this.fill(element, name);
    return element;
  }

  /** Forgets the refusals shown under `root` (its screen changed). */
  clearWithin(root: ParentNode): void {
    for (const element of root.querySelectorAll<HTMLElement>("[data-slot]")) {
      this.shown.delete(element.dataset["slot"] ?? "");
      element.replaceChildren();
    }
  }

  /**
   * Calls `call`; a refusal lands in slot `name`. Resolves to the call's value,
   * or undefined when it was refused or failed.
   */
  async run<T>(name: string, call: () => Promise<T>): Promise<T | undefined> {
    this.set(name, undefined);
    try {
      return await call();
    } catch (error) {
      const refused = actionError(error);
      if (refused === undefined) console.error(`${name} failed:`, describeError(error));
      this.set(name, refused === undefined ? { kind: "unreachable" } : { kind: "refused", message: refused.message });
      return undefined;
    }
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
