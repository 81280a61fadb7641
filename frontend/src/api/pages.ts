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
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = unwrap(await fetchPage(cursor));
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return items;
}
