// Looking up UI strings and applying them to a page.

import { LANGS, type Lang, type StringKey, strings } from "./strings";

export { LANGS, type Lang, type StringKey } from "./strings";

/** The string `key` in `lang`. */
export function t(key: StringKey, lang: Lang): string {
  return strings[key][lang];
}

/** Whether `key` names a string of the table (for keys read from HTML). */
export function isStringKey(key: string): key is StringKey {
  return Object.hasOwn(strings, key);
}

/** Whether `value` is one of the UI's languages. */
export function isLang(value: string): value is Lang {
  return (LANGS as readonly string[]).includes(value);
}

/**
 * Sets the text of every element under `root` that carries `data-i18n="key"`
 * to that string in `lang`. An unknown key shows the key itself, so that a
 * mistake is visible rather than blank (strings.test.ts catches it first).
 */
export function applyStrings(root: ParentNode, lang: Lang): void {
  for (const element of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    const key = element.dataset["i18n"] ?? "";
    element.textContent = isStringKey(key) ? t(key, lang) : key;
  }
}
