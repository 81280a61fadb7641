// The React side of the catalogs: `useTranslation(namespace)` gives a typed `t` for one
// namespace and re-renders on a change of language; it suspends while the namespace loads
// (src/i18n/index.ts), so the nearest <Suspense> shows its fallback for that moment.
// `Trans` renders a catalog sentence holding markup, e.g. "Point it at <code>{{url}}</code>",
// with the elements given for each tag. Written here rather than taken from react-i18next:
// these two are all the SPA uses, and the first screen stays under its size budget.
import { cloneElement, Fragment, use, useMemo, useSyncExternalStore, type ReactElement, type ReactNode } from "react";
import type { TFunction } from "i18next";
import { currentLanguage, i18n, isLoaded, loadNamespace, type Namespace } from ".";

/** A settled promise marked the way React marks the ones it has seen settle, so use()
 * returns at once instead of suspending for a tick. */
const LOADED: Promise<void> = Object.assign(Promise.resolve(), { status: "fulfilled", value: undefined });

function subscribe(onChange: () => void): () => void {
  i18n.on("languageChanged", onChange);
  i18n.store.on("added", onChange);
  return () => {
    i18n.off("languageChanged", onChange);
    i18n.store.off("added", onChange);
  };
}

export function useTranslation<N extends Namespace = "common">(namespace?: N): { t: TFunction<N>; language: string } {
  const language = useSyncExternalStore(subscribe, currentLanguage, currentLanguage);
  const ns = (namespace ?? "common") as N;
  // use() every time, with a promise React already knows as fulfilled once the words are
  // here: called only while loading, the render React replays after the load would skip it
  // and run under the wrong hooks dispatcher ("Update hook called on initial render", #467).
  use(isLoaded(language, ns) ? LOADED : loadNamespace(language, ns));
  const t = useMemo(() => i18n.getFixedT(language, ns) as unknown as TFunction<N>, [language, ns]);
  return { t, language };
}

const TAG = /<(\w+)>(.*?)<\/\1>/gs;

/** A translated sentence with markup: each `<name>…</name>` becomes `components[name]` with
 * the tag's text as its children; the rest stays text. */
export function Trans({
  t,
  i18nKey,
  values,
  components = {},
}: {
  t: (key: never, options?: Record<string, unknown>) => unknown;
  i18nKey: string;
  values?: Record<string, unknown>;
  components?: Record<string, ReactElement<{ children?: ReactNode }>>;
}) {
  const text = (t as unknown as (key: string, options?: Record<string, unknown>) => string)(i18nKey, values);
  const parts: ReactNode[] = [];
  let at = 0;
  for (const match of text.matchAll(TAG)) {
    if (match.index > at) parts.push(text.slice(at, match.index));
    const element = components[match[1]];
    parts.push(element ? cloneElement(element, { key: parts.length }, match[2]) : match[2]);
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <Fragment>{parts}</Fragment>;
}
