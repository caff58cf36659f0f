// Hand-built frames for the renderer tests, typed with the generated IPC types
// so that a change on the Rust side breaks them at compile time.

import type { AppointmentView } from "../ipc/generated/AppointmentView";
import type { ClinicRecord } from "../ipc/generated/ClinicRecord";
import type { CustomerFrame } from "../ipc/generated/CustomerFrame";
import type { CustomerScreen } from "../ipc/generated/CustomerScreen";
import type { EligibilityStaffView } from "../ipc/generated/EligibilityStaffView";
import type { EnrollCustomerView } from "../ipc/session";
import type { EnrollStaffView } from "../ipc/session";
import type { IdentifyCustomerView } from "../ipc/session";
import type { IdentifyStaffView } from "../ipc/session";
import type { JournalEntry } from "../ipc/generated/JournalEntry";
import type { Message } from "../ipc/generated/Message";
import type { PaymentRecord } from "../ipc/generated/PaymentRecord";
import type { QualificationResult } from "../ipc/generated/QualificationResult";
import type { Receipt } from "../ipc/generated/Receipt";
import type { StaffFrame } from "../ipc/generated/StaffFrame";
import type { StaffScreen } from "../ipc/generated/StaffScreen";
import type { Status } from "../ipc/generated/Status";

/** A message as the Rust code table would send it. */
export function message(code: Message["code"], text = `text of ${code}`): Message {
  return { code, ja: `${text}（日本語）`, en: `${text} (English)`, next_ja: `次: ${code}`, next_en: `Next: ${code}` };
}

export const status: Status = {
  mode: "reception",
  reader_name: "Virtual PCD 00 00",
  reader: "empty",
  pin_pad: false,
  backends_ok: true,
  pending_rechecks: 2,
  payments_in_doubt: 1,
  in_doubt: ["counter-1-000007"],
  unresolved: [],
  unresolved_notice: null,
  held_refunds: [],
  refund_horizon_days: 14,
  unshown: [],
  unshown_notice: null,
  rechecks: [],
  rechecks_notice: null,
  rechecks_purged_notice: null,
  purge_failed: [],
  purge_notice: null,
  purge_details_notice: null,
  notice: message("payments_recovered"),
  storage_failed: false,
  other_card: null,
  customer_window_notice: null,
};

let revision = 0;

/** A staff frame with a fresh revision (no expected patient, no notices unless given). */
export function staffFrame(
  staff: StaffScreen,
  changes: Partial<Status> = {},
  extra: Partial<Pick<StaffFrame, "expected" | "notices" | "hold">> = {},
): StaffFrame {
  revision += 1;
  return { revision, staff, status: { ...status, ...changes }, expected: null, notices: [], hold: null, ...extra };
}

/** A customer frame with a fresh revision. */
export function customerFrame(customer: CustomerScreen, changes: Partial<Omit<CustomerFrame, "customer">> = {}): CustomerFrame {
  revision += 1;
  return { revision, customer, reader: "card", pin_pad: false, notices: [], ...changes };
}

/** The patient the receptionist expects, as the counter holds it (birth date `YYYYMMDD`). */
export const expected: ClinicRecord = {
  patient_id: null,
  name: "佐藤 花子",
  kana: null,
  birth_date: "19800401",
  sex: null,
  insurer_number: null,
  symbol: null,
  number: null,
  branch: null,
};

/** 佐藤 花子 booked for tomorrow, pre-checked: the clinic holds 2割 where the insurer says 3割. */
export const appointment: AppointmentView = {
  id: 7,
  visit_date: "20261207",
  record: {
    patient_id: "P-0001",
    name: "佐藤　花子",
    kana: "ｻﾄｳ ﾊﾅｺ",
    birth_date: "19850412",
    sex: "female",
    insurer_number: "06139999",
    symbol: "千代",
    number: "10001",
    branch: "01",
  },
  ratio_tenths: 2,
  source: "typed",
  status: "valid",
  code: "precheck_differences",
  validity: "1",
  insurer_message: null,
  checked_at: 1_796_500_000,
  differences: [{ field: "ratio", clinic: "2", insurer: "3" }],
};

export const identifyStaff: IdentifyStaffView = {
  step: "confirm_last_try",
  purpose: "identify",
  payment: null,
  pin_pad: false,
  tries_left: 1,
  code: "pin_last_try",
  needs_staff_confirmation: true,
  can_retry: true,
  seconds_left: 42,
  time_warning: true,
  identification_id: "idn-1",
  menu: [{ service_id: "ins-kanto", kind: "insurance", label: "関東健康保険組合" }],
  notices: [{ code: "sign_certificate_revoked", revoked_at: 1_760_000_000, reason: "affiliation_changed" }],
};

export const record: QualificationResult = {
  insured_card_classification: "01",
  insurer_number: "06130019",
  insurer_name: "関東健康保険組合",
  symbol: "1234",
  number: "5678",
  branch: "01",
  personal_family_classification: "1",
  name: "佐藤 花子",
  name_kana: "ｻﾄｳ ﾊﾅｺ",
  sex1: "2",
  birth_date: "19800401",
  qualification_date: "20200401",
  specific_diseases: [],
  consents: {},
};

export const check: EligibilityStaffView = {
  warnings: [
    {
      code: "person_mismatch",
      warning: { kind: "person_mismatch", source: "clinic_record", fields: ["name", "birth_date"] },
      blocks_details: true,
    },
    {
      code: "card_expiring_soon",
      warning: { kind: "card_expiring_soon", record: 0, expires: "20260101", days_left: 30 },
      blocks_details: false,
    },
  ],
  headline: { ratio: { kind: "tenths", tenths: 3, source: "insured" }, validity: { validity: "valid" }, code: "eligibility_valid" },
  step: { step: "result" },
  records: [
    { index: 0, primary: true, current: true, ratio: { kind: "tenths", tenths: 3, source: "insured" }, matches_known: false, record },
    { index: 1, primary: false, current: false, ratio: { kind: "tenths", tenths: 2, source: "insured" }, matches_known: null, record: { ...record, number: "9999" } },
  ],
  details: { state: "withheld" },
  fallback: null,
  actions: ["acknowledge_warnings", "choose_record", "record_fallback", "export"],
  export: "not_exported",
  person: "different",
  takes_expected: true,
};

export const checkShown: EligibilityStaffView = {
  ...check,
  warnings: [],
  person: "same",
  actions: ["export"],
  export: "written",
  takes_expected: false,
  details: {
    state: "shown",
    consents_given: { medication: true, health_checks: false, treatment: false, surgery: false, limit_certificate: true, blanket: false, prescription: "electronic" },
    records: [
      {
        index: 0,
        consents: { pharmacists: { flag: "1", time: "20250401093000" } },
        limit_certificate: { classification: "01", classification_flag: "A01", date: "20250401", valid_start_date: "20250401" },
        specific_diseases: [{ disease_category: "1", valid_start_date: "20250401", self_pay: 10000 }],
        elderly_recipient: null,
      },
    ],
  },
  fallback: {
    reason: "insurer_unavailable",
    presented: {
      document: "eligibility_certificate",
      insurer_number: "06130019",
      insurer_name: null,
      symbol: null,
      number: "5678",
      branch: null,
      name: "佐藤 花子",
      birth_date: "19800401",
      ratio_tenths: 3,
    },
    recheck_queued: true,
  },
};

export const paymentRecord: PaymentRecord = {
  id: "T-1-7",
  idempotency_key: "idem-secret-key",
  order_ref: "A-1",
  visit_id: null,
  merchant_id: "M-1",
  terminal_id: "T-1",
  amount_jpy: 1200,
  state: "captured",
  payment_id: "pay-internal-id",
  approval_code: "123456",
  slip_number: 17,
  brand: "VISA",
  last4: "1234",
  captured_jpy: 1200,
  refunded_jpy: 0,
  capture_key: null,
  void_key: null,
  reversal_key: null,
  captured_date: "2026-01-05",
  cancelled_date: null,
  decline_reason: null,
  business_date: "2026-01-05",
  attempts: 0,
  last_error: null,
  mark: null,
  recovered: false,
  shown_at: 1_767_570_000,
  created_at: 1_767_570_000,
  updated_at: 1_767_570_000,
};

export function receipt(copy: Receipt["copy"], reprint = false): Receipt {
  return {
    copy,
    kind: "sale",
    reprint,
    lines: [
      ["店名", "デモ薬局"],
      ["金額", "¥1,200"],
      ["カード", "VISA ****1234"],
    ],
  };
}

export const journalEntry: JournalEntry = {
  sale: paymentRecord,
  visit: null,
  refunds: [],
  receipts: [receipt("customer", true), receipt("merchant", true)],
};

export const enrollStaff: EnrollStaffView = {
  step: "confirm_password_last_try",
  services: [{ service_id: "ins-kanto", kind: "insurance" }],
  pin_pad: false,
  tries_left: null,
  password_tries_left: 1,
  code: "password_last_try",
  field: "name",
  needs_staff_confirmation: true,
  can_retry: true,
  seconds_left: null,
  time_warning: false,
  enrollment_id: "enr-1",
  linked: [{ service_id: "acq-visa", kind: "payment", label: "VISA ****1234" }],
  refused: [],
};

export const identifyCustomer: IdentifyCustomerView = {
  step: "pin_entry",
  payment: null,
  pin_pad: false,
  tries_left: 3,
  code: null,
  can_retry: false,
  seconds_left: 55,
  time_warning: true,
  menu: [],
};

export const enrollCustomer: EnrollCustomerView = {
  step: "password_entry",
  services: [{ service_id: "ins-kanto", kind: "insurance" }],
  attributes: { name: "佐藤 花子", address: "東京都千代田区1-1", birth_date: "1980-04-01", sex: "female" },
  pin_pad: false,
  tries_left: 3,
  password_tries_left: 5,
  code: null,
  can_retry: false,
  seconds_left: null,
  time_warning: false,
  linked: [],
  disclosure_needed: false,
  refused: [],
};
