// My day: what is on my plate — invitations to answer, my projects, projects I help on, next
// sessions (where I have a seat), my open action items and my give/receive balance (this
// fiscal quarter, or another period picked on its card). The one action: join the next session.
import { Anchor, Button, Card, Group, NativeSelect, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { lazy, Suspense, useState } from "react";
import type { Schemas } from "../api/types";
import { Empty, ErrorState, Loading } from "../components/states";
import { StatusBadge } from "../components/StatusBadge";
import { ActionItemCheckbox, DueDate } from "../features/action-items/ActionItemParts";
import { useDashboard } from "../features/dashboard/queries";
import { AnswerButtons } from "../features/invitations/AnswerButtons";
import { useInvitations, type Invitation } from "../features/invitations/queries";
import { NAMED_PERIODS, type PeriodKind } from "../features/ledger/periods";
import { useMe } from "../features/users/queries";
import { absoluteTime, balanceColour, minutes, periodLabel, relativeTime, signedMinutes } from "../format";

// The chart library is the biggest part of the bundle: My day (the first screen) loads it
// after the page itself has shown.
const BalanceChart = lazy(() => import("../components/BalanceChart").then((m) => ({ default: m.BalanceChart })));

function Invitations({ items }: { items: Invitation[] }) {
  return (
    <Card withBorder data-testid="invitations" style={{ borderColor: "var(--mantine-color-yellow-5)" }}>
      <Title order={4} mb="xs">
        Invitations to help
      </Title>
      <Stack gap="sm">
        {items.map((inv) => (
            <Group key={inv.project_id} justify="space-between" wrap="wrap" gap="xs" data-testid="invitation">
              <div style={{ minWidth: 0 }}>
                <Anchor component={Link} to={`/projects/${inv.project_id}`} size="sm" fw={500}>
                  {inv.project_title}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {[
                    inv.client_name,
                    `as ${inv.role}`,
                    inv.role === "helper" ? `${minutes(inv.budget_minutes)} budget` : null,
                    inv.invited_by ? `invited by ${inv.invited_by.full_name} ${relativeTime(inv.invited_at)}` : `invited ${relativeTime(inv.invited_at)}`,
                  ]
                    .filter(Boolean)
                    .join(" · ")}
                </Text>
              </div>
              <AnswerButtons projectId={inv.project_id} projectTitle={inv.project_title} />
            </Group>
        ))}
      </Stack>
    </Card>
  );
}

/** A card of projects (mine, or the ones I help on), each with its due date. */
function ProjectList({ title, items, empty }: { title: string; items: Schemas["ProjectSummary"][]; empty: string }) {
  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        {title}
      </Title>
      {items.length ? (
        <Stack gap={6}>
          {items.map((p) => (
            <Group key={p.id} justify="space-between" wrap="nowrap">
              <Anchor component={Link} to={`/projects/${p.id}`} size="sm" lineClamp={1}>
                {p.title}
              </Anchor>
              <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
                {p.due_date ? `due ${relativeTime(p.due_date)}` : ""}
              </Text>
            </Group>
          ))}
        </Stack>
      ) : (
        <Empty>{empty}</Empty>
      )}
    </Card>
  );
}

export function MyDayPage() {
  const { data, isPending, error, refetch } = useDashboard();
  const invitations = useInvitations();
  const { data: me } = useMe();
  // The balance card's period; the default (this fiscal quarter) is the page's own answer.
  const [period, setPeriod] = useState<PeriodKind>("fiscal_quarter");
  const picked = useDashboard(period === "fiscal_quarter" ? undefined : period);
  if (isPending) return <Loading />;
  if (error) return <ErrorState error={error} onRetry={refetch} />;
  const next = data.next_sessions[0];
  const shown = picked.data ?? data;
  const balance = shown.my_balance;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>My day</Title>
        {next && (
          <Button component={Link} to={`/sessions/${next.id}`} data-testid="join-next">
            {next.status === "live" ? "Join live session" : "Open next session"}: {next.title}
          </Button>
        )}
      </Group>
      {!!invitations.data?.length && <Invitations items={invitations.data} />}
      <SimpleGrid cols={{ base: 1, md: 2, lg: 3 }}>
        <ProjectList title="My projects" items={data.my_projects} empty="No projects yet — open one from a client." />
        <ProjectList title="Helping on" items={data.helping_on} empty="You are not helping on any project yet." />
        <Card withBorder>
          <Group justify="space-between" mb="xs">
            <Title order={4}>My balance</Title>
            <Group gap="xs" wrap="nowrap">
              <NativeSelect
                size="xs"
                aria-label="Balance period"
                data={NAMED_PERIODS}
                value={period}
                onChange={(e) => setPeriod(e.currentTarget.value as PeriodKind)}
              />
              <Text fw={600} c={balanceColour(balance.balance_minutes)} data-testid="my-balance">
                {signedMinutes(balance.balance_minutes)}
              </Text>
            </Group>
          </Group>
          <Suspense fallback={<div style={{ height: 160 }} />}>
            <BalanceChart row={balance} />
          </Suspense>
          <Text size="xs" c="dimmed">
            {balance.sessions_attended} sessions · {balance.contributions_count} contributions · {balance.ideas_adopted} ideas
            adopted · <span data-testid="balance-period">{periodLabel(shown, me?.organization.fiscal_year_start_month ?? 1)}</span>
          </Text>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Next sessions
          </Title>
          {data.next_sessions.length ? (
            <Stack gap={6}>
              {data.next_sessions.map((s) => (
                <Group key={s.id} justify="space-between" wrap="nowrap">
                  <div>
                    <Anchor component={Link} to={`/sessions/${s.id}`} size="sm">
                      {s.title}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {s.project_title} · {minutes(s.timebox_minutes)}
                    </Text>
                  </div>
                  <Text size="xs" title={absoluteTime(s.scheduled_at)} style={{ whiteSpace: "nowrap" }}>
                    {s.status === "live" ? <StatusBadge status="live" /> : relativeTime(s.scheduled_at)}
                  </Text>
                </Group>
              ))}
            </Stack>
          ) : (
            <Empty>No sessions scheduled — schedule one from a project.</Empty>
          )}
        </Card>
        <Card withBorder style={{ gridColumn: "span 1" }}>
          <Title order={4} mb="xs">
            My open action items
          </Title>
          {data.my_action_items.length ? (
            <Table>
              <Table.Tbody>
                {data.my_action_items.map((a) => (
                  <Table.Tr key={a.id}>
                    <Table.Td w={30}>
                      <ActionItemCheckbox item={a} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{a.title}</Text>
                      <Anchor component={Link} to={`/projects/${a.project_id}`} size="xs" c="dimmed" data-testid="action-project">
                        {a.project_title}
                      </Anchor>
                    </Table.Td>
                    <Table.Td className="num">
                      <DueDate item={a} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Empty>Nothing open — nice.</Empty>
          )}
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
