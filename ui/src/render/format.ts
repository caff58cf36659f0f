// Numbers, dates and times as both windows show them. Yen with the thousands
// separator; business dates in JST (the counter's day, counter-store).

import type { Lang } from "../i18n";

const yenFormat = new Intl.NumberFormat("ja-JP");

/** `1234` → `¥1,234` (the same in both languages: it is how the till prints it). */
export function yen(amount: number): string {
  return `¥${yenFormat.format(amount)}`;
}

/** `20250401` or `2025-04-01` → `2025-04-01`; anything else as it came. */
export function isoDate(value: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
  return m === null ? value : `${m[1]}-${m[2]}-${m[3]}`;
}

/** Japan's offset from UTC (JST has no daylight saving time). */
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** Today's date in JST, `YYYY-MM-DD` (the business date of the journal and the close). */
export function todayJst(now: Date = new Date()): string {
  return new Date(now.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Unix seconds → `YYYY-MM-DD HH:MM` in JST. */
export function jstTime(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000 + JST_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** `YYYYMMDDHHmmss` (the insurer's timestamps) → `YYYY-MM-DD HH:MM`; anything else as it came. */
export function insurerTime(value: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})\d{0,2}$/.exec(value);
  return m === null ? isoDate(value) : `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}`;
}

/** A count with its unit, e.g. `3件` / `3`. */
export function count(n: number, lang: Lang): string {
  return lang === "ja" ? `${n}件` : String(n);
}
