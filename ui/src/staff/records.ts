// The records an eligibility answer returned, laid out as staff compare them
// (raw values, docs/domain/eligibility.md R2), with "this is the patient's" when several
// matched (choose_record); and the consent details once they may be shown.

import type { Consent } from "../ipc/generated/Consent";
import type { Details } from "../ipc/generated/Details";
import type { Ratio } from "../ipc/generated/Ratio";
import type { RecordDetails } from "../ipc/generated/RecordDetails";
import type { RecordLine } from "../ipc/generated/RecordLine";
import type { StringKey } from "../i18n";
import { el, facts } from "../render/dom";
import { insurerTime, isoDate, yen } from "../render/format";
import type { StaffContext } from "./context";
import { FIELD } from "./labels";

const RATIO_SOURCE: Record<string, StringKey> = {
  insured: "staff.ratio.source.insured",
  elderly_recipient: "staff.ratio.source.elderly_recipient",
  document: "staff.ratio.source.document",
};

/** 負担割合 as staff read it: `3割` / `30%`, or what stands instead. */
export function ratioText(ctx: StaffContext, ratio: Ratio): string {
  switch (ratio.kind) {
    case "tenths":
      return ctx.lang === "ja" ? `${ratio.tenths}割` : `${ratio.tenths * 10}%`;
    case "public_assistance":
      return ctx.t("staff.ratio.public_assistance");
    case "unknown":
      return ratio.raw === null ? ctx.t("staff.ratio.unknown") : `${ctx.t("staff.ratio.unknown")} (${ratio.raw})`;
    case "not_applicable":
      return ctx.t("staff.ratio.not_applicable");
  }
}

/** Where a ratio was read, when it says. */
export function ratioSource(ctx: StaffContext, ratio: Ratio): string | undefined {
  if (ratio.kind !== "tenths") return undefined;
  const key = RATIO_SOURCE[ratio.source];
  return key === undefined ? ratio.source : ctx.t(key);
}

function coded(value: string | null | undefined, labels: Record<string, StringKey>, ctx: StaffContext): string | null {
  if (value === null || value === undefined) return null;
  const key = labels[value];
  return key === undefined ? value : `${ctx.t(key)} (${value})`;
}

const FAMILY: Record<string, StringKey> = { "1": "staff.record.self", "2": "staff.record.family" };
const SEX: Record<string, StringKey> = { "1": "app.sex.male", "2": "app.sex.female", "3": "app.sex.not_known" };

function recordCard(ctx: StaffContext, line: RecordLine, choose: boolean): HTMLElement {
  const r = line.record;
  const badges = [
    line.primary && el("span", { class: "badge" }, ctx.t("staff.record.primary")),
    el("span", { class: "badge" }, ctx.t(line.current ? "staff.record.current" : "staff.record.not_current")),
    line.matches_known === false && el("span", { class: "badge bad" }, ctx.t("staff.record.differs")),
  ];
  return el(
    "article",
    { class: line.primary ? "record primary" : "record", test: "record", "data-index": line.index },
    el("h4", {}, `${ctx.t("staff.record.heading")} ${line.index + 1} `, ...badges),
    facts([
      [ctx.t("staff.record.ratio"), ratioText(ctx, line.ratio)],
      [ctx.t("staff.record.insurer_name"), r.insurer_name],
      [ctx.t("staff.field.insurer_number"), r.insurer_number],
      [ctx.t("staff.field.symbol"), r.symbol],
      [ctx.t("staff.field.number"), r.number],
      [ctx.t("staff.field.branch"), r.branch],
      [ctx.t("staff.record.family"), coded(r.personal_family_classification, FAMILY, ctx)],
      [ctx.t(FIELD.name), r.name],
      [ctx.t(FIELD.name_of_other), r.name_of_other],
      [ctx.t(FIELD.kana), r.name_kana],
      [ctx.t(FIELD.insured_name), r.insured_name],
      [ctx.t(FIELD.birth_date), isoDate(r.birth_date)],
      [ctx.t(FIELD.sex), coded(r.sex1, SEX, ctx)],
      [ctx.t("staff.record.address"), r.address],
      [ctx.t("staff.record.post_number"), r.post_number],
      [ctx.t("staff.record.card_classification"), r.insured_card_classification],
      [ctx.t("staff.record.qualification_date"), isoDate(r.qualification_date)],
      [ctx.t("staff.record.disqualification_date"), r.disqualification_date ? isoDate(r.disqualification_date) : null],
      [ctx.t("staff.record.reason_of_loss"), r.reason_of_loss],
      [ctx.t("staff.record.card_expiration_date"), r.card_expiration_date ? isoDate(r.card_expiration_date) : null],
      [ctx.t("staff.record.partial_ratio"), r.partial_contribution_ratio],
    ]),
    choose &&
      ctx.actionButton("staff.action.choose_record", { action: "choose_record", index: line.index }, "choose_record", {
        "data-index": line.index,
      }),
  );
}

/** The records, or nothing when there are none. */
export function recordsBlock(ctx: StaffContext, records: readonly RecordLine[], choose: boolean): HTMLElement | undefined {
  if (records.length === 0) return undefined;
  return el(
    "section",
    { class: "records", test: "records" },
    el("h3", {}, ctx.t("staff.record.list")),
    ...records.map((line) => recordCard(ctx, line, choose)),
    choose && ctx.refusals.slot("choose_record"),
  );
}

const CONSENT_FLAG: Record<string, StringKey> = {
  "0": "staff.consent.flag.none",
  "1": "staff.consent.flag.given",
  "2": "staff.consent.flag.expired",
};

function consent(ctx: StaffContext, c: Consent | null | undefined): string | null {
  if (c === null || c === undefined) return null;
  const flag = coded(c.flag, CONSENT_FLAG, ctx) ?? c.flag;
  return c.time ? `${flag} ${insurerTime(c.time)}` : flag;
}

function recordDetails(ctx: StaffContext, d: RecordDetails): HTMLElement {
  const limit = d.limit_certificate;
  const elderly = d.elderly_recipient;
  return el(
    "div",
    { class: "record-details", "data-index": d.index },
    el("h4", {}, `${ctx.t("staff.record.heading")} ${d.index + 1}`),
    facts([
      [ctx.t("staff.consent.pharmacists"), consent(ctx, d.consents.pharmacists)],
      [ctx.t("staff.consent.health_checkups"), consent(ctx, d.consents.health_checkups)],
      [ctx.t("staff.consent.diagnosis"), consent(ctx, d.consents.diagnosis)],
      [ctx.t("staff.consent.operation"), consent(ctx, d.consents.operation)],
      [ctx.t("staff.consent.limit_certificate"), consent(ctx, d.consents.limit_certificate)],
      [ctx.t("staff.consent.specific_diseases"), consent(ctx, d.consents.specific_diseases)],
      [
        ctx.t("staff.details.limit_certificate"),
        limit === null
          ? null
          : `${limit.classification_flag} (${isoDate(limit.valid_start_date)} – ${limit.valid_end_date ? isoDate(limit.valid_end_date) : ""})`,
      ],
      [
        ctx.t("staff.details.elderly"),
        elderly === null
          ? null
          : `${elderly.contribution_ratio} (${isoDate(elderly.valid_start_date)} – ${isoDate(elderly.valid_end_date)})`,
      ],
      ...d.specific_diseases.map(
        (s) =>
          [
            ctx.t("staff.details.specific_disease"),
            `${s.disease_category}: ${yen(s.self_pay)} (${isoDate(s.valid_start_date)} –)`,
          ] as const,
      ),
    ]),
  );
}

/** The consent details: withheld until the warnings are read, else what the customer agreed to. */
export function detailsBlock(ctx: StaffContext, details: Details): HTMLElement | undefined {
  if (details.state === "none") return undefined;
  if (details.state === "withheld") {
    return el("section", { class: "panel", test: "details", "data-state": "withheld" }, el("p", {}, ctx.t("staff.details.withheld")));
  }
  const g = details.consents_given;
  const yesNo = (v: boolean): string => ctx.t(v ? "app.yes" : "app.no");
  return el(
    "section",
    { class: "panel", test: "details", "data-state": "shown" },
    el("h3", {}, ctx.t("staff.details.heading")),
    facts([
      [ctx.t("staff.consent.pharmacists"), yesNo(g.medication)],
      [ctx.t("staff.consent.health_checkups"), yesNo(g.health_checks)],
      [ctx.t("staff.consent.diagnosis"), yesNo(g.treatment)],
      [ctx.t("staff.consent.operation"), yesNo(g.surgery)],
      [ctx.t("staff.consent.limit_certificate"), yesNo(g.limit_certificate)],
      [ctx.t("staff.consent.blanket"), yesNo(g.blanket)],
      [
        ctx.t("staff.consent.prescription"),
        g.prescription === null ? null : ctx.t(g.prescription === "electronic" ? "app.prescription.electronic" : "app.prescription.paper"),
      ],
    ]),
    ...details.records.map((d) => recordDetails(ctx, d)),
  );
}
