// Booked patients (予約): a visit day's appointments (typed here, or read from
// the receipt system's bulk request), each with its pre-check's status and
// every field the clinic holds otherwise than the insurer, marked so that staff
// fix the record before the patient arrives; "Pre-check now" runs the day's
// bulk pre-check; "Arrived" makes the appointment's record the patient the next
// card check expects (expect_appointment). The counter decides every status
// and difference; this page only shows them.
//
// WebDriver hooks (data-test): appointments-date, appointments-show,
// appointments-precheck, appointments-list, appointment (one per row, with
// data-id, data-status, data-code, data-source), appointment-difference (with
// data-field, data-clinic, data-insurer), appointment-arrived (data-id), the
// form appointment-form with its fields appointment-<field> and its button
// appointment-add; a refusal shows as action-error in the slot of the control
// (data-slot appointments, appointment_add, expect_appointment), and a refused
// field is marked aria-invalid and named by appointment-field-error.

import type { AppointmentField } from "../ipc/generated/AppointmentField";
import type { AppointmentForm } from "../ipc/generated/AppointmentForm";
import type { AppointmentView } from "../ipc/generated/AppointmentView";
import type { DiffField } from "../ipc/generated/DiffField";
import type { Difference } from "../ipc/generated/Difference";
import type { PrecheckStatus } from "../ipc/generated/PrecheckStatus";
import type { Sex } from "../ipc/generated/Sex";
import { addAppointment, appointments, precheckAppointments } from "../ipc";
import type { StringKey } from "../i18n";
import { button, el, field, replaceKeeping, select, valueOf } from "../render/dom";
import { isoDate, jstTime, todayJst } from "../render/format";
import { codeLine } from "../render/message";
import type { StaffContext } from "./context";

/** Tomorrow in JST, `YYYY-MM-DD` (appointments are pre-checked the day before). */
export function tomorrowJst(now: Date = new Date()): string {
  return todayJst(new Date(now.getTime() + 24 * 60 * 60 * 1000));
}

const STATUS: Record<PrecheckStatus, StringKey> = {
  not_checked: "staff.appointments.status.not_checked",
  waiting: "staff.appointments.status.waiting",
  valid: "staff.appointments.status.valid",
  not_valid: "staff.appointments.status.not_valid",
  not_found: "staff.appointments.status.not_found",
  error: "staff.appointments.status.error",
};

const DIFF_FIELD: Record<DiffField, StringKey> = {
  insurer_number: "staff.field.insurer_number",
  symbol: "staff.field.symbol",
  number: "staff.field.number",
  branch: "staff.field.branch",
  ratio: "staff.field.ratio",
  name: "staff.field.name",
  kana: "staff.field.kana",
  birth_date: "staff.field.birth_date",
  sex: "staff.field.sex",
};

const FORM_FIELD: Record<AppointmentField, StringKey> = {
  visit_date: "staff.field.visit_date",
  patient_id: "staff.field.patient_id",
  name: "staff.field.name",
  kana: "staff.field.kana",
  birth_date: "staff.field.birth_date",
  insurer_number: "staff.field.insurer_number",
  symbol: "staff.field.symbol",
  number: "staff.field.number",
  branch: "staff.field.branch",
  ratio: "staff.field.ratio",
};

/** The form's text fields, in order, by the form's field name. */
const TEXT_FIELDS = ["visit_date", "patient_id", "name", "kana", "birth_date", "insurer_number", "symbol", "number", "branch"] as const;

function ratioText(ctx: StaffContext, tenths: number): string {
  return ctx.lang === "ja" ? `${tenths}割` : `${tenths * 10}%`;
}

/** A difference's value as staff read it. */
function diffValue(ctx: StaffContext, d: Difference, value: string | null): string {
  if (value === null) return ctx.t("staff.appointments.absent");
  switch (d.field) {
    case "ratio":
      return value === "public_assistance" ? ctx.t("staff.ratio.public_assistance") : ratioText(ctx, Number(value));
    case "birth_date":
      return isoDate(value);
    case "sex":
      return value === "male" ? ctx.t("app.sex.male") : value === "female" ? ctx.t("app.sex.female") : value;
    default:
      return value;
  }
}

/** The appointments tab. */
export class AppointmentsPanel {
  private list: readonly AppointmentView[] = [];
  private day: string = tomorrowJst();
  private refusedField: AppointmentField | null = null;
  private readonly listRoot = document.createElement("div");

  constructor(
    private readonly root: HTMLElement,
    private readonly ctx: StaffContext,
    private readonly onArrived: () => void,
  ) {}

  /** Builds the panel and reads the day's list. */
  async load(): Promise<void> {
    this.render();
    await this.show();
  }

  /** Builds the panel (the day, the list, the form). */
  render(): void {
    const t = (key: StringKey): string => this.ctx.t(key);
    const dayForm = el(
      "form",
      { class: "search", test: "appointments-day", novalidate: true },
      field(t("staff.appointments.day"), el("input", { type: "date", test: "appointments-date", value: this.day })),
      el(
        "div",
        { class: "actions" },
        el("button", { type: "submit", test: "appointments-show" }, t("staff.appointments.show")),
        button(t("staff.appointments.precheck"), () => void this.precheck(), { test: "appointments-precheck", class: "primary" }),
      ),
      this.ctx.refusals.slot("appointments"),
    );
    dayForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.show();
    });
    this.listRoot.className = "appointments-list";
    this.renderList();
    replaceKeeping(
      this.root,
      [
        el("h2", {}, t("staff.tab.appointments")),
        el("p", { class: "hint" }, t("staff.appointments.hint")),
        dayForm,
        this.listRoot,
        this.addForm(),
      ],
      true,
    );
  }

  private dayValue(): string {
    const typed = valueOf(this.root, "appointments-date");
    this.day = typed === "" ? tomorrowJst() : typed;
    return this.day;
  }

  /** Reads the day's list (the results still waiting are fetched by the counter). */
  async show(): Promise<void> {
    const day = this.dayValue();
    const found = await this.ctx.refusals.run("appointments", () => appointments(day));
    if (found === undefined) return;
    this.list = found;
    this.renderList();
  }

  /** Runs the day's pre-check now and shows its results. */
  async precheck(): Promise<void> {
    const day = this.dayValue();
    const precheckButton = this.root.querySelector<HTMLButtonElement>('[data-test="appointments-precheck"]');
    if (precheckButton !== null) precheckButton.disabled = true;
    const found = await this.ctx.refusals.run("appointments", () => precheckAppointments(day));
    if (precheckButton !== null) precheckButton.disabled = false;
    if (found === undefined) return;
    this.list = found;
    this.renderList();
  }

  private renderList(): void {
    const t = (key: StringKey): string => this.ctx.t(key);
    if (this.list.length === 0) {
      this.listRoot.replaceChildren(el("p", { test: "appointments-list", "data-count": 0 }, t("staff.appointments.none")));
      return;
    }
    const head = el(
      "tr",
      {},
      ...(
        ["staff.appointments.patient", "staff.appointments.insurance", "staff.appointments.ratio_held", "staff.appointments.status", "staff.appointments.differences"] as const
      ).map((key) => el("th", { scope: "col" }, t(key))),
      el("td", {}),
    );
    const rows = this.list.map((a) => this.row(a));
    this.listRoot.replaceChildren(
      el(
        "table",
        { class: "journal appointments", test: "appointments-list", "data-count": this.list.length },
        el("caption", {}, `${t("staff.appointments.list")} ${isoDate(this.day)}`),
        el("thead", {}, head),
        el("tbody", {}, ...rows),
      ),
      this.ctx.refusals.slot("expect_appointment"),
    );
  }

  private row(a: AppointmentView): HTMLElement {
    const t = (key: StringKey): string => this.ctx.t(key);
    const r = a.record;
    const patient = el(
      "td",
      {},
      el("strong", {}, r.name ?? r.kana ?? r.patient_id ?? "—"),
      r.name !== null && r.kana !== null && el("div", {}, r.kana),
      r.birth_date !== null && el("div", {}, isoDate(r.birth_date)),
      r.patient_id !== null && el("div", {}, `${t("staff.field.patient_id")}: ${r.patient_id}`),
      el("div", { class: "hint" }, t(a.source === "typed" ? "staff.appointments.source.typed" : "staff.appointments.source.receipt_system")),
    );
    const insurance = el(
      "td",
      {},
      [r.insurer_number, r.symbol, r.number, r.branch].map((v) => v ?? "–").join(" / "),
    );
    const ratio = el("td", {}, a.ratio_tenths === null ? t("staff.appointments.none_held") : ratioText(this.ctx, a.ratio_tenths));
    const status = el(
      "td",
      { class: a.status === "valid" ? "" : "bad" },
      el("strong", {}, t(STATUS[a.status])),
      a.validity !== null && ` (${a.validity})`,
      el("div", {}, codeLine(a.code, this.ctx.lang)),
      a.insurer_message !== null && el("div", {}, a.insurer_message),
      a.checked_at !== null && el("div", { class: "hint" }, jstTime(a.checked_at)),
    );
    const diffs =
      a.differences.length === 0
        ? el("td", {}, a.status === "not_checked" || a.status === "waiting" ? "—" : t("staff.appointments.no_differences"))
        : el(
            "td",
            {},
            el(
              "ul",
              { class: "differences" },
              ...a.differences.map((d) =>
                el(
                  "li",
                  {
                    class: "bad",
                    test: "appointment-difference",
                    "data-field": d.field,
                    "data-clinic": d.clinic,
                    "data-insurer": d.insurer ?? "",
                  },
                  el("strong", {}, `⚠ ${t(DIFF_FIELD[d.field])}: `),
                  `${t("staff.appointments.clinic")} ${diffValue(this.ctx, d, d.clinic)} → ${t("staff.appointments.insurer")} ${diffValue(this.ctx, d, d.insurer)}`,
                ),
              ),
            ),
          );
    const arrived = button(
      t("staff.appointments.arrived"),
      () =>
        void this.ctx.act({ action: "expect_appointment", appointment_id: a.id }).then((done) => {
          if (done) this.onArrived();
        }),
      { test: "appointment-arrived", "data-id": a.id, "data-key": String(a.id) },
    );
    return el(
      "tr",
      {
        test: "appointment",
        "data-id": a.id,
        "data-patient-id": r.patient_id,
        "data-status": a.status,
        "data-code": a.code,
        "data-source": a.source,
        "data-differences": a.differences.length,
      },
      patient,
      insurance,
      ratio,
      status,
      diffs,
      el("td", { class: "row-actions" }, arrived),
    );
  }

  private addForm(): HTMLElement {
    const t = (key: StringKey): string => this.ctx.t(key);
    const input = (name: (typeof TEXT_FIELDS)[number], attrs: Record<string, string> = {}): HTMLInputElement =>
      el("input", {
        type: "text",
        test: `appointment-${name}`,
        autocomplete: "off",
        "aria-invalid": this.refusedField === name ? "true" : null,
        ...attrs,
      });
    const sexes: readonly (readonly [string, string])[] = [
      ["", t("staff.appointments.none_held")],
      ["female", t("app.sex.female")],
      ["male", t("app.sex.male")],
    ];
    const ratios: readonly (readonly [string, string])[] = [
      ["", t("staff.appointments.none_held")],
      ...[1, 2, 3].map((n) => [String(n), ratioText(this.ctx, n)] as const),
    ];
    const form = el(
      "form",
      { class: "action-form appointment-form", test: "appointment-form", novalidate: true },
      field(t("staff.field.visit_date"), input("visit_date", { value: tomorrowJst(), placeholder: "YYYY-MM-DD" }), t("staff.appointments.visit_date_hint")),
      field(t("staff.appointments.patient_id"), input("patient_id")),
      field(t("staff.field.name"), input("name")),
      field(t("staff.field.kana"), input("kana")),
      field(t("staff.field.birth_date"), input("birth_date", { inputmode: "numeric", placeholder: "YYYY-MM-DD" }), t("staff.fallback.birth_date_hint")),
      field(t("staff.field.sex"), select(sexes, "", { test: "appointment-sex" })),
      field(t("staff.field.insurer_number"), input("insurer_number", { inputmode: "numeric" })),
      field(t("staff.field.symbol"), input("symbol")),
      field(t("staff.field.number"), input("number")),
      field(t("staff.field.branch"), input("branch", { inputmode: "numeric" })),
      field(t("staff.appointments.ratio_held"), select(ratios, "", { test: "appointment-ratio", "aria-invalid": this.refusedField === "ratio" ? "true" : null })),
      el(
        "div",
        { class: "action-block" },
        el("div", { class: "actions" }, el("button", { type: "submit", test: "appointment-add", class: "primary" }, t("staff.appointments.add"))),
        this.refusedField !== null &&
          el("p", { class: "bad", test: "appointment-field-error", "data-field": this.refusedField }, `${t("staff.appointments.field_error")}: ${t(FORM_FIELD[this.refusedField])}`),
        this.ctx.refusals.slot("appointment_add"),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.add(form);
    });
    return el("section", { class: "panel", "aria-labelledby": "appointment-add-heading" }, el("h3", { id: "appointment-add-heading" }, t("staff.appointments.add_heading")), form);
  }

  private async add(form: HTMLFormElement): Promise<void> {
    const sex = valueOf(form, "appointment-sex");
    const ratio = valueOf(form, "appointment-ratio");
    const typed: AppointmentForm = {
      visit_date: valueOf(form, "appointment-visit_date"),
      patient_id: valueOf(form, "appointment-patient_id"),
      name: valueOf(form, "appointment-name"),
      kana: valueOf(form, "appointment-kana"),
      birth_date: valueOf(form, "appointment-birth_date"),
      sex: sex === "" ? null : (sex as Sex),
      insurer_number: valueOf(form, "appointment-insurer_number"),
      symbol: valueOf(form, "appointment-symbol"),
      number: valueOf(form, "appointment-number"),
      branch: valueOf(form, "appointment-branch"),
      ratio_tenths: ratio === "" ? null : Number(ratio),
    };
    let refused: AppointmentField | null = null;
    const added = await this.ctx.refusals.run("appointment_add", () =>
      addAppointment(typed).catch((error: unknown) => {
        if (typeof error === "object" && error !== null && "field" in error) {
          refused = (error as { field: AppointmentField | null }).field;
        }
        throw error;
      }),
    );
    this.refusedField = refused;
    if (added !== undefined) {
      // The day of the new appointment is shown; the form is emptied for the next one.
      for (const name of TEXT_FIELDS) {
        const control = form.querySelector<HTMLInputElement>(`[data-test="appointment-${name}"]`);
        if (control !== null && name !== "visit_date") control.value = "";
      }
      this.day = isoDate(added.visit_date);
      const dayInput = this.root.querySelector<HTMLInputElement>('[data-test="appointments-date"]');
      if (dayInput !== null) dayInput.value = this.day;
      this.render();
      await this.show();
      return;
    }
    this.render();
  }
}
