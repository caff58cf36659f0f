// Every string the UI shows, in Japanese and English. A page never writes text
// of its own: it names a key here (in code with t(), in HTML with data-i18n).
// The compiler checks that each entry has both languages; strings.test.ts
// checks that none is empty and that every key the pages use exists.

/** The languages of the UI. Japanese first: it is the default everywhere. */
export const LANGS = ["ja", "en"] as const;

/** One of the UI's languages (the value of a `lang` attribute). */
export type Lang = (typeof LANGS)[number];

/** One UI string in every language. */
export type Entry = Readonly<Record<Lang, string>>;

export const strings = {
  // Shared
  "app.name": { ja: "窓口", en: "Madoguchi" },
  "app.version": { ja: "バージョン", en: "Version" },

  // Staff window
  "staff.window_title": { ja: "窓口 — スタッフ", en: "Madoguchi — Staff" },
  "staff.idle": { ja: "お客さまのカードを待っています。", en: "Waiting for the customer's card." },
  "staff.status.label": { ja: "状態", en: "Status" },
  "staff.status.starting": { ja: "起動中…", en: "Starting…" },
  "staff.status.ready": { ja: "準備完了", en: "Ready" },
  "staff.status.ipc_failed": {
    ja: "アプリ本体と通信できません。アプリを再起動してください。",
    en: "Cannot reach the app. Please restart it.",
  },

  // Customer window
  "customer.window_title": { ja: "窓口 — お客さま", en: "Madoguchi — Customer" },
  "customer.language": { ja: "表示言語", en: "Language" },
  // A language's name is shown in that language, whatever the page's language.
  "customer.lang.ja": { ja: "日本語", en: "日本語" },
  "customer.lang.en": { ja: "English", en: "English" },
  "customer.place_card.heading": {
    ja: "マイナンバーカードを置いてください",
    en: "Please place your My Number Card",
  },
  "customer.place_card.detail": {
    ja: "カードを読み取り機の上に置き、そのままにしてください。",
    en: "Put the card on the reader and leave it there.",
  },
} as const satisfies Record<string, Entry>;

/** A key of the string table. */
export type StringKey = keyof typeof strings;
