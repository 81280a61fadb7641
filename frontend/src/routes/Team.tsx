// The manager's view: which projects stall, which helpers burn out? Status counts, budget burn,
// overdue actions, sessions per week, givers and takers, the learning mix.
import { Anchor, Badge, Button, Card, Group, RingProgress, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { LineChart } from "@mantine/charts";
import { Link } from "react-router";
import { useDashboard } from "../components/AppLayout";
import { useUserNames, type Schemas } from "../api/hooks";
import { Empty, ErrorState, Loading } from "../components/states";
import { BudgetBar } from "../components/BudgetBar";
import { StatusBadge } from "../components/StatusBadge";
import { GiveTakeChart } from "./Ledger";
import { relativeTime } from "../format";

export function TeamOverviewView({ team }: { team: Schemas["TeamOverview"] }) {
  const nameOf = useUserNames();
  const weeks = team.sessions_per_week.map((w) => ({ week: w.week_start.slice(5), Sessions: w.sessions }));
  const people = [...team.top_givers, ...team.top_takers.filter((t) => !team.top_givers.some((g) => g.user_id === t.user_id))];
  const mix = team.learning_mix;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Card withBorder>
        <Title order={4} mb="xs">
          Projects by status
        </Title>
        <Group>
          {Object.entries(team.projects_by_status).map(([status, count]) => (
            <Group key={status} gap={4}>
              <StatusBadge status={status} />
              <Text fw={600}>{count}</Text>
            </Group>
          ))}
        </Group>
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          Learning mix
        </Title>
        <Group>
          <RingProgress
            size={90}
            thickness={10}
            sections={[{ value: Math.round(mix.share_mixed * 100), color: "teal" }]}
            label={<Text ta="center" size="sm" fw={600}>{Math.round(mix.share_mixed * 100)}%</Text>}
            aria-label="Share of sessions mixing junior and senior people"
          />
          <Text size="sm">
            {mix.mixed_sessions} of {mix.completed_sessions} completed sessions mixed junior and senior people.
          </Text>
        </Group>
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          Sessions per week
        </Title>
        {weeks.length ? (
          <div data-testid="sessions-per-week-chart">
            <LineChart h={220} data={weeks} dataKey="week" series={[{ name: "Sessions", color: "indigo.6" }]} curveType="linear" />
          </div>
        ) : (
          <Empty>No sessions yet.</Empty>
        )}
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          Givers and takers
        </Title>
        {people.length ? <GiveTakeChart rows={people} height={220} /> : <Empty>No activity yet.</Empty>}
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          Budget burn
        </Title>
        {team.budget_burn.length ? (
          <Stack gap="sm">
            {team.budget_burn.map((b) => (
              <Anchor key={b.project_id} component={Link} to={`/projects/${b.project_id}`} underline="never" c="inherit">
                <BudgetBar used={b.minutes_used} budget={b.budget_minutes} label={b.title} />
              </Anchor>
            ))}
          </Stack>
        ) : (
          <Empty>No open projects with helpers.</Empty>
        )}
      </Card>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={4}>Overdue actions</Title>
          <Badge color={team.overdue_count ? "red" : "green"}>{team.overdue_count}</Badge>
        </Group>
        {team.overdue_action_items.length ? (
          <Table>
            <Table.Tbody>
              {team.overdue_action_items.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/projects/${a.project_id}`} size="sm">
                      {a.title}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{nameOf(a.assignee_id)}</Table.Td>
                  <Table.Td>
                    <Text size="xs" c="red">
                      {relativeTime(a.due_date)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : (
          <Empty>Nothing overdue.</Empty>
        )}
      </Card>
    </SimpleGrid>
  );
}

export function TeamPage() {
  const { data, isPending, error, refetch } = useDashboard();
  if (isPending) return <Loading />;
  if (error) return <ErrorState error={error} onRetry={refetch} />;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Team</Title>
        <Button component={Link} to="/settings" variant="default">
          Rebalance teams
        </Button>
      </Group>
      {data.team ? <TeamOverviewView team={data.team} /> : <Empty>The team overview is for managers and admins.</Empty>}
    </Stack>
  );
}
