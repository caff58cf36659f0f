// The counter tab: renders the staff screen of each frame by its tag into the
// staff-screen element, which carries the tag, the step and the frame's
// revision for the WebDriver tests. The screen is rebuilt only when it changed
// (a frame that only moves the status bar leaves typed forms alone).

import type { StaffFrame } from "../ipc/generated/StaffFrame";
import type { StaffScreen } from "../ipc/generated/StaffScreen";
import { retime, timedKey } from "../render/countdown";
import { replaceKeeping } from "../render/dom";
import type { StaffContext } from "./context";
import { eligibilityScreen } from "./eligibility";
import { enrollScreen } from "./enroll";
import { EXPECTED_FIELDS, expectedPanel } from "./expected";
import { identifyScreen } from "./identify";
import { readyScreen } from "./ready";
import { saleScreen } from "./sale";

/** The step a screen is at ("" for ready). */
export function stepOf(screen: StaffScreen): string {
  switch (screen.screen) {
    case "ready":
      return "";
    case "identify":
    case "enroll":
      return screen.view.step;
    case "check":
    case "sale":
      return screen.view.step.step;
  }
}

function content(ctx: StaffContext, frame: StaffFrame): Node[] {
  const screen = frame.staff;
  switch (screen.screen) {
    case "ready":
      return readyScreen(ctx, frame.status.mode, frame.status.reader, frame.expected);
    case "identify":
      // The receptionist may name the expected patient while the customer enters the PIN.
      return identifyScreen(ctx, screen.view, frame.status.mode === "cashier" ? undefined : expectedPanel(ctx, frame.expected, true));
    case "check":
      return eligibilityScreen(ctx, screen.view, frame.expected, screen.check_id, screen.co_payment);
    case "sale":
      return saleScreen(ctx, screen.view);
    case "enroll":
      return enrollScreen(ctx, screen.view, frame.hold);
  }
}

/** Renders `frame`'s staff screen into `root` (the staff-screen element). */
export function renderCounter(root: HTMLElement, ctx: StaffContext, frame: StaffFrame): void {
  root.dataset["revision"] = String(frame.revision);
  // The ready screen also says whether a card was left on the reader; ready,
  // identify and check show the expected patient.
  const reader = frame.staff.screen === "ready" ? frame.status.reader : null;
  const { key, seconds } = timedKey([ctx.lang, ctx.info?.demo ?? false, frame.status.mode, reader, frame.expected, frame.staff, frame.hold]);
  // Only the customer's time left moved: Cancel and the forms stay as they are.
  if (root.dataset["rendered"] === key && retime(root, seconds)) return;
  const sameScreen = root.dataset["screen"] === frame.staff.screen;
  if (!sameScreen) ctx.refusals.clearWithin(root);
  root.dataset["rendered"] = key;
  root.dataset["screen"] = frame.staff.screen;
  root.dataset["step"] = stepOf(frame.staff);
  // A new screen drops what was typed, except the expected patient being typed
  // (the card placed meanwhile turns ready into identify, identify into check).
  replaceKeeping(root, content(ctx, frame), sameScreen || EXPECTED_FIELDS);
}
