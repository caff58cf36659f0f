// The countdowns both windows show (the customer's time at a step, the PIN pad's
// time): a frame says how many seconds were left when it was made, and the page
// keeps counting down by itself from there, once a second, between frames. The
// end is anchored on the page's monotonic clock (performance.now), never on the
// wall clock, and the page asks the app for nothing to do it: the next frame
// brings the counter's own figure and anchors the count again.

import { el } from "./dom";

/** How often the page rewrites its countdowns. */
export const TICK_MS = 1000;

/**
 * The number of a countdown: `seconds` as a span that remembers when they run
 * out (`data-until`, in the page's monotonic milliseconds), for the ticker.
 */
export function secondsSpan(seconds: number, now: number = performance.now()): HTMLSpanElement {
  return el("span", { class: "seconds", "data-until": Math.round(now + seconds * 1000) }, String(seconds));
}

/**
 * Rewrites every countdown under `root` for `now`: the number, and the
 * `data-seconds` of the element holding it (what the tests read). A count only
 * goes down, and stops at 0.
 */
export function tickCountdowns(root: ParentNode, now: number = performance.now()): void {
  for (const span of root.querySelectorAll<HTMLElement>("span[data-until]")) {
    const until = Number(span.dataset["until"]);
    if (!Number.isFinite(until)) continue;
    const shown = Number(span.textContent);
    const left = Math.max(0, Math.ceil((until - now) / 1000));
    if (Number.isFinite(shown) && left >= shown) continue;
    span.textContent = String(left);
    span.parentElement?.closest<HTMLElement>("[data-seconds]")?.setAttribute("data-seconds", String(left));
  }
}

/** Starts the page's one ticker over `root`; returns how to stop it. */
export function startCountdowns(root: ParentNode): () => void {
  const timer = setInterval(() => tickCountdowns(root), TICK_MS);
  return () => clearInterval(timer);
}
