// The staff window's names for the counter's enums. Each map is total over its
// type, so the compiler catches a value the Rust side adds.

import type { Attribute } from "../ipc/generated/Attribute";
import type { ChallengePurpose } from "../ipc/generated/ChallengePurpose";
import type { CounterMode } from "../ipc/generated/CounterMode";
import type { EnrollStep } from "../ipc/generated/EnrollStep";
import type { ExportState } from "../ipc/generated/ExportState";
import type { FallbackDocument } from "../ipc/generated/FallbackDocument";
import type { FallbackReason } from "../ipc/generated/FallbackReason";
import type { IdentifyStep } from "../ipc/generated/IdentifyStep";
import type { InsuranceField } from "../ipc/generated/InsuranceField";
import type { KnownSource } from "../ipc/generated/KnownSource";
import type { NameField } from "../ipc/generated/NameField";
import type { PaymentState } from "../ipc/generated/PaymentState";
import type { PersonField } from "../ipc/generated/PersonField";
import type { ReaderState } from "../ipc/generated/ReaderState";
import type { ReceiptCopy } from "../ipc/generated/ReceiptCopy";
import type { ReceiptKind } from "../ipc/generated/ReceiptKind";
import type { RefundState } from "../ipc/generated/RefundState";
import type { SaleStep } from "../ipc/generated/SaleStep";
import type { ServiceKind } from "../ipc/generated/ServiceKind";
import type { StaffStep } from "../ipc/generated/StaffStep";
import type { Validity } from "../ipc/generated/Validity";
import type { StringKey } from "../i18n";

export const MODES: readonly CounterMode[] = ["reception", "pharmacy", "cashier"];

export const MODE: Record<CounterMode, StringKey> = {
  reception: "staff.mode.reception",
  pharmacy: "staff.mode.pharmacy",
  cashier: "staff.mode.cashier",
};

export const READER: Record<ReaderState, StringKey> = {
  missing: "staff.reader.missing",
  empty: "staff.reader.empty",
  card: "staff.reader.card",
};

export const IDENTIFY_STEP: Record<IdentifyStep, StringKey> = {
  waiting_for_card: "staff.identify.step.waiting_for_card",
  reading_card: "staff.identify.step.reading_card",
  confirm_last_try: "staff.identify.step.confirm_last_try",
  pin_entry: "staff.identify.step.pin_entry",
  requesting_challenge: "staff.identify.step.requesting_challenge",
  pin_pad: "staff.identify.step.pin_pad",
  signing: "staff.identify.step.signing",
  verifying: "staff.identify.step.verifying",
  identified: "staff.identify.step.identified",
  failed: "staff.identify.step.failed",
  cancelled: "staff.identify.step.cancelled",
};

export const PURPOSE: Record<ChallengePurpose, StringKey> = {
  identify: "staff.purpose.identify",
  enroll: "staff.purpose.enroll",
  payment: "staff.purpose.payment",
};

export const ENROLL_STEP: Record<EnrollStep, StringKey> = {
  waiting_for_card: "staff.enroll.step.waiting_for_card",
  reading_card: "staff.enroll.step.reading_card",
  password_entry: "staff.enroll.step.password_entry",
  confirm_password_last_try: "staff.enroll.step.confirm_password_last_try",
  reading_sign_certificate: "staff.enroll.step.reading_sign_certificate",
  confirm_attributes: "staff.enroll.step.confirm_attributes",
  confirm_last_try: "staff.enroll.step.confirm_last_try",
  pin_entry: "staff.enroll.step.pin_entry",
  requesting_challenge: "staff.enroll.step.requesting_challenge",
  pin_pad: "staff.enroll.step.pin_pad",
  signing: "staff.enroll.step.signing",
  signing_application: "staff.enroll.step.signing_application",
  enrolling: "staff.enroll.step.enrolling",
  enrolled: "staff.enroll.step.enrolled",
  failed: "staff.enroll.step.failed",
  cancelled: "staff.enroll.step.cancelled",
};

export const VALIDITY: Record<Validity["validity"], StringKey> = {
  valid: "staff.validity.valid",
  invalid: "staff.validity.invalid",
  invalid_with_new: "staff.validity.invalid_with_new",
  no_qualification: "staff.validity.no_qualification",
  multiple_matches: "staff.validity.multiple_matches",
  valid_unregistered: "staff.validity.valid_unregistered",
  other: "staff.validity.other",
};

export const CHECK_STEP: Record<StaffStep["step"], StringKey> = {
  waiting_for_customer: "staff.check.step.waiting_for_customer",
  checking: "staff.check.step.checking",
  result: "staff.check.step.result",
  needs_fallback: "staff.check.step.needs_fallback",
  fallback_recorded: "staff.check.step.fallback_recorded",
  ended: "staff.check.step.ended",
};

export const FALLBACK_REASONS: readonly FallbackReason[] = [
  "insurer_unavailable",
  "insurer_error",
  "assertion_expired",
  "not_enrolled",
  "no_qualification",
  "invalid",
  "multiple_matches",
  "pin_blocked",
  "certificate_expired",
  "certificate_revoked",
  "card_unreadable",
  "platform_unavailable",
];

export const FALLBACK_REASON: Record<FallbackReason, StringKey> = {
  insurer_unavailable: "staff.fallback.reason.insurer_unavailable",
  insurer_error: "staff.fallback.reason.insurer_error",
  assertion_expired: "staff.fallback.reason.assertion_expired",
  not_enrolled: "staff.fallback.reason.not_enrolled",
  no_qualification: "staff.fallback.reason.no_qualification",
  invalid: "staff.fallback.reason.invalid",
  multiple_matches: "staff.fallback.reason.multiple_matches",
  pin_blocked: "staff.fallback.reason.pin_blocked",
  certificate_expired: "staff.fallback.reason.certificate_expired",
  certificate_revoked: "staff.fallback.reason.certificate_revoked",
  card_unreadable: "staff.fallback.reason.card_unreadable",
  platform_unavailable: "staff.fallback.reason.platform_unavailable",
  link_not_confirmed: "staff.fallback.reason.link_not_confirmed",
};

export const FALLBACK_DOCUMENTS: readonly FallbackDocument[] = [
  "eligibility_certificate",
  "eligibility_notice",
  "mynaportal",
  "self_declaration",
];

export const FALLBACK_DOCUMENT: Record<FallbackDocument, StringKey> = {
  eligibility_notice: "staff.fallback.document.eligibility_notice",
  eligibility_certificate: "staff.fallback.document.eligibility_certificate",
  mynaportal: "staff.fallback.document.mynaportal",
  self_declaration: "staff.fallback.document.self_declaration",
};

export const PAYMENT_STATE: Record<PaymentState, StringKey> = {
  authorising: "staff.payment.authorising",
  authorised: "staff.payment.authorised",
  capturing: "staff.payment.capturing",
  captured: "staff.payment.captured",
  voiding: "staff.payment.voiding",
  voided: "staff.payment.voided",
  declined: "staff.payment.declined",
  reversing: "staff.payment.reversing",
  reversed: "staff.payment.reversed",
  not_sent: "staff.payment.not_sent",
  not_accepted: "staff.payment.not_accepted",
};

export const REFUND_STATE: Record<RefundState, StringKey> = {
  refunding: "staff.refund.refunding",
  refunded: "staff.refund.refunded",
  refused: "staff.refund.refused",
};

export const EXPORT_STATE: Record<ExportState, StringKey> = {
  not_exported: "staff.export.not_exported",
  pending: "staff.export.pending",
  written: "staff.export.written",
  failed: "staff.export.failed",
};

export const SALE_STEP: Record<SaleStep["step"], StringKey> = {
  identifying: "staff.sale.step.identifying",
  choosing: "staff.sale.step.choosing",
  paying: "staff.sale.step.paying",
  done: "staff.sale.step.done",
  failed: "staff.sale.step.failed",
};

export const SERVICE_KIND: Record<ServiceKind, StringKey> = {
  insurance: "staff.service.insurance",
  payment: "staff.service.payment",
  platform: "staff.service.platform",
};

export const RECEIPT_COPY: Record<ReceiptCopy, StringKey> = {
  customer: "staff.receipt.customer",
  merchant: "staff.receipt.merchant",
};

export const RECEIPT_KIND: Record<ReceiptKind, StringKey> = {
  sale: "staff.receipt.kind.sale",
  void: "staff.receipt.kind.void",
  refund: "staff.receipt.kind.refund",
};

export const FIELD: Record<PersonField | InsuranceField | NameField, StringKey> = {
  name: "staff.field.name",
  kana: "staff.field.kana",
  birth_date: "staff.field.birth_date",
  sex: "staff.field.sex",
  insurer_number: "staff.field.insurer_number",
  symbol: "staff.field.symbol",
  number: "staff.field.number",
  branch: "staff.field.branch",
  name_of_other: "staff.field.name_of_other",
  insured_name: "staff.field.insured_name",
};

/** The four attributes of the signature certificate (which one a service's records differ in). */
export const ATTRIBUTE: Record<Attribute, StringKey> = {
  name: "staff.field.name",
  address: "staff.record.address",
  birth_date: "staff.field.birth_date",
  sex: "staff.field.sex",
};

export const KNOWN_SOURCE: Record<KnownSource, StringKey> = {
  clinic_record: "staff.known.clinic_record",
  card_holder: "staff.known.card_holder",
};
