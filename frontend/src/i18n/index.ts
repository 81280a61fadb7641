// Languages: Japanese and English, every visible string in the catalogs under locales/<lang>/,
// one file per namespace (a screen or a domain). The person's choice wins, else their
// organization's, else the browser's (UX "Japanese first-class"). Dates, times, numbers and
// money go through Intl in the same language (src/format.ts reads `currentLanguage()`).
// scripts/check-i18n.mjs fails the build when a key is missing in either language or a
// visible literal sits outside the catalogs.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { resources } from "./resources";

export const LANGUAGES = ["ja", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

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

export function setLanguage(language: Language): void {
  if (typeof document !== "undefined") document.documentElement.lang = language;
  if (i18n.language !== language) void i18n.changeLanguage(language);
}

void i18n.use(initReactI18next).init({
  resources,
  lng: browserLanguage(),
  fallbackLng: "en",
  supportedLngs: LANGUAGES,
  defaultNS: "common",
  ns: Object.keys(resources.en),
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});
if (typeof document !== "undefined") document.documentElement.lang = currentLanguage();

export { i18n };
