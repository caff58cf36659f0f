// The patient the receptionist expects next (reception and pharmacy): a form
// (name in kanji or kana, birth date; Set, Clear) sending expect_patient, and
// the patient now in force (frame.expected), which the counter compares with
// the insurer's answer. The counter takes it when idle, while the customer
// identifies, and during a check until the insurer answers or over the answer
// while no file was written for it (the view's takes_expected); otherwise it says
// why not, next to the form. What was typed outlives a change of screen (the
// card is often placed while the receptionist is still typing).

import type { ClinicRecord } from "../ipc/generated/ClinicRecord";
import { button, el, facts, field, valueOf } from "../render/dom";
import { isoDate } from "../render/format";
import type { StaffContext } from "./context";
import { FIELD } from "./labels";

/** The form's fields, by data-test hook (kept across screens by screen.ts). */
export const EXPECTED_FIELDS: readonly string[] = ["expected-name", "expected-birth_date"];

/** The refusal slot of the form's two buttons. */
const SLOT = "expect_patient";

/** Empties the form's fields wherever they are now (a frame may have re-rendered the form). */
function clearFields(): void {
  for (const test of EXPECTED_FIELDS) {
    for (const input of document.querySelectorAll<HTMLInputElement>(`[data-test="${test}"]`)) input.value = "";
  }
}

/** The expected patient in force, or nothing when none is. */
function expectedLine(ctx: StaffContext, expected: ClinicRecord | null): HTMLElement | undefined {
  if (expected === null) return undefined;
  return facts(
    [
      [ctx.t(FIELD.name), expected.name],
      [ctx.t(FIELD.kana), expected.kana],
      [ctx.t(FIELD.birth_date), expected.birth_date === null ? null : isoDate(expected.birth_date)],
      [ctx.t("staff.expected.patient_id"), expected.patient_id],
      // A booked patient who arrived: the insurance the clinic holds is compared too.
      [
        ctx.t("staff.expected.insurance"),
        expected.insurer_number === null
          ? null
          : [expected.insurer_number, expected.symbol, expected.number, expected.branch].map((v) => v ?? "–").join(" / "),
      ],
    ],
    {
      test: "expected-patient",
      "data-birth-date": expected.birth_date ?? "",
      "data-insurer-number": expected.insurer_number ?? "",
      "data-patient-id": expected.patient_id ?? "",
    },
  );
}

/** The form: Set sends what was typed; Clear (while one is in force) sends empties. */
function expectedForm(ctx: StaffContext, canClear: boolean): HTMLFormElement {
  const set = el("button", { type: "submit", test: "action-expect_patient", class: "primary" }, ctx.t("staff.expected.set"));
  const clear =
    canClear &&
    button(
      ctx.t("staff.expected.clear"),
      () => void ctx.act({ action: "expect_patient", name: "", birth_date: "" }, SLOT),
      { test: "expected-clear" },
    );
  const form = el(
    "form",
    { class: "action-form expected-form", test: "form-expect_patient", novalidate: true },
    field(ctx.t("staff.expected.name"), el("input", { type: "text", test: "expected-name", autocomplete: "off" })),
    field(
      ctx.t(FIELD.birth_date),
      el("input", { type: "text", test: "expected-birth_date", autocomplete: "off", inputmode: "numeric", placeholder: "YYYY-MM-DD" }),
      ctx.t("staff.expected.birth_date_hint"),
    ),
    el("div", { class: "action-block" }, el("div", { class: "actions" }, set, clear), ctx.refusals.slot(SLOT)),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // The counter checks the shapes (and says what is wrong); an accepted patient shows above the form.
    const action = { action: "expect_patient", name: valueOf(form, "expected-name"), birth_date: valueOf(form, "expected-birth_date") } as const;
    void ctx.act(action, SLOT).then((done) => {
      if (done) clearFields();
    });
  });
  return form;
}

/**
 * The expected-patient panel: the patient in force, and the form when it may be
 * changed now (`editable`). Nothing when neither is to be shown.
 */
export function expectedPanel(ctx: StaffContext, expected: ClinicRecord | null, editable: boolean): HTMLElement | undefined {
  if (!editable && expected === null) return undefined;
  return el(
    "section",
    { class: "panel expected", "aria-labelledby": "expected-heading" },
    el("h3", { id: "expected-heading" }, ctx.t("staff.expected.heading")),
    expectedLine(ctx, expected),
    editable && el("p", { class: "hint" }, ctx.t("staff.expected.hint")),
    editable && expectedForm(ctx, expected !== null),
  );
}
