// The windows' only way to the app: a thin, typed layer over @tauri-apps/api's
// invoke (commands) and listen (events). Pages call these functions and never
// name a command or an event as a string of their own.
//
// Which window may call which command is decided in the app
// (src-tauri/capabilities/); a refused call rejects its promise.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

/** What `app_info` answers (src-tauri/src/commands.rs, `AppInfo`). */
export interface AppInfo {
  /** The app's version. */
  version: string;
  /** The label of the window that asked: "staff" or "customer". */
  window: string;
}

/** The app's version and the calling window's label. Both windows. */
export function appInfo(): Promise<AppInfo> {
  return invoke<AppInfo>("app_info");
}

/** Answers "pong". The staff window only: the customer window is refused. */
export function staffPing(): Promise<string> {
  return invoke<string>("staff_ping");
}

/** The events the app sends to the windows. */
export type EventName = "staff-screen" | "customer-screen" | "status";

/**
 * Calls `handler` with the payload of every `event` until the returned
 * function is called.
 */
export function on<T>(event: EventName, handler: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(event, (e) => handler(e.payload));
}

/** A refused or failed call, as text for a log line (never shown as is). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : JSON.stringify(error);
}
