// Sessions I can see: upcoming and live first, then the completed ones with their outcomes.
import { Anchor, Group, SegmentedControl, Stack, Table, Text, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "../api/client";
import { keys } from "../api/keys";
import { unwrap } from "../api/problem";
import { Empty, ErrorState, Loading } from "../components/states";
import { StatusBadge } from "../components/StatusBadge";
import { Pager, useCursorStack } from "../components/Pager";
import { absoluteTime, label, minutes, relativeTime } from "../format";

export function SessionsPage() {
  const [status, setStatus] = useState("scheduled");
  const pager = useCursorStack();
  const params = { status: status === "all" ? undefined : (status as "scheduled"), cursor: pager.cursor, limit: 25 };
  const { data, isPending, error, refetch } = useQuery({
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
      {isPending ? (
        <Loading />
      ) : error ? (
        <ErrorState error={error} onRetry={refetch} />
      ) : !data.items.length ? (
        <Empty>No {status === "all" ? "" : status} sessions — schedule one from a project.</Empty>
      ) : (
        <>
          <Table.ScrollContainer minWidth={560} maxHeight="70vh" type="native">
            <Table stickyHeader highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Session</Table.Th>
                  <Table.Th>Purpose</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>When</Table.Th>
                  <Table.Th className="num">Time box</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((s) => (
                  <Table.Tr key={s.id}>
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
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Pager pager={pager} nextCursor={data.next_cursor} />
        </>
      )}
    </Stack>
  );
}
