// Languages: Japanese and English, every visible string in the catalogs under locales/<lang>/,
// one file per namespace (a screen or a domain). The person's choice wins, else their
// organization's, else the browser's (UX "Japanese first-class"). Dates, times, numbers and
// money go through Intl in the same language (src/format.ts reads `currentLanguage()`).
// scripts/check-i18n.mjs fails the build when a key is missing in either language or a
// visible literal sits outside the catalogs.
//
// Catalogs load per language and namespace, when first needed (a phone downloads only the
// words of the screens it opens, in one language): main.tsx waits for the first screen's
// before it renders, useTranslation (./react.tsx) suspends for the others, and a change of
// language first loads the new language's words for what is on screen.
import i18n, { type TFunction } from "i18next";

export const LANGUAGES = ["ja", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export type Namespace = "common" | "errors" | "widgets" | "auth" | "myday" | "clients" | "projects" | "sessions" | "ledger" | "team" | "settings" | "profile" | "learnings";

// What the first screen (My day and the frame around it) says, and the words of errors and
// form hints (said from plain functions, api/problem.ts and api/rules.ts, which cannot wait
// for a catalog). Sign-in's words load with its page (App.tsx).
export const FIRST_SCREEN: Namespace[] = ["common", "errors", "myday"];
const STORED = "mastermind.language";

const catalogs = import.meta.glob<Record<string, unknown>>("./locales/*/*.json", { import: "default" });

function isLanguage(value: string | null | undefined): value is Language {
  return value === "ja" || value === "en";
}

/** The browser's first language we speak; English otherwise. */
export function browserLanguage(languages: readonly string[] = navigator.languages ?? [navigator.language]): Language {
  for (const tag of languages) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLanguage(base)) return base;
  }
  return "en";
}

/** The person's choice, else the organization's, else the browser's. */
export function chooseLanguage(person?: string | null, organization?: string | null, browser = browserLanguage()): Language {
  if (isLanguage(person)) return person;
  if (isLanguage(organization)) return organization;
  return browser;
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : "en";
}

/** The language to start in: the one this browser last spoke here, else the browser's. */
export function startingLanguage(): Language {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORED);
  } catch {
    /* storage refused (private mode): the browser's language */
  }
  return isLanguage(stored) ? stored : browserLanguage();
}

const loading = new Map<string, Promise<void>>();

/** Loads `namespace` in `language` once; resolved at once when it is there. */
export function loadNamespace(language: Language, namespace: Namespace): Promise<void> {
  if (isLoaded(language, namespace)) return Promise.resolve();
  const id = `${language}/${namespace}`;
  let pending = loading.get(id);
  if (!pending) {
    const load = catalogs[`./locales/${id}.json`];
    if (!load) throw new Error(`no catalog ${id}`);
    pending = load().then((words) => {
      i18n.addResourceBundle(language, namespace, words, true, true);
    });
    loading.set(id, pending);
  }
  return pending;
}

export function isLoaded(language: Language, namespace: Namespace): boolean {
  return Boolean(i18n.store?.data[language]?.[namespace]);
}

/** Speak `language`: its words for every namespace in use are loaded first, so the screen
 * changes language at once instead of waiting screen by screen. */
export async function setLanguage(language: Language): Promise<void> {
  const inUse = Object.keys(i18n.store.data[currentLanguage()] ?? {}) as Namespace[];
  await Promise.all([...new Set([...FIRST_SCREEN, ...inUse])].map((ns) => loadNamespace(language, ns)));
  if (typeof document !== "undefined") document.documentElement.lang = language;
  try {
    localStorage.setItem(STORED, language);
  } catch {
    /* not remembered: the next visit starts in the browser's language */
  }
  if (i18n.language !== language) await i18n.changeLanguage(language);
}

// Started when this module loads, not when the app starts: the router resolves the first
// route (and its words) as soon as it is created, which may be before startI18n runs.
const initialized = i18n.init({
  lng: startingLanguage(),
  fallbackLng: false, // every key is in both languages (scripts/check-i18n.mjs)
  supportedLngs: LANGUAGES,
  defaultNS: "common",
  ns: [],
  resources: {},
  partialBundledLanguages: true,
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
  showSupportNotice: false, // no advertisement in people's consoles
});

/** Ready to render the first screen in `language`. */
export async function startI18n(language: Language = startingLanguage()): Promise<void> {
  await initialized;
  await setLanguage(language);
}

/** `t` for the errors namespace, for code outside components (api/problem.ts, api/rules.ts). */
export const errors = ((...args: unknown[]) =>
  (i18n.getFixedT(null, "errors") as unknown as (...a: unknown[]) => string)(...args)) as unknown as TFunction<"errors">;

/** A key built from data (an enum's value, a field's name, a problem's type), which no type
 * can check, so it comes with a fallback (``defaultValue``). */
export function lookupIn(namespace: Namespace, key: string, options: Record<string, unknown>): string {
  return (i18n.getFixedT(null, namespace) as unknown as (k: string, o: Record<string, unknown>) => string)(key, options);
}

// Each language named in its own words, whatever the page speaks (pickers of a language).
export const LANGUAGE_NAMES: Record<Language, string> = { ja: "日本語", en: "English" }; // i18n-ignore

export { i18n };
