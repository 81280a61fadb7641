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
import { useTranslation } from "../i18n/react";

export function ProjectsPage() {
  const { t } = useTranslation("projects");
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
        <Title order={2}>{t("list.title")}</Title>
        <Button onClick={open}>{t("list.open")}</Button>
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
          aria-label={t("list.searchAria")}
          placeholder={t("list.searchPlaceholder")}
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
        empty={<Empty>{t("list.none")}</Empty>}
        head={
          <>
            <Table.Th>{t("list.colTitle")}</Table.Th>
            <Table.Th>{t("list.kind")}</Table.Th>
            <Table.Th>{t("list.status")}</Table.Th>
            <Table.Th>{t("list.owner")}</Table.Th>
            <Table.Th>{t("list.due")}</Table.Th>
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
