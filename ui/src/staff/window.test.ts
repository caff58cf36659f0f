// @vitest-environment jsdom
// The staff window as a whole: staff.html with its real main module, the IPC
// layer mocked, frames fed by hand.

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import type { EligibilityStaffView } from "../ipc/generated/EligibilityStaffView";
import type { EnrollStaffView } from "../ipc/session";
import type { StaffFrame } from "../ipc/generated/StaffFrame";
import * as ipc from "../ipc";
import { expectAccessible } from "../test/axe";
import {
  check,
  checkShown,
  enrollStaff,
  expected,
  identifyStaff,
  journalEntry,
  message,
  paymentRecord,
  receipt,
  staffFrame,
} from "../test/fixtures";
import { hook, hooks, loadPage, settle, type } from "../test/page";
import { documentedHooks, matches, renderedHooks } from "../test/readme-hooks";

const channel = vi.hoisted(() => ({ onFrame: undefined as undefined | ((frame: StaffFrame) => void) }));

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  const f = await import("../test/fixtures");
  return {
    ...actual,
    appInfo: vi.fn(async () => ({ version: "1.2.3", window: "staff", demo: true })),
    // The code table's lines the tests read (the rest show as "code: <name>").
    codeTable: vi.fn(async () => [
      f.message("person_not_compared", "予定の患者さんと照合していません"),
      f.message("link_mismatch", "サービスの記録と一致しません"),
    ]),
    subscribeStaff: vi.fn(async (onFrame: (frame: StaffFrame) => void) => {
      channel.onFrame = onFrame;
    }),
    staffAction: vi.fn(async () => undefined),
    journal: vi.fn(async () => [f.journalEntry]),
    visits: vi.fn(async () => [
      {
        check_id: "T-1-chk-000003",
        at: 1_767_569_000,
        visit: { check_id: "T-1-chk-000003", result: "valid", insurer_number: "06139999", insurer_name: "関東健康保険組合", ratio_tenths: 3 },
        co_payment: true,
        payments: [{ ...f.paymentRecord, visit_id: "T-1-chk-000003" }],
      },
      { check_id: "T-1-chk-000004", at: 1_767_569_500, visit: null, co_payment: false, payments: [] },
    ]),
    closeDay: vi.fn(async (date: string) => ({
      date,
      lines: [
        {
          brand: "VISA",
          journal: { brand: "VISA", debit_count: 2, debit_jpy: 2400, credit_count: 0, credit_jpy: 0, cancelled_count: 0, declined_count: 0 },
          acquirer: { brand: "VISA", debit_count: 2, debit_jpy: 2400, credit_count: 0, credit_jpy: 0, cancelled_count: 0, declined_count: 0 },
          matches: true,
        },
      ],
      pending_authorisations: 0,
      code: "close_matched",
    })),
    settings: vi.fn(async () => ({
      config_path: "/etc/madoguchi/terminal.toml",
      terminal_id: "T-1",
      merchant_id: "M-1",
      mode: "reception",
      reader: null,
      platform_url: "https://127.0.0.1:8443",
      platform_id: "plat",
      insurer_url: "https://127.0.0.1:8444",
      acquirer_url: "https://127.0.0.1:8445",
      export_dir: null,
      medical_institution_code: "1312345678",
      shop_name: "デモ薬局",
      database: "journal.sqlite",
      folders_root: "/srv/oqs",
      pos_address: "127.0.0.1:8710",
    })),
    demoCards: vi.fn(async () => [
      { id: "sato-hanako", name: "佐藤 花子", note_ja: "有効な保険", note_en: "Valid insurance", pin: "1234", enrolled: true, on_reader: false },
    ]),
    appointments: vi.fn(async () => [{ ...f.appointment, status: "not_checked", code: "precheck_not_yet", differences: [], checked_at: null, validity: null }]),
    precheckAppointments: vi.fn(async () => [f.appointment]),
    addAppointment: vi.fn(async () => f.appointment),
    demoPlace: vi.fn(async () => undefined),
    demoRemove: vi.fn(async () => undefined),
  };
});

const mocked = vi.mocked(ipc);
const seen = new Set<string>();

function feed(frame: StaffFrame): void {
  if (channel.onFrame === undefined) throw new Error("the staff window did not subscribe");
  channel.onFrame(frame);
}

function screen(): HTMLElement {
  return hook("staff-screen");
}

function click(test: string, root: ParentNode = document): void {
  hook<HTMLButtonElement>(test, root).click();
}

/** Notes every hook rendered at any moment, for the README check at the end. */
function collect(node: Node): void {
  if (node instanceof Element) {
    const test = node.getAttribute("data-test");
    if (test !== null) seen.add(test);
    for (const inner of node.querySelectorAll("[data-test]")) seen.add(inner.getAttribute("data-test") ?? "");
  }
}

beforeAll(async () => {
  new MutationObserver((records) => {
    for (const r of records) r.addedNodes.forEach(collect);
  }).observe(document, { childList: true, subtree: true });
  window.print = vi.fn();
  loadPage("staff.html");
  await import("./main");
  await settle();
});

afterEach(() => {
  for (const name of renderedHooks()) seen.add(name);
  mocked.staffAction.mockClear();
});

afterAll(() => {
  delete document.documentElement.dataset["appReady"];
});

describe("the staff window", () => {
  it("is ready once the first frame is rendered, and drops a late older frame", async () => {
    expect(document.documentElement.dataset["appReady"]).toBeUndefined();
    const first = staffFrame({ screen: "ready" });
    const older = staffFrame({ screen: "identify", view: identifyStaff });
    const newer = staffFrame({ screen: "ready" });
    feed(first);
    expect(document.documentElement.dataset["appReady"]).toBe("true");
    feed(newer);
    feed(older);
    expect(screen().dataset["screen"]).toBe("ready");
    expect(screen().dataset["revision"]).toBe(String(newer.revision));
    expect(document.getElementById("version")?.textContent).toBe("1.2.3");
    expect(document.getElementById("status")?.textContent).toBe("準備完了");
    await expectAccessible("ready");
  });

  it("shows the status bar from the frame", () => {
    feed(staffFrame({ screen: "ready" }, { reader: "missing", backends_ok: false, pending_rechecks: 3, payments_in_doubt: 2 }));
    expect(hook("status-reader").dataset["state"]).toBe("missing");
    expect(hook("status-reader").textContent).toBe("未接続");
    expect(hook("status-backends").dataset["state"]).toBe("down");
    expect(hook("status-rechecks").textContent).toBe("3件");
    expect(hook("status-doubt").dataset["state"]).toBe("2");
    expect(hook("status-storage").dataset["state"]).toBe("ok");
    expect(hook("status-in-doubt").textContent).toBe("counter-1-000007");
    const notice = hook("status-notice");
    expect(notice.dataset["code"]).toBe("payments_recovered");
    expect(notice.textContent).toContain("text of payments_recovered（日本語）");
    expect(notice.textContent).toContain("次: payments_recovered");
    expect(notice.closest('[role="status"]')?.getAttribute("aria-live")).toBe("polite");
    click("action-recover");
    expect(mocked.staffAction).toHaveBeenCalledWith({ action: "recover" });
  });

  it("names on the status bar the sales staff must call the acquirer about, until they are resolved", async () => {
    feed(
      staffFrame(
        { screen: "ready" },
        {
          payments_in_doubt: 2,
          in_doubt: ["counter-1-000003", "counter-1-000007"],
          unresolved: ["counter-1-000007"],
          unresolved_notice: message("payment_unresolved", "決済結果が確定しません"),
        },
      ),
    );
    const line = hook("status-unresolved");
    expect(line.dataset["code"]).toBe("payment_unresolved");
    expect(line.textContent).toContain("決済結果が確定しません（日本語）");
    expect(line.closest('[role="status"]')?.getAttribute("aria-live")).toBe("polite");
    const sales = [...hook("status-in-doubt").querySelectorAll("li")].map((li) => [li.dataset["sale"], li.dataset["unresolved"]]);
    expect(sales).toEqual([
      ["counter-1-000003", "false"],
      ["counter-1-000007", "true"],
    ]);
    await expectAccessible("sales to call the acquirer about");
    feed(staffFrame({ screen: "ready" }, { payments_in_doubt: 0, in_doubt: [], unresolved: [], unresolved_notice: null }));
    expect(hooks("status-unresolved")).toEqual([]);
  });

  it("lists the refunds held past the counter's horizon, each settled with the acquirer's answer after a confirm step", async () => {
    const held = {
      id: "counter-1-R000002",
      payment: "counter-1-000001",
      idempotency_key: "counter-1-000001-refund-2",
      amount_jpy: 700,
      state: "refunding" as const,
      business_date: "2026-11-10",
      reason: null,
      created_at: 1_762_736_400,
      updated_at: 1_762_736_400,
      attempts: 1,
    };
    feed(
      staffFrame(
        { screen: "ready" },
        {
          payments_in_doubt: 0,
          in_doubt: [],
          unresolved: [held.id],
          unresolved_notice: message("payment_unresolved", "決済結果が確定しません"),
          held_refunds: [held],
          // Not the shipped 14: the label names what the counter sends, never a number of its own.
          refund_horizon_days: 21,
        },
      ),
    );
    expect(hook("status-held-refunds-label").textContent).toBe(
      "保留中の返金（21日より前で結果不明。二重返金を防ぐため端末はもう送りません）",
    );
    const list = hook("status-held-refunds");
    expect(list.dataset["count"]).toBe("1");
    expect(list.closest('[role="status"]'), "the buttons are not read out with the line").toBeNull();
    expect(list.querySelector("li")?.textContent).toContain("counter-1-R000002 ¥700 (2026-11-10)");
    // A choice opens its confirm step in plain words; nothing is sent until "record".
    hook<HTMLButtonElement>("held-refunded", list).click();
    await settle();
    expect(mocked.staffAction).not.toHaveBeenCalled();
    let confirm = hook("held-confirm");
    expect(confirm.dataset["said"]).toBe("refunded");
    expect(confirm.textContent).toContain("端末からは何も送りません");
    // Staff change their mind: the other answer, with what it means.
    hook<HTMLButtonElement>("held-not_refunded").click();
    await settle();
    confirm = hook("held-confirm");
    expect(confirm.dataset["said"]).toBe("not_refunded");
    expect(confirm.textContent).toContain("お金は動いていない");
    expect(confirm.textContent).toContain("新しく返金");
    await expectAccessible("held refunds with a confirm step");
    hook<HTMLButtonElement>("action-settle_held_refund").click();
    await settle();
    expect(mocked.staffAction).toHaveBeenCalledWith({ action: "settle_held_refund", refund_id: held.id, said: "not_refunded" });
    expect(mocked.staffAction).toHaveBeenCalledTimes(1);
    expect(hooks("held-confirm")).toEqual([]);
    // "Not now" closes the step without sending.
    hook<HTMLButtonElement>("held-refunded").click();
    await settle();
    hook<HTMLButtonElement>("held-keep").click();
    await settle();
    expect(hooks("held-confirm")).toEqual([]);
    expect(mocked.staffAction).toHaveBeenCalledTimes(1);
    // Settled: the list goes.
    feed(staffFrame({ screen: "ready" }, { unresolved: [], unresolved_notice: null, held_refunds: [] }));
    expect(hooks("status-held-refunds")).toEqual([]);
  });

  it("after recording a held refund's answer, draws the latest status, not the one the button was drawn with", async () => {
    const held = {
      id: "counter-1-R000005",
      payment: "counter-1-000004",
      idempotency_key: "counter-1-000004-refund-5",
      amount_jpy: 700,
      state: "refunding" as const,
      business_date: "2026-11-10",
      reason: null,
      created_at: 1_762_736_400,
      updated_at: 1_762_736_400,
      attempts: 1,
    };
    feed(staffFrame({ screen: "ready" }, { payments_in_doubt: 0, in_doubt: [], unresolved: [], unresolved_notice: null, held_refunds: [held] }));
    hook<HTMLButtonElement>("held-not_refunded").click();
    await settle();
    // The answer is slow; meanwhile a frame says the refund is settled.
    let answer: (() => void) | undefined;
    mocked.staffAction.mockImplementationOnce(
      () =>
        new Promise<undefined>((resolve) => {
          answer = () => resolve(undefined);
        }),
    );
    hook<HTMLButtonElement>("action-settle_held_refund").click();
    await settle();
    expect(mocked.staffAction).toHaveBeenCalledWith({ action: "settle_held_refund", refund_id: held.id, said: "not_refunded" });
    feed(staffFrame({ screen: "ready" }, { payments_in_doubt: 0, in_doubt: [], unresolved: [], unresolved_notice: null, held_refunds: [] }));
    expect(hooks("status-held-refunds")).toEqual([]);
    answer?.();
    await settle();
    // Not drawn again as held from the older status.
    expect(hooks("status-held-refunds")).toEqual([]);
    expect(hooks("held-confirm")).toEqual([]);
  });

  it("lists on the status bar the charges the counter never showed, each to confirm or void", async () => {
    feed(
      staffFrame(
        { screen: "ready" },
        {
          payments_in_doubt: 0,
          in_doubt: [],
          unshown: [
            { id: "counter-1-000004", amount_jpy: 1500, created_at: 1_767_570_000 },
            { id: "counter-1-000005", amount_jpy: 800, created_at: 1_767_570_060 },
          ],
          unshown_notice: message("approval_not_shown", "請求済みで未表示の取引があります"),
        },
      ),
    );
    const line = hook("status-unshown");
    expect(line.dataset["code"]).toBe("approval_not_shown");
    expect(line.textContent).toContain("請求済みで未表示の取引があります（日本語）");
    expect(line.closest('[role="status"]')?.getAttribute("aria-live")).toBe("polite");
    const list = hook("status-unshown-sales");
    expect(list.dataset["count"]).toBe("2");
    expect(list.closest('[role="status"]'), "the buttons are not read out with the line").toBeNull();
    const items = [...list.querySelectorAll("li")];
    expect(items.map((li) => li.dataset["sale"])).toEqual(["counter-1-000004", "counter-1-000005"]);
    expect(items[0]?.textContent).toContain("counter-1-000004 ¥1,500");
    // The customer paid by card: confirm; they paid another way: void (nothing is voided by itself).
    hook<HTMLButtonElement>("action-confirm_card_sale", list).click();
    await settle();
    expect(mocked.staffAction).toHaveBeenCalledWith({ action: "confirm_card_sale", sale_id: "counter-1-000004" });
    const voids = hooks<HTMLButtonElement>("action-void", list);
    expect(voids.map((b) => b.dataset["saleId"])).toEqual(["counter-1-000004", "counter-1-000005"]);
    voids[1]?.click();
    await settle();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "void", sale_id: "counter-1-000005" });
    expect(mocked.staffAction).toHaveBeenCalledTimes(2);
    await expectAccessible("charges never shown");
    feed(staffFrame({ screen: "ready" }, { unshown: [], unshown_notice: null }));
    expect(hooks("status-unshown")).toEqual([]);
    expect(hooks("status-unshown-sales")).toEqual([]);
  });

  it("lists on the status bar the re-checks that contradict or were given up, each to confirm", async () => {
    feed(
      staffFrame(
        { screen: "ready" },
        {
          rechecks: [
            {
              check_id: "chk-7",
              patient_ref: "P-000123",
              visit_date: "20260401",
              code: "recheck_contradiction",
              contradictions: [
                { kind: "ratio", presented: 3, found: { kind: "tenths", tenths: 1, source: "insured" } },
                { kind: "person", fields: ["birth_date"] },
              ],
              details_purged: false,
            },
            {
              check_id: "chk-9",
              patient_ref: null,
              visit_date: null,
              code: "recheck_gave_up",
              contradictions: [],
              details_purged: false,
            },
          ],
          rechecks_notice: message("recheck_contradiction", "再確認の結果が提示書類と異なります"),
        },
      ),
    );
    const line = hook("status-rechecks-notice");
    expect(line.dataset["code"]).toBe("recheck_contradiction");
    expect(line.closest('[role="status"]')?.getAttribute("aria-live")).toBe("polite");
    const list = hook("status-rechecks-to-confirm");
    expect(list.dataset["count"]).toBe("2");
    expect(list.closest('[role="status"]'), "the buttons are not read out with the line").toBeNull();
    const items = [...list.querySelectorAll("li")];
    expect(items.map((li) => li.dataset["check"])).toEqual(["chk-7", "chk-9"]);
    expect(items.map((li) => li.dataset["code"])).toEqual(["recheck_contradiction", "recheck_gave_up"]);
    // Which patient, which visit, and what differs: the share charged and the birth date.
    expect(items[0]?.textContent).toContain("chk-7");
    expect(items[0]?.textContent).toContain("P-000123");
    expect(items[0]?.textContent).toContain("2026-04-01");
    expect(items[0]?.textContent).toContain("3割 → 1割");
    expect(items[0]?.textContent).toContain("生年月日");
    const confirms = hooks<HTMLButtonElement>("action-confirm_recheck", list);
    expect(confirms.map((b) => b.dataset["checkId"])).toEqual(["chk-7", "chk-9"]);
    confirms[1]?.click();
    await settle();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "confirm_recheck", check_id: "chk-9" });
    await expectAccessible("re-checks to confirm");
    feed(staffFrame({ screen: "ready" }, { rechecks: [], rechecks_notice: null }));
    expect(hooks("status-rechecks-notice")).toEqual([]);
    expect(hooks("status-rechecks-to-confirm")).toEqual([]);
  });

  it("says of a listed re-check whose details the purge removed that they went, and what to do", () => {
    feed(
      staffFrame(
        { screen: "ready" },
        {
          rechecks: [
            {
              check_id: "chk-7",
              patient_ref: "P-000123",
              visit_date: null,
              code: "recheck_contradiction",
              contradictions: [],
              details_purged: true,
            },
          ],
          rechecks_notice: message("recheck_contradiction", "再確認の結果が提示書類と異なります"),
          rechecks_purged_notice: message("recheck_details_purged", "詳細が削除されています"),
        },
      ),
    );
    expect(hook("status-rechecks-purged").dataset["code"]).toBe("recheck_details_purged");
    const item = hook("status-rechecks-to-confirm").querySelector("li");
    expect(item?.dataset["purged"]).toBe("true");
    expect(item?.textContent).toContain("保存期間を過ぎたため、異なっていた項目は削除されました");
    feed(staffFrame({ screen: "ready" }, { rechecks: [], rechecks_notice: null, rechecks_purged_notice: null }));
    expect(hooks("status-rechecks-purged")).toEqual([]);
  });

  it("names on the status bar the folders the retention purge cannot list, until it can", async () => {
    feed(
      staffFrame(
        { screen: "ready" },
        {
          purge_failed: ["/srv/oqs/res"],
          purge_notice: message("purge_folder_unreadable", "削除できないフォルダがあります"),
        },
      ),
    );
    expect(hook("status-purge").dataset["code"]).toBe("purge_folder_unreadable");
    const folders = hook("status-purge-failed");
    expect(folders.dataset["count"]).toBe("1");
    expect(folders.textContent).toContain("/srv/oqs/res");
    await expectAccessible("folders not purged");
    feed(staffFrame({ screen: "ready" }, { purge_failed: [], purge_notice: null }));
    expect(hooks("status-purge")).toEqual([]);
    expect(hooks("status-purge-failed")).toEqual([]);
  });

  it("says on the status bar when the retention purge could not purge the database, beside the folders", async () => {
    feed(
      staffFrame(
        { screen: "ready" },
        {
          purge_failed: ["/srv/oqs/res"],
          purge_notice: message("purge_folder_unreadable", "削除できないフォルダがあります"),
          purge_details_notice: message("purge_details_kept", "個人情報を削除できず、保存されたままです"),
        },
      ),
    );
    expect(hook("status-purge-details").dataset["code"]).toBe("purge_details_kept");
    expect(hook("status-purge-details").textContent).toContain("保存されたままです");
    expect(hook("status-purge").dataset["code"]).toBe("purge_folder_unreadable");
    expect(hook("status-purge-failed").textContent).toContain("/srv/oqs/res");
    await expectAccessible("database not purged");
    feed(staffFrame({ screen: "ready" }, { purge_failed: [], purge_notice: null, purge_details_notice: null }));
    expect(hooks("status-purge-details")).toEqual([]);
  });

  it("says on the status bar when the store cannot be written, until it can", () => {
    feed(staffFrame({ screen: "ready" }, { storage_failed: true, notice: message("storage_failure") }));
    expect(hook("status-storage").dataset["state"]).toBe("failed");
    expect(hook("status-storage").textContent).toBe("保存できません");
    expect(hook("status-notice").dataset["code"]).toBe("storage_failure");
    feed(staffFrame({ screen: "ready" }, { storage_failed: false, notice: null }));
    expect(hook("status-storage").dataset["state"]).toBe("ok");
  });

  it("tells on the status bar of a card left unread on another reader, until it is gone", async () => {
    const identify: StaffFrame["staff"] = { screen: "identify", view: identifyStaff };
    feed(staffFrame(identify, { reader: "card", other_card: message("other_card_not_read", "別のリーダーにもカードがあります") }));
    const line = hook("status-other-card");
    expect(line.dataset["code"]).toBe("other_card_not_read");
    expect(line.textContent).toContain("別のリーダーにもカードがあります（日本語）");
    expect(line.textContent).toContain("次: other_card_not_read");
    expect(line.closest('[role="status"]')?.getAttribute("aria-live")).toBe("polite");
    // The customer's screen goes on beside it, and the counter's own notice keeps its place.
    expect(screen().dataset["screen"]).toBe("identify");
    expect(hook("status-notice").dataset["code"]).toBe("payments_recovered");
    await expectAccessible("a card unread on another reader");
    // The customer's card left first: place the other one again to have it read.
    feed(staffFrame({ screen: "ready" }, { reader: "empty", other_card: message("other_card_place_again") }));
    expect(hook("status-other-card").dataset["code"]).toBe("other_card_place_again");
    // Taken off: the line is empty.
    feed(staffFrame({ screen: "ready" }, { other_card: null }));
    expect(hook("status-other-card").dataset["code"]).toBe("");
    expect(hook("status-other-card").textContent).toBe("");
  });

  it("tells staff while the customer window is not connected, by the code table's line, and clears it once it is", async () => {
    feed(staffFrame({ screen: "ready" }, { customer_window_notice: message("customer_window_missing", "お客様用の画面がつながっていません") }));
    const line = hook("status-customer-window");
    expect(line.dataset["code"]).toBe("customer_window_missing");
    // The counter's text, as it sent it: the UI writes none of its own.
    expect(line.textContent).toContain("お客様用の画面がつながっていません（日本語）");
    expect(line.textContent).toContain("次: customer_window_missing");
    expect(line.closest('[role="status"]')?.getAttribute("aria-live")).toBe("polite");
    // The counter goes on beside it.
    expect(screen().dataset["screen"]).toBe("ready");
    await expectAccessible("the customer window not connected");
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(hook("status-customer-window").textContent).toContain("お客様用の画面がつながっていません (English)");
    expect(hook("status-customer-window").textContent).toContain("Next: customer_window_missing");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
    feed(staffFrame({ screen: "ready" }, { customer_window_notice: null }));
    expect(hook("status-customer-window").dataset["code"]).toBe("");
    expect(hook("status-customer-window").textContent).toBe("");
  });

  it("shows the platform's notices about the card above every screen and tab while they last", async () => {
    const notices = [message("sign_certificate_revoked", "住所か氏名が変わりました"), message("sign_certificate_unchecked")];
    feed(staffFrame({ screen: "ready" }, {}, { notices }));
    const shown = hooks("card-notice");
    expect(shown.map((n) => n.dataset["code"])).toEqual(["sign_certificate_revoked", "sign_certificate_unchecked"]);
    expect(shown[0]?.textContent).toContain("住所か氏名が変わりました（日本語）");
    expect(shown[0]?.textContent).toContain("次: sign_certificate_revoked");
    const region = shown[0]?.closest('[role="status"]');
    expect(region?.id).toBe("card-notices");
    // Above the counter's screen, and outside it: the other tabs show them too.
    expect(region !== null && region !== undefined && (region.compareDocumentPosition(screen()) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0).toBe(true);
    feed(staffFrame({ screen: "identify", view: identifyStaff }, {}, { notices }));
    expect(hooks("card-notice")).toHaveLength(2);
    click("tab-close");
    expect(hooks("card-notice")).toHaveLength(2);
    await expectAccessible("card notices");
    click("tab-counter");
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(hook("card-notice").textContent).toContain("住所か氏名が変わりました (English)");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
    feed(staffFrame({ screen: "ready" }));
    expect(hooks("card-notice")).toEqual([]);
    expect(document.getElementById("card-notices")?.childElementCount).toBe(0);
  });

  it("switches the mode, and shows the counter's refusal next to the switch", async () => {
    mocked.staffAction.mockRejectedValueOnce({ message: message("not_now", "今はできません") });
    const cashier = hooks<HTMLButtonElement>("action-set_mode").find((b) => b.dataset["mode"] === "cashier");
    cashier?.click();
    await settle();
    expect(mocked.staffAction).toHaveBeenCalledWith({ action: "set_mode", mode: "cashier" });
    const error = hook("action-error", document.querySelector(".mode-block") ?? document);
    expect(error.dataset["code"]).toBe("not_now");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("今はできません（日本語）");
  });

  it("says a card left on the reader must be placed again before a check starts", () => {
    feed(staffFrame({ screen: "ready" }, { mode: "pharmacy", reader: "empty" }));
    expect(hook("ready-hint").dataset["card"]).toBe("false");
    expect(hook("ready-hint").textContent).toBe("カードが読み取り機に置かれると本人確認が始まります。");
    feed(staffFrame({ screen: "ready" }, { mode: "pharmacy", reader: "card" }));
    expect(hook("ready-hint").dataset["card"]).toBe("true");
    expect(hook("ready-hint").textContent).toBe("カードを一度取り、置き直すと本人確認が始まります。");
  });

  it("starts a sale from the cashier's amount form, keeping what was typed across frames", () => {
    feed(staffFrame({ screen: "ready" }, { mode: "cashier" }));
    expect(hook("mode").dataset["mode"]).toBe("cashier");
    type(hook<HTMLInputElement>("sale-amount"), "1200");
    type(hook<HTMLInputElement>("sale-order-ref"), "A-1");
    feed(staffFrame({ screen: "ready" }, { mode: "cashier", reader: "card" }));
    expect(hook<HTMLInputElement>("sale-amount").value).toBe("1200");
    click("action-new_sale");
    expect(mocked.staffAction).toHaveBeenCalledWith({ action: "new_sale", amount_jpy: 1200, order_ref: "A-1" });
  });

  it("shows an identification with the last-try confirmation, and Escape cancels", async () => {
    feed(staffFrame({ screen: "identify", view: identifyStaff }));
    expect(screen().dataset["screen"]).toBe("identify");
    expect(screen().dataset["step"]).toBe("confirm_last_try");
    expect(hook("tries-left").textContent).toBe("1");
    expect(hook("identify-code").dataset["code"]).toBe("pin_last_try");
    click("action-confirm_last_try");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "confirm_last_try" });
    click("action-start_again");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "start_again" });
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "cancel" });
    await expectAccessible("identify");
  });

  it("says a PIN pad is in use, with the pad's time and how to stop it, and Cancel stays offered", async () => {
    const padWait = { ...identifyStaff, step: "pin_pad", pin_pad: true, tries_left: 3, code: "pin_pad_in_use", needs_staff_confirmation: false, can_retry: false, seconds_left: 51, time_warning: false } as const;
    feed(staffFrame({ screen: "identify", view: padWait }));
    expect(hook("identify-step").dataset["step"]).toBe("pin_pad");
    expect(hook("pin-pad-in-use").textContent).toBe("暗証番号パッド使用中");
    expect(hook("identify-code").dataset["code"]).toBe("pin_pad_in_use");
    expect(hook("tries-left").textContent).toBe("3");
    expect(hook("seconds-left").dataset["seconds"]).toBe("51");
    expect(hook("seconds-left").textContent).toContain("パッドの残り時間");
    click("action-cancel");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "cancel" });
    await expectAccessible("identify-pin-pad");
    click("tab-counter");
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(hook("pin-pad-in-use").textContent).toBe("PIN pad in use");
    expect(hook("seconds-left").textContent).toContain("Time left on the pad");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
    // Once the wait is over (cancelled), the pad's line and time are gone.
    feed(staffFrame({ screen: "identify", view: { ...padWait, step: "cancelled", code: null, seconds_left: null } }));
    expect(document.querySelector('[data-test="pin-pad-in-use"]')).toBeNull();
    expect(document.querySelector('[data-test="seconds-left"]')).toBeNull();
  });

  it("says on the identification when the signature certificate is revoked or could not be checked", () => {
    feed(
      staffFrame({
        screen: "identify",
        view: {
          ...identifyStaff,
          notices: [
            { code: "sign_certificate_revoked", revoked_at: 1_760_000_000, reason: "affiliation_changed" },
            { code: "sign_certificate_unchecked", detail: "CRL out of date" },
          ],
        },
      }),
    );
    const [revoked, unchecked] = hooks("identify-notice");
    expect(revoked?.dataset["code"]).toBe("sign_certificate_revoked");
    expect(revoked?.textContent).toContain("(affiliation_changed)");
    expect(unchecked?.dataset["code"]).toBe("sign_certificate_unchecked");
    expect(unchecked?.textContent).toContain("CRL out of date");
  });

  it("offers a document check and an enrollment after a failed identification", () => {
    feed(staffFrame({ screen: "identify", view: { ...identifyStaff, step: "failed", code: "pin_blocked", needs_staff_confirmation: false } }));
    type(hook<HTMLSelectElement>("fallback-reason"), "pin_blocked");
    click("action-start_fallback");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "start_fallback", reason: "pin_blocked" });
    expect(hook("enroll-form")).toBeTruthy();
  });

  it("lays out an eligibility result with warnings first and the actions it offers", async () => {
    feed(staffFrame({ screen: "check", view: check, check_id: "T-1-chk-000001", co_payment: false }));
    const warnings = hook("warnings");
    const ratio = hook("ratio");
    expect(warnings.compareDocumentPosition(ratio) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(ratio.textContent).toBe("3割");
    expect(hook("validity").dataset["validity"]).toBe("valid");
    // Then who and which insurance, before the records in full.
    const who = hook("headline-record");
    expect(ratio.compareDocumentPosition(who) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(who.textContent).toContain("関東健康保険組合 (06130019)");
    expect(who.textContent).toContain("佐藤 花子");
    expect(who.textContent).toContain("1234・5678・01");
    expect(hook("details").dataset["state"]).toBe("withheld");
    click("action-acknowledge_warnings");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "acknowledge_warnings" });
    hooks<HTMLButtonElement>("action-choose_record")[1]?.click();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "choose_record", index: 1 });
    // The result names someone else: writing the files is staff's word that it is the
    // expected patient's, whose chart they name.
    expect(hook("action-export").textContent).toBe("受付予定の患者さん本人と確認して、そのカルテに連携ファイルを書き出す");
    click("action-export");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "export" });
    await expectAccessible("check");
    feed(staffFrame({ screen: "check", view: checkShown, check_id: "T-1-chk-000001", co_payment: false }));
    expect(hook("action-export").textContent).toBe("レセコン連携ファイルを書き出す");
    expect(hook("export-state").dataset["state"]).toBe("written");
    expect(hook("fallback").dataset["recheck"]).toBe("true");
    click("action-finish");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "finish" });
  });

  it("offers 'another patient' beside the export after a mismatch, and then says whose check it is", async () => {
    // Acknowledged: what differs is shown, the files wait for staff's word.
    const acknowledged: EligibilityStaffView = { ...checkShown, person: "different", export: "not_exported", actions: ["export", "confirm_another_patient"] };
    feed(staffFrame({ screen: "check", view: acknowledged, check_id: "T-1-chk-000001", co_payment: true }));
    const other = hook("action-confirm_another_patient");
    expect(other.parentElement).toBe(hook("action-export").parentElement);
    expect(other.textContent).toBe("受付予定の患者さんとは別の患者さん：この方の資格確認として扱う（受付予定の患者さんのカルテには書き出さない）");
    click("action-confirm_another_patient");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "confirm_another_patient" });
    await expectAccessible("check after a mismatch");
    // Taken: the person line says whose check it is; the export is an ordinary one.
    feed(staffFrame({ screen: "check", view: { ...acknowledged, person: "another_patient", export: "written", actions: ["export"] }, check_id: "T-1-chk-000001", co_payment: true }));
    expect(hook("person-check").dataset["person"]).toBe("another_patient");
    expect(hook("person-check").querySelector('[data-code="another_patient"]')).not.toBeNull();
    expect(document.querySelector('[data-test="action-confirm_another_patient"]')).toBeNull();
    expect(hook("action-export").textContent).toBe("レセコン連携ファイルを書き出す");
  });

  it("takes the expected patient on the ready screen, shows the one in force, and clears it", async () => {
    feed(staffFrame({ screen: "ready" }, { mode: "reception", reader: "empty" }));
    expect(document.querySelector('[data-test="expected-patient"]')).toBeNull();
    expect(document.querySelector('[data-test="expected-clear"]')).toBeNull();
    type(hook<HTMLInputElement>("expected-name"), " 佐藤 花子 ");
    type(hook<HTMLInputElement>("expected-birth_date"), "1980-04-01");
    click("action-expect_patient");
    await settle();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "expect_patient", name: "佐藤 花子", birth_date: "1980-04-01" });
    // Accepted: the form is emptied for the next one, and the frame shows the patient in force.
    expect(hook<HTMLInputElement>("expected-name").value).toBe("");
    feed(staffFrame({ screen: "ready" }, { mode: "reception", reader: "empty" }, { expected }));
    const line = hook("expected-patient");
    expect(line.textContent).toContain("佐藤 花子");
    expect(line.textContent).toContain("1980-04-01");
    expect(line.dataset["birthDate"]).toBe("19800401");
    await expectAccessible("ready with the expected patient");
    click("expected-clear");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "expect_patient", name: "", birth_date: "" });
    // The cashier expects no patient.
    feed(staffFrame({ screen: "ready" }, { mode: "cashier" }, { expected }));
    expect(document.querySelector('[data-test="form-expect_patient"]')).toBeNull();
  });

  it("shows the counter's refusal of the expected patient next to the form, and keeps what was typed", async () => {
    feed(staffFrame({ screen: "ready" }, { mode: "pharmacy", reader: "empty" }));
    mocked.staffAction.mockRejectedValueOnce({ message: message("expected_patient_invalid", "生年月日の形が違います") });
    type(hook<HTMLInputElement>("expected-name"), "サトウ ハナコ");
    type(hook<HTMLInputElement>("expected-birth_date"), "1980-13-01");
    click("action-expect_patient");
    await settle();
    const error = hook("action-error", hook("form-expect_patient"));
    expect(error.dataset["code"]).toBe("expected_patient_invalid");
    expect(error.textContent).toContain("生年月日の形が違います（日本語）");
    expect(hook<HTMLInputElement>("expected-birth_date").value).toBe("1980-13-01");
  });

  it("keeps the expected patient being typed when the card is placed, and takes it while the customer identifies", async () => {
    feed(staffFrame({ screen: "ready" }, { mode: "reception", reader: "empty" }));
    type(hook<HTMLInputElement>("expected-name"), "佐藤 花子");
    hook<HTMLInputElement>("expected-name").focus();
    const identifying = { ...identifyStaff, step: "pin_entry", code: null, needs_staff_confirmation: false } as const;
    feed(staffFrame({ screen: "identify", view: identifying }, { mode: "reception", reader: "card" }));
    expect(screen().dataset["screen"]).toBe("identify");
    expect(hook<HTMLInputElement>("expected-name").value).toBe("佐藤 花子");
    expect(document.activeElement).toBe(hook("expected-name"));
    type(hook<HTMLInputElement>("expected-birth_date"), "19800401");
    click("action-expect_patient");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "expect_patient", name: "佐藤 花子", birth_date: "19800401" });
    await settle();
    feed(staffFrame({ screen: "identify", view: identifying }, { mode: "reception", reader: "card" }, { expected }));
    expect(hook("expected-patient").textContent).toContain("佐藤 花子");
    await expectAccessible("identify with the expected patient");
    // A sale's identification (the cashier) has no expected patient.
    feed(staffFrame({ screen: "sale", view: { amount_jpy: 1200, order_ref: null, step: { step: "identifying", view: identifying }, visit: null } }, { mode: "cashier" }, { expected }));
    expect(document.querySelector('[data-test="form-expect_patient"]')).toBeNull();
    expect(document.querySelector('[data-test="expected-patient"]')).toBeNull();
  });

  it("offers the expected patient during a check until the insurer answers, then says whether the answer names them", async () => {
    const waiting: EligibilityStaffView = { ...check, warnings: [], headline: null, records: [], details: { state: "none" }, actions: [], step: { step: "waiting_for_customer" }, person: "pending" };
    feed(staffFrame({ screen: "check", view: waiting, check_id: "T-1-chk-000001", co_payment: false }, {}, { expected }));
    expect(hook("person-check").dataset["person"]).toBe("pending");
    expect(hook("person-check").textContent).toContain("照会結果を待っています");
    expect(hook("expected-patient").textContent).toContain("佐藤 花子");
    expect(hook("form-expect_patient")).toBeTruthy();
    feed(staffFrame({ screen: "check", view: { ...waiting, step: { step: "checking" } }, check_id: "T-1-chk-000001", co_payment: false }, {}, { expected }));
    expect(hook("form-expect_patient")).toBeTruthy();
    await expectAccessible("check waiting, with the expected patient");

    // Answered, no file written: a corrected patient may be typed over the answer (the
    // counter compares it afresh), as the counter says.
    const answered: EligibilityStaffView = { ...checkShown, export: "not_exported", takes_expected: true };
    feed(staffFrame({ screen: "check", view: answered, check_id: "T-1-chk-000001", co_payment: false }, {}, { expected }));
    expect(hook("check-step").dataset["step"]).toBe("result");
    expect(hook("form-expect_patient")).toBeTruthy();
    type(hook<HTMLInputElement>("expected-name"), "佐藤 太郎");
    type(hook<HTMLInputElement>("expected-birth_date"), "1983-02-01");
    click("action-expect_patient");
    await settle();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "expect_patient", name: "佐藤 太郎", birth_date: "1983-02-01" });

    // Files written (or another patient confirmed): the patient in force stays in view, the form goes.
    feed(staffFrame({ screen: "check", view: checkShown, check_id: "T-1-chk-000001", co_payment: false }, {}, { expected }));
    expect(hook("person-check").dataset["person"]).toBe("same");
    expect(hook("person-check").textContent).toContain("照会結果は受付予定の患者さんのものです");
    expect(hook("expected-patient")).toBeTruthy();
    expect(document.querySelector('[data-test="form-expect_patient"]')).toBeNull();

    // Different: the person_mismatch warning comes first, then the person line.
    feed(staffFrame({ screen: "check", view: check, check_id: "T-1-chk-000001", co_payment: false }, {}, { expected }));
    const person = hook("person-check");
    expect(person.dataset["person"]).toBe("different");
    expect(person.classList.contains("bad")).toBe(true);
    expect(hook("warning").dataset["code"]).toBe("person_mismatch");
    expect(hook("warnings").compareDocumentPosition(person) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    // Not compared: the code table's line, so that staff know no comparison was made.
    feed(staffFrame({ screen: "check", view: { ...checkShown, person: "not_compared" }, check_id: "T-1-chk-000001", co_payment: false }));
    const notCompared = hook("person-check");
    expect(notCompared.dataset["person"]).toBe("not_compared");
    expect(hook("person-check").querySelector('[data-code="person_not_compared"]')).not.toBeNull();
    expect(notCompared.textContent).toContain("予定の患者さんと照合していません（日本語）");
    expect(notCompared.textContent).toContain("次: person_not_compared");
    expect(document.querySelector('[data-test="expected-patient"]')).toBeNull();
    await expectAccessible("check not compared");
  });

  it("names a fallback for a link not confirmed as the holder's", () => {
    feed(
      staffFrame({
        screen: "check",
        view: { ...check, warnings: [], headline: null, records: [], details: { state: "none" }, actions: ["record_fallback"], step: { step: "needs_fallback", reason: "link_not_confirmed" }, person: "pending" }, check_id: "T-1-chk-000001", co_payment: false,
      }),
    );
    expect(hook("check-step").dataset["step"]).toBe("needs_fallback");
    expect(hook("check-step").textContent).toContain("保険の連携が本人のものと確認されていない");
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(hook("check-step").textContent).toContain("Insurance link not confirmed as the holder's");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
  });

  it("sends a sale's receipt to the printer alone", async () => {
    feed(staffFrame({ screen: "sale", view: { amount_jpy: 1200, order_ref: "A-1", step: { step: "identifying", view: { ...identifyStaff, purpose: "payment" } }, visit: null } }));
    expect(screen().dataset["step"]).toBe("identifying");
    feed(staffFrame({ screen: "sale", view: { amount_jpy: 1200, order_ref: null, step: { step: "choosing", options: [{ service_id: "acq-visa", label: "クレジットカード" }] }, visit: null } }));
    expect(hook("sale-options").textContent).toBe("クレジットカード");
    feed(staffFrame({ screen: "sale", view: { amount_jpy: 1200, order_ref: null, step: { step: "failed", message: message("payment_declined") }, visit: null } }));
    expect(hook("sale-state").dataset["state"]).toBe("failed");
    click("action-start_again");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "start_again" });
    feed(staffFrame({ screen: "sale", view: { amount_jpy: 1200, order_ref: "A-1", step: { step: "done", record: paymentRecord, message: message("payment_approved"), receipt: receipt("customer") }, visit: null } }));
    expect(hook("sale-state").dataset["state"]).toBe("captured");
    expect(hook("sale-message").dataset["code"]).toBe("payment_approved");
    const slip = hook("receipt");
    expect(slip.dataset["copy"]).toBe("customer");
    click("print-receipt", slip);
    expect(window.print).toHaveBeenCalledTimes(1);
    expect(slip.classList.contains("print-target")).toBe(true);
    window.dispatchEvent(new Event("afterprint"));
    expect(slip.classList.contains("print-target")).toBe(false);
    await expectAccessible("sale done");
  });

  it("takes a visit's co-payment from its check's result and from the ready screen, and shows the visit beside the amount", async () => {
    // The check's result: its visit number, and the co-payment form when the counter takes it.
    feed(staffFrame({ screen: "check", view: checkShown, check_id: "T-1-chk-000003", co_payment: false }));
    expect(hook("check-id").dataset["checkId"]).toBe("T-1-chk-000003");
    expect(hooks("co-payment")).toEqual([]);
    feed(staffFrame({ screen: "check", view: checkShown, check_id: "T-1-chk-000003", co_payment: true }));
    expect(hook("co-payment").dataset["checkId"]).toBe("T-1-chk-000003");
    expect(hooks("co-payment-check-id")).toEqual([]);
    type(hook<HTMLInputElement>("co-payment-amount"), "1530");
    click("action-take_co_payment");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "take_co_payment", check_id: "T-1-chk-000003", amount_jpy: 1530 });
    await expectAccessible("check with its co-payment");

    // At rest (reception or pharmacy): the visit number is typed; never at the till.
    feed(staffFrame({ screen: "ready" }, { mode: "cashier" }));
    expect(hooks("co-payment")).toEqual([]);
    feed(staffFrame({ screen: "ready" }, { mode: "pharmacy" }));
    type(hook<HTMLInputElement>("co-payment-check-id"), " T-1-chk-000002 ");
    type(hook<HTMLInputElement>("co-payment-amount"), "800");
    click("action-take_co_payment");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "take_co_payment", check_id: "T-1-chk-000002", amount_jpy: 800 });

    // The sale names the visit, with its check's summary, beside the amount.
    const visit = { check_id: "T-1-chk-000003", result: "valid", insurer_number: "06139999", insurer_name: "関東健康保険組合", ratio_tenths: 3 } as const;
    feed(staffFrame({ screen: "sale", view: { amount_jpy: 1530, order_ref: null, step: { step: "paying" }, visit } }));
    const shown = hook("sale-visit");
    expect(shown.dataset["checkId"]).toBe("T-1-chk-000003");
    expect(shown.dataset["result"]).toBe("valid");
    expect(shown.dataset["tenths"]).toBe("3");
    expect(shown.textContent).toBe("受付番号 T-1-chk-000003資格有効 · 3割 · 関東健康保険組合 (06139999)");
    expect(hook("sale-amount-shown").textContent).toBe("¥1,530");
    await expectAccessible("co-payment");
  });

  it("follows an enrollment and starts one from the form", () => {
    feed(staffFrame({ screen: "enroll", view: enrollStaff }));
    expect(screen().dataset["step"]).toBe("confirm_password_last_try");
    expect(hook("password-tries-left").textContent).toBe("1");
    feed(staffFrame({ screen: "ready" }));
    type(hook<HTMLInputElement>("enroll-insurer_number"), "06130019");
    type(hook<HTMLInputElement>("enroll-number"), "5678");
    type(hook<HTMLInputElement>("enroll-card_token_ref"), "tok-1");
    type(hook<HTMLInputElement>("enroll-last4"), "1234");
    click("action-start_enrollment");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({
      action: "start_enrollment",
      services: [
        { kind: "insurance", service_id: "ins-kanto", insurer_number: "06130019", symbol: null, number: "5678", branch: null },
        { kind: "payment", service_id: "acq-visa", card_token_ref: "tok-1", brand: null, last4: "1234" },
      ],
    });
  });

  it("offers neither Cancel nor Finish while the counter holds the enrollment (the platform linking the card), and says why", async () => {
    const linking = { ...enrollStaff, step: "enrolling" as const, needs_staff_confirmation: false, can_retry: false, code: null };
    const hold = message("enrollment_linking", "認証基盤がカードを登録している途中です");
    feed(staffFrame({ screen: "enroll", view: linking }, {}, { hold }));
    expect(screen().dataset["step"]).toBe("enrolling");
    expect(document.querySelector('[data-test="action-cancel"]')).toBeNull();
    expect(document.querySelector('[data-test="action-finish"]')).toBeNull();
    expect(hook("hold").dataset["code"]).toBe("enrollment_linking");
    expect(hook("hold").textContent).toContain("認証基盤がカードを登録している途中です（日本語）");
    // Escape presses no Cancel either.
    mocked.staffAction.mockClear();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(mocked.staffAction).not.toHaveBeenCalled();
    await expectAccessible("enrollment held");
    // The answer came: the counter no longer holds it, and Finish is offered again.
    feed(staffFrame({ screen: "enroll", view: { ...linking, step: "enrolled" } }));
    expect(document.querySelector('[data-test="hold"]')).toBeNull();
    click("action-finish");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "finish" });
  });

  it("lists the links the services refused, with why and which attribute differs, after a partial success or a failure", async () => {
    const refused: EnrollStaffView["refused"] = [
      { service_id: "ins-kanto", kind: "insurance", code: "link_mismatch", attribute: "address" },
      { service_id: "acq-visa", kind: "payment", code: "link_service_unavailable", attribute: null },
    ];
    const over = { ...enrollStaff, needs_staff_confirmation: false, can_retry: false, password_tries_left: null, field: null };
    feed(staffFrame({ screen: "enroll", view: { ...over, step: "enrolled", code: null, linked: [{ service_id: "ins-other", kind: "insurance", label: "他の健保" }], refused } }));
    const lines = hooks("refused-line");
    expect(lines.map((l) => [l.dataset["serviceId"], l.dataset["kind"], l.dataset["code"], l.dataset["attribute"]])).toEqual([
      ["ins-kanto", "insurance", "link_mismatch", "address"],
      ["acq-visa", "payment", "link_service_unavailable", ""],
    ]);
    expect(lines[0]?.textContent).toContain("健康保険 (ins-kanto)");
    expect(lines[0]?.textContent).toContain("サービスの記録と一致しません（日本語）");
    expect(lines[0]?.textContent).toContain("次: link_mismatch");
    expect(hook("refused-attribute", lines[0]).textContent).toBe("相違のある項目: 住所");
    expect(lines[1]?.querySelector('[data-test="refused-attribute"]')).toBeNull();
    expect(hook("menu").textContent).toContain("他の健保");
    await expectAccessible("enrolled with refused links");
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(hook("refused-attribute").textContent).toBe("Field that differs: Address");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
    feed(staffFrame({ screen: "enroll", view: { ...over, step: "failed", code: "link_mismatch", linked: [], refused: [{ service_id: "ins-kanto", kind: "insurance", code: "link_mismatch", attribute: "birth_date" }] } }));
    expect(hook("enroll-code").dataset["code"]).toBe("link_mismatch");
    expect(hook("refused-attribute").textContent).toBe("相違のある項目: 生年月日");
    click("action-finish");
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "finish" });
  });
});

describe("the staff window's tabs", () => {
  it("searches the journal with the card masked, and voids and refunds after a confirmation", async () => {
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "F2", bubbles: true }));
    expect(hook("tab-journal").getAttribute("aria-pressed")).toBe("true");
    type(hook<HTMLInputElement>("journal-text"), "1234");
    click("journal-search-run");
    await settle();
    expect(mocked.journal).toHaveBeenCalledWith({ business_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), text: "1234" });
    const row = hook("journal-row");
    expect(row.dataset["saleId"]).toBe("T-1-7");
    expect(row.dataset["state"]).toBe("captured");
    expect(hook("journal-card", row).textContent).toBe("VISA ****1234");
    expect(document.body.textContent).not.toContain("idem-secret-key");
    expect(document.body.textContent).not.toContain("pay-internal-id");

    click("journal-void", row);
    click("action-void");
    await settle();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "void", sale_id: "T-1-7" });

    click("journal-refund");
    type(hook<HTMLInputElement>("refund-amount"), "500");
    click("action-refund");
    await settle();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "refund", sale_id: "T-1-7", amount_jpy: 500 });

    mocked.journal.mockResolvedValueOnce([
      { ...journalEntry, refunds: [{ id: "R-1", payment: "T-1-7", idempotency_key: "k", amount_jpy: 500, state: "refunded", business_date: "2026-01-05", reason: null, created_at: 0, updated_at: 0, attempts: 0 }] },
    ]);
    click("journal-search-run");
    await settle();
    click("journal-receipts");
    expect(hooks("receipt").map((r) => r.dataset["copy"])).toEqual(["customer", "merchant"]);
    expect(hooks("receipt").every((r) => r.dataset["reprint"] === "true")).toBe(true);
    expect(hook("journal-refund-line").dataset["state"]).toBe("refunded");
    await expectAccessible("journal");

    // A co-payment is listed with its visit and the check's summary.
    mocked.journal.mockResolvedValueOnce([
      {
        ...journalEntry,
        sale: { ...journalEntry.sale, visit_id: "T-1-chk-000003" },
        visit: { check_id: "T-1-chk-000003", result: "fallback", insurer_number: null, insurer_name: null, ratio_tenths: 3 },
      },
    ]);
    click("journal-search-run");
    await settle();
    const visit = hook("journal-visit", hook("journal-row"));
    expect(visit.dataset["checkId"]).toBe("T-1-chk-000003");
    expect(visit.dataset["result"]).toBe("fallback");
    expect(visit.textContent).toBe("T-1-chk-000003 代替手段 · 3割");

    mocked.journal.mockResolvedValueOnce([]);
    click("journal-search-run");
    await settle();
    expect(hook("journal-empty")).toBeTruthy();
  });

  it("lists the visits of the day with their co-payments, and takes one from there on the counter tab", async () => {
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "F2", bubbles: true }));
    mocked.visits.mockResolvedValueOnce([]);
    click("visits-load");
    await settle();
    expect(hook("visits-empty")).toBeTruthy();
    click("visits-load");
    await settle();
    expect(mocked.visits).toHaveBeenCalledWith(expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/));
    const rows = hooks("visit-row");
    expect(rows.map((r) => [r.dataset["checkId"], r.dataset["result"], r.dataset["coPayment"]])).toEqual([
      ["T-1-chk-000003", "valid", "true"],
      ["T-1-chk-000004", "none", "false"],
    ]);
    const [paid, open] = rows as [HTMLElement, HTMLElement];
    expect(hook("visit-payment", paid).dataset["saleId"]).toBe("T-1-7");
    expect(hooks("visit-take", open)).toEqual([]);
    await expectAccessible("visits");
    type(hook<HTMLInputElement>("visit-co-payment-amount", paid), "1530");
    click("visit-take", paid);
    await settle();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "take_co_payment", check_id: "T-1-chk-000003", amount_jpy: 1530 });
    expect(hook("tab-counter").getAttribute("aria-pressed")).toBe("true");
  });

  it("closes the day (today in JST by default) and shows the counter's refusal", async () => {
    click("tab-close");
    click("close-run");
    await settle();
    expect(mocked.closeDay).toHaveBeenCalledWith(expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/));
    expect(hook("close-report").dataset["code"]).toBe("close_matched");
    expect(hook("close-line").dataset["matches"]).toBe("true");
    mocked.closeDay.mockRejectedValueOnce({ message: message("close_refused_in_doubt", "未確定があります") });
    click("close-run");
    await settle();
    expect(hook("action-error", hook("close-form")).dataset["code"]).toBe("close_refused_in_doubt");
    expect(document.querySelector('[data-test="close-report"]')).toBeNull();
    await expectAccessible("close");
  });

  it("lists tomorrow's appointments, pre-checks them with the differences marked, and expects the one who arrived", async () => {
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "F6", bubbles: true }));
    await settle();
    expect(hook("tab-appointments").getAttribute("aria-pressed")).toBe("true");
    const day = hook<HTMLInputElement>("appointments-date").value;
    expect(mocked.appointments).toHaveBeenCalledWith(day);
    expect(hook("appointment").dataset["status"]).toBe("not_checked");
    expect(document.querySelector('[data-test="appointment-difference"]')).toBeNull();

    click("appointments-precheck");
    await settle();
    expect(mocked.precheckAppointments).toHaveBeenCalledWith(day);
    const row = hook("appointment");
    expect(row.dataset["status"]).toBe("valid");
    expect(row.dataset["differences"]).toBe("1");
    const diff = hook("appointment-difference", row);
    expect(diff.dataset["field"]).toBe("ratio");
    expect([diff.dataset["clinic"], diff.dataset["insurer"]]).toEqual(["2", "3"]);
    expect(diff.textContent).toContain("2割");
    expect(diff.textContent).toContain("3割");
    await expectAccessible("appointments");

    // A typed one refused names the field to fix; one taken shows in the day's list.
    mocked.addAppointment.mockRejectedValueOnce({ message: message("appointment_invalid", "予約の入力に誤りがあります"), field: "insurer_number" });
    type(hook<HTMLInputElement>("appointment-name"), "佐藤　花子");
    type(hook<HTMLInputElement>("appointment-insurer_number"), "6139999");
    click("appointment-add");
    await settle();
    expect(hook("appointment-field-error").dataset["field"]).toBe("insurer_number");
    expect(hook("appointment-insurer_number").getAttribute("aria-invalid")).toBe("true");
    expect(hook("action-error", hook("appointment-form")).dataset["code"]).toBe("appointment_invalid");
    type(hook<HTMLInputElement>("appointment-insurer_number"), "06139999");
    type(hook<HTMLSelectElement>("appointment-ratio"), "2");
    type(hook<HTMLSelectElement>("appointment-sex"), "female");
    click("appointment-add");
    await settle();
    expect(mocked.addAppointment).toHaveBeenLastCalledWith(
      expect.objectContaining({ name: "佐藤　花子", insurer_number: "06139999", ratio_tenths: 2, sex: "female" }),
    );
    expect(document.querySelector('[data-test="appointment-field-error"]')).toBeNull();

    click("appointment-arrived");
    await settle();
    expect(mocked.staffAction).toHaveBeenLastCalledWith({ action: "expect_appointment", appointment_id: 7 });
    expect(hook("tab-counter").getAttribute("aria-pressed")).toBe("true");

    mocked.appointments.mockResolvedValueOnce([]);
    click("tab-appointments");
    await settle();
    expect(hook("appointments-list").dataset["count"]).toBe("0");
  });

  it("shows the settings read-only", async () => {
    click("tab-settings");
    await settle();
    expect(hook("settings").textContent).toContain("/etc/madoguchi/terminal.toml");
    expect(hook("settings").textContent).toContain("/srv/oqs");
    expect(hook("settings").textContent).toContain("127.0.0.1:8710");
    expect(hook("settings-note").textContent).toContain("設定ファイル");
    expect(document.querySelector("#panel-settings input")).toBeNull();
  });

  it("lists the demo cards with their test PIN and places and removes them", async () => {
    click("tab-demo");
    await settle();
    const card = hook("demo-card");
    expect(card.dataset["persona"]).toBe("sato-hanako");
    expect(hook("demo-pin").textContent).toBe("1234");
    expect(card.textContent).toContain("テストカードの暗証番号");
    const reads = mocked.demoCards.mock.calls.length;
    click("demo-place-sato-hanako");
    await settle();
    expect(mocked.demoPlace).toHaveBeenCalledWith("sato-hanako");
    expect(mocked.demoCards.mock.calls.length).toBe(reads + 1);
    click("demo-remove");
    await settle();
    expect(mocked.demoRemove).toHaveBeenCalled();
    await expectAccessible("demo");
  });

  it("switches to English and back", () => {
    click("tab-counter");
    document.querySelector<HTMLButtonElement>('button[data-lang="en"]')?.click();
    expect(document.documentElement.lang).toBe("en");
    expect(document.getElementById("heading")?.textContent).toBe("Madoguchi — Staff");
    expect(hook("tab-journal").textContent).toContain("Journal");
    document.querySelector<HTMLButtonElement>('button[data-lang="ja"]')?.click();
    expect(document.documentElement.lang).toBe("ja");
  });

  it("renders every staff hook documented in ui/README.md, and none that is not", () => {
    for (const name of renderedHooks()) seen.add(name);
    const documented = documentedHooks().filter((h) => h.window === "staff" || h.window === "both");
    expect(documented.length).toBeGreaterThan(20);
    const missing = documented.filter((h) => ![...seen].some((v) => matches(h.name, v))).map((h) => h.name);
    expect(missing, "documented but never rendered").toEqual([]);
    const undocumented = [...seen].filter((v) => !documented.some((h) => matches(h.name, v)));
    expect(undocumented, "rendered but not documented").toEqual([]);
  });
});
