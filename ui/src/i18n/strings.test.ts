import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { isStringKey, LANGS, t } from "./index";
import { strings } from "./strings";

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
  const pages = ["staff.html", "customer.html"].map((name) => ({
    name,
    html: readFileSync(new URL(`../../${name}`, import.meta.url), "utf8"),
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
