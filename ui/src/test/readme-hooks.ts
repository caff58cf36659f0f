// The data-test hooks documented in ui/README.md's table, for the tests that
// check each one appears in some rendered state (and nothing undocumented does).

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A documented hook: its name (with <placeholders>) and its window. */
export interface DocumentedHook {
  readonly name: string;
  readonly window: "staff" | "customer" | "both" | "setup";
}

/** The hooks of ui/README.md's "DOM hooks" table. */
export function documentedHooks(): DocumentedHook[] {
  const readme = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), "../../README.md"), "utf8");
  const hooks: DocumentedHook[] = [];
  for (const line of readme.split("\n")) {
    const m = /^\| `([a-z0-9_<>-]+)` \| (staff|customer|both|setup) \|/.exec(line);
    if (m !== null) hooks.push({ name: m[1] ?? "", window: m[2] as DocumentedHook["window"] });
  }
  return hooks;
}

/** Whether hook `name` (maybe with <placeholders>) matches the rendered value `value`. */
export function matches(name: string, value: string): boolean {
  const pattern = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/<[^>]+>/g, "[A-Za-z0-9_-]+");
  return new RegExp(`^${pattern}$`).test(value);
}

/** Every data-test value now in the document. */
export function renderedHooks(): string[] {
  return [...document.querySelectorAll("[data-test]")].map((e) => e.getAttribute("data-test") ?? "");
}
