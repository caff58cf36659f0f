// @vitest-environment jsdom
// Refusals: shown next to the control that sent the action, and never on a later
// screen (maybe the next customer's) when they come back after their screen changed.

import { afterEach, describe, expect, it, vi } from "vitest";

import type { ActionError } from "../ipc/generated/ActionError";
import { message } from "../test/fixtures";
import { el } from "./dom";
import { Refusals } from "./refusal";

/** An action the test answers by hand. */
function pending(): { call: () => Promise<void>; refuse: (error: ActionError) => void } {
  let refuse: (error: ActionError) => void = () => undefined;
  const promise = new Promise<void>((_, reject) => {
    refuse = reject;
  });
  return { call: () => promise, refuse };
}

/** The code shown in the slot `name` of `root` ("" when the slot is empty). */
function shown(root: ParentNode, name: string): string {
  const slot = root.querySelector<HTMLElement>(`[data-slot="${name}"]`);
  if (slot === null) throw new Error(`no slot ${name}`);
  return slot.querySelector<HTMLElement>("[data-code]")?.dataset["code"] ?? "";
}

const refused: ActionError = { message: message("not_now") };

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe("a window's refusals", () => {
  it("shows a refusal in the slot of the screen that sent it", async () => {
    const refusals = new Refusals(() => "en");
    const root = el("div", {}, refusals.slot("pin"));
    document.body.append(root);
    const action = pending();
    const done = refusals.run("pin", action.call);
    action.refuse(refused);
    expect(await done).toBeUndefined();
    expect(shown(root, "pin")).toBe("not_now");
  });

  it("drops a refusal that comes back after its screen changed, even to a slot of the same name", async () => {
    vi.spyOn(console, "info").mockImplementation(() => undefined);
    const refusals = new Refusals(() => "en");
    const root = el("div", {}, refusals.slot("pin"));
    document.body.append(root);
    const action = pending();
    const done = refusals.run("pin", action.call);
    // The screen changes (the next customer's PIN entry) before the answer comes.
    refusals.clearWithin(root);
    root.replaceChildren(refusals.slot("pin"));
    action.refuse(refused);
    expect(await done).toBeUndefined();
    expect(shown(root, "pin")).toBe("");
    // Nor does it show the next time a screen has that slot.
    root.replaceChildren(refusals.slot("pin"));
    expect(shown(root, "pin")).toBe("");
    // An action sent from the new screen has its refusal shown.
    const again = pending();
    const second = refusals.run("pin", again.call);
    again.refuse(refused);
    await second;
    expect(shown(root, "pin")).toBe("not_now");
  });

  it("keeps the refusals of slots outside the screen that changed (another tab's)", async () => {
    const refusals = new Refusals(() => "en");
    const counter = el("div", {}, refusals.slot("pin"));
    const journal = el("div", {}, refusals.slot("journal"));
    document.body.append(counter, journal);
    const action = pending();
    const done = refusals.run("journal", action.call);
    refusals.clearWithin(counter);
    action.refuse(refused);
    await done;
    expect(shown(journal, "journal")).toBe("not_now");
  });
});
