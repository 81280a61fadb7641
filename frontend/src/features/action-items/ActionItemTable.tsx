// The table of a project's or a session's action items with their assignees (the project
// page, the outcome). Apart from ActionItemParts so that My day does not load Mantine's table.
import { Table } from "@mantine/core";
import type { Schemas } from "../../api/types";
import { useUserNames } from "../users/queries";
import { ActionItemCheckbox, DueDate } from "./ActionItemParts";

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
