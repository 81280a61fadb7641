// Sessions I can see: upcoming and live first, then the completed ones with their outcomes.
import { Anchor, Group, SegmentedControl, Stack, Table, Text, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "../api/client";
import { keys } from "../api/keys";
import { unwrap } from "../api/problem";
import { Empty } from "../components/states";
import { PagedTable } from "../components/PagedTable";
import { StatusBadge } from "../components/StatusBadge";
import { useCursorStack } from "../components/Pager";
import { absoluteTime, label, minutes, relativeTime } from "../format";

export function SessionsPage() {
  const [status, setStatus] = useState("scheduled");
  const pager = useCursorStack();
  const params = { status: status === "all" ? undefined : (status as "scheduled"), cursor: pager.cursor, limit: 25 };
  const sessions = useQuery({
    queryKey: keys.sessions.list(params),
    queryFn: async () => unwrap(await api.GET("/api/v1/sessions", { params: { query: params } })),
    placeholderData: keepPreviousData,
  });
  return (
    <Stack>
      <Title order={2}>Sessions</Title>
      <Group>
        <SegmentedControl
          value={status}
          onChange={(v) => {
            setStatus(v);
            pager.reset();
          }}
          data={["scheduled", "live", "completed", "cancelled", "all"].map((s) => ({ value: s, label: label(s) }))}
        />
      </Group>
      <PagedTable
        query={sessions}
        pager={pager}
        minWidth={560}
        empty={<Empty>No {status === "all" ? "" : status} sessions — schedule one from a project.</Empty>}
        head={
          <>
            <Table.Th>Session</Table.Th>
            <Table.Th>Purpose</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>When</Table.Th>
            <Table.Th className="num">Time box</Table.Th>
          </>
        }
        row={(s) => (
          <>
            <Table.Td>
              <Anchor component={Link} to={s.status === "completed" ? `/sessions/${s.id}/outcome` : `/sessions/${s.id}`}>
                {s.title}
              </Anchor>
            </Table.Td>
            <Table.Td>{label(s.purpose)}</Table.Td>
            <Table.Td>
              <StatusBadge status={s.status} />
            </Table.Td>
            <Table.Td>
              <Text size="sm" title={absoluteTime(s.scheduled_at)}>
                {relativeTime(s.scheduled_at)}
              </Text>
            </Table.Td>
            <Table.Td className="num">{minutes(s.timebox_minutes)}</Table.Td>
          </>
        )}
      />
    </Stack>
  );
}
