// A project: is this deal getting the help it needs, within budget? Objective, team budgets,
// suggested helpers (one-click invite), sessions timeline, action items, time, close.
import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, TextInput, Timeline, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { checkLength, rule } from "../api/rules";
import { AskToHelpDialog } from "../components/AskToHelp";
import { BudgetBar } from "../components/BudgetBar";
import { applyApiError, notifySaved, showError } from "../components/forms";
import { Empty, ErrorState, Loading, QueryState } from "../components/states";
import { StatusBadge } from "../components/StatusBadge";
import { UserSelect } from "../components/UserSelect";
import { ActionItemTable } from "../features/action-items/ActionItemTable";
import { useCreateActionItem, useProjectActionItems, type ActionItem } from "../features/action-items/queries";
import { useClient } from "../features/clients/queries";
import { AnswerButtons } from "../features/invitations/AnswerButtons";
import { CloseProjectModal, ScheduleSessionModal, TimeEntryForm } from "../features/projects/ProjectForms";
import { useInviteHelper, useProgress, useProject, useProjectMembers, useSuggestedHelpers } from "../features/projects/queries";
import { RelatedLearnings } from "../features/learnings/RelatedLearnings";
import { useProjectSessions } from "../features/sessions/queries";
import { useMe, useUserNames } from "../features/users/queries";
import type { Schemas } from "../api/types";
import { absoluteTime, label, minutes, money, relativeTime, sessionWhen } from "../format";
import { useTranslation } from "../i18n/react";

function SuggestedHelpers({ projectId }: { projectId: string }) {
  const { t } = useTranslation("projects");
  const suggested = useSuggestedHelpers(projectId);
  const invite = useInviteHelper(projectId);
  const { t: tc } = useTranslation("common");
  const [asking, setAsking] = useState<{ id: string; name: string } | null>(null);
  if (suggested.isPending) return <Loading />;
  if (suggested.error) return <ErrorState error={suggested.error} onRetry={suggested.refetch} />;
  if (!suggested.data.length) return <Empty>{t("page.noSuggestions")}</Empty>;
  return (
    <Stack gap="sm" data-testid="suggested-helpers">
      {suggested.data.map((s) => (
        <Group key={s.user_id} justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Group gap={6}>
              <Text fw={500} size="sm">
                {s.full_name}
              </Text>
              <Badge size="xs" variant="outline">
                {label(s.seniority)}
              </Badge>
              <Text size="xs" c="dimmed">
                {t("page.score", { score: s.score.toFixed(1) })}
              </Text>
            </Group>
            <Text size="xs" c="dimmed">
              {s.reasons.join(" · ")}
            </Text>
          </div>
          <Button
            size="xs"
            variant="light"
            style={{ flexShrink: 0 }}
            onClick={() =>
              invite.mutate(s.user_id, {
                onSuccess: (member) => notifySaved(t("page.invited", { name: member.full_name })),
                onError: (e) => showError(e, t("page.couldNotInvite")),
              })
            }
            loading={invite.isPending && invite.variables === s.user_id}
            aria-label={t("page.inviteAria", { name: s.full_name })}
          >
            {t("page.invite")}
          </Button>
          <Button
            size="xs"
            variant="subtle"
            style={{ flexShrink: 0 }}
            onClick={() => setAsking({ id: s.user_id, name: s.full_name })}
            aria-label={tc("askToHelp.buttonAria", { name: s.full_name })}
            data-testid="suggested-ask"
          >
            {tc("askToHelp.button")}
          </Button>
        </Group>
      ))}
      {asking && <AskToHelpDialog person={asking} projectId={projectId} onClose={() => setAsking(null)} />}
    </Stack>
  );
}

function ActionItems({
  projectId,
  items,
  canEdit,
  activeMemberIds,
}: {
  projectId: string;
  items: ActionItem[];
  canEdit: boolean;
  activeMemberIds: string[];
}) {
  const { t } = useTranslation("projects");
  const { data: me } = useMe();
  // "Me" is only a choice for someone on the project (a manager looking in is not).
  const meAssignable = !!me && activeMemberIds.includes(me.id);
  const form = useForm({
    initialValues: { title: "", assignee_id: null as string | null, due_date: "" },
    validate: {
      title: (value) => checkLength(value, rule("ActionItemCreate", "title")),
      assignee_id: (value) => (value || meAssignable ? null : t("actions.chooseAssignee")),
    },
  });
  const create = useCreateActionItem(projectId);
  const submit = (v: typeof form.values) =>
    create.mutate(
      { title: v.title, assignee_id: v.assignee_id ?? me?.id ?? "", due_date: v.due_date || null },
      { onSuccess: () => form.reset(), onError: (e) => applyApiError(form, e) },
    );
  return (
    <Stack gap="sm">
      {items.length ? (
        <ActionItemTable items={items} />
      ) : (
        <Empty>{t("actions.none")}</Empty>
      )}
      {canEdit && (
        <form onSubmit={form.onSubmit(submit)} aria-label={t("actions.new")}>
          <Group align="flex-end" wrap="wrap">
            <TextInput label={t("actions.new")} style={{ flex: 1, minWidth: 180 }} {...form.getInputProps("title")} />
            <UserSelect
              label={t("actions.assignee")}
              placeholder={meAssignable ? t("actions.me") : t("actions.choose")}
              among={activeMemberIds}
              w={170}
              {...form.getInputProps("assignee_id")}
            />
            <TextInput label={t("actions.due")} type="date" w={150} {...form.getInputProps("due_date")} />
            <Button type="submit" variant="light" loading={create.isPending}>
              {t("actions.add")}
            </Button>
          </Group>
        </form>
      )}
    </Stack>
  );
}

function MyInvitation({ project, member }: { project: Schemas["ProjectRead"]; member: Schemas["MemberRead"] }) {
  const { t } = useTranslation("projects");
  return (
    <Alert color="yellow" title={t("page.invitedTitle")}>
      <Group>
        <Text size="sm">{t("page.budget", { minutes: minutes(member.budget_minutes) })}</Text>
        <AnswerButtons projectId={project.id} projectTitle={project.title} />
      </Group>
    </Alert>
  );
}

export function ProjectPage() {
  const { t } = useTranslation("projects");
  const { t: tl } = useTranslation("learnings");
  const { projectId = "" } = useParams();
  const q = {
    project: useProject(projectId),
    members: useProjectMembers(projectId),
    progress: useProgress(projectId),
    sessions: useProjectSessions(projectId),
    actionItems: useProjectActionItems(projectId),
  };
  const client = useClient(q.project.data?.client_id);
  const { data: me } = useMe();
  const nameOf = useUserNames();
  const [closing, closeModal] = useDisclosure();
  const [scheduling, scheduleModal] = useDisclosure();
  if (q.project.isPending) return <Loading />;
  if (q.project.error) return <ErrorState error={q.project.error} onRetry={q.project.refetch} />;
  const p = q.project.data;
  const canEdit = !!me && (me.id === p.owner_id || me.role === "admin" || me.role === "manager");
  const myMembership = q.members.data?.find((m) => m.user_id === me?.id);
  const sessions = [...(q.sessions.data ?? [])].sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at));
  const isOpen = p.status === "open";
  const activeMemberIds = (q.members.data ?? []).filter((m) => m.state === "active").map((m) => m.user_id);
  // In a sentence, lower case in English ("Priya · helper (invited)").
  const roleWord = (role: string) => ({ owner: t("word.owner"), helper: t("word.helper"), observer: t("word.observer") })[role] ?? role;
  const stateWord = (state: string) => ({ invited: t("word.invited"), declined: t("word.declined"), left: t("word.left") })[state] ?? state;

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="xs">
            <Title order={2}>{p.title}</Title>
            <StatusBadge status={p.status} />
          </Group>
          <Text size="sm" c="dimmed">
            {t("page.kindOwner", { kind: label(p.kind), owner: nameOf(p.owner_id) })}
            {p.client_id && (
              <>
                {" · "}
                <Anchor component={Link} to={`/clients/${p.client_id}`} size="sm">
                  {client.data?.client.name ?? t("page.client")}
                </Anchor>
              </>
            )}
            {p.due_date && t("page.due", { when: relativeTime(p.due_date) })}
            {p.estimated_value && ` · ${money(p.estimated_value, p.currency)}`}
          </Text>
        </div>
        {canEdit && isOpen && (
          <Group>
            <Button onClick={scheduleModal.open}>{t("page.schedule")}</Button>
            <Button variant="default" onClick={closeModal.open}>
              {t("page.close")}
            </Button>
          </Group>
        )}
      </Group>
      {myMembership?.state === "invited" && <MyInvitation project={p} member={myMembership} />}
      <Card withBorder>
        <Title order={4}>{t("page.objective")}</Title>
        <Text style={{ whiteSpace: "pre-wrap" }}>{p.objective || t("page.noObjective")}</Text>
        {p.close_note && (
          <Text size="sm" c="dimmed" mt="xs">
            {t("page.closed", { note: p.close_note })}
          </Text>
        )}
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("page.team")}
          </Title>
          <QueryState query={q.progress}>
            {(burn) => (
              <Stack gap="sm" data-testid="team-budgets">
                {burn.members.map((m) => (
                  <div key={m.user_id}>
                    {m.role === "owner" ? (
                      <Group justify="space-between">
                        <Text size="sm">{t("page.ownerRow", { name: m.full_name })}</Text>
                        <Text size="xs" c="dimmed" className="num">
                          {t("page.inSessions", { minutes: minutes(m.minutes_used) })}
                        </Text>
                      </Group>
                    ) : (
                      <BudgetBar
                        used={m.minutes_used}
                        budget={m.budget_minutes}
                        label={
                          m.state !== "active"
                            ? t("page.memberState", { name: m.full_name, role: roleWord(m.role), state: stateWord(m.state) })
                            : t("page.member", { name: m.full_name, role: roleWord(m.role) })
                        }
                      />
                    )}
                  </div>
                ))}
                <Text size="xs" c="dimmed">
                  {t("page.teamSummary", {
                    used: minutes(burn.minutes_used),
                    budget: minutes(burn.budget_minutes),
                    held: burn.sessions.held,
                    open: burn.action_items.open,
                    overdue: burn.action_items.overdue,
                  })}
                </Text>
              </Stack>
            )}
          </QueryState>
        </Card>
        <Card withBorder data-testid="related-learnings">
          <Title order={4} mb="xs">
            {tl("title")}
          </Title>
          <RelatedLearnings projectId={projectId} />
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("page.suggested")}
          </Title>
          {canEdit && isOpen ? <SuggestedHelpers projectId={projectId} /> : <Text size="sm" c="dimmed">{t("page.onlyOwnerInvites")}</Text>}
        </Card>
        <Card withBorder>
          <Group justify="space-between" mb="xs">
            <Title order={4}>{t("page.sessions")}</Title>
          </Group>
          {q.sessions.isPending ? (
            <Loading />
          ) : sessions.length ? (
            <Timeline bulletSize={14} lineWidth={2} active={sessions.findLastIndex((s) => s.status === "completed")}>
              {sessions.map((s) => (
                <Timeline.Item
                  key={s.id}
                  title={
                    <Anchor component={Link} to={s.status === "completed" ? `/sessions/${s.id}/outcome` : `/sessions/${s.id}`} size="sm">
                      {s.title}
                    </Anchor>
                  }
                >
                  <Group gap={6}>
                    <StatusBadge status={s.status} />
                    <Text size="xs" c="dimmed" title={absoluteTime(s.started_at ?? s.scheduled_at)}>
                      {label(s.purpose)} · {sessionWhen(s)}
                      {s.status === "completed" ? "" : t("page.box", { minutes: minutes(s.timebox_minutes) })}
                    </Text>
                  </Group>
                </Timeline.Item>
              ))}
            </Timeline>
          ) : (
            <Empty action={canEdit && isOpen ? <Button size="xs" variant="light" onClick={scheduleModal.open}>{t("page.schedule")}</Button> : undefined}>
              {t("page.noSessions")}
            </Empty>
          )}
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("page.actionItems")}
          </Title>
          {q.actionItems.isPending ? (
            <Loading />
          ) : (
            <ActionItems projectId={projectId} items={q.actionItems.data ?? []} canEdit={canEdit} activeMemberIds={activeMemberIds} />
          )}
        </Card>
      </SimpleGrid>
      {/* Only active members log time (the API refuses anyone else, managers included). */}
      {isOpen && myMembership?.state === "active" && (
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("page.logTime")}
          </Title>
          <TimeEntryForm projectId={projectId} />
        </Card>
      )}
      {closing && <CloseProjectModal project={p} opened={closing} onClose={closeModal.close} />}
      {scheduling && <ScheduleSessionModal projectId={projectId} opened={scheduling} onClose={scheduleModal.close} />}
    </Stack>
  );
}
