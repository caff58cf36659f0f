// Runs axe-core on the document as rendered in jsdom and fails on serious or
// critical violations. jsdom does no layout, so the rules that need it (colour
// contrast) are left to the end-to-end run in real WebKit, which injects
// node_modules/axe-core/axe.min.js into the windows.

import axe from "axe-core";
import { expect } from "vitest";

// jsdom has no canvas; axe asks one only to tell icon ligatures from text.
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;

/** Fails when axe finds a serious or critical violation in the document. */
export async function expectAccessible(what: string): Promise<void> {
  const results = await axe.run(document, {
    rules: { "color-contrast": { enabled: false } },
    resultTypes: ["violations"],
  });
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(bad, what).toEqual([]);
}
