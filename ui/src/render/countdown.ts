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

/**
 * The key that decides whether a frame's screen must be rebuilt: `parts` as JSON
 * with every `seconds_left` reduced to whether it is set, and the seconds
 * themselves, in the order they stand. A frame that differs from the one shown
 * only in its seconds (the counter sends one every second while a limit runs)
 * then re-anchors the countdowns in place ({@link retime}) instead of rebuilding
 * the screen: a press on a button that is being replaced is lost (the pointer
 * goes down on the old button and up on the new one), and a customer typing the
 * PIN would see a digit vanish.
 */
export function timedKey(parts: unknown): { key: string; seconds: number[] } {
  const seconds: number[] = [];
  const key = JSON.stringify(parts, (name: string, value: unknown) => {
    if (name !== "seconds_left") return value;
    if (typeof value === "number") {
      seconds.push(value);
      return "set";
    }
    return value;
  });
  return { key, seconds };
}

/**
 * Sets the countdowns under `root` (the elements with `data-seconds`, in order)
 * to `seconds`, anchored at `now`. False, touching nothing, when the screen does
 * not show exactly that many: then it must be rebuilt.
 */
export function retime(root: ParentNode, seconds: readonly number[], now: number = performance.now()): boolean {
  const shown = Array.from(root.querySelectorAll<HTMLElement>("[data-seconds]"));
  if (shown.length !== seconds.length) return false;
  shown.forEach((holder, i) => {
    const left = seconds[i] ?? 0;
    holder.dataset["seconds"] = String(left);
    const span = holder.querySelector<HTMLElement>("span[data-until]");
    if (span !== null) {
      span.dataset["until"] = String(Math.round(now + left * 1000));
      span.textContent = String(left);
    }
  });
  return true;
}
