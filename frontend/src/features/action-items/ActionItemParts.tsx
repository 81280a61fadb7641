// An action item's controls wherever it is listed (My day, the project, the outcome): done /
// open again in one click (one mutation with one invalidation rule, action-items/queries.ts),
// its due date, red once an open item is overdue, and the table of a project's or a session's
// items with their assignees.
import { Checkbox, Table, Text } from "@mantine/core";
import { useTranslation } from "../../i18n/react";
import { showError } from "../../components/forms";
import { relativeTime, todayIso } from "../../format";
import { useUserNames } from "../users/queries";
import type { Schemas } from "../../api/types";
import { useSetActionItemStatus } from "./queries";

export function ActionItemCheckbox({ item }: { item: Pick<Schemas["ActionItemSummary"], "id" | "title" | "status"> }) {
  const setStatus = useSetActionItemStatus();
  const done = item.status === "done";
  const { t } = useTranslation();
  return (
    <Checkbox
      checked={done}
      disabled={item.status === "cancelled" || setStatus.isPending}
      onChange={() => setStatus.mutate({ id: item.id, status: done ? "open" : "done" }, { onError: (e) => showError(e) })}
      aria-label={done ? t("actionItem.markOpen", { title: item.title }) : t("actionItem.markDone", { title: item.title })}
    />
  );
}

export function DueDate({ item }: { item: Pick<Schemas["ActionItemSummary"], "due_date" | "status"> }) {
  const overdue = item.status === "open" && !!item.due_date && item.due_date < todayIso();
  return (
    <Text size="xs" c={overdue ? "red" : "dimmed"}>
      {item.due_date ? relativeTime(item.due_date) : ""}
    </Text>
  );
}

export function ActionItemTable({ items }: { items: Pick<Schemas["ActionItemRead"], "id" | "title" | "status" | "assignee_id" | "due_date">[] }) {
  const nameOf = useUserNames();
  return (
    <Table>
      <Table.Tbody>
        {items.map((a) => (
          <Table.Tr key={a.id}>
            <Table.Td w={30}>
              <ActionItemCheckbox item={a} />
            </Table.Td>
            <Table.Td td={a.status === "done" ? "line-through" : undefined}>{a.title}</Table.Td>
            <Table.Td>{nameOf(a.assignee_id)}</Table.Td>
            <Table.Td>
              <DueDate item={a} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
