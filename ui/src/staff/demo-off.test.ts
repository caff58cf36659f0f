// @vitest-environment jsdom
// The staff window of an app that does not run the demo: no demo tab, and F5
// (the demo's key) does nothing.

import { beforeAll, describe, expect, it, vi } from "vitest";

import type { StaffFrame } from "../ipc/generated/StaffFrame";
import * as ipc from "../ipc";
import { staffFrame } from "../test/fixtures";
import { hook, loadPage, settle, type } from "../test/page";

const channel = vi.hoisted(() => ({ onFrame: undefined as undefined | ((frame: StaffFrame) => void) }));

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return {
    ...actual,
    appInfo: vi.fn(async () => ({ version: "1.2.3", window: "staff", demo: false })),
    codeTable: vi.fn(async () => []),
    subscribeStaff: vi.fn(async (onFrame: (frame: StaffFrame) => void) => {
      channel.onFrame = onFrame;
    }),
    staffAction: vi.fn(async () => undefined),
    demoCards: vi.fn(async () => []),
  };
});

const mocked = vi.mocked(ipc);

beforeAll(async () => {
  loadPage("staff.html");
  await import("./main");
  await settle();
  channel.onFrame?.(staffFrame({ screen: "ready" }, { mode: "reception" }));
});

describe("the staff window without the demo", () => {
  it("has no demo tab, and F5 opens nothing", () => {
    expect(document.querySelector('[data-test="tab-demo"]')).toBeNull();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "F5", bubbles: true }));
    expect(document.getElementById("panel-demo")?.hidden).toBe(true);
    expect(mocked.demoCards).not.toHaveBeenCalled();
  });

  it("leaves the enrollment's service ids for staff to fill in", () => {
    expect(hook<HTMLInputElement>("enroll-insurance-service").value).toBe("");
    expect(hook<HTMLInputElement>("enroll-payment-service").value).toBe("");
  });

  it("does not cancel when Escape is pressed in a field", () => {
    channel.onFrame?.(staffFrame({ screen: "check", view: { warnings: [], headline: null, step: { step: "needs_fallback", reason: "card_unreadable" }, records: [], details: { state: "none" }, fallback: null, actions: ["record_fallback"], export: "not_exported", person: "pending", takes_expected: true }, check_id: "T-1-chk-000001", co_payment: false }));
    const name = hook<HTMLInputElement>("fallback-name");
    type(name, "佐藤 花子");
    name.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(mocked.staffAction).not.toHaveBeenCalled();
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(mocked.staffAction).toHaveBeenCalledWith({ action: "cancel" });
  });

  it("records what the document says as the fallback form, for the counter to check", () => {
    type(hook<HTMLSelectElement>("fallback-document"), "self_declaration");
    type(hook<HTMLInputElement>("fallback-insurer_name"), "関東健保");
    type(hook<HTMLInputElement>("fallback-number"), "5678");
    type(hook<HTMLInputElement>("fallback-birth_date"), "1980-04-01");
    type(hook<HTMLSelectElement>("fallback-ratio"), "2");
    hook<HTMLButtonElement>("action-record_fallback").click();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({
      action: "record_fallback",
      form: {
        document: "self_declaration",
        insurer_number: "",
        insurer_name: "関東健保",
        symbol: "",
        number: "5678",
        branch: "",
        name: "佐藤 花子",
        birth_date: "1980-04-01",
        ratio_tenths: 2,
      },
    });
  });
});
