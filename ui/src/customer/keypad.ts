// The PIN keypad on the customer's screen (when the reader has no PIN pad of its
// own): digits 0–9, backspace and OK, the entry shown only as ●, OK enabled at
// exactly 4 digits (the auth PIN's length, docs/domain/jpki.md), the physical keyboard's
// digits too. On OK the digits go to the app and the local copy is cleared at
// once; they never reach the DOM.

import type { StringKey } from "../i18n";
import { button, el } from "../render/dom";
import type { CustomerContext } from "./context";

/** The auth PIN's length: exactly 4 digits (docs/domain/jpki.md). */
export const PIN_LENGTH = 4;

/** The keypad's order, as on a phone: 1–9, then backspace, 0, OK. */
const ROWS = [
  ["1", "2", "3"],
  ["4", "5", "6"],
  ["7", "8", "9"],
] as const;

/** The PIN being typed, and the keypad showing it. */
export class PinKeypad {
  private digits = "";
  private entry: HTMLElement | undefined;
  private ok: HTMLButtonElement | undefined;

  constructor(private readonly ctx: CustomerContext) {}

  /** How many digits are typed (never the digits). */
  get length(): number {
    return this.digits.length;
  }

  /** Forgets the digits (the step changed). */
  reset(): void {
    this.digits = "";
    this.update();
  }

  /** Adds `digit` unless 4 are typed already. */
  press(digit: string): void {
    if (!/^[0-9]$/.test(digit) || this.digits.length >= PIN_LENGTH) return;
    this.digits += digit;
    this.update();
  }

  /** Removes the last digit. */
  back(): void {
    this.digits = this.digits.slice(0, -1);
    this.update();
  }

  /** Sends the 4 digits and clears them before the app answers. */
  submit(): void {
    if (this.digits.length !== PIN_LENGTH) return;
    const digits = this.digits;
    this.digits = "";
    this.update();
    void this.ctx.act({ action: "pin", digits }, "pin");
  }

  /** Handles a key of the physical keyboard; true when it was the keypad's. */
  onKey(event: KeyboardEvent): boolean {
    if (/^[0-9]$/.test(event.key)) this.press(event.key);
    else if (event.key === "Backspace") this.back();
    else if (event.key === "Enter") this.submit();
    else return false;
    return true;
  }

  /** The keypad, built for the current language. */
  element(): HTMLElement {
    const t = (key: StringKey): string => this.ctx.t(key);
    const key = (digit: string): HTMLButtonElement =>
      button(digit, () => this.press(digit), { class: "key", test: `key-${digit}`, "data-key": digit });
    this.entry = el("div", { class: "pin-entry", test: "pin-entry", role: "img" });
    this.ok = button(t("customer.pin.ok"), () => this.submit(), { class: "key key-ok primary", test: "key-ok" });
    const grid = el(
      "div",
      { class: "keypad", role: "group", "aria-label": t("customer.pin.keypad") },
      ...ROWS.flatMap((row) => row.map(key)),
      button("⌫", () => this.back(), { class: "key", test: "key-back", "aria-label": t("customer.pin.back") }),
      key("0"),
      this.ok,
    );
    this.update();
    return el("div", { class: "pin" }, this.entry, grid, this.ctx.refusals.slot("pin"));
  }

  private update(): void {
    if (this.entry !== undefined) {
      const typed = "●".repeat(this.digits.length) + "○".repeat(PIN_LENGTH - this.digits.length);
      this.entry.textContent = typed;
      this.entry.dataset["length"] = String(this.digits.length);
      this.entry.setAttribute("aria-label", `${this.ctx.t("customer.pin.entered")}: ${this.digits.length} / ${PIN_LENGTH}`);
    }
    if (this.ok !== undefined) this.ok.disabled = this.digits.length !== PIN_LENGTH;
  }
}
