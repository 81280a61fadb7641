// An action item's controls wherever it is listed (My day, the project, the outcome): done /
// open again in one click (one mutation with one invalidation rule, action-items/queries.ts),
// its due date, red once an open item is overdue, and the table of a project's or a session's
// items with their assignees.
import { Checkbox, Text } from "@mantine/core";
import { useTranslation } from "../../i18n/react";
import { showError } from "../../components/forms";
import { relativeTime, todayIso } from "../../format";
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
