// Whole lists from keyset-paged endpoints: follow next_cursor until the last page, so a
// picker or a full list never stops silently at one page's limit.
import { unwrap } from "./problem";

/** The API's largest page (every list's `limit` maximum in openapi.json). */
export const PAGE_LIMIT = 200;

interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** Every item of a paged list: `fetchPage(cursor)` asks for one page (the first with
 * `undefined`), as an openapi-fetch result. */
export async function fetchAllPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ data?: Page<T>; error?: unknown; response: Response }>,
): Promise<T[]> {
  return (await fetchAllPagesWithFirst<Page<T>>(fetchPage)).items;
}

/** Every item, and the first page for what a list says besides its items (a board's
 * `hidden_count`). */
export async function fetchAllPagesWithFirst<P extends Page<unknown>>(
  fetchPage: (cursor: string | undefined) => Promise<{ data?: P; error?: unknown; response: Response }>,
): Promise<{ items: P["items"]; first: P }> {
  const items: P["items"] = [];
  let first: P | undefined;
  let cursor: string | undefined;
  do {
    const page = unwrap(await fetchPage(cursor));
    first ??= page;
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return { items, first: first as P };
}
