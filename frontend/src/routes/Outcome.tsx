// The outcome of a completed session: what we decided and who does what next; takeaways.
import { Badge, Button, Card, Group, List, SegmentedControl, SimpleGrid, Stack, Table, Text, Textarea, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "../i18n/react";
import { Link, useParams } from "react-router";
import { Empty, ErrorState, Loading, QueryState } from "../components/states";
import { StatusBadge } from "../components/StatusBadge";
import { notifySaved, showError } from "../components/forms";
import { ParticipationChart } from "../features/sessions/ParticipationChart";
import { ActionItemTable } from "../features/action-items/ActionItemTable";
import { useOutcome, useSession, useTakeaways, useWriteTakeaway } from "../features/sessions/queries";
import { KIND_INLINE_KEYS } from "../features/sessions/labels";
import { SessionContext } from "../features/sessions/SessionContext";
import { useMe, useUserNames } from "../features/users/queries";
import { useSetVerdict } from "../features/contributions/queries";
import { useProject } from "../features/projects/queries";
import { Verdict } from "../api/enums";
import { absoluteTime, label, minutes, relativeTime, sessionWhen } from "../format";

function Takeaways({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation("sessions");
  const { data: me } = useMe();
  const nameOf = useUserNames();
  const [body, setBody] = useState("");
  const takeaways = useTakeaways(sessionId);
  const mine = takeaways.data?.find((note) => note.user_id === me?.id);
  const write = useWriteTakeaway(sessionId);
  const save = () =>
    write.mutate(body, {
      onSuccess: () => {
        setBody("");
        notifySaved(t("outcome.takeawaySaved"));
      },
      onError: (e) => showError(e),
    });
  return (
    <Stack gap="sm">
      <QueryState query={takeaways}>
        {(notes) =>
          notes.length ? (
            notes.map((note) => (
              <div key={note.id}>
                <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                  {note.body}
                </Text>
                <Text size="xs" c="dimmed">
                  {nameOf(note.user_id)} · {relativeTime(note.updated_at)}
                </Text>
              </div>
            ))
          ) : (
            <Empty>{t("outcome.noTakeaways")}</Empty>
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
            label={mine ? t("outcome.editMine") : t("outcome.mine")}
            placeholder={mine?.body ?? t("outcome.placeholder")}
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
            autosize
            minRows={2}
          />
          <Group justify="flex-end">
            <Button type="submit" size="xs" loading={write.isPending} disabled={!body.trim()}>
              {t("outcome.saveTakeaway")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

export function OutcomePage() {
  const { t } = useTranslation("sessions");
  const { sessionId = "" } = useParams();
  const session = useSession(sessionId);
  const outcome = useOutcome(sessionId);
  const { data: me } = useMe();
  const project = useProject(session.data?.project_id);
  const setVerdict = useSetVerdict();
  if (outcome.isPending || session.isPending) return <Loading />;
  if (session.error) return <ErrorState error={session.error} onRetry={session.refetch} />;
  if (outcome.error) return <ErrorState error={outcome.error} onRetry={outcome.refetch} />;
  const o = outcome.data;
  const s = session.data;
  // The owner (or a manager or an admin) says, after the client meeting, what each idea did.
  const canJudge = !!me && (me.role !== "rep" || me.id === project.data?.owner_id);
  const verdictLabels = { worked: t("verdict.worked"), did_not_work: t("verdict.didNotWork"), not_tried: t("verdict.notTried") };
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="xs">
            <Title order={2}>{t("outcome.title", { title: s.title })}</Title>
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
          <Button
            component={Link}
            to={`/sessions/${sessionId}`} // i18n-ignore
          >
            {t("outcome.openRoom")}
          </Button>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={4}>{t("outcome.summary")}</Title>
          <Text style={{ whiteSpace: "pre-wrap" }} data-testid="outcome-summary">
            {o.summary || "—"}
          </Text>
          <Title order={5} mt="sm">
            {t("outcome.decisions")}
          </Title>
          {o.decisions.length ? (
            <List size="sm">
              {o.decisions.map((d, i) => (
                <List.Item key={i}>{d}</List.Item>
              ))}
            </List>
          ) : (
            <Text size="sm" c="dimmed">
              {t("outcome.noDecisions")}
            </Text>
          )}
          <Title order={5} mt="sm">
            {t("outcome.approach")}
          </Title>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {o.recommended_approach || "—"}
          </Text>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("outcome.next")}
          </Title>
          {o.action_items.length ? (
            <ActionItemTable items={o.action_items} />
          ) : (
            <Empty>{t("outcome.noActions")}</Empty>
          )}
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("outcome.adopted")}
          </Title>
          {o.adopted_contributions.length ? (
            <Stack gap={6} data-testid="adopted">
              {o.adopted_contributions.map((c) => (
                <div key={c.id}>
                  <Text size="sm">{c.body}</Text>
                  <Text size="xs" c="dimmed">
                    <Badge size="xs" variant="light">
                      {t(KIND_INLINE_KEYS[c.kind])}
                    </Badge>{" "}
                    {t("outcome.adoptedBy", { name: c.author_name, count: c.votes })}
                  </Text>
                  {canJudge ? (
                    <SegmentedControl
                      size="xs"
                      mt={4}
                      aria-label={t("verdict.aria", { idea: c.body })}
                      value={c.verdict ?? ""}
                      data={Verdict.map((value) => ({ value, label: verdictLabels[value] }))}
                      onChange={(value) => setVerdict.mutate({ id: c.id, verdict: value as (typeof Verdict)[number], note: c.verdict_note }, { onError: (e) => showError(e) })}
                      data-testid="verdict"
                    />
                  ) : (
                    <Badge size="xs" variant="outline" color={c.verdict === "worked" ? "green" : "gray"} mt={4}>
                      {c.verdict ? verdictLabels[c.verdict] : t("verdict.waiting")}
                    </Badge>
                  )}
                  {canJudge && !c.verdict && (
                    <Text size="xs" c="dimmed">
                      {t("verdict.waiting")}
                    </Text>
                  )}
                </div>
              ))}
            </Stack>
          ) : (
            <Empty>{t("outcome.nothingAdopted")}</Empty>
          )}
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("outcome.attendance")}
          </Title>
          <Table data-testid="outcome-attendance">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("outcome.person")}</Table.Th>
                <Table.Th className="num">{t("outcome.present")}</Table.Th>
                <Table.Th className="num">{t("outcome.credited")}</Table.Th>
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
      {(o.participation ?? []).length > 0 && (
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("outcome.participation")}
          </Title>
          <ParticipationChart outcome={o} />
        </Card>
      )}
      <Card withBorder>
        <Title order={4} mb="xs">
          {t("outcome.takeaways")}
        </Title>
        <Takeaways sessionId={sessionId} />
      </Card>
    </Stack>
  );
}
