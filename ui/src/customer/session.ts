// What identification and enrollment show alike on the customer's screen: the
// time left with "I need more time", "keep the card on the reader", the tries
// left, the PIN step (keypad, or the reader's own pad), and Cancel.

import type { Code } from "../ipc/generated/Code";
import type { ReaderState } from "../ipc/generated/ReaderState";
import { el } from "../render/dom";
import { secondsSpan } from "../render/countdown";
import { codeBlock } from "../render/message";
import type { CustomerContext } from "./context";
import type { PinKeypad } from "./keypad";

/**
 * The time left at this step, counted down by the page between frames, and the
 * offer of more when it runs out. On the reader's pad (`pad`) it is the pad's
 * time, which nobody can extend.
 */
export function countdown(ctx: CustomerContext, seconds: number | null, warning: boolean, pad = false): HTMLElement | undefined {
  if (seconds === null) return undefined;
  return el(
    "div",
    { class: warning ? "countdown warning" : "countdown" },
    el(
      "p",
      { test: "seconds-left", "data-seconds": seconds },
      `${ctx.t(pad ? "customer.pin_pad.time_left" : "customer.time_left")}: `,
      secondsSpan(seconds),
      ctx.t("app.seconds"),
    ),
    warning && ctx.actionRow("extend_time", ctx.actionButton("customer.extend_time", { action: "extend_time" })),
  );
}

/** "Keep the card on the reader", while a card lies there and is being read. */
export function keepCard(ctx: CustomerContext, reader: ReaderState): HTMLElement | undefined {
  if (reader !== "card") return undefined;
  return el("p", { class: "keep-card", test: "keep-card" }, ctx.t("customer.keep_card"));
}

/** The tries the PIN (or password) has left, when known. */
export function triesLeft(ctx: CustomerContext, tries: number | null, test = "tries-left"): HTMLElement | undefined {
  if (tries === null) return undefined;
  return el("p", { class: tries <= 1 ? "tries warning" : "tries", test, "data-tries": tries }, `${ctx.t("customer.tries_left")}: ${tries}`);
}

/** What the counter tells the customer (already fit for customers). */
export function said(ctx: CustomerContext, code: Code | null): HTMLElement | undefined {
  return code === null ? undefined : codeBlock(code, ctx.lang, { test: "customer-code" });
}

/**
 * The PIN step: the keypad, or where to type it when the reader has a pad of its
 * own (then no keypad at all: the PIN never passes through this window). `armed`:
 * the pad is waiting for the digits now.
 */
export function pinStep(ctx: CustomerContext, keypad: PinKeypad, readerPad: boolean, armed = false): HTMLElement {
  if (readerPad) {
    return el(
      "div",
      { class: "reader-pad", test: "use-pin-pad", "data-armed": String(armed) },
      el("p", { class: "lead" }, ctx.t("customer.pin.use_reader_pad")),
      armed && el("p", {}, ctx.t("customer.pin_pad.detail")),
    );
  }
  return keypad.element();
}

/** Cancel, for the customer. */
export function cancelRow(ctx: CustomerContext): HTMLElement {
  return ctx.actionRow("cancel", ctx.actionButton("customer.cancel", { action: "cancel" }, "cancel", { "aria-keyshortcuts": "Escape" }));
}

/** Keeps the defined nodes. */
export function nodes(...items: (Node | undefined | false | null)[]): Node[] {
  return items.filter((n): n is Node => n instanceof Node);
}
