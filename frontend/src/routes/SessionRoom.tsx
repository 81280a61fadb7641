// The session room: what does the panel think, right now? Agenda, countdown, a live board by
// kind (SSE), one input to post, votes, adopt/park/reject, action items, complete. A
// mastermind session adds the phase strip, private cards while writing, one reveal, secret
// dots and merging duplicates; on a phone the board is tabs by kind.
import {
  ActionIcon,
  Alert,
  Avatar,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Menu,
  Modal,
  NumberInput,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
  Tooltip,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure, useMediaQuery } from "@mantine/hooks";
import type { TFunction } from "i18next";
import { useState } from "react";
import { useTranslation } from "../i18n/react";
import { Navigate, useParams } from "react-router";
import { ContributionKind } from "../api/enums";
import { ApiError, errorMessage, humanMessage } from "../api/problem";
import { checkLength, checkRange, rule } from "../api/rules";
import type { Schemas } from "../api/types";
import { ConfirmButton } from "../components/Confirm";
import { FormActions } from "../components/FormActions";
import { applyApiError, notifySaved, showError } from "../components/forms";
import { ErrorState, Loading } from "../components/states";
import { StatusBadge } from "../components/StatusBadge";
import { UserSelect } from "../components/UserSelect";
import { useCreateActionItem } from "../features/action-items/queries";
import {
  useContributions,
  useMergeContribution,
  usePostContribution,
  useSetContributionStatus,
  useVote,
  type Contribution,
} from "../features/contributions/queries";
import { useProject, useProjectMembers } from "../features/projects/queries";
import { useLiveSession, useNow } from "../features/sessions/live";
import { useCompleteSession, usePresence, useSession, useSessionTransition, type Presence } from "../features/sessions/queries";
import { COLUMN_KEYS, KIND_INLINE_KEYS } from "../features/sessions/labels";
import { RelatedLearnings } from "../features/learnings/RelatedLearnings";
import { currentPhase, dotsLeft, PhaseStrip } from "../features/sessions/PhaseStrip";
import { AwaitingVerdict } from "../features/contributions/AwaitingVerdict";
import { SessionContext } from "../features/sessions/SessionContext";
import { useMe, useUserNames } from "../features/users/queries";
import { absoluteTime, label, relativeTime } from "../format";
import { currentLanguage } from "../i18n";

/** Remaining time of the time box: amber under 5 minutes, red when over. */
export function Countdown({ session, now }: { session: Schemas["SessionRead"]; now: number }) {
  const { t } = useTranslation("sessions");
  if (session.status === "scheduled") {
    return (
      <Badge size="lg" variant="light" color="blue" title={absoluteTime(session.scheduled_at)}>
        {t("room.countdown.starts", { when: relativeTime(session.scheduled_at, now), minutes: session.timebox_minutes })}
      </Badge>
    );
  }
  if (session.status !== "live" || !session.started_at) return null;
  const end = new Date(session.started_at).getTime() + session.timebox_minutes * 60_000;
  const left = Math.round((end - now) / 1000);
  const abs = Math.abs(left);
  const text = `${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, "0")}`;
  const colour = left < 0 ? "red" : left <= 300 ? "yellow" : "green";
  return (
    <Badge size="lg" color={colour} variant="filled" data-testid="countdown" role="timer" aria-live="off">
      {left < 0 ? t("room.countdown.over", { time: text }) : t("room.countdown.left", { time: text })}
    </Badge>
  );
}

/** What the room allows right now, for the cards (the API refuses the rest anyway). */
interface RoomRules {
  meId?: string;
  canSteer: boolean;
  readOnly: boolean;
  /** In a mastermind, votes are given in the vote phase only; the open board any time. */
  canVote: boolean;
  /** A dot budget spent: only taking one back is left. */
  outOfDots: boolean;
  /** In a mastermind's write phase your own cards are private. */
  privateCards: boolean;
  /** Duplicates may be merged (a mastermind after the reveal, by those who steer). */
  canMerge: boolean;
}

function ContributionCard({ c, rules, onAction, onMerge }: { c: Contribution; rules: RoomRules; onAction: (c: Contribution) => void; onMerge: (c: Contribution) => void }) {
  const { t } = useTranslation("sessions");
  const vote = useVote(c);
  const status = useSetContributionStatus(c);
  const decide = (value: Schemas["ContributionStatus"]) => status.mutate(value, { onError: (e) => showError(e) });
  const { meId, canSteer, readOnly } = rules;
  const mine = c.mine ?? c.author_id === meId;
  // An anonymous session shows no name for others' cards until it completes.
  const author = mine && c.mine ? t("room.card.you") : c.author_id ? c.author_name : t("room.card.anonymous");
  const secret = c.votes === null;
  return (
    <Card withBorder padding="xs" className="board-card" data-testid="contribution" data-status={c.status} data-mine={mine ? "true" : "false"} aria-label={t("room.card.label", { kind: t(KIND_INLINE_KEYS[c.kind]), name: author })}>
      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
        {c.body}
      </Text>
      <Group justify="space-between" mt={6} gap={4} wrap="nowrap">
        <Group gap={4} wrap="nowrap">
          <Avatar size={20} radius="xl" color={c.author_id ? "indigo" : "gray"}>
            {c.author_id ? author.slice(0, 1) : "?"}
          </Avatar>
          <Text size="xs" c="dimmed" lineClamp={1} data-testid="author">
            {author}
          </Text>
          {rules.privateCards && mine && (
            <Badge size="xs" variant="light" color="grape" data-testid="private">
              {t("room.card.private")}
            </Badge>
          )}
          {c.status !== "open" && <StatusBadge status={c.status} />}
        </Group>
        <Group gap={4} wrap="nowrap">
          <Tooltip label={mine ? t("room.card.ownVote") : c.voted_by_me ? t("room.card.removeVote") : secret ? t("room.card.secretVote") : t("room.card.vote")}>
            <Button
              size="compact-xs"
              variant={c.voted_by_me ? "filled" : "light"}
              onClick={() => vote.mutate(undefined, { onError: (e) => showError(e, t("room.card.voteFailed")) })}
              disabled={mine || readOnly || !rules.canVote || (rules.outOfDots && !c.voted_by_me)}
              loading={vote.isPending}
              aria-pressed={c.voted_by_me}
              aria-label={t("room.card.voteFor", { text: c.body.slice(0, 40) })}
              data-testid="vote"
            >
              {secret ? (c.voted_by_me ? "●" : "○") : `▲ ${c.votes}`}
            </Button>
          </Tooltip>
          {canSteer && !readOnly && (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon variant="subtle" size="sm" aria-label={t("room.card.decideOn", { text: c.body.slice(0, 40) })} data-testid="decide">
                  ⋯
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item onClick={() => decide("adopted")}>{t("room.card.adopt")}</Menu.Item>
                <Menu.Item onClick={() => decide("parked")}>{t("room.card.park")}</Menu.Item>
                <Menu.Item onClick={() => decide("rejected")}>{t("room.card.reject")}</Menu.Item>
                {c.status !== "open" && <Menu.Item onClick={() => decide("open")}>{t("room.card.reopen")}</Menu.Item>}
                <Menu.Divider />
                <Menu.Item onClick={() => onAction(c)}>{t("room.card.makeAction")}</Menu.Item>
                {rules.canMerge && (
                  <Menu.Item onClick={() => onMerge(c)} data-testid="merge">
                    {t("room.card.merge")}
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </Group>
    </Card>
  );
}

/** Fold a duplicate into another card of the board: its votes move there. */
function MergeModal({ sessionId, duplicate, cards, onClose }: { sessionId: string; duplicate: Contribution; cards: Contribution[]; onClose: () => void }) {
  const { t } = useTranslation("sessions");
  const merge = useMergeContribution(sessionId);
  const [into, setInto] = useState<string | null>(null);
  const others = cards.filter((c) => c.id !== duplicate.id);
  return (
    <Modal opened onClose={onClose} title={t("room.merge.title")}>
      <Stack>
        <Text size="sm" c="dimmed">
          {t("room.merge.what", { text: duplicate.body.slice(0, 80) })}
        </Text>
        <Select
          label={t("room.merge.into")}
          data={others.map((c) => ({ value: c.id, label: c.body.slice(0, 80) }))}
          value={into}
          onChange={setInto}
          searchable
          data-autofocus
          data-testid="merge-into"
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("room.merge.cancel")}
          </Button>
          <Button
            disabled={!into}
            loading={merge.isPending}
            onClick={() => into && merge.mutate({ id: duplicate.id, into }, { onSuccess: onClose, onError: (e) => showError(e) })}
            data-testid="merge-confirm"
          >
            {t("room.merge.submit")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

const BODY_RULE = rule("ContributionCreate", "body");

/** Characters left, once the text gets near the API's limit. */
function charactersLeft(length: number, t: TFunction<"sessions">): string | null {
  const max = BODY_RULE.maxLength ?? Infinity;
  const left = max - length;
  return length >= max * 0.8 ? t("room.compose.charactersLeft", { count: left, n: left.toLocaleString(currentLanguage()) }) : null;
}

export function ComposeBar({ sessionId, counter = false }: { sessionId: string; counter?: boolean }) {
  const { t } = useTranslation("sessions");
  const [kind, setKind] = useState<Schemas["ContributionKind"]>("idea");
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const post = usePostContribution(sessionId);
  const send = () =>
    post.mutate(
      { kind, body: body.trim() },
      {
        onSuccess: () => {
          setBody("");
          setError(null);
        },
        // The field's own message ("At most 4,000 characters"), not the problem's "see errors".
        onError: (e) => setError((e instanceof ApiError && e.fieldErrors().body) || errorMessage(e)),
      },
    );
  const over = checkLength(body, BODY_RULE, { required: false });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (over) setError(over);
        else if (body.trim()) send();
      }}
    >
      <Group align="flex-start" wrap="nowrap" gap="xs">
        <Select
          aria-label={t("room.compose.kind")}
          data={ContributionKind.map((k) => ({ value: k, label: label(k) }))}
          value={kind}
          onChange={(v) => v && setKind(v as Schemas["ContributionKind"])}
          allowDeselect={false}
          w={{ base: 105, sm: 140 }}
        />
        <TextInput
          aria-label={t("room.compose.body")}
          placeholder={t("room.compose.placeholder")}
          value={body}
          onChange={(e) => {
            setBody(e.currentTarget.value);
            setError(null);
          }}
          error={error ?? over}
          description={
            !error && !over
              ? (charactersLeft(body.length, t) ?? (counter && body.length ? t("room.compose.counter", { n: body.length, max: BODY_RULE.maxLength }) : undefined))
              : undefined
          }
          inputWrapperOrder={["label", "input", "description", "error"]}
          style={{ flex: 1 }}
          data-testid="compose"
        />
        <Button type="submit" loading={post.isPending} disabled={!body.trim()} px={{ base: "xs", sm: "md" }}>
          {t("room.compose.post")}
        </Button>
      </Group>
    </form>
  );
}

function ActionFromIdeaModal({ session, contribution, onClose }: { session: Schemas["SessionRead"]; contribution: Contribution; onClose: () => void }) {
  const { t } = useTranslation("sessions");
  const form = useForm({
    initialValues: { title: contribution.body.slice(0, 200), assignee_id: contribution.author_id as string | null, due_date: "" },
  });
  const save = useCreateActionItem(session.project_id);
  const submit = (v: typeof form.values) =>
    save.mutate(
      { title: v.title, assignee_id: v.assignee_id ?? "", due_date: v.due_date || null, session_id: session.id, contribution_id: contribution.id },
      {
        onSuccess: () => {
          notifySaved(t("room.action.created"));
          onClose();
        },
        onError: (e) => applyApiError(form, e),
      },
    );
  return (
    <Modal opened onClose={onClose} title={t("room.action.title")}>
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label={t("room.action.fieldTitle")} data-autofocus {...form.getInputProps("title")} />
          <UserSelect label={t("room.action.assignee")} {...form.getInputProps("assignee_id")} />
          <TextInput label={t("room.action.due")} type="date" {...form.getInputProps("due_date")} />
          <FormActions onCancel={onClose} loading={save.isPending}>
            {t("room.action.submit")}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}

/** Who is in the room now (live presence), and how many of the invited are not. */
export function PresentPeople({ people }: { people: Presence[] | undefined }) {
  const { t } = useTranslation("sessions");
  if (!people) return null;
  const here = people.filter((p) => p.online);
  const away = people.filter((p) => !p.online);
  return (
    <Group gap={4} mt={4} data-testid="presence">
      <Text size="xs" c="dimmed">
        {here.length ? t("room.presence.here") : t("room.presence.nobody")}
      </Text>
      {here.map((p) => (
        <Badge key={p.user_id} variant="light" size="sm" color="green" leftSection="●" data-testid="present">
          {p.full_name}
        </Badge>
      ))}
      {away.length > 0 && (
        <Tooltip label={away.map((p) => p.full_name).join(", ")}>
          <Text size="xs" c="dimmed" data-testid="away">
            · {t("room.presence.away", { count: away.length })}
          </Text>
        </Tooltip>
      )}
    </Group>
  );
}

/** Whole minutes from the start to now, as the API counts the held duration (to the nearest
 * minute, at least 1 for any time at all). */
export function heldMinutes(startedAt: string | null, now = Date.now()): number {
  if (!startedAt) return 0;
  const seconds = (now - new Date(startedAt).getTime()) / 1000;
  return seconds <= 0 ? 0 : Math.max(1, Math.floor(seconds / 60 + 0.5));
}

interface AttendanceRow {
  user_id: string;
  full_name: string;
  measured: number;
  inRoom: boolean;
  minutes: number | string;
}

/** The attendance to send: none while every row is what was measured (the API then credits
 * the measurement itself), else every row explicitly. */
export function attendanceToSend(rows: AttendanceRow[]): { user_id: string; minutes: number }[] | undefined {
  const edited = rows.some((r) => r.inRoom || Number(r.minutes) !== r.measured);
  return edited ? rows.map((r) => ({ user_id: r.user_id, minutes: Number(r.minutes) })) : undefined;
}

function CompleteModal({ session, onClose }: { session: Schemas["SessionRead"]; onClose: () => void }) {
  const { t } = useTranslation("sessions");
  const presence = usePresence(session.id, true);
  const members = useProjectMembers(session.project_id);
  if (presence.isPending || members.isPending) {
    return (
      <Modal opened onClose={onClose} title={t("room.complete.title")} size="lg">
        <Loading />
      </Modal>
    );
  }
  if (presence.error || members.error) {
    return (
      <Modal opened onClose={onClose} title={t("room.complete.title")} size="lg">
        <ErrorState error={presence.error ?? members.error} />
      </Modal>
    );
  }
  // Only active members can be credited; the invited and everyone who joined, as measured.
  const active = new Set(members.data.filter((m) => m.state === "active").map((m) => m.user_id));
  const rows = presence.data
    .filter((p) => active.has(p.user_id))
    .map((p) => ({ user_id: p.user_id, full_name: p.full_name, measured: p.minutes_present, inRoom: false, minutes: p.minutes_present as number | string }));
  return <CompleteForm session={session} rows={rows} onClose={onClose} />;
}

function CompleteForm({ session, rows, onClose }: { session: Schemas["SessionRead"]; rows: AttendanceRow[]; onClose: () => void }) {
  const { t } = useTranslation("sessions");
  const now = useNow(15_000);
  const held = heldMinutes(session.started_at, now);
  const form = useForm({
    initialValues: { summary: "", decisions: "", recommended_approach: "", attendance: rows },
    validate: {
      attendance: {
        minutes: (value) => {
          const range = checkRange(value, rule("Attendance", "minutes"));
          if (range) return range;
          const cap = heldMinutes(session.started_at);
          return Number(value) > cap ? t("room.complete.tooMany", { cap }) : null;
        },
      },
    },
  });
  const save = useCompleteSession(session.id);
  const onError = (e: unknown) => {
    // A minute count the API refused goes next to its row, in the API's words.
    if (e instanceof ApiError) {
      for (const error of e.errors) {
        const [where, field, index, key] = error.loc;
        if (where === "body" && field === "attendance" && typeof index === "number" && key === "minutes") {
          form.setFieldError(`attendance.${index}.minutes`, humanMessage(error, "minutes"));
          return;
        }
      }
    }
    applyApiError(form, e);
  };
  const submit = (v: typeof form.values) =>
    save.mutate(
      {
        summary: v.summary,
        decisions: v.decisions.split("\n").map((d) => d.trim()).filter(Boolean),
        recommended_approach: v.recommended_approach,
        attendance: attendanceToSend(v.attendance),
      },
      {
        onSuccess: () => {
          notifySaved(t("room.complete.done"));
          onClose();
        },
        onError,
      },
    );
  const explicit = attendanceToSend(form.values.attendance) !== undefined;
  return (
    <Modal opened onClose={onClose} title={t("room.complete.title")} size="lg">
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <Textarea label={t("room.complete.summary")} autosize minRows={3} data-autofocus {...form.getInputProps("summary")} />
          <Textarea label={t("room.complete.decisions")} description={t("room.complete.decisionsHelp")} autosize minRows={2} {...form.getInputProps("decisions")} />
          <Textarea label={t("room.complete.approach")} autosize minRows={2} {...form.getInputProps("recommended_approach")} />
          <div>
            <Text size="sm" fw={500}>
              {t("room.complete.attendance")}
            </Text>
            <Text size="xs" c="dimmed" data-testid="attendance-help">
              {t("room.complete.attendanceHelp", { held })}
            </Text>
          </div>
          {form.values.attendance.length ? (
            <Table data-testid="attendance">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("room.complete.person")}</Table.Th>
                  <Table.Th className="num">{t("room.complete.measured")}</Table.Th>
                  <Table.Th>{t("room.complete.inRoom")}</Table.Th>
                  <Table.Th className="num">{t("room.complete.credit")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {form.values.attendance.map((a, i) => (
                  <Table.Tr key={a.user_id} data-testid="attendance-row">
                    <Table.Td>{a.full_name}</Table.Td>
                    <Table.Td className="num">{t("room.complete.minutes", { minutes: a.measured })}</Table.Td>
                    <Table.Td>
                      <Checkbox
                        aria-label={t("room.complete.satInRoom", { name: a.full_name })}
                        checked={a.inRoom}
                        onChange={(e) => {
                          const inRoom = e.currentTarget.checked;
                          form.setFieldValue(`attendance.${i}.inRoom`, inRoom);
                          form.setFieldValue(`attendance.${i}.minutes`, inRoom ? heldMinutes(session.started_at) : a.measured);
                        }}
                      />
                    </Table.Td>
                    <Table.Td className="num">
                      <NumberInput
                        aria-label={t("room.complete.minutesFor", { name: a.full_name })}
                        min={0}
                        max={held}
                        clampBehavior="none"
                        allowDecimal={false}
                        w={110}
                        ml="auto"
                        {...form.getInputProps(`attendance.${i}.minutes`)}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text size="sm" c="dimmed">
              {t("room.complete.nobody")}
            </Text>
          )}
          <Text size="xs" c="dimmed" data-testid="attendance-mode">
            {explicit ? t("room.complete.explicit") : t("room.complete.measuredMode")}
          </Text>
          <FormActions onCancel={onClose} loading={save.isPending} color="green">
            {t("room.complete.submit")}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}

export function SessionRoomPage() {
  const { t } = useTranslation("sessions");
  const { t: tl } = useTranslation("learnings");
  const { sessionId = "" } = useParams();
  const { data: me } = useMe();
  const nameOf = useUserNames();
  const now = useNow();
  const [completing, complete] = useDisclosure();
  const [actionFor, setActionFor] = useState<Contribution | null>(null);
  const [mergeFor, setMergeFor] = useState<Contribution | null>(null);
  const phone = useMediaQuery("(max-width: 48em)") ?? false;
  const session = useSession(sessionId);
  const project = useProject(session.data?.project_id);
  const contributions = useContributions(sessionId);
  const status = session.data?.status;
  const live = useLiveSession(sessionId, status === "live" || status === "scheduled");
  const presence = usePresence(sessionId, status === "live");
  const transition = useSessionTransition(sessionId);
  const move = (action: "start" | "cancel") => transition.mutate(action, { onError: (e) => showError(e) });

  if (session.isPending) return <Loading />;
  if (session.error) return <ErrorState error={session.error} onRetry={session.refetch} />;
  const s = session.data;
  if (s.status === "completed") return <Navigate to={`/sessions/${s.id}/outcome`} replace />; // i18n-ignore
  const p = project.data;
  const canSteer =
    !!me && (me.role === "admin" || me.role === "manager" || me.id === p?.owner_id || me.id === s.facilitator_id);
  const readOnly = s.status === "cancelled";
  const cards = contributions.data?.items ?? [];
  const hidden = contributions.data?.hidden_count ?? 0;
  const byKind = (kind: string) => cards.filter((c) => c.kind === kind);
  const mastermind = s.format === "mastermind";
  const phase = currentPhase(s);
  const dots = dotsLeft(s, cards);
  const rules: RoomRules = {
    meId: me?.id,
    canSteer,
    readOnly,
    canVote: s.status === "live" && (!mastermind || phase === "vote"),
    outOfDots: dots === 0,
    privateCards: phase === "write",
    canMerge: mastermind && !!phase && phase !== "brief" && phase !== "write",
  };
  // A mastermind takes cards in its write phase only; the open board while it runs.
  const canWrite = !readOnly && (!mastermind || phase === "write");
  const column = (kind: (typeof ContributionKind)[number]) => {
    const items = byKind(kind);
    return items.length ? (
      items.map((c) => <ContributionCard key={c.id} c={c} rules={rules} onAction={setActionFor} onMerge={setMergeFor} />)
    ) : (
      <Text size="xs" c="dimmed">
        {t("room.nothingYet")}
      </Text>
    );
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="xs">
            <Title order={2}>{s.title}</Title>
            <StatusBadge status={s.status} />
            <Countdown session={s} now={now} />
          </Group>
          <Text size="sm" c="dimmed" data-testid="room-context">
            <SessionContext session={s} />{" "}
            · {label(s.purpose)} ·{" "}
            {t("room.facilitator", { name: s.facilitator_id ? nameOf(s.facilitator_id) : p ? nameOf(p.owner_id) : "—" })} ·{" "}
            <span data-testid="live-status">
              {live === "open" ? t("room.live.open") : live === "connecting" ? t("room.live.connecting") : t("room.live.offline")}
            </span>
          </Text>
          <PresentPeople people={presence.data} />
        </div>
        {canSteer && (
          <Group>
            {s.status === "scheduled" && (
              <Button onClick={() => move("start")} loading={transition.isPending} data-testid="start-session">
                {t("room.start")}
              </Button>
            )}
            {s.status === "live" && (
              <Button color="green" onClick={complete.open} data-testid="complete-session">
                {t("room.completeOpen")}
              </Button>
            )}
            {(s.status === "scheduled" || s.status === "live") && (
              <ConfirmButton
                variant="subtle"
                color="red"
                title={t("room.cancel.title", { title: s.title })}
                what={
                  s.status === "live"
                    ? t("room.cancel.whatLive", { count: cards.length })
                    : t("room.cancel.what", { count: cards.length })
                }
                confirmLabel={t("room.cancel.confirm")}
                onConfirm={() => move("cancel")}
                loading={transition.isPending}
                data-testid="cancel-session"
              >
                {t("room.cancel.button")}
              </ConfirmButton>
            )}
          </Group>
        )}
      </Group>
      {readOnly && <Alert color="gray">{t("room.cancelled")}</Alert>}
      <PhaseStrip session={s} cards={cards} now={now} canSteer={canSteer} />
      {hidden > 0 && (
        <Alert color="grape" variant="light" data-testid="hidden-count">
          {t("room.hiddenCount", { count: hidden })}
        </Alert>
      )}
      <AwaitingVerdict session={s} />
      <SimpleGrid cols={{ base: 1, lg: 4 }} spacing="sm">
        <Card withBorder style={{ gridColumn: "span 1" }}>
          <Title order={5} mb={4}>
            {t("room.agenda")}
          </Title>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {s.agenda || t("room.noAgenda")}
          </Text>
          <Title order={6} mt="md" mb={4}>
            {tl("title")}
          </Title>
          <RelatedLearnings projectId={s.project_id} limit={3} />
        </Card>
        <div style={{ gridColumn: "span 3", minWidth: 0 }}>
          {contributions.error ? (
            <ErrorState error={contributions.error} onRetry={contributions.refetch} />
          ) : (
            phone ? (
              // A phone: one kind at a time, the input stays at the bottom.
              <Tabs defaultValue="idea" keepMounted={false} data-testid="board">
                <Tabs.List grow>
                  {ContributionKind.map((kind) => (
                    <Tabs.Tab key={kind} value={kind} data-testid={`tab-${kind}`}>
                      {t(COLUMN_KEYS[kind])} {byKind(kind).length}
                    </Tabs.Tab>
                  ))}
                </Tabs.List>
                {ContributionKind.map((kind) => (
                  <Tabs.Panel key={kind} value={kind} pt="xs" data-testid={`column-${kind}`}>
                    <Stack gap={6}>{column(kind)}</Stack>
                  </Tabs.Panel>
                ))}
              </Tabs>
            ) : (
              <ScrollArea type="auto" offsetScrollbars>
                <SimpleGrid cols={{ base: 1, sm: 2, xl: 3 }} spacing="sm" data-testid="board">
                  {ContributionKind.map((kind) => (
                    <Card
                      key={kind}
                      withBorder
                      bg="gray.0"
                      padding="xs"
                      data-testid={`column-${kind}`} // i18n-ignore
                    >
                      <Group justify="space-between" mb={6}>
                        <Text fw={600} size="sm">
                          {t(COLUMN_KEYS[kind])}
                        </Text>
                        <Badge size="xs" variant="light" color="gray">
                          {byKind(kind).length}
                        </Badge>
                      </Group>
                      <Stack gap={6}>{column(kind)}</Stack>
                    </Card>
                  ))}
                </SimpleGrid>
              </ScrollArea>
            )
          )}
        </div>
      </SimpleGrid>
      {canWrite && (
        <Card withBorder padding="xs" style={{ position: "sticky", bottom: 0, zIndex: 2 }}>
          <ComposeBar sessionId={sessionId} counter={phone} />
        </Card>
      )}
      {completing && <CompleteModal session={s} onClose={complete.close} />}
      {actionFor && <ActionFromIdeaModal session={s} contribution={actionFor} onClose={() => setActionFor(null)} />}
      {mergeFor && <MergeModal sessionId={s.id} duplicate={mergeFor} cards={cards} onClose={() => setMergeFor(null)} />}
    </Stack>
  );
}
