// The card's notices: what the platform says about the card on the reader (its
// holder's name or address changed since enrollment, or that could not be
// checked), as the counter's Messages. Each window keeps a live region for them
// near the top of the page, outside the screens, so that they stay in view on
// every screen (and, on the staff window, every tab) while the card is there.

import type { Message } from "../ipc/generated/Message";
import type { Lang } from "../i18n";
import { el } from "./dom";
import { messageBlock } from "./message";

/**
 * Fills `root` (the page's `#card-notices` region, `role="status"`) with
 * `notices` under `title`; empty when there are none. Rebuilt only when the
 * notices or the language changed, so that the region is read out once.
 */
export function renderNotices(root: HTMLElement, notices: readonly Message[], lang: Lang, title: string): void {
  const key = JSON.stringify([lang, notices]);
  if (root.dataset["rendered"] === key) return;
  root.dataset["rendered"] = key;
  if (notices.length === 0) {
    root.replaceChildren();
    return;
  }
  root.replaceChildren(
    el("p", { class: "card-notices-title" }, title),
    ...notices.map((notice) => messageBlock(notice, lang, { test: "card-notice" })),
  );
}
