// Building the pages' DOM: elements from a tag, attributes and children, text
// always through textContent (never innerHTML), no inline style (the CSP has
// none). Every renderer of both windows builds its nodes here.

/** An attribute value: a string or number is set as is, `true` sets it empty, `false`/null/undefined leave it out. */
export type AttrValue = string | number | boolean | null | undefined;

/**
 * Attributes by name. Two shorthands: `class` (a space-separated list) and
 * `test` (the `data-test` hook the WebDriver tests use, ui/README.md).
 */
export type Attrs = Readonly<Record<string, AttrValue>>;

/** A child: a node, text, or nothing (skipped, so `cond && node` reads well). */
export type Child = Node | string | null | undefined | false;

/** `<tag>` with `attrs` and `children`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    const attr = name === "test" ? "data-test" : name;
    element.setAttribute(attr, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends `children` to `parent`, skipping the empty ones. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** A `<button type="button">` that calls `onClick`. */
export function button(
  label: string,
  onClick: (event: MouseEvent) => void,
  attrs: Attrs = {},
): HTMLButtonElement {
  const element = el("button", { type: "button", ...attrs }, label);
  element.addEventListener("click", onClick);
  return element;
}

/** A labelled form control: `<label>` text above the control, tied by id. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (control.id === "") control.id = nextId("field");
  const wrapper = el("div", { class: "field" }, el("label", { for: control.id }, label), control);
  if (hint !== undefined) {
    const hintId = nextId("hint");
    wrapper.appendChild(el("p", { class: "hint", id: hintId }, hint));
    control.setAttribute("aria-describedby", hintId);
  }
  return wrapper;
}

/** A definition list from (term, description) pairs; empty descriptions are left out. */
export function facts(pairs: readonly (readonly [string, Child])[], attrs: Attrs = {}): HTMLDListElement {
  const list = el("dl", { class: "facts", ...attrs });
  for (const [term, description] of pairs) {
    if (description === null || description === undefined || description === false || description === "") {
      continue;
    }
    list.append(el("div", { class: "fact" }, el("dt", {}, term), el("dd", {}, description)));
  }
  return list;
}

let counter = 0;

/** A fresh element id (for label/aria references). */
export function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** The element with `id`, or an error naming the page that lacks it. */
export function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element;
}

/** What identifies a control across re-renders: its data-test hook and data-key. */
function controlKey(element: Element): string | undefined {
  const test = element.getAttribute("data-test");
  if (test === null) return undefined;
  return `${test}|${element.getAttribute("data-key") ?? ""}`;
}

/**
 * Replaces `root`'s children by `fresh`, keeping what the person was doing: the
 * values typed into form controls that exist in both (matched by data-test and
 * data-key) and the focus. A frame may arrive while staff type an amount or the
 * customer a password; re-rendering must not lose either. Values are moved, not
 * copied: the old controls are emptied. `keepValues` is `true` to keep every
 * value (the same screen), `false` for none, or the data-test hooks of the
 * controls whose values outlive a change of screen.
 */
export function replaceKeeping(root: HTMLElement, fresh: readonly Node[], keepValues: boolean | readonly string[]): void {
  const values = new Map<string, { value: string; checked: boolean }>();
  const kept = (control: Element): boolean =>
    keepValues === true || (keepValues !== false && keepValues.includes(control.getAttribute("data-test") ?? ""));
  if (keepValues !== false) {
    for (const control of root.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
      "input, select, textarea",
    )) {
      const key = controlKey(control);
      if (key === undefined || !kept(control)) continue;
      values.set(key, {
        value: control.value,
        checked: control instanceof HTMLInputElement && control.checked,
      });
      if (control instanceof HTMLInputElement && control.type === "password") control.value = "";
    }
  }
  const active = document.activeElement;
  const focusKey = active !== null && root.contains(active) ? controlKey(active) : undefined;
  root.replaceChildren(...fresh);
  for (const control of root.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
    "input, select, textarea",
  )) {
    const key = controlKey(control);
    const before = key === undefined ? undefined : values.get(key);
    if (before === undefined) continue;
    if (control instanceof HTMLInputElement && (control.type === "checkbox" || control.type === "radio")) {
      control.checked = before.checked;
    } else {
      control.value = before.value;
    }
    control.dispatchEvent(new Event("input", { bubbles: true }));
  }
  if (focusKey !== undefined) {
    for (const candidate of root.querySelectorAll<HTMLElement>("[data-test]")) {
      if (controlKey(candidate) === focusKey) {
        candidate.focus();
        break;
      }
    }
  }
}

/** A `<select>` of (value, label) options with `selected` chosen. */
export function select(
  options: readonly (readonly [string, string])[],
  selected: string | undefined,
  attrs: Attrs = {},
): HTMLSelectElement {
  return el(
    "select",
    attrs,
    ...options.map(([value, label]) => el("option", { value, selected: value === selected }, label)),
  );
}

/** The value of the control with data-test `test` under `root` ("" when there is none). */
export function valueOf(root: ParentNode, test: string): string {
  const control = root.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-test="${test}"]`);
  return control === null ? "" : control.value.trim();
}
