// What every customer renderer needs: the language the customer chose, and a
// way to send an action whose refusal (the counter's Message, already fit for
// customers) shows next to the control that sent it.

import type { CustomerAction } from "../ipc/generated/CustomerAction";
import { customerAction } from "../ipc";
import { type Lang, type StringKey, t } from "../i18n";
import { type Attrs, button, el } from "../render/dom";
import { Refusals } from "../render/refusal";

/** The customer window's state shared by its renderers. */
export class CustomerContext {
  /** Japanese until the customer picks English. */
  lang: Lang = "ja";
  /** Where refusals are shown. */
  readonly refusals = new Refusals(() => this.lang);

  /** The string `key` in the customer's language. */
  t(key: StringKey): string {
    return t(key, this.lang);
  }

  /**
   * Sends `action`; a refusal lands in slot `slot`. A PIN or password in it is
   * the caller's last copy: the caller has already cleared its own field.
   */
  async act(action: CustomerAction, slot: string = action.action): Promise<boolean> {
    const done = await this.refusals.run(slot, () => customerAction(action).then(() => true));
    return done === true;
  }

  /** A button sending `action` (data-test `action-<name>`). */
  actionButton(label: StringKey, action: CustomerAction, slot: string = action.action, attrs: Attrs = {}): HTMLButtonElement {
    return button(this.t(label), () => void this.act(action, slot), { test: `action-${action.action}`, ...attrs });
  }

  /** A row of buttons followed by the refusal slot they share. */
  actionRow(slot: string, ...buttons: (HTMLElement | false | null | undefined)[]): HTMLElement {
    return el("div", { class: "action-block" }, el("div", { class: "actions" }, ...buttons), this.refusals.slot(slot));
  }
}
