// Clients: whose castle is which, and what is open on it. Search, filters, cursor paging.
import { Anchor, Button, Group, Select, Stack, Table, TextInput, Title, Text } from "@mantine/core";
import { useDebouncedValue, useDisclosure } from "@mantine/hooks";
import { useState } from "react";
import { Link } from "react-router";
import { ClientStatus } from "../api/enums";
import type { Schemas } from "../api/types";
import { Empty } from "../components/states";
import { PagedTable } from "../components/PagedTable";
import { StatusBadge } from "../components/StatusBadge";
import { useCursorStack } from "../components/Pager";
import { ClientFormModal } from "../features/clients/ClientForms";
import { useClients } from "../features/clients/queries";
import { useMe, useUserNames } from "../features/users/queries";
import { label, relativeTime } from "../format";
import { useTranslation } from "../i18n/react";

export function ClientsPage() {
  const { t } = useTranslation("clients");
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 250);
  const [status, setStatus] = useState<string | null>(null);
  const [owner, setOwner] = useState<string | null>(null);
  const [industry, setIndustry] = useState("");
  const [industryQ] = useDebouncedValue(industry.trim(), 250);
  const pager = useCursorStack();
  const [creating, { open, close }] = useDisclosure();
  const { data: me } = useMe();
  const nameOf = useUserNames();
  const params = {
    q: q || undefined,
    status: (status ?? undefined) as Schemas["ClientStatus"] | undefined,
    owner_id: owner === "me" ? me?.id : undefined,
    industry: industryQ || undefined,
    cursor: pager.cursor,
    limit: 25,
  };
  const clients = useClients(params);
  const filtersChanged = (fn: () => void) => {
    fn();
    pager.reset();
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("list.title")}</Title>
        <Button onClick={open}>{t("list.new")}</Button>
      </Group>
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label={t("list.search")}
          placeholder={t("list.name")}
          value={search}
          onChange={(e) => filtersChanged(() => setSearch(e.currentTarget.value))}
          w={220}
        />
        <Select
          label={t("list.status")}
          placeholder={t("list.any")}
          clearable
          data={ClientStatus.map((s) => ({ value: s, label: label(s) }))}
          value={status}
          onChange={(v) => filtersChanged(() => setStatus(v))}
          w={150}
        />
        <Select
          label={t("list.owner")}
          placeholder={t("list.anyone")}
          clearable
          data={[{ value: "me", label: t("list.mine") }]}
          value={owner}
          onChange={(v) => filtersChanged(() => setOwner(v))}
          w={130}
        />
        <TextInput
          label={t("list.industry")}
          value={industry}
          onChange={(e) => filtersChanged(() => setIndustry(e.currentTarget.value))}
          w={160}
        />
      </Group>
      <PagedTable
        query={clients}
        pager={pager}
        minWidth={640}
        striped
        empty={
          <Empty action={<Button variant="light" onClick={open}>{t("list.addFirst")}</Button>}>
            {q || status || owner || industryQ ? t("list.noMatch") : t("list.none")}
          </Empty>
        }
        head={
          <>
            <Table.Th>{t("list.name")}</Table.Th>
            <Table.Th>{t("list.industry")}</Table.Th>
            <Table.Th>{t("list.status")}</Table.Th>
            <Table.Th>{t("list.owner")}</Table.Th>
            <Table.Th className="num">{t("list.openProjects")}</Table.Th>
            <Table.Th>{t("list.updated")}</Table.Th>
          </>
        }
        row={(c) => (
          <>
            <Table.Td>
              <Anchor component={Link} to={`/clients/${c.id}`}>
                {c.name}
              </Anchor>
              {c.external_source && (
                <Text span size="xs" c="dimmed">
                  {" "}
                  · {c.external_source}
                </Text>
              )}
            </Table.Td>
            <Table.Td>{c.industry}</Table.Td>
            <Table.Td>
              <StatusBadge status={c.status} />
            </Table.Td>
            <Table.Td>{nameOf(c.owner_id)}</Table.Td>
            <Table.Td className="num">{c.open_projects}</Table.Td>
            <Table.Td>{relativeTime(c.updated_at)}</Table.Td>
          </>
        )}
      />
      {creating && <ClientFormModal opened={creating} onClose={close} />}
    </Stack>
  );
}
