// A project: is this deal getting the help it needs, within budget? Objective, team budgets,
// suggested helpers (one-click invite), sessions timeline, action items, time, close.
import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, TextInput, Timeline, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { Link, useParams } from "react-router";
import { checkLength, rule } from "../api/rules";
import { BudgetBar } from "../components/BudgetBar";
import { applyApiError, notifySaved, showError } from "../components/forms";
import { Empty, ErrorState, Loading, QueryState } from "../components/states";
import { StatusBadge } from "../components/StatusBadge";
import { UserSelect } from "../components/UserSelect";
import { ActionItemTable } from "../features/action-items/ActionItemParts";
import { useCreateActionItem, useProjectActionItems, type ActionItem } from "../features/action-items/queries";
import { useClient } from "../features/clients/queries";
import { AnswerButtons } from "../features/invitations/AnswerButtons";
import { CloseProjectModal, ScheduleSessionModal, TimeEntryForm } from "../features/projects/ProjectForms";
import { useInviteHelper, useProgress, useProject, useProjectMembers, useSuggestedHelpers } from "../features/projects/queries";
import { useProjectSessions } from "../features/sessions/queries";
import { useMe, useUserNames } from "../features/users/queries";
import type { Schemas } from "../api/types";
import { absoluteTime, label, minutes, money, relativeTime, sessionWhen } from "../format";

function SuggestedHelpers({ projectId }: { projectId: string }) {
  const suggested = useSuggestedHelpers(projectId);
  const invite = useInviteHelper(projectId);
  if (suggested.isPending) return <Loading />;
  if (suggested.error) return <ErrorState error={suggested.error} onRetry={suggested.refetch} />;
  if (!suggested.data.length) return <Empty>No one else to suggest — everyone suitable is on the team.</Empty>;
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
                {s.seniority}
              </Badge>
              <Text size="xs" c="dimmed">
                score {s.score.toFixed(1)}
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
                onSuccess: (member) => notifySaved(`${member.full_name} invited`),
                onError: (e) => showError(e, "Could not invite"),
              })
            }
            loading={invite.isPending && invite.variables === s.user_id}
            aria-label={`Invite ${s.full_name}`}
          >
            Invite
          </Button>
        </Group>
      ))}
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
  const { data: me } = useMe();
  // "Me" is only a choice for someone on the project (a manager looking in is not).
  const meAssignable = !!me && activeMemberIds.includes(me.id);
  const form = useForm({
    initialValues: { title: "", assignee_id: null as string | null, due_date: "" },
    validate: {
      title: (value) => checkLength(value, rule("ActionItemCreate", "title")),
      assignee_id: (value) => (value || meAssignable ? null : "Choose an assignee"),
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
        <Empty>No action items yet — they come out of sessions, or add one here.</Empty>
      )}
      {canEdit && (
        <form onSubmit={form.onSubmit(submit)} aria-label="New action item">
          <Group align="flex-end" wrap="wrap">
            <TextInput label="New action item" style={{ flex: 1, minWidth: 180 }} {...form.getInputProps("title")} />
            <UserSelect
              label="Assignee"
              placeholder={meAssignable ? "Me" : "Choose"}
              among={activeMemberIds}
              w={170}
              {...form.getInputProps("assignee_id")}
            />
            <TextInput label="Due" type="date" w={150} {...form.getInputProps("due_date")} />
            <Button type="submit" variant="light" loading={create.isPending}>
              Add
            </Button>
          </Group>
        </form>
      )}
    </Stack>
  );
}

function MyInvitation({ project, member }: { project: Schemas["ProjectRead"]; member: Schemas["MemberRead"] }) {
  return (
    <Alert color="yellow" title="You are invited to help on this project">
      <Group>
        <Text size="sm">Budget: {minutes(member.budget_minutes)}.</Text>
        <AnswerButtons projectId={project.id} projectTitle={project.title} />
      </Group>
    </Alert>
  );
}

export function ProjectPage() {
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

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="xs">
            <Title order={2}>{p.title}</Title>
            <StatusBadge status={p.status} />
          </Group>
          <Text size="sm" c="dimmed">
            {label(p.kind)} · owner {nameOf(p.owner_id)}
            {p.client_id && (
              <>
                {" · "}
                <Anchor component={Link} to={`/clients/${p.client_id}`} size="sm">
                  {client.data?.client.name ?? "client"}
                </Anchor>
              </>
            )}
            {p.due_date && ` · due ${relativeTime(p.due_date)}`}
            {p.estimated_value && ` · ${money(p.estimated_value, p.currency)}`}
          </Text>
        </div>
        {canEdit && isOpen && (
          <Group>
            <Button onClick={scheduleModal.open}>Schedule a session</Button>
            <Button variant="default" onClick={closeModal.open}>
              Close won/lost
            </Button>
          </Group>
        )}
      </Group>
      {myMembership?.state === "invited" && <MyInvitation project={p} member={myMembership} />}
      <Card withBorder>
        <Title order={4}>Objective</Title>
        <Text style={{ whiteSpace: "pre-wrap" }}>{p.objective || "No objective written yet."}</Text>
        {p.close_note && (
          <Text size="sm" c="dimmed" mt="xs">
            Closed: {p.close_note}
          </Text>
        )}
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={4} mb="xs">
            Team and budgets
          </Title>
          <QueryState query={q.progress}>
            {(burn) => (
              <Stack gap="sm" data-testid="team-budgets">
                {burn.members.map((m) => (
                  <div key={m.user_id}>
                    {m.role === "owner" ? (
                      <Group justify="space-between">
                        <Text size="sm">{m.full_name} · owner</Text>
                        <Text size="xs" c="dimmed" className="num">
                          {minutes(m.minutes_used)} in sessions
                        </Text>
                      </Group>
                    ) : (
                      <BudgetBar
                        used={m.minutes_used}
                        budget={m.budget_minutes}
                        label={`${m.full_name} · ${m.role}${m.state !== "active" ? ` (${m.state})` : ""}`}
                      />
                    )}
                  </div>
                ))}
                <Text size="xs" c="dimmed">
                  Team: {minutes(burn.minutes_used)} used of {minutes(burn.budget_minutes)} · {burn.sessions.held} sessions held ·{" "}
                  {burn.action_items.open} open actions ({burn.action_items.overdue} overdue)
                </Text>
              </Stack>
            )}
          </QueryState>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Suggested helpers
          </Title>
          {canEdit && isOpen ? <SuggestedHelpers projectId={projectId} /> : <Text size="sm" c="dimmed">Only the owner or a manager invites helpers.</Text>}
        </Card>
        <Card withBorder>
          <Group justify="space-between" mb="xs">
            <Title order={4}>Sessions</Title>
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
                      {s.status === "completed" ? "" : ` · ${minutes(s.timebox_minutes)} box`}
                    </Text>
                  </Group>
                </Timeline.Item>
              ))}
            </Timeline>
          ) : (
            <Empty action={canEdit && isOpen ? <Button size="xs" variant="light" onClick={scheduleModal.open}>Schedule a session</Button> : undefined}>
              No sessions yet.
            </Empty>
          )}
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Action items
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
            Log time on this project
          </Title>
          <TimeEntryForm projectId={projectId} />
        </Card>
      )}
      {closing && <CloseProjectModal project={p} opened={closing} onClose={closeModal.close} />}
      {scheduling && <ScheduleSessionModal projectId={projectId} opened={scheduling} onClose={scheduleModal.close} />}
    </Stack>
  );
}
