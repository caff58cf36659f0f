import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

import { isStringKey, LANGS, t } from "./index";
import { strings } from "./strings";

/** The ui/ folder. */
const UI = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Every TypeScript module of the pages (not tests, not the generated types). */
function modules(dir: string = join(UI, "src")): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "generated" || name === "test" ? [] : modules(path);
    // The table itself names every key: it is not a use.
    return name.endsWith(".ts") && !name.endsWith(".test.ts") && path !== join(UI, "src/i18n/strings.ts") ? [path] : [];
  });
}

/** The pages, one per window. */
const PAGES = ["staff.html", "customer.html", "setup.html"];

/** A string literal that looks like a key of the table (`staff.tab.journal`). */
const KEY_LITERAL = /["'`]((?:app|staff|customer|setup)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)["'`]/g;

const entries = Object.entries(strings) as [string, Record<string, unknown>][];

describe("the string table", () => {
  it("has entries", () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  it.each(entries)("%s has a non-empty string in every language, and no other", (_key, entry) => {
    expect(Object.keys(entry).sort()).toEqual([...LANGS].sort());
    for (const lang of LANGS) {
      const text = entry[lang];
      expect(typeof text, lang).toBe("string");
      expect(String(text).trim(), lang).not.toBe("");
      expect(String(text), `${lang}: no surrounding whitespace`).toBe(String(text).trim());
    }
  });

  it("looks strings up by key and language", () => {
    expect(t("app.name", "ja")).toBe("窓口");
    expect(t("app.name", "en")).toBe("Madoguchi");
  });
});

describe("the pages", () => {
  const pages = PAGES.map((name) => ({
    name,
    html: readFileSync(join(UI, name), "utf8"),
  }));

  it.each(pages)("$name names only keys of the table", ({ html }) => {
    const keys = [...html.matchAll(/data-i18n="([^"]*)"/g)].map((m) => m[1] ?? "");
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !isStringKey(key))).toEqual([]);
  });

  it.each(pages)("$name declares its language and loads no remote resource", ({ html }) => {
    expect(html).toMatch(/<html lang="ja">/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe("the modules", () => {
  const sources = modules().map((path) => ({ name: relative(UI, path), text: readFileSync(path, "utf8") }));
  const used = new Set<string>();
  for (const { text } of sources) for (const m of text.matchAll(KEY_LITERAL)) used.add(m[1] ?? "");
  for (const name of PAGES) {
    for (const m of readFileSync(join(UI, name), "utf8").matchAll(/data-i18n="([^"]*)"/g)) used.add(m[1] ?? "");
  }

  it("are found", () => {
    expect(sources.length).toBeGreaterThan(20);
  });

  it.each(sources)("$name names only keys of the table, each with both languages", ({ text }) => {
    const keys = [...text.matchAll(KEY_LITERAL)].map((m) => m[1] ?? "");
    expect(keys.filter((key) => !isStringKey(key))).toEqual([]);
    for (const key of keys.filter(isStringKey)) {
      for (const lang of LANGS) expect(t(key, lang).trim(), `${key} in ${lang}`).not.toBe("");
    }
  });

  it("use every key of the table (no string is left over)", () => {
    expect(Object.keys(strings).filter((key) => !used.has(key) && key !== "app.name")).toEqual([]);
  });
});
