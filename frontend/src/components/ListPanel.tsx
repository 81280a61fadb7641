// A settings list: its one action top right, then the list (loading, error, empty, rows).
import { Button, Group, ScrollArea, Stack, Table } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Empty, QueryState } from "./states";

export function ListPanel<T>({
  action,
  onAction,
  query,
  empty,
  children,
}: {
  action: string;
  onAction: () => void;
  query: UseQueryResult<T[]>;
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <Stack>
      <Group justify="flex-end">
        <Button onClick={onAction}>{action}</Button>
      </Group>
      <QueryState query={query} retry>
        {(items) => (items.length ? children(items) : <Empty>{empty}</Empty>)}
      </QueryState>
    </Stack>
  );
}

/** A plain table that scrolls sideways on a phone; `heads` are the column titles. */
export function ListTable({ minWidth, heads, children }: { minWidth: number; heads: string[]; children: ReactNode }) {
  return (
    <ScrollArea>
      <Table miw={minWidth}>
        <Table.Thead>
          <Table.Tr>
            {heads.map((head, i) => (
              <Table.Th key={i}>{head}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
