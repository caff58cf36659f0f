// @vitest-environment jsdom
// The setup window as a whole: setup.html with its real main module, the IPC layer
// mocked. The shipped app opens it instead of the staff and customer windows when it
// has no usable configuration.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it, vi } from "vitest";

import * as ipc from "../ipc";
import { expectAccessible } from "../test/axe";
import { hook, loadPage, settle } from "../test/page";
import { documentedHooks, matches, renderedHooks } from "../test/readme-hooks";

/** The message the app wrote on standard error (lookup.rs, setup.rs), shortened. */
const MESSAGE = [
  "madoguchi-app: no configuration file. It looked for /etc/madoguchi/counter.toml (the default path): there is no such file.",
  "",
  "  1. --config FILE on the command line;",
].join("\n");

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  const refuse = (): Promise<never> => Promise.reject(new Error("not allowed on the setup window"));
  return {
    ...actual,
    setupProblem: vi.fn(async () => MESSAGE),
    closeSetup: vi.fn(async () => undefined),
    appInfo: vi.fn(refuse),
    codeTable: vi.fn(refuse),
    subscribeStaff: vi.fn(refuse),
    subscribeCustomer: vi.fn(refuse),
    staffAction: vi.fn(refuse),
    customerAction: vi.fn(refuse),
  };
});

const mocked = vi.mocked(ipc);

beforeAll(async () => {
  loadPage("setup.html");
  await import("./main");
  await settle();
});

describe("the setup window", () => {
  it("shows the app's message line for line, and says it is ready", () => {
    expect(hook("setup-message").textContent).toBe(MESSAGE);
    expect(document.documentElement.dataset["appReady"]).toBe("true");
  });

  it("labels it in Japanese and English at once", () => {
    expect(document.querySelector("h1")?.textContent).toBe("窓口を開始できません");
    expect(document.querySelector('[lang="en"] .setup-heading-en')?.textContent).toBe("Madoguchi cannot start");
    expect(hook("setup-close").textContent).toBe("閉じる / Close");
  });

  it("closes through the app (which then exits)", () => {
    hook<HTMLButtonElement>("setup-close").click();
    expect(mocked.closeSetup).toHaveBeenCalledTimes(1);
  });

  it("asks for nothing but its message", () => {
    for (const call of [mocked.appInfo, mocked.codeTable, mocked.subscribeStaff, mocked.subscribeCustomer, mocked.staffAction, mocked.customerAction]) {
      expect(call).not.toHaveBeenCalled();
    }
    const here = dirname(fileURLToPath(import.meta.url));
    for (const file of readdirSync(here).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      expect(readFileSync(join(here, file), "utf8"), file).not.toMatch(/from "\.\.\/(staff|customer)/);
    }
  });

  it("passes axe", async () => {
    await expectAccessible("setup window");
  });

  it("renders every setup hook documented in ui/README.md, and none that is not", () => {
    const seen = renderedHooks();
    const documented = documentedHooks().filter((h) => h.window === "setup");
    expect(documented.length).toBeGreaterThan(0);
    const missing = documented.filter((h) => !seen.some((v) => matches(h.name, v))).map((h) => h.name);
    expect(missing, "documented but never rendered").toEqual([]);
    const undocumented = seen.filter((v) => !documented.some((h) => matches(h.name, v)));
    expect(undocumented, "rendered but not documented").toEqual([]);
  });
});

describe("the setup window when the app does not answer", () => {
  it("says so rather than staying blank", async () => {
    mocked.setupProblem.mockRejectedValueOnce(new Error("gone"));
    vi.resetModules();
    loadPage("setup.html");
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    await import("./main");
    await settle();
    expect(hook("setup-message").textContent).toContain("アプリ本体と通信できません");
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
  });
});
