// What every staff renderer needs: the language, the app's facts, and a way to
// send an action whose refusal shows next to the control that sent it.

import type { AppInfo } from "../ipc/generated/AppInfo";
import type { StaffAction } from "../ipc/generated/StaffAction";
import { staffAction } from "../ipc";
import { type Lang, type StringKey, t } from "../i18n";
import { type Attrs, type Child, button, el } from "../render/dom";
import { Refusals } from "../render/refusal";

/** The staff window's state shared by its renderers. */
export class StaffContext {
  /** The staff window's language (Japanese; English on request). */
  lang: Lang = "ja";
  /** The app's facts, once known. */
  info: AppInfo | undefined;
  /** Where refusals are shown. */
  readonly refusals = new Refusals(() => this.lang);

  /** The string `key` in the window's language. */
  t(key: StringKey): string {
    return t(key, this.lang);
  }

  /** Sends `action`; a refusal lands in slot `slot` (by default the action's name). */
  async act(action: StaffAction, slot: string = action.action): Promise<boolean> {
    const done = await this.refusals.run(slot, () => staffAction(action).then(() => true));
    return done === true;
  }

  /** A button sending `action` (data-test `action-<name>`); a refusal lands in `slot`. */
  actionButton(label: StringKey, action: StaffAction, slot: string = action.action, attrs: Attrs = {}): HTMLButtonElement {
    return button(this.t(label), () => void this.act(action, slot), { test: `action-${action.action}`, ...attrs });
  }

  /** A row of buttons followed by the refusal slot they share. */
  actionRow(slot: string, ...buttons: (HTMLElement | false | null | undefined)[]): HTMLElement {
    return el("div", { class: "action-block" }, el("div", { class: "actions" }, ...buttons), this.refusals.slot(slot));
  }

  /**
   * A form whose submit (its button, or Enter in a field) sends the action
   * `build` makes from the fields; the refusal shows under the button.
   */
  actionForm<N extends StaffAction["action"]>(
    name: N,
    submit: StringKey,
    build: () => Extract<StaffAction, { action: N }> | undefined,
    ...children: Child[]
  ): HTMLFormElement {
    const form = el(
      "form",
      { class: "action-form", test: `form-${name}`, novalidate: true },
      ...children,
      el("div", { class: "action-block" },
        el("div", { class: "actions" }, el("button", { type: "submit", test: `action-${name}`, class: "primary" }, this.t(submit))),
        this.refusals.slot(name)),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const action = build();
      if (action !== undefined) void this.act(action, name);
    });
    return form;
  }
}
