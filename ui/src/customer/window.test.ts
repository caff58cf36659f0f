// @vitest-environment jsdom
// The customer window as a whole: customer.html with its real main module, the
// IPC layer mocked, frames fed by hand.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it, vi } from "vitest";

import type { CustomerFrame } from "../ipc/generated/CustomerFrame";
import type { EnrollCustomerView } from "../ipc/session";
import * as ipc from "../ipc";
import { tickCountdowns } from "../render/countdown";
import { expectAccessible } from "../test/axe";
import { customerFrame, enrollCustomer, identifyCustomer, message } from "../test/fixtures";
import { hook, hooks, loadPage, settle, type } from "../test/page";
import { documentedHooks, matches } from "../test/readme-hooks";

const channel = vi.hoisted(() => ({ onFrame: undefined as undefined | ((frame: CustomerFrame) => void) }));

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  const refuse = (): Promise<never> => Promise.reject(new Error("not allowed on the customer window"));
  return {
    ...actual,
    appInfo: vi.fn(async () => ({ version: "1.2.3", window: "customer", demo: true })),
    // The code table's lines the tests read (the rest show as "code: <name>").
    codeTable: vi.fn(async () => [
      { code: "link_mismatch", ja: "記録と一致しませんでした", en: "The records do not match", next_ja: "係員にお声がけください", next_en: "Please ask staff" },
    ]),
    subscribeCustomer: vi.fn(async (onFrame: (frame: CustomerFrame) => void) => {
      channel.onFrame = onFrame;
    }),
    customerAction: vi.fn(async () => undefined),
    customerRendered: vi.fn(async () => undefined),
    subscribeStaff: vi.fn(refuse),
    staffAction: vi.fn(refuse),
    journal: vi.fn(refuse),
    closeDay: vi.fn(refuse),
    settings: vi.fn(refuse),
    demoCards: vi.fn(refuse),
    demoPlace: vi.fn(refuse),
    demoRemove: vi.fn(refuse),
  };
});

const mocked = vi.mocked(ipc);
const seen = new Set<string>();

function feed(frame: CustomerFrame): void {
  if (channel.onFrame === undefined) throw new Error("the customer window did not subscribe");
  channel.onFrame(frame);
}

function key(k: string): void {
  document.body.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
}

function click(test: string): void {
  hook<HTMLButtonElement>(test).click();
}

beforeAll(async () => {
  new MutationObserver((records) => {
    for (const r of records) {
      r.addedNodes.forEach((node) => {
        if (!(node instanceof Element)) return;
        if (node.hasAttribute("data-test")) seen.add(node.getAttribute("data-test") ?? "");
        for (const inner of node.querySelectorAll("[data-test]")) seen.add(inner.getAttribute("data-test") ?? "");
      });
    }
  }).observe(document, { childList: true, subtree: true });
  loadPage("customer.html");
  seen.add("customer-screen");
  await import("./main");
  await settle();
});

describe("the customer window", () => {
  it("asks for the card, in Japanese first, once the first frame is rendered", async () => {
    expect(document.documentElement.dataset["appReady"]).toBeUndefined();
    const frame = customerFrame({ screen: "welcome" }, { reader: "empty" });
    feed(frame);
    expect(document.documentElement.dataset["appReady"]).toBe("true");
    expect(hook("customer-screen").dataset["revision"]).toBe(String(frame.revision));
    expect(document.querySelector("h1")?.textContent).toBe("マイナンバーカードを置いてください");
    expect(document.documentElement.lang).toBe("ja");
    await expectAccessible("welcome");
  });

  it("switches the language with the toggle, which stays visible", () => {
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(document.documentElement.lang).toBe("en");
    expect(document.querySelector("h1")?.textContent).toBe("Please place your My Number Card");
    expect(document.querySelector('button[data-lang="en"]')?.getAttribute("aria-pressed")).toBe("true");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
    expect(document.documentElement.lang).toBe("ja");
  });

  it("goes back to Japanese for the next customer, once the welcome screen comes with no card", () => {
    const english = (): void => document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    feed(customerFrame({ screen: "identify", view: identifyCustomer }));
    english();
    expect(document.documentElement.lang).toBe("en");
    // The welcome screen while a card still lies on the reader: the same customer.
    feed(customerFrame({ screen: "welcome" }, { reader: "card" }));
    expect(document.documentElement.lang).toBe("en");
    // The card has left: the next customer reads Japanese.
    feed(customerFrame({ screen: "welcome" }, { reader: "empty" }));
    expect(document.documentElement.lang).toBe("ja");
    expect(document.querySelector("h1")?.textContent).toBe("マイナンバーカードを置いてください");
    expect(document.querySelector('button[data-lang="ja"]')?.getAttribute("aria-pressed")).toBe("true");
    // A customer who picks English on the welcome screen keeps it while frames come.
    english();
    feed(customerFrame({ screen: "welcome" }, { reader: "empty" }));
    expect(document.documentElement.lang).toBe("en");
    feed(customerFrame({ screen: "identify", view: identifyCustomer }));
    expect(document.documentElement.lang).toBe("en");
    feed(customerFrame({ screen: "welcome" }, { reader: "empty" }));
    expect(document.documentElement.lang).toBe("ja");
  });

  it("shows the platform's notices about the card above every screen while they last", async () => {
    const notices = [message("sign_certificate_revoked", "お届けの住所か氏名が変わりました")];
    feed(customerFrame({ screen: "welcome" }, { notices }));
    const notice = hook("card-notice");
    expect(notice.dataset["code"]).toBe("sign_certificate_revoked");
    expect(notice.textContent).toContain("お届けの住所か氏名が変わりました（日本語）");
    expect(notice.textContent).toContain("次: sign_certificate_revoked");
    expect(notice.closest('[role="status"]')?.id).toBe("card-notices");
    expect(hook("customer-screen").contains(notice)).toBe(false);
    feed(customerFrame({ screen: "identify", view: identifyCustomer }, { notices }));
    expect(hook("card-notice").dataset["code"]).toBe("sign_certificate_revoked");
    await expectAccessible("card notice");
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(hook("card-notice").textContent).toContain("(English)");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
    feed(customerFrame({ screen: "welcome" }, { reader: "empty" }));
    expect(hooks("card-notice")).toEqual([]);
  });

  it("masks the PIN, enables OK at exactly 4 digits, sends the digits once and forgets them", async () => {
    feed(customerFrame({ screen: "identify", view: identifyCustomer }));
    expect(hook("customer-screen").dataset["step"]).toBe("pin_entry");
    expect(hook("tries-left").dataset["tries"]).toBe("3");
    const ok = hook<HTMLButtonElement>("key-ok");
    expect(ok.disabled).toBe(true);
    click("key-7");
    click("key-3");
    click("key-9");
    expect(hook("pin-entry").textContent).toBe("●●●○");
    expect(ok.disabled).toBe(true);
    // A frame (the countdown ticking) does not lose the digits.
    feed(customerFrame({ screen: "identify", view: { ...identifyCustomer, seconds_left: 54 } }));
    expect(hook("pin-entry").dataset["length"]).toBe("3");
    key("1");
    key("5"); // a fifth digit is ignored
    expect(hook("pin-entry").textContent).toBe("●●●●");
    expect(hook<HTMLButtonElement>("key-ok").disabled).toBe(false);
    key("Backspace");
    expect(hook<HTMLButtonElement>("key-ok").disabled).toBe(true);
    key("1");
    // The digits are nowhere in the page, not even in an attribute.
    expect(document.documentElement.outerHTML).not.toContain("7391");
    click("key-ok");
    expect(mocked.customerAction).toHaveBeenCalledTimes(1);
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "pin", digits: "7391" });
    expect(hook("pin-entry").textContent).toBe("○○○○");
    expect(hook<HTMLButtonElement>("key-ok").disabled).toBe(true);
    expect(hook("key-back").getAttribute("aria-label")).toBe("1文字消す");
    await expectAccessible("keypad");
  });

  it("keeps the keypad's very buttons when a frame only moves the time left (a tap is never lost to a rebuild)", () => {
    const view = { ...identifyCustomer, seconds_left: 40, time_warning: false };
    feed(customerFrame({ screen: "identify", view }));
    click("key-2");
    const [button, entry] = [hook("key-5"), hook("pin-entry")];
    feed(customerFrame({ screen: "identify", view: { ...view, seconds_left: 39 } }));
    expect(hook("key-5")).toBe(button);
    expect(hook("pin-entry")).toBe(entry);
    expect(hook("seconds-left").dataset["seconds"]).toBe("39");
    expect(hook("seconds-left").textContent).toContain("39");
    click("key-5");
    expect(hook("pin-entry").dataset["length"]).toBe("2");
    // The time running short changes what is shown (more time is offered): rebuilt, digits kept.
    feed(customerFrame({ screen: "identify", view: { ...view, seconds_left: 10, time_warning: true } }));
    expect(hook("key-5")).not.toBe(button);
    expect(hook("pin-entry").dataset["length"]).toBe("2");
    expect(hook("action-extend_time")).toBeDefined();
  });

  it("offers more time when it runs out, and cancels with Escape", () => {
    click("action-extend_time");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "extend_time" });
    key("Escape");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "cancel" });
  });

  it("shows the counter's refusal of the PIN next to the keypad", async () => {
    mocked.customerAction.mockRejectedValueOnce({ message: message("pin_format", "4桁で入力") });
    for (const d of ["9", "8", "7", "6"]) click(`key-${d}`);
    click("key-ok");
    await settle();
    const error = hook("action-error");
    expect(error.dataset["code"]).toBe("pin_format");
    expect(error.textContent).toContain("4桁で入力（日本語）");
  });

  it("on the reader's pad shows no keypad, says where to type, the tries and the pad's time, and counts it down itself", () => {
    feed(customerFrame({ screen: "identify", view: { ...identifyCustomer, step: "pin_pad", pin_pad: true, seconds_left: 60, time_warning: false } }, { pin_pad: true }));
    expect(document.querySelector('[data-test^="key-"]')).toBeNull();
    expect(document.querySelector('[data-test="pin-entry"]')).toBeNull();
    expect(hook("use-pin-pad").dataset["armed"]).toBe("true");
    expect(hook("use-pin-pad").textContent).toContain("読み取り機のボタンで暗証番号を入力してください");
    expect(document.querySelector("h1")?.textContent).toBe("暗証番号はカードリーダーで入力します");
    expect(hook("tries-left").dataset["tries"]).toBe("3");
    const left = hook("seconds-left");
    expect(left.dataset["seconds"]).toBe("60");
    expect(left.textContent).toBe("読み取り機の入力の残り時間: 60秒");
    // No "more time" on the pad: its time is the reader's.
    expect(document.querySelector('[data-test="action-extend_time"]')).toBeNull();
    expect(hook("action-cancel")).toBeTruthy();
    // Between frames the page counts down by itself from the frame's figure.
    const until = Number(left.querySelector<HTMLElement>("span[data-until]")?.dataset["until"]);
    tickCountdowns(document, until - 42_500);
    expect(hook("seconds-left").dataset["seconds"]).toBe("43");
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(hook("use-pin-pad").textContent).toContain("Nothing is typed on this screen");
    expect(hook("seconds-left").textContent).toContain("Time left on the reader's keys");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
    // Waiting for "enter the PIN" again (the pad timed out): the pad is not armed.
    feed(customerFrame({ screen: "identify", view: { ...identifyCustomer, step: "pin_entry", pin_pad: true, code: "pin_pad_timeout" } }, { pin_pad: true }));
    expect(hook("use-pin-pad").dataset["armed"]).toBe("false");
    expect(document.querySelector('[data-test^="key-"]')).toBeNull();
  });

  it("shows no keypad when the reader has its own pad, and keeps the card on the reader", () => {
    feed(customerFrame({ screen: "identify", view: { ...identifyCustomer, step: "pin_pad", pin_pad: true } }, { pin_pad: true }));
    expect(document.querySelector('[data-test="key-ok"]')).toBeNull();
    expect(hook("use-pin-pad")).toBeTruthy();
    feed(customerFrame({ screen: "identify", view: { ...identifyCustomer, step: "signing", payment: { merchant_id: "M-1", amount_jpy: 1200 }, code: null } }));
    expect(hook("keep-card")).toBeTruthy();
    expect(hook("identify-amount").textContent).toBe("¥1,200");
    feed(customerFrame({ screen: "identify", view: { ...identifyCustomer, step: "failed", pin_pad: true, can_retry: true, code: "pin_wrong" } }));
    expect(hook("customer-code").dataset["code"]).toBe("pin_wrong");
    click("action-retry_pin");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "retry_pin" });
    feed(customerFrame({ screen: "identify", view: { ...identifyCustomer, step: "identified", menu: [{ service_id: "ins-kanto", kind: "insurance", label: "関東健保" }] } }));
    expect(hook("menu").textContent).toBe("関東健保");
  });

  it("lets the customer pick the insurance and answer the consents", async () => {
    feed(customerFrame({ screen: "check", view: { screen: "choose_service", services: [{ service_id: "ins-kanto", label: "関東健保" }] } }));
    click("action-choose_service");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "choose_service", service_id: "ins-kanto" });
    feed(
      customerFrame({
        screen: "check",
        view: {
          screen: "consent",
          offered: { medication: true, health_checks: true, treatment: false, surgery: false, blanket: true, limit_certificate_screen: true, prescription_format: true },
        },
      }),
    );
    expect(document.querySelector('[data-test="consent-treatment"]')).toBeNull();
    expect(hook<HTMLButtonElement>("action-consent").disabled).toBe(true);
    hook<HTMLInputElement>("consent-blanket").click();
    expect(hook<HTMLInputElement>("consent-medication").disabled).toBe(true);
    hooks<HTMLInputElement>("consent-prescription").find((r) => r.value === "electronic")?.click();
    expect(hook<HTMLButtonElement>("action-consent").disabled).toBe(false);
    await expectAccessible("consent");
    click("action-consent");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({
      action: "consent",
      consents: { blanket: true, medication: true, health_checks: true, treatment: false, surgery: false, limit_certificate: false, prescription: "electronic" },
    });
    for (const view of [{ screen: "wait" }, { screen: "done" }, { screen: "ask_staff", code: "ask_staff" }, { screen: "ended" }] as const) {
      feed(customerFrame({ screen: "check", view }));
      expect(hook("customer-screen").dataset["step"]).toBe(view.screen);
      expect(document.querySelector("h1")?.textContent).not.toBe("");
    }
  });

  it("shows the amount large and pays the amount shown", async () => {
    feed(customerFrame({ screen: "pay", amount_jpy: 1200, options: [{ service_id: "acq-visa", label: "クレジットカード" }] }));
    expect(hook("pay-amount").textContent).toBe("¥1,200");
    click("action-pay");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "pay", service_id: "acq-visa", amount_jpy: 1200 });
    await expectAccessible("pay");
    feed(customerFrame({ screen: "paying", message: null }));
    expect(hook("keep-card")).toBeTruthy();
    feed(customerFrame({ screen: "paying", message: message("payment_approved") }));
    expect(hook("paying-message").dataset["code"]).toBe("payment_approved");
  });

  it("tells the counter which frame it rendered, once it is on screen, and never a frame it dropped", () => {
    const onScreen: (string | undefined)[] = [];
    mocked.customerRendered.mockClear();
    mocked.customerRendered.mockImplementation(async () => {
      onScreen.push(hook("paying-message").dataset["code"]);
    });
    const paid = customerFrame({ screen: "paying", message: message("payment_approved") });
    feed(paid);
    expect(mocked.customerRendered).toHaveBeenCalledTimes(1);
    expect(mocked.customerRendered).toHaveBeenLastCalledWith(paid.revision);
    // Told once the outcome was rendered, not before.
    expect(onScreen).toEqual(["payment_approved"]);
    // A late frame older than the one shown is dropped: not rendered, not acknowledged.
    feed({ ...customerFrame({ screen: "welcome" }), revision: paid.revision - 1 });
    expect(hook("paying-message").dataset["code"]).toBe("payment_approved");
    expect(mocked.customerRendered).toHaveBeenCalledTimes(1);
    mocked.customerRendered.mockImplementation(async () => undefined);
    // The next customer: the welcome screen again.
    feed(customerFrame({ screen: "welcome" }, { reader: "empty" }));
  });

  it("acknowledges the frame it shows again every 5 seconds while no new one comes, so that the app hears it is alive", () => {
    vi.useFakeTimers({ shouldClearNativeTimers: true });
    try {
      mocked.customerRendered.mockClear();
      const shown = customerFrame({ screen: "welcome" }, { reader: "empty" });
      feed(shown);
      expect(mocked.customerRendered).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(4_999);
      expect(mocked.customerRendered, "not before the interval").toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(1);
      expect(mocked.customerRendered).toHaveBeenCalledTimes(2);
      expect(mocked.customerRendered).toHaveBeenLastCalledWith(shown.revision);
      vi.advanceTimersByTime(5_000);
      expect(mocked.customerRendered, "and again, for as long as nothing changes").toHaveBeenCalledTimes(3);
      // A new frame is acknowledged at once, and the interval counts from it.
      vi.advanceTimersByTime(3_000);
      const next = customerFrame({ screen: "paying", message: null });
      feed(next);
      expect(mocked.customerRendered).toHaveBeenCalledTimes(4);
      expect(mocked.customerRendered).toHaveBeenLastCalledWith(next.revision);
      vi.advanceTimersByTime(4_999);
      expect(mocked.customerRendered, "the older frame's timer was stopped").toHaveBeenCalledTimes(4);
      vi.advanceTimersByTime(1);
      expect(mocked.customerRendered).toHaveBeenCalledTimes(5);
      expect(mocked.customerRendered).toHaveBeenLastCalledWith(next.revision);
      // A frame dropped as late is not acknowledged, and does not reset the interval.
      vi.advanceTimersByTime(2_000);
      feed({ ...customerFrame({ screen: "welcome" }), revision: next.revision - 1 });
      vi.advanceTimersByTime(3_000);
      expect(mocked.customerRendered).toHaveBeenCalledTimes(6);
      expect(mocked.customerRendered).toHaveBeenLastCalledWith(next.revision);
    } finally {
      vi.useRealTimers();
    }
    feed(customerFrame({ screen: "welcome" }, { reader: "empty" }));
  });

  it("takes the signature password masked, 6 to 16 characters, and clears it once sent", async () => {
    feed(customerFrame({ screen: "enroll", view: enrollCustomer }));
    const input = hook<HTMLInputElement>("password-entry");
    expect(input.type).toBe("password");
    expect(hook("password-tries-left").dataset["tries"]).toBe("5");
    type(input, "ABC12");
    expect(hook<HTMLButtonElement>("action-password").disabled).toBe(true);
    type(input, "ABC123");
    feed(customerFrame({ screen: "enroll", view: { ...enrollCustomer, seconds_left: 30 } }));
    expect(hook<HTMLInputElement>("password-entry").value).toBe("ABC123");
    await expectAccessible("password");
    click("action-password");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "password", text: "ABC123" });
    expect(hook<HTMLInputElement>("password-entry").value).toBe("");
  });

  it("shows the four attributes to confirm or reject", async () => {
    feed(customerFrame({ screen: "enroll", view: { ...enrollCustomer, step: "confirm_attributes" } }));
    const attributes = hook("attributes");
    for (const text of ["佐藤 花子", "東京都千代田区1-1", "1980-04-01", "女"]) expect(attributes.textContent).toContain(text);
    // Nothing to disclose: one "right" button, which sends no consent.
    expect(document.querySelector('[data-test="disclosure"]')).toBeNull();
    expect(hooks("action-confirm_attributes")).toHaveLength(1);
    click("action-confirm_attributes");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "confirm_attributes", disclosure_consent: false });
    click("action-reject_attributes");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "reject_attributes" });
    await expectAccessible("attributes");
    feed(customerFrame({ screen: "enroll", view: { ...enrollCustomer, step: "enrolled", linked: [{ service_id: "acq-visa", kind: "payment", label: "VISA ****1234" }] } }));
    expect(hook("menu").textContent).toBe("VISA ****1234");
  });

  it("says what is sent to which services with the attributes, and sends the customer's choice", async () => {
    const services: EnrollCustomerView["services"] = [
      { service_id: "ins-kanto", kind: "insurance" },
      { service_id: "acq-visa", kind: "payment" },
    ];
    feed(customerFrame({ screen: "enroll", view: { ...enrollCustomer, step: "confirm_attributes", services, disclosure_needed: true } }));
    const disclosure = hook("disclosure");
    expect(hook("attributes").contains(disclosure)).toBe(true);
    expect(disclosure.textContent).toContain("氏名・住所・生年月日・性別");
    expect([...disclosure.querySelectorAll("li")].map((li) => [li.dataset["serviceId"], li.dataset["kind"], li.textContent])).toEqual([
      ["ins-kanto", "insurance", "健康保険（ins-kanto）"],
      ["acq-visa", "payment", "お支払い（acq-visa）"],
    ]);
    const [agree, decline, ...more] = hooks<HTMLButtonElement>("action-confirm_attributes");
    expect(more).toEqual([]);
    expect(agree?.dataset["consent"]).toBe("true");
    expect(agree?.textContent).toBe("正しい。送ることに同意する");
    expect(decline?.dataset["consent"]).toBe("false");
    await expectAccessible("attributes with the disclosure");
    agree?.click();
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "confirm_attributes", disclosure_consent: true });
    decline?.click();
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "confirm_attributes", disclosure_consent: false });
    click("action-reject_attributes");
    expect(mocked.customerAction).toHaveBeenLastCalledWith({ action: "reject_attributes" });
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(hook("disclosure").textContent).toContain("name, address, date of birth and sex");
    expect(hooks("action-confirm_attributes")[1]?.textContent).toBe("They are right, but do not send them");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
  });

  it("lists the links not made, with why and which detail differs, after a partial success or a failure", async () => {
    const refused: EnrollCustomerView["refused"] = [{ service_id: "ins-kanto", kind: "insurance", code: "link_mismatch", attribute: "name" }];
    feed(customerFrame({ screen: "enroll", view: { ...enrollCustomer, step: "enrolled", linked: [{ service_id: "acq-visa", kind: "payment", label: "VISA ****1234" }], refused } }));
    const line = hook("refused-line");
    expect([line.dataset["serviceId"], line.dataset["kind"], line.dataset["code"], line.dataset["attribute"]]).toEqual(["ins-kanto", "insurance", "link_mismatch", "name"]);
    expect(line.textContent).toContain("健康保険（ins-kanto）");
    expect(line.textContent).toContain("記録と一致しませんでした");
    expect(line.textContent).toContain("係員にお声がけください");
    expect(hook("refused-attribute").textContent).toBe("一致しなかった情報: 氏名");
    expect(hook("menu").textContent).toBe("VISA ****1234");
    await expectAccessible("enrolled with a refused link");
    feed(customerFrame({ screen: "enroll", view: { ...enrollCustomer, step: "failed", code: "link_service_unavailable", refused: [{ service_id: "acq-visa", kind: "payment", code: "link_service_unavailable", attribute: null }] } }));
    expect(hook("customer-code").dataset["code"]).toBe("link_service_unavailable");
    expect(hook("refused-line").dataset["attribute"]).toBe("");
    expect(document.querySelector('[data-test="refused-attribute"]')).toBeNull();
    expect(hook("refused-line").textContent).toContain("お支払い（acq-visa）");
  });

  it("never asks for or shows the staff's data", () => {
    for (const call of [mocked.subscribeStaff, mocked.staffAction, mocked.journal, mocked.closeDay, mocked.settings, mocked.demoCards, mocked.demoPlace, mocked.demoRemove]) {
      expect(call).not.toHaveBeenCalled();
    }
    // The customer's modules cannot reach the staff's renderers.
    const here = dirname(fileURLToPath(import.meta.url));
    for (const file of readdirSync(here).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      expect(readFileSync(join(here, file), "utf8"), file).not.toMatch(/from "\.\.\/staff/);
    }
  });

  it("renders every customer hook documented in ui/README.md, and none that is not", () => {
    const documented = documentedHooks().filter((h) => h.window === "customer" || h.window === "both");
    expect(documented.length).toBeGreaterThan(10);
    const missing = documented.filter((h) => ![...seen].some((v) => matches(h.name, v))).map((h) => h.name);
    expect(missing, "documented but never rendered").toEqual([]);
    const undocumented = [...seen].filter((v) => !documented.some((h) => matches(h.name, v)));
    expect(undocumented, "rendered but not documented").toEqual([]);
  });
});
