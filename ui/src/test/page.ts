// Loads a page's body (staff.html, customer.html or setup.html) into jsdom, so that a test
// runs the page's real main module against it.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Puts `name`'s body (without its script tag) into the document. */
export function loadPage(name: "staff.html" | "customer.html" | "setup.html"): void {
  const html = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), "../..", name), "utf8");
  const match = /<body([^>]*)>([\s\S]*)<\/body>/.exec(html);
  if (match === null) throw new Error(`${name} has no body`);
  const bodyClass = /class="([^"]*)"/.exec(match[1] ?? "");
  document.title = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "";
  document.documentElement.lang = "ja";
  delete document.documentElement.dataset["appReady"];
  document.body.className = bodyClass?.[1] ?? "";
  // Test-only: the page's own static markup, not data.
  document.body.innerHTML = (match[2] ?? "").replace(/<script[\s\S]*?<\/script>/g, "");
}

/** The element with data-test `test` (the first), or an error. */
export function hook<T extends HTMLElement = HTMLElement>(test: string, root: ParentNode = document): T {
  const element = root.querySelector<T>(`[data-test="${test}"]`);
  if (element === null) throw new Error(`no [data-test="${test}"]`);
  return element;
}

/** Every element with data-test `test`. */
export function hooks<T extends HTMLElement = HTMLElement>(test: string, root: ParentNode = document): T[] {
  return [...root.querySelectorAll<T>(`[data-test="${test}"]`)];
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Types `value` into `input` as a person would (the value, then an input event). */
export function type(input: HTMLInputElement | HTMLSelectElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}
