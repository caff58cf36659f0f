// @vitest-environment jsdom
// The countdown a window keeps by itself between frames: anchored on the page's
// monotonic clock, only ever going down, stopping at 0.

import { describe, expect, it } from "vitest";

import { el } from "./dom";
import { retime, secondsSpan, tickCountdowns, timedKey } from "./countdown";

function holder(seconds: number, now: number): HTMLElement {
  return el("p", { test: "seconds-left", "data-seconds": seconds }, "Time left: ", secondsSpan(seconds, now), "s");
}

describe("the page's countdown", () => {
  it("counts down each second from the frame's figure, and stops at 0", () => {
    const root = el("div", {}, holder(60, 1_000));
    const p = root.querySelector<HTMLElement>('[data-test="seconds-left"]');
    tickCountdowns(root, 1_400); // not a whole second yet
    expect(p?.dataset["seconds"]).toBe("60");
    tickCountdowns(root, 2_000);
    expect(p?.dataset["seconds"]).toBe("59");
    expect(p?.textContent).toBe("Time left: 59s");
    tickCountdowns(root, 1_000 + 17_000);
    expect(p?.dataset["seconds"]).toBe("43");
    tickCountdowns(root, 1_000 + 75_000);
    expect(p?.dataset["seconds"]).toBe("0");
    expect(p?.textContent).toBe("Time left: 0s");
  });

  it("never counts up (a clock that went back changes nothing), and skips a span without an anchor", () => {
    const root = el("div", {}, holder(30, 5_000), el("p", { "data-seconds": 9 }, el("span", { "data-until": "soon" }, "9")));
    tickCountdowns(root, 10_000);
    tickCountdowns(root, 6_000);
    const [first, second] = [...root.querySelectorAll<HTMLElement>("[data-seconds]")];
    expect(first?.dataset["seconds"]).toBe("25");
    expect(second?.dataset["seconds"]).toBe("9");
  });

  it("keys a frame without its seconds, so that a frame moving only the time left re-anchors in place", () => {
    const a = timedKey(["ja", { view: { step: "pin_entry", seconds_left: 40, inner: { seconds_left: null } } }]);
    const b = timedKey(["ja", { view: { step: "pin_entry", seconds_left: 39, inner: { seconds_left: null } } }]);
    const c = timedKey(["ja", { view: { step: "pin_entry", seconds_left: null, inner: { seconds_left: null } } }]);
    expect(a.key).toBe(b.key);
    expect(a.seconds).toEqual([40]);
    expect(b.seconds).toEqual([39]);
    // Shown or not is part of the key: the countdown appears or goes away by a rebuild.
    expect(c.key).not.toBe(a.key);
    expect(c.seconds).toEqual([]);

    const root = el("div", {}, holder(40, 1_000));
    const p = root.querySelector<HTMLElement>("[data-seconds]");
    expect(retime(root, [20], 5_000)).toBe(true);
    expect(p?.dataset["seconds"]).toBe("20");
    expect(p?.textContent).toBe("Time left: 20s");
    tickCountdowns(root, 6_000);
    expect(p?.dataset["seconds"]).toBe("19");
    // A frame may also give more time (the customer asked for it): set as the frame says.
    expect(retime(root, [60], 6_000)).toBe(true);
    expect(p?.dataset["seconds"]).toBe("60");
    // Not as many countdowns as seconds: nothing is touched, the caller rebuilds.
    expect(retime(root, [5, 6], 7_000)).toBe(false);
    expect(p?.dataset["seconds"]).toBe("60");
  });
});
