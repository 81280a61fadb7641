// Test setup: jest-dom-like cleanup and the browser APIs Mantine expects but jsdom lacks.
import { afterEach, vi } from "vitest";
import { cleanup, configure } from "@testing-library/react";
import "../i18n"; // the catalogs, in the browser's language: English under jsdom

// The machine these run on is shared and often loaded: give findBy*/waitFor 3 s, not 1 s, before
// they call something missing (they still fail when it never comes).
configure({ asyncUtilTimeout: 3000 });

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
