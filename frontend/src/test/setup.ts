// Test setup: jest-dom-like cleanup and the browser APIs Mantine expects but jsdom lacks.
import { afterEach, vi } from "vitest";
import { cleanup, configure } from "@testing-library/react";
import { loadNamespace, startI18n, type Namespace } from "../i18n";

// The machine these run on is shared and often loaded: give findBy*/waitFor 3 s, not 1 s, before
// they call something missing (they still fail when it never comes).
configure({ asyncUtilTimeout: 3000 });

// Every catalog, in English (jsdom's browser language) and Japanese, before any test renders:
// screens under test never wait for their words.
await startI18n("en");
const NAMESPACES = Object.keys(import.meta.glob("../i18n/locales/en/*.json")).map((path) => path.replace(/^.*\/(\w+)\.json$/, "$1") as Namespace);
await Promise.all(NAMESPACES.flatMap((ns) => [loadNamespace("en", ns), loadNamespace("ja", ns)]));

afterEach(() => {
  cleanup();
  localStorage.clear();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
window.ResizeObserver = ResizeObserverStub as unknown as typeof ResizeObserver;
globalThis.ResizeObserver = window.ResizeObserver;
window.HTMLElement.prototype.scrollIntoView = () => {};
Object.defineProperty(window, "scrollTo", { writable: true, value: () => {} });
// Textarea autosize listens for web fonts.
if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", {
    value: { addEventListener: () => {}, removeEventListener: () => {}, ready: Promise.resolve() },
  });
}
