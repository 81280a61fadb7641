// A page of a keyset-paged list as a table: loading, error, empty, rows, then the pager.
import { Table } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Pager, useCursorStack } from "./Pager";
import { QueryState } from "./states";

export function PagedTable<T extends { id: string }>({
  query,
  pager,
  empty,
  minWidth,
  head,
  row,
  striped = false,
}: {
  query: UseQueryResult<{ items: T[]; next_cursor?: string | null }>;
  pager: ReturnType<typeof useCursorStack>;
  empty: ReactNode;
  minWidth: number;
  head: ReactNode;
  row: (item: T) => ReactNode;
  striped?: boolean;
}) {
  return (
    <QueryState query={query} retry>
      {(page) =>
        !page.items.length ? (
          empty
        ) : (
          <>
            <Table.ScrollContainer minWidth={minWidth} maxHeight="70vh" type="native">
              <Table stickyHeader highlightOnHover striped={striped} aria-busy={query.isFetching}>
                <Table.Thead>
                  <Table.Tr>{head}</Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((item) => (
                    <Table.Tr key={item.id}>{row(item)}</Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager pager={pager} nextCursor={page.next_cursor} />
          </>
        )
      }
    </QueryState>
  );
}
