// The customer window's main area: renders the customer screen of each frame by
// its tag into the customer-screen element, which carries the tag, the step and
// the frame's revision for the WebDriver tests. A change of screen or step
// forgets the PIN being typed; a frame that only moves the time left sets the
// countdown and leaves the screen (and the keypad) as it is.

import type { CustomerFrame } from "../ipc/generated/CustomerFrame";
import type { CustomerScreen } from "../ipc/generated/CustomerScreen";
import { retime, timedKey } from "../render/countdown";
import { el, replaceKeeping } from "../render/dom";
import { checkScreen } from "./check";
import type { CustomerContext } from "./context";
import { enrollScreen } from "./enroll";
import { identifyScreen } from "./identify";
import type { PinKeypad } from "./keypad";
import { payingScreen, payScreen } from "./pay";

/** The step a screen is at ("" when it has none). */
export function stepOf(screen: CustomerScreen): string {
  switch (screen.screen) {
    case "identify":
    case "enroll":
      return screen.view.step;
    case "check":
      return screen.view.screen;
    case "welcome":
    case "pay":
    case "paying":
      return "";
  }
}

function welcome(ctx: CustomerContext, frame: CustomerFrame): Node[] {
  if (frame.reader === "card") {
    return [el("h1", {}, ctx.t("customer.please_wait"))];
  }
  return [el("h1", {}, ctx.t("customer.place_card.heading")), el("p", { class: "lead" }, ctx.t("customer.place_card.detail"))];
}

function content(ctx: CustomerContext, frame: CustomerFrame, keypad: PinKeypad): Node[] {
  const screen = frame.customer;
  switch (screen.screen) {
    case "welcome":
      return welcome(ctx, frame);
    case "identify":
      return identifyScreen(ctx, frame, screen.view, keypad);
    case "check":
      return checkScreen(ctx, screen.view);
    case "pay":
      return payScreen(ctx, screen.amount_jpy, screen.options);
    case "paying":
      return payingScreen(ctx, screen.message, frame.reader);
    case "enroll":
      return enrollScreen(ctx, frame, screen.view, keypad);
  }
}

/** Renders `frame`'s customer screen into `root` (the customer-screen element). */
export function renderCustomer(root: HTMLElement, ctx: CustomerContext, frame: CustomerFrame, keypad: PinKeypad): void {
  root.dataset["revision"] = String(frame.revision);
  const { key, seconds } = timedKey([ctx.lang, frame.customer, frame.reader, frame.pin_pad]);
  // Only the time left moved: the keypad stays as it is (a tap is never lost to a rebuild).
  if (root.dataset["rendered"] === key && retime(root, seconds)) return;
  const step = stepOf(frame.customer);
  const samePhase = root.dataset["screen"] === frame.customer.screen && root.dataset["step"] === step;
  if (!samePhase) {
    keypad.reset();
    ctx.refusals.clearWithin(root);
  }
  root.dataset["rendered"] = key;
  root.dataset["screen"] = frame.customer.screen;
  root.dataset["step"] = step;
  replaceKeeping(root, content(ctx, frame, keypad), samePhase);
}
