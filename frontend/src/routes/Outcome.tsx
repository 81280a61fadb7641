// The outcome of a completed session: what we decided and who does what next; takeaways.
import { Badge, Button, Card, Group, List, SimpleGrid, Stack, Table, Text, Textarea, Title } from "@mantine/core";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { Empty, ErrorState, Loading, QueryState } from "../components/states";
import { StatusBadge } from "../components/StatusBadge";
import { notifySaved, showError } from "../components/forms";
import { ActionItemTable } from "../features/action-items/ActionItemParts";
import { useOutcome, useSession, useTakeaways, useWriteTakeaway } from "../features/sessions/queries";
import { SessionContext } from "../features/sessions/SessionContext";
import { useMe, useUserNames } from "../features/users/queries";
import { absoluteTime, label, minutes, relativeTime, sessionWhen } from "../format";

function Takeaways({ sessionId }: { sessionId: string }) {
  const { data: me } = useMe();
  const nameOf = useUserNames();
  const [body, setBody] = useState("");
  const takeaways = useTakeaways(sessionId);
  const mine = takeaways.data?.find((t) => t.user_id === me?.id);
  const write = useWriteTakeaway(sessionId);
  const save = () =>
    write.mutate(body, {
      onSuccess: () => {
        setBody("");
        notifySaved("Takeaway saved");
      },
      onError: (e) => showError(e),
    });
  return (
    <Stack gap="sm">
      <QueryState query={takeaways}>
        {(notes) =>
          notes.length ? (
            notes.map((t) => (
              <div key={t.id}>
                <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                  {t.body}
                </Text>
                <Text size="xs" c="dimmed">
                  {nameOf(t.user_id)} · {relativeTime(t.updated_at)}
                </Text>
              </div>
            ))
          ) : (
            <Empty>No takeaways yet — what did you learn?</Empty>
          )}
      </QueryState>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (body.trim()) save();
        }}
      >
        <Stack gap="xs">
          <Textarea
            label={mine ? "Edit my takeaway" : "My takeaway"}
            placeholder={mine?.body ?? "One thing I learned…"}
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
            autosize
            minRows={2}
          />
          <Group justify="flex-end">
            <Button type="submit" size="xs" loading={write.isPending} disabled={!body.trim()}>
              Save takeaway
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

export function OutcomePage() {
  const { sessionId = "" } = useParams();
  const session = useSession(sessionId);
  const outcome = useOutcome(sessionId);
  if (outcome.isPending || session.isPending) return <Loading />;
  if (session.error) return <ErrorState error={session.error} onRetry={session.refetch} />;
  if (outcome.error) return <ErrorState error={outcome.error} onRetry={outcome.refetch} />;
  const o = outcome.data;
  const s = session.data;
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="xs">
            <Title order={2}>Outcome: {s.title}</Title>
            <StatusBadge status={o.status} />
          </Group>
          <Text size="sm" c="dimmed">
            <SessionContext session={s} />{" "}
            · {label(s.purpose)} ·{" "}
            <span title={absoluteTime(s.started_at ?? s.scheduled_at)} data-testid="held">
              {sessionWhen(s)}
            </span>
          </Text>
        </div>
        {o.status !== "completed" && (
          <Button component={Link} to={`/sessions/${sessionId}`}>
            Open the room
          </Button>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={4}>Summary</Title>
          <Text style={{ whiteSpace: "pre-wrap" }} data-testid="outcome-summary">
            {o.summary || "—"}
          </Text>
          <Title order={5} mt="sm">
            Decisions
          </Title>
          {o.decisions.length ? (
            <List size="sm">
              {o.decisions.map((d, i) => (
                <List.Item key={i}>{d}</List.Item>
              ))}
            </List>
          ) : (
            <Text size="sm" c="dimmed">
              None recorded.
            </Text>
          )}
          <Title order={5} mt="sm">
            Recommended approach
          </Title>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {o.recommended_approach || "—"}
          </Text>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Who does what next
          </Title>
          {o.action_items.length ? (
            <ActionItemTable items={o.action_items} />
          ) : (
            <Empty>No action items came out of this session.</Empty>
          )}
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Adopted contributions
          </Title>
          {o.adopted_contributions.length ? (
            <Stack gap={6} data-testid="adopted">
              {o.adopted_contributions.map((c) => (
                <div key={c.id}>
                  <Text size="sm">{c.body}</Text>
                  <Text size="xs" c="dimmed">
                    <Badge size="xs" variant="light">
                      {c.kind}
                    </Badge>{" "}
                    {c.author_name} · {c.votes} votes
                  </Text>
                </div>
              ))}
            </Stack>
          ) : (
            <Empty>Nothing adopted.</Empty>
          )}
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Attendance
          </Title>
          <Table data-testid="outcome-attendance">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Person</Table.Th>
                <Table.Th className="num">Present</Table.Th>
                <Table.Th className="num">Credited</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {o.attendance.map((a) => (
                <Table.Tr key={a.user_id}>
                  <Table.Td>{a.full_name}</Table.Td>
                  <Table.Td className="num">{a.minutes_present === null ? "—" : minutes(a.minutes_present)}</Table.Td>
                  <Table.Td className="num">{minutes(a.minutes)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Title order={4} mb="xs">
          Takeaways
        </Title>
        <Takeaways sessionId={sessionId} />
      </Card>
    </Stack>
  );
}
