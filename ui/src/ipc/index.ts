// The windows' only way to the app: a thin, typed layer over @tauri-apps/api's
// invoke. Pages call these functions and never name a command as a string of
// their own. The types come from the Rust side (./generated, ts-rs).
//
// Which window may call which command is decided in the app
// (src-tauri/capabilities/): the customer window may call only appInfo,
// codeTable, subscribeCustomer, customerRendered and customerAction, the setup window only
// setupProblem and closeSetup; a refused call rejects its promise.
//
// Screens reach a window through a Channel that only that window's subscribe
// command can open, not through app-wide events: no window can listen to the
// other's screen.

import { Channel, invoke } from "@tauri-apps/api/core";

import type { ActionError } from "./generated/ActionError";
import type { AppInfo } from "./generated/AppInfo";
import type { AppointmentForm } from "./generated/AppointmentForm";
import type { AppointmentView } from "./generated/AppointmentView";
import type { CloseReport } from "./generated/CloseReport";
import type { CustomerAction } from "./generated/CustomerAction";
import type { CustomerFrame } from "./generated/CustomerFrame";
import type { DemoCard } from "./generated/DemoCard";
import type { JournalEntry } from "./generated/JournalEntry";
import type { JournalQuery } from "./generated/JournalQuery";
import type { Message } from "./generated/Message";
import type { StaffAction } from "./generated/StaffAction";
import type { StaffFrame } from "./generated/StaffFrame";
import type { TerminalSettings } from "./generated/TerminalSettings";
import type { VisitEntry } from "./generated/VisitEntry";

export type {
  ActionError,
  AppInfo,
  AppointmentForm,
  AppointmentView,
  CloseReport,
  CustomerAction,
  CustomerFrame,
  DemoCard,
  JournalEntry,
  JournalQuery,
  Message,
  StaffAction,
  StaffFrame,
  TerminalSettings,
  VisitEntry,
};

/** The app's version, the calling window and whether the demo runs. Both windows. */
export function appInfo(): Promise<AppInfo> {
  return invoke<AppInfo>("app_info");
}

/**
 * The code table's lines this window may show (views name bare codes). The
 * customer window gets only the lines fit for the customer. Both windows.
 */
export function codeTable(): Promise<Message[]> {
  return invoke<Message[]>("code_table");
}

/** Calls `onFrame` with the staff window's frame now and after every change. Staff only. */
export async function subscribeStaff(onFrame: (frame: StaffFrame) => void): Promise<void> {
  const channel = new Channel<StaffFrame>();
  channel.onmessage = onFrame;
  await invoke("staff_subscribe", { onFrame: channel });
}

/** Calls `onFrame` with the customer window's frame now and after every change. Customer only. */
export async function subscribeCustomer(onFrame: (frame: CustomerFrame) => void): Promise<void> {
  const channel = new Channel<CustomerFrame>();
  channel.onmessage = onFrame;
  await invoke("customer_subscribe", { onFrame: channel });
}

/**
 * Tells the counter that the customer window rendered the frame of `revision`: a sale's
 * charge counts as shown only once the window has rendered its outcome. Customer only.
 */
export function customerRendered(revision: number): Promise<void> {
  return invoke<void>("customer_rendered", { revision });
}

/** A staff action; rejects with an ActionError when the counter refuses it. Staff only. */
export function staffAction(action: StaffAction): Promise<void> {
  return invoke<void>("staff_action", { action });
}

/**
 * A customer action; rejects with an ActionError when refused. Customer only.
 * A PIN or password passed here is not kept by this layer: the caller clears
 * its own copy (the input field) right after the call.
 */
export function customerAction(action: CustomerAction): Promise<void> {
  return invoke<void>("customer_action", { action });
}

/** The journal's sales for `query`, newest first. Staff only. */
export function journal(query: JournalQuery): Promise<JournalEntry[]> {
  return invoke<JournalEntry[]>("staff_journal", { query });
}

/** The visits (reception checks) of `date` (YYYY-MM-DD), each with its co-payments. Staff only. */
export function visits(date: string): Promise<VisitEntry[]> {
  return invoke<VisitEntry[]>("staff_visits", { date });
}

/** The daily close of `date` (YYYY-MM-DD). Rejects with an ActionError when refused. Staff only. */
export function closeDay(date: string): Promise<CloseReport> {
  return invoke<CloseReport>("staff_close_day", { date });
}

/** The terminal's settings as configured. Staff only. */
export function settings(): Promise<TerminalSettings> {
  return invoke<TerminalSettings>("staff_settings");
}

/** The appointments of `date` (YYYY-MM-DD) with their pre-checks. Rejects with an AppointmentRefusal. Staff only. */
export function appointments(date: string): Promise<AppointmentView[]> {
  return invoke<AppointmentView[]>("staff_appointments", { date });
}

/** A typed appointment; rejects with an AppointmentRefusal naming the field at fault. Staff only. */
export function addAppointment(form: AppointmentForm): Promise<AppointmentView> {
  return invoke<AppointmentView>("staff_add_appointment", { form });
}

/** Pre-checks the appointments of `date` now; resolves to the day's list. Staff only. */
export function precheckAppointments(date: string): Promise<AppointmentView[]> {
  return invoke<AppointmentView[]>("staff_precheck_appointments", { date });
}

/** The demo's persona cards (empty when the app does not run the demo). Staff only. */
export function demoCards(): Promise<DemoCard[]> {
  return invoke<DemoCard[]>("demo_cards");
}

/** Places persona `id`'s card on the virtual reader (the one there is taken off first). Staff only. */
export function demoPlace(id: string): Promise<void> {
  return invoke<void>("demo_place", { id });
}

/** Takes the card off the virtual reader. Staff only. */
export function demoRemove(): Promise<void> {
  return invoke<void>("demo_remove");
}

/**
 * Why the counter did not start and what to do: the message the app also wrote on
 * standard error (which configuration file it looked for, and how to write one).
 * Setup window only.
 */
export function setupProblem(): Promise<string> {
  return invoke<string>("setup_problem");
}

/** Closes the setup window, which ends the app. Setup window only. */
export function closeSetup(): Promise<void> {
  return invoke<void>("setup_close");
}

/** The ActionError a refused call rejected with, if it is one. */
export function actionError(error: unknown): ActionError | undefined {
  if (typeof error === "object" && error !== null && "message" in error) {
    const message = (error as { message: unknown }).message;
    if (typeof message === "object" && message !== null && "code" in message) {
      return error as ActionError;
    }
  }
  return undefined;
}

/** A refused or failed call, as text for a log line (never shown as is). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : JSON.stringify(error);
}
