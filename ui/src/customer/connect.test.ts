// @vitest-environment jsdom
// The customer window that cannot connect to the counter: it asks the customer to call
// staff (never to place a card nothing would read) and tries again, waiting longer each
// time, until the frames come.

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import type { CustomerFrame } from "../ipc/generated/CustomerFrame";
import * as ipc from "../ipc";
import { customerFrame } from "../test/fixtures";
import { hook, loadPage } from "../test/page";

const channel = vi.hoisted(() => ({ onFrame: undefined as undefined | ((frame: CustomerFrame) => void) }));

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return {
    ...actual,
    // The first two tries fail (the app not answering yet), the third connects.
    appInfo: vi
      .fn()
      .mockRejectedValueOnce(new Error("not ready"))
      .mockRejectedValueOnce(new Error("not ready"))
      .mockResolvedValue({ version: "1.2.3", window: "customer", demo: false }),
    codeTable: vi.fn(async () => []),
    subscribeCustomer: vi.fn(async (onFrame: (frame: CustomerFrame) => void) => {
      channel.onFrame = onFrame;
    }),
    customerRendered: vi.fn(async () => undefined),
  };
});

const mocked = vi.mocked(ipc);

function heading(): string {
  return document.querySelector("h1")?.textContent ?? "";
}

beforeAll(async () => {
  vi.useFakeTimers();
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  loadPage("customer.html");
  await import("./main");
  await vi.advanceTimersByTimeAsync(0);
});

afterAll(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("the customer window without the counter", () => {
  it("asks the customer to call staff, in the language shown", () => {
    expect(mocked.appInfo).toHaveBeenCalledTimes(1);
    expect(hook("customer-screen").dataset["screen"]).toBe("unavailable");
    expect(heading()).toBe("係員にお声がけください");
    expect(document.body.textContent).not.toContain("マイナンバーカードを置いてください");
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(heading()).toBe("Please call a member of staff");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
    expect(document.documentElement.dataset["appReady"]).toBeUndefined();
  });

  it("tries again after a wait that grows, and shows the frames once connected", async () => {
    await vi.advanceTimersByTimeAsync(999);
    expect(mocked.appInfo).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(mocked.appInfo).toHaveBeenCalledTimes(2);
    expect(heading()).toBe("係員にお声がけください");
    // The second wait is longer than the first.
    await vi.advanceTimersByTimeAsync(1_999);
    expect(mocked.appInfo).toHaveBeenCalledTimes(2);
    expect(mocked.subscribeCustomer).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(mocked.appInfo).toHaveBeenCalledTimes(3);
    expect(mocked.subscribeCustomer).toHaveBeenCalledTimes(1);
    channel.onFrame?.(customerFrame({ screen: "welcome" }, { reader: "empty" }));
    expect(hook("customer-screen").dataset["screen"]).toBe("welcome");
    expect(heading()).toBe("マイナンバーカードを置いてください");
    expect(document.documentElement.dataset["appReady"]).toBe("true");
    // Connected: no more tries.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(mocked.appInfo).toHaveBeenCalledTimes(3);
  });
});
