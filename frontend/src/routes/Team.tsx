// The manager's view: which projects stall, which helpers burn out? Stalled projects and burn
// per helper first (each row opens the project), then budget burn per project, overdue actions,
// sessions per week, givers and takers, the learning mix; for this fiscal quarter or another
// named period.
import { Anchor, Badge, Button, Card, Group, RingProgress, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { LineChart } from "@mantine/charts";
import { useTranslation } from "../i18n/react";
import { Link } from "react-router";
import { useState } from "react";
import type { Schemas } from "../api/types";
import { useDashboard } from "../features/dashboard/queries";
import { AdoptedBySeniorityChart } from "../features/dashboard/AdoptedBySeniorityChart";
import { ImpactPanel } from "../features/insights/ImpactPanel";
import { namedPeriods, type PeriodKind } from "../features/ledger/periods";
import { useMe, useUserNames } from "../features/users/queries";
import { useTeams } from "../features/teams/queries";
import { ChatChannelsPanel } from "../features/chat-channels/ChatChannelsPanel";
import { Empty, ErrorState, Loading } from "../components/states";
import { BudgetBar, burnColour } from "../components/BudgetBar";
import { StatusBadge } from "../components/StatusBadge";
import { GiveTakeChart } from "./Ledger";
import { minutes, periodLabel, relativeTime } from "../format";

const REASON_KEYS = {
  idle: "reason.idle",
  overdue_actions: "reason.overdue_actions",
} as const satisfies Record<Schemas["StalledProject"]["reasons"][number], string>;

function StalledProjects({ team }: { team: Schemas["TeamOverview"] }) {
  const { t } = useTranslation("team");
  const nameOf = useUserNames();
  if (!team.stalled_projects.length) return <Empty>{t("stalled.none", { count: team.stall_days })}</Empty>;
  return (
    <Table highlightOnHover data-testid="stalled-projects">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t("stalled.project")}</Table.Th>
          <Table.Th>{t("stalled.lastActivity")}</Table.Th>
          <Table.Th className="num">{t("stalled.overdue")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {team.stalled_projects.map((p) => (
          <Table.Tr key={p.project_id} data-testid="stalled-row">
            <Table.Td>
              <Anchor
                component={Link}
                to={`/projects/${p.project_id}`} // i18n-ignore
                size="sm"
              >
                {p.title}
              </Anchor>
              <Text size="xs" c="dimmed">
                {[p.client_name, t("stalled.owner", { name: nameOf(p.owner_id) })].filter(Boolean).join(" · ")}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm" c={p.reasons.includes("idle") ? "orange" : undefined}>
                {relativeTime(p.last_activity_at)}
              </Text>
              {p.next_session_at && (
                <Text size="xs" c="dimmed">
                  {t("stalled.nextSession", { when: relativeTime(p.next_session_at) })}
                </Text>
              )}
              <Group gap={4}>
                {p.reasons.map((r) => (
                  <Badge key={r} size="xs" variant="light" color={r === "idle" ? "orange" : "red"}>
                    {t(REASON_KEYS[r])}
                  </Badge>
                ))}
              </Group>
            </Table.Td>
            <Table.Td className="num">
              <Text size="sm" c={p.overdue_action_items ? "red" : "dimmed"}>
                {p.overdue_action_items}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function HelperBurnList({ helpers }: { helpers: Schemas["HelperBurn"][] }) {
  const { t } = useTranslation("team");
  if (!helpers.length) return <Empty>{t("burn.none")}</Empty>;
  return (
    <Stack gap="md" data-testid="helper-burn">
      {helpers.map((h) => (
        <div key={h.user_id} data-testid="helper-row">
          <BudgetBar
            used={h.minutes_used}
            budget={h.budget_minutes}
            label={
              h.projects_over_budget
                ? t("burn.helperOver", { name: h.full_name, count: h.projects, over: h.projects_over_budget })
                : t("burn.helper", { name: h.full_name, count: h.projects })
            }
          />
          <Group gap={6} mt={4}>
            {h.seats.map((seat) => {
              const colour = burnColour(seat.minutes_used, seat.budget_minutes);
              return (
                <Anchor
                  key={seat.project_id}
                  component={Link}
                  to={`/projects/${seat.project_id}`} // i18n-ignore
                  size="xs"
                  c={colour === "blue" ? "dimmed" : colour}
                >
                  {seat.title} {minutes(seat.minutes_used)}/{minutes(seat.budget_minutes)}
                </Anchor>
              );
            })}
          </Group>
        </div>
      ))}
    </Stack>
  );
}

export function TeamOverviewView({ team }: { team: Schemas["TeamOverview"] }) {
  const { t } = useTranslation("team");
  const nameOf = useUserNames();
  const weeks = team.sessions_per_week.map((w) => ({ week: w.week_start.slice(5), Sessions: w.sessions }));
  const people = [...team.top_givers, ...team.top_takers.filter((taker) => !team.top_givers.some((g) => g.user_id === taker.user_id))];
  const mix = team.learning_mix;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={4}>{t("stalled.title")}</Title>
          <Badge color={team.stalled_projects.length ? "orange" : "green"}>{team.stalled_projects.length}</Badge>
        </Group>
        <Text size="xs" c="dimmed" mb="xs">
          {t("stalled.help", { count: team.stall_days })}
        </Text>
        <StalledProjects team={team} />
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          {t("burn.title")}
        </Title>
        <Text size="xs" c="dimmed" mb="xs">
          {t("burn.help")}
        </Text>
        <HelperBurnList helpers={team.helper_burn} />
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          {t("byStatus")}
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
          {t("mix.title")}
        </Title>
        <Group>
          <RingProgress
            size={90}
            thickness={10}
            sections={[{ value: Math.round(mix.share_mixed * 100), color: "teal" }]}
            label={<Text ta="center" size="sm" fw={600}>{Math.round(mix.share_mixed * 100)}%</Text>}
            aria-label={t("mix.share")}
          />
          <Text size="sm">
            {t("mix.text", { mixed: mix.mixed_sessions, completed: mix.completed_sessions })}
          </Text>
        </Group>
        {(mix.adopted_by_seniority ?? []).length > 0 && (
          <>
            <Text size="sm" fw={600} mt="sm">
              {t("mix.bySeniority")}
            </Text>
            <AdoptedBySeniorityChart rows={mix.adopted_by_seniority ?? []} />
          </>
        )}
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          {t("perWeek.title")}
        </Title>
        {weeks.length ? (
          <div data-testid="sessions-per-week-chart">
            <LineChart h={220} data={weeks} dataKey="week" series={[{ name: "Sessions", label: t("perWeek.series"), color: "indigo.6" }]} curveType="linear" />
          </div>
        ) : (
          <Empty>{t("perWeek.none")}</Empty>
        )}
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          {t("giveTake.title")}
        </Title>
        {people.length ? <GiveTakeChart rows={people} height={220} /> : <Empty>{t("giveTake.none")}</Empty>}
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          {t("projectBurn.title")}
        </Title>
        {team.budget_burn.length ? (
          <Stack gap="sm" data-testid="project-burn">
            {team.budget_burn.map((b) => (
              <Anchor
                key={b.project_id}
                component={Link}
                to={`/projects/${b.project_id}`} // i18n-ignore
                underline="never"
                c="inherit"
              >
                <BudgetBar used={b.minutes_used} budget={b.budget_minutes} label={b.title} />
              </Anchor>
            ))}
          </Stack>
        ) : (
          <Empty>{t("projectBurn.none")}</Empty>
        )}
      </Card>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={4}>{t("overdue.title")}</Title>
          <Badge color={team.overdue_count ? "red" : "green"}>{team.overdue_count}</Badge>
        </Group>
        {team.overdue_action_items.length ? (
          <Table>
            <Table.Tbody>
              {team.overdue_action_items.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <Text size="sm">{a.title}</Text>
                    <Anchor
                      component={Link}
                      to={`/projects/${a.project_id}`} // i18n-ignore
                      size="xs"
                      c="dimmed"
                    >
                      {a.project_title}
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
          <Empty>{t("overdue.none")}</Empty>
        )}
      </Card>
    </SimpleGrid>
  );
}

/** Admins see every team's chat channels, a manager those of the teams they manage. */
function TeamChatChannels() {
  const { data: me } = useMe();
  const staff = me?.role === "admin" || me?.role === "manager";
  const teams = useTeams({ enabled: staff });
  if (!me || !staff || !teams.data) return null;
  const managed = teams.data.filter((team) => me.role === "admin" || team.manager_id === me.id);
  return <ChatChannelsPanel teams={managed.map((team) => ({ id: team.id, name: team.name }))} />;
}

export function TeamPage() {
  const { t } = useTranslation("team");
  const [period, setPeriod] = useState<PeriodKind>("fiscal_quarter");
  const { data, isPending, error, refetch } = useDashboard(period === "fiscal_quarter" ? undefined : period);
  const { data: me } = useMe();
  if (isPending) return <Loading />;
  if (error) return <ErrorState error={error} onRetry={refetch} />;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("title")}</Title>
        <Group align="flex-end">
          <Select
            aria-label={t("period")}
            data={namedPeriods()}
            value={period}
            allowDeselect={false}
            onChange={(value) => value && setPeriod(value as PeriodKind)}
            w={200}
          />
          <Button component={Link} to="/settings?tab=teams" variant="default">
            {t("rebalance")}
          </Button>
        </Group>
      </Group>
      <Title order={4} data-testid="period-label">
        {periodLabel(data, me?.organization?.fiscal_year_start_month ?? 1)}
      </Title>
      {data.team && <ImpactPanel period={period} />}
      {data.team ? <TeamOverviewView team={data.team} /> : <Empty>{t("managersOnly")}</Empty>}
      <TeamChatChannels />
    </Stack>
  );
}
