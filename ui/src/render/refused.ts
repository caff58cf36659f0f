// The links the services did not confirm at an enrollment, as both windows list them:
// one item per link with the same hooks (refused-line: data-service-id, data-kind,
// data-code, data-attribute), the code table's line (why, and what to do) and, for a
// mismatch, which of the four attributes differs (never the service's value). Each
// window words the heading, the service and the attribute its own way.

import type { Attribute } from "../ipc/generated/Attribute";
import type { RefusedLine } from "../ipc/generated/RefusedLine";
import type { Lang } from "../i18n";
import { el } from "./dom";
import { codeBlock } from "./message";

/** How one window words the list. */
export interface RefusedWording {
  /** The section's classes. */
  readonly sectionClass: string;
  /** The heading (its id must be `refused-heading`). */
  readonly heading: HTMLElement;
  /** The service of a line. */
  readonly service: (line: RefusedLine) => HTMLElement;
  /** The attribute a mismatch names, as a sentence. */
  readonly attribute: (attribute: Attribute) => string;
  /** The language of the code table's lines. */
  readonly lang: Lang;
}

/** The list, or nothing when every link was made. */
export function refusedSection(refused: readonly RefusedLine[], w: RefusedWording): HTMLElement | undefined {
  if (refused.length === 0) return undefined;
  const item = (line: RefusedLine): HTMLElement =>
    el(
      "li",
      {
        class: "refused-line",
        test: "refused-line",
        "data-service-id": line.service_id,
        "data-kind": line.kind,
        "data-code": line.code,
        "data-attribute": line.attribute ?? "",
      },
      w.service(line),
      codeBlock(line.code, w.lang),
      line.attribute !== null && el("p", { class: "refused-attribute", test: "refused-attribute" }, w.attribute(line.attribute)),
    );
  return el("section", { class: w.sectionClass, test: "refused", "aria-labelledby": "refused-heading" }, w.heading, el("ul", {}, ...refused.map(item)));
}
