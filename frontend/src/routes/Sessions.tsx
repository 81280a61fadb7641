// Sessions I can see, in time order with their project and client: upcoming soonest first,
// held and cancelled ones newest first, a held one showing when it was held and how long.
import { Anchor, Group, SegmentedControl, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "../i18n/react";
import { Link } from "react-router";
import { SessionStatus } from "../api/enums";
import type { Schemas } from "../api/types";
import { Empty } from "../components/states";
import { PagedTable } from "../components/PagedTable";
import { StatusBadge } from "../components/StatusBadge";
import { useCursorStack } from "../components/Pager";
import { EMPTY_KEYS } from "../features/sessions/labels";
import { useSessions } from "../features/sessions/queries";
import { absoluteTime, label, minutes, sessionWhen } from "../format";

export function SessionsPage() {
  const { t } = useTranslation("sessions");
  const [status, setStatus] = useState<keyof typeof EMPTY_KEYS>("scheduled");
  const pager = useCursorStack();
  const ahead = status === "scheduled" || status === "live";
  const params = {
    status: status === "all" ? undefined : (status as Schemas["SessionStatus"]),
    sort: ahead ? ("scheduled_at" as const) : ("-scheduled_at" as const),
    cursor: pager.cursor,
    limit: 25,
  };
  const sessions = useSessions(params);
  return (
    <Stack>
      <Title order={2}>{t("list.title")}</Title>
      <Group>
        <SegmentedControl
          value={status}
          onChange={(v) => {
            setStatus(v as keyof typeof EMPTY_KEYS);
            pager.reset();
          }}
          data={[...SessionStatus, "all" as const].map((s) => ({ value: s, label: label(s) }))}
        />
      </Group>
      <PagedTable
        query={sessions}
        pager={pager}
        minWidth={720}
        empty={<Empty>{t(EMPTY_KEYS[status])}</Empty>}
        head={
          <>
            <Table.Th>{t("list.head.session")}</Table.Th>
            <Table.Th>{t("list.head.projectClient")}</Table.Th>
            <Table.Th>{t("list.head.purpose")}</Table.Th>
            <Table.Th>{t("list.head.status")}</Table.Th>
            <Table.Th>{t("list.head.when")}</Table.Th>
            <Table.Th className="num">{t("list.head.timebox")}</Table.Th>
          </>
        }
        row={(s) => (
          <>
            <Table.Td>
              <Anchor component={Link} to={s.status === "completed" ? `/sessions/${s.id}/outcome` : `/sessions/${s.id}`}>
                {s.title}
              </Anchor>
            </Table.Td>
            <Table.Td>
              <Anchor
                component={Link}
                to={`/projects/${s.project_id}`} // i18n-ignore
                size="sm"
              >
                {s.project_title}
              </Anchor>
              {s.client_id && (
                <Text span size="sm" c="dimmed">
                  {" · "}
                  <Anchor
                    component={Link}
                    to={`/clients/${s.client_id}`} // i18n-ignore
                    size="sm"
                    c="dimmed"
                  >
                    {s.client_name}
                  </Anchor>
                </Text>
              )}
            </Table.Td>
            <Table.Td>{label(s.purpose)}</Table.Td>
            <Table.Td>
              <StatusBadge status={s.status} />
            </Table.Td>
            <Table.Td>
              <Text size="sm" title={absoluteTime(s.started_at ?? s.scheduled_at)} data-testid="when">
                {sessionWhen(s)}
              </Text>
            </Table.Td>
            <Table.Td className="num">{minutes(s.timebox_minutes)}</Table.Td>
          </>
        )}
      />
    </Stack>
  );
}
