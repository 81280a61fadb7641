// My day: what is on my plate — invitations to answer, my projects, projects I help on, next
// sessions (where I have a seat), my open action items and my give/receive balance (this
// fiscal quarter, or another period picked on its card). The one action: join the next session.
import { Anchor, Button, Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { lazy, Suspense, useState } from "react";
import { useTranslation } from "../i18n/react";
import type { Schemas } from "../api/types";
import { Empty, ErrorState, Loading } from "../components/states";
import { StatusBadge } from "../components/StatusBadge";
import { ActionItemCheckbox, DueDate } from "../features/action-items/ActionItemParts";
import { useDashboard } from "../features/dashboard/queries";
import { AnswerButtons } from "../features/invitations/AnswerButtons";
import { useInvitations, type Invitation } from "../features/invitations/queries";
import type { PeriodKind } from "../features/ledger/periods";
import { useMe } from "../features/users/queries";
import { absoluteTime, balanceColour, minutes, periodLabel, relativeTime, signedMinutes } from "../format";

// The chart library is the biggest part of the bundle: My day (the first screen) loads it
// after the page itself has shown.
const PeriodSelect = lazy(() => import("../features/ledger/PeriodSelect").then((m) => ({ default: m.PeriodSelect })));
const BalanceChart = lazy(() => import("../components/BalanceChart").then((m) => ({ default: m.BalanceChart })));

function Invitations({ items }: { items: Invitation[] }) {
  const { t } = useTranslation("myday");
  return (
    <Card withBorder data-testid="invitations" style={{ borderColor: "var(--mantine-color-yellow-5)" }}>
      <Title order={4} mb="xs">
        {t("invitations.title")}
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
                    inv.role === "observer" ? t("invitations.asObserver") : t("invitations.asHelper"),
                    inv.role === "helper" ? t("invitations.budget", { minutes: minutes(inv.budget_minutes) }) : null,
                    inv.invited_by
                      ? t("invitations.invitedBy", { name: inv.invited_by.full_name, when: relativeTime(inv.invited_at) })
                      : t("invitations.invited", { when: relativeTime(inv.invited_at) }),
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
  const { t } = useTranslation("myday");
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
                {p.due_date ? t("due", { when: relativeTime(p.due_date) }) : ""}
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
  const { t } = useTranslation("myday");
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
        <Title order={2}>{t("title")}</Title>
        {next && (
          <Button component={Link} to={`/sessions/${next.id}`} data-testid="join-next">
            {next.status === "live" ? t("joinLive", { title: next.title }) : t("openNext", { title: next.title })}
          </Button>
        )}
      </Group>
      {!!invitations.data?.length && <Invitations items={invitations.data} />}
      <SimpleGrid cols={{ base: 1, md: 2, lg: 3 }}>
        <ProjectList title={t("myProjects")} items={data.my_projects} empty={t("noProjects")} />
        <ProjectList title={t("helpingOn")} items={data.helping_on} empty={t("notHelping")} />
        <Card withBorder>
          <Group justify="space-between" mb="xs">
            <Title order={4}>{t("myBalance")}</Title>
            <Group gap="xs" wrap="nowrap">
              <Suspense fallback={null}>
                <PeriodSelect label={t("balancePeriod")} value={period} onChange={setPeriod} />
              </Suspense>
              <Text fw={600} c={balanceColour(balance.balance_minutes)} data-testid="my-balance">
                {signedMinutes(balance.balance_minutes)}
              </Text>
            </Group>
          </Group>
          <Suspense fallback={<div style={{ height: 160 }} />}>
            <BalanceChart row={balance} />
          </Suspense>
          <Text size="xs" c="dimmed">
            {t("balanceSummary", {
              sessions: balance.sessions_attended,
              contributions: balance.contributions_count,
              ideas: balance.ideas_adopted,
            })}
            <span data-testid="balance-period">{periodLabel(shown, me?.organization.fiscal_year_start_month ?? 1)}</span>
          </Text>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("nextSessions")}
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
            <Empty>{t("noSessions")}</Empty>
          )}
        </Card>
        <Card withBorder style={{ gridColumn: "span 1" }}>
          <Title order={4} mb="xs">
            {t("myActionItems")}
          </Title>
          {data.my_action_items.length ? (
            // A list, not a Mantine Table: the table (and its scroll area) stay off the first screen.
            <Stack gap="xs" component="ul" style={{ listStyle: "none", margin: 0, padding: 0 }}>
              {data.my_action_items.map((a) => (
                <Group key={a.id} component="li" wrap="nowrap" align="flex-start" gap="sm">
                  <ActionItemCheckbox item={a} />
                  <div style={{ flex: 1, minWidth: 0 }}>
                    <Text size="sm">{a.title}</Text>
                    <Anchor component={Link} to={`/projects/${a.project_id}`} size="xs" c="dimmed" data-testid="action-project">
                      {a.project_title}
                    </Anchor>
                  </div>
                  <DueDate item={a} />
                </Group>
              ))}
            </Stack>
          ) : (
            <Empty>{t("nothingOpen")}</Empty>
          )}
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
