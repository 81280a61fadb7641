// Projects I can see, filterable by status; open a new one.
import { Anchor, Button, Group, SegmentedControl, Stack, Table, TextInput, Title } from "@mantine/core";
import { useDebouncedValue, useDisclosure } from "@mantine/hooks";
import { useState } from "react";
import { Link } from "react-router";
import { ProjectStatus } from "../api/enums";
import type { Schemas } from "../api/types";
import { Empty } from "../components/states";
import { PagedTable } from "../components/PagedTable";
import { StatusBadge } from "../components/StatusBadge";
import { useCursorStack } from "../components/Pager";
import { ProjectFormModal } from "../features/projects/ProjectForms";
import { useProjects } from "../features/projects/queries";
import { useUserNames } from "../features/users/queries";
import { label, relativeTime } from "../format";

export function ProjectsPage() {
  const [status, setStatus] = useState("open");
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 250);
  const pager = useCursorStack();
  const nameOf = useUserNames();
  const [opening, { open, close }] = useDisclosure();
  const params = {
    status: status === "all" ? undefined : (status as Schemas["ProjectStatus"]),
    q: q || undefined,
    cursor: pager.cursor,
    limit: 25,
  };
  const projects = useProjects(params);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Projects</Title>
        <Button onClick={open}>Open a project</Button>
      </Group>
      <Group align="flex-end" wrap="wrap">
        <SegmentedControl
          value={status}
          onChange={(v) => {
            setStatus(v);
            pager.reset();
          }}
          data={[...ProjectStatus, "all"].map((s) => ({ value: s, label: label(s) }))}
        />
        <TextInput
          aria-label="Search projects"
          placeholder="Search title"
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            pager.reset();
          }}
        />
      </Group>
      <PagedTable
        query={projects}
        pager={pager}
        minWidth={600}
        empty={<Empty>No projects yet — open one from a client.</Empty>}
        head={
          <>
            <Table.Th>Title</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Owner</Table.Th>
            <Table.Th>Due</Table.Th>
          </>
        }
        row={(p) => (
          <>
            <Table.Td>
              <Anchor component={Link} to={`/projects/${p.id}`}>
                {p.title}
              </Anchor>
            </Table.Td>
            <Table.Td>{label(p.kind)}</Table.Td>
            <Table.Td>
              <StatusBadge status={p.status} />
            </Table.Td>
            <Table.Td>{nameOf(p.owner_id)}</Table.Td>
            <Table.Td>{p.due_date ? relativeTime(p.due_date) : ""}</Table.Td>
          </>
        )}
      />
      {opening && <ProjectFormModal opened={opening} onClose={close} />}
    </Stack>
  );
}
