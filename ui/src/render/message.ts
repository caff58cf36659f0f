// Showing what the counter says. A Message comes from Rust with its own ja/en
// text and next step; the UI shows it and never writes error text of its own.
//
// Some views name only a Code (the headline, a warning line, an identification
// step). The code table's text lives in Rust (counter-core's codes.rs); each
// page loads it at start (codeTable(), then setCodeTable). A code the table
// lacks (the call failed) is shown as "code: <name>" rather than as text the
// UI made up.

import type { Code } from "../ipc/generated/Code";
import type { Message } from "../ipc/generated/Message";
import { type Lang, t } from "../i18n";
import { el } from "./dom";

const table = new Map<Code, Message>();

/** Fills the code table with the app's messages (one per code). */
export function setCodeTable(messages: readonly Message[]): void {
  table.clear();
  for (const message of messages) table.set(message.code, message);
}

/** The app's message for `code`, when the table has it. */
export function messageOf(code: Code): Message | undefined {
  return table.get(code);
}

/** The text of `message` in `lang`. */
export function messageText(message: Message, lang: Lang): { text: string; next: string } {
  return lang === "ja"
    ? { text: message.ja, next: message.next_ja }
    : { text: message.en, next: message.next_en };
}

/** Extra attributes of a message block. */
export interface MessageOptions {
  /** The data-test hook. */
  readonly test?: string;
  /** `alert` for a refusal (read out at once); none for text that is part of the screen. */
  readonly role?: "alert" | "status";
  /** The heading level, when the message is the screen's heading. */
  readonly heading?: "h1" | "h2";
}

/** `message` as a block: what happened (bold), then the next step. `data-code` names the code. */
export function messageBlock(message: Message, lang: Lang, options: MessageOptions = {}): HTMLElement {
  const { text, next } = messageText(message, lang);
  const head = options.heading === undefined ? el("p", { class: "message-text" }, text) : el(options.heading, { class: "message-text" }, text);
  return el(
    "div",
    { class: "message", test: options.test, role: options.role, "data-code": message.code },
    head,
    el("p", { class: "message-next" }, next),
  );
}

/** The block for a bare `code`: the app's message when known, else the code's name. */
export function codeBlock(code: Code, lang: Lang, options: MessageOptions = {}): HTMLElement {
  const message = messageOf(code);
  if (message !== undefined) return messageBlock(message, lang, options);
  return el(
    "div",
    { class: "message", test: options.test, role: options.role, "data-code": code },
    el("p", { class: "message-text" }, `${t("app.code", lang)}: `, el("code", {}, code)),
  );
}

/** The one-line text for `code` (a label inside a sentence or a list). */
export function codeLine(code: Code, lang: Lang): string {
  const message = messageOf(code);
  return message === undefined ? `${t("app.code", lang)}: ${code}` : messageText(message, lang).text;
}
