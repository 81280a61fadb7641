// The inbox: one's notifications, newest first, each in one's own language, opening where it
// points; a help request is answered here (accept or decline). Used by the bell's drawer and
// by the /notifications page (where help request mails link).
import { Anchor, Badge, Button, Group, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import {
  useAnswerHelpRequest,
  useMarkAllRead,
  useMarkRead,
  useNotifications,
  type HelpAnswer,
  type Notification,
} from "../features/notifications/queries";
import { absoluteTime, dayRange, minutes, relativeTime } from "../format";
import { useTranslation } from "../i18n/react";
import { notifySaved, showError } from "./forms";
import { Empty, QueryState } from "./states";

/** The Sunday six days after a Monday ("2026-11-30" -> "2026-12-06"). */
function weekEnd(monday: string): string {
  const day = new Date(`${monday}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + 6);
  return day.toISOString().slice(0, 10);
}

/** The notice in words, from what it carries (names, titles and figures as they were then). */
export function useNotificationText(): (notification: Notification) => string {
  const { t } = useTranslation("common");
  return (n) => {
    const d = n.data;
    const values = {
      actor: d.actor_name ?? "—",
      project: d.project_title ?? t("notifications.aProject"),
      session: d.session_title ?? t("notifications.aSession"),
      item: d.action_item_title ?? "—",
      when: d.scheduled_at ? relativeTime(d.scheduled_at) : "",
      due: d.due_on ? dayRange(d.due_on, d.due_on) : "—",
      week: d.week_starts_on ? dayRange(d.week_starts_on, weekEnd(d.week_starts_on)) : "—",
      teams: (d.team_names ?? []).join(t("notifications.teamSeparator")),
      sessions: d.sessions_held ?? 0,
      minutes: minutes(d.minutes_given ?? 0),
      ideas: d.ideas_adopted ?? 0,
      won: d.projects_won ?? 0,
      lost: d.projects_lost ?? 0,
      overdue: d.overdue_action_items ?? 0,
    };
    if (n.kind === "help_request_answered")
      return d.help_request_state === "accepted"
        ? t("notifications.text.help_request_answered_accepted", values)
        : t("notifications.text.help_request_answered_declined", values);
    return t(`notifications.text.${n.kind}`, values);
  };
}

function HelpAnswerButtons({ notification, onAnswered }: { notification: Notification; onAnswered: () => void }) {
  const { t } = useTranslation("common");
  const answer = useAnswerHelpRequest();
  const project = notification.data.project_title ?? "";
  const id = notification.data.help_request_id;
  const state = notification.data.help_request_state;
  if (!id) return null;
  if (state === "accepted") return <Text size="xs" c="teal">{t("notifications.youAccepted", { project })}</Text>;
  if (state === "declined") return <Text size="xs" c="dimmed">{t("notifications.youDeclined")}</Text>;
  const send = (choice: HelpAnswer) =>
    answer.mutate(
      { id, answer: choice },
      {
        onSuccess: (request) => {
          onAnswered();
          if (request.state === "accepted") notifySaved(t("notifications.youAccepted", { project: request.project_title }));
        },
        onError: (error) => showError(error, t("notifications.couldNotAnswer")),
      },
    );
  return (
    <Group gap="xs">
      <Button
        size="compact-xs"
        onClick={() => send("accept")}
        loading={answer.isPending && answer.variables?.answer === "accept"}
        aria-label={t("notifications.answerAria", { answer: t("notifications.accept"), project })}
        data-testid="help-accept"
      >
        {t("notifications.accept")}
      </Button>
      <Button
        size="compact-xs"
        variant="default"
        onClick={() => send("decline")}
        loading={answer.isPending && answer.variables?.answer === "decline"}
        aria-label={t("notifications.answerAria", { answer: t("notifications.decline"), project })}
        data-testid="help-decline"
      >
        {t("notifications.decline")}
      </Button>
    </Group>
  );
}

function NotificationItem({ notification, onOpen }: { notification: Notification; onOpen?: () => void }) {
  const { t } = useTranslation("common");
  const text = useNotificationText();
  const markRead = useMarkRead();
  const unread = notification.read_at === null;
  const read = () => {
    if (unread) markRead.mutate(notification.id);
  };
  return (
    <Stack gap={4} data-testid="notification" data-kind={notification.kind} data-unread={unread ? "true" : "false"}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Anchor
          component={Link}
          to={notification.link}
          size="sm"
          fw={unread ? 600 : 400}
          c="inherit"
          onClick={() => {
            read();
            onOpen?.();
          }}
        >
          {text(notification)}
        </Anchor>
        {unread && (
          <Badge size="xs" variant="light" style={{ flexShrink: 0 }}>
            {t("notifications.unread")}
          </Badge>
        )}
      </Group>
      {notification.data.message && (
        <Text size="xs" c="dimmed" style={{ whiteSpace: "pre-wrap" }}>
          {notification.data.message}
        </Text>
      )}
      <Group justify="space-between" gap="xs">
        <Text size="xs" c="dimmed" title={absoluteTime(notification.created_at)}>
          {relativeTime(notification.created_at)}
        </Text>
        <Group gap="xs">
          {notification.kind === "help_request" && <HelpAnswerButtons notification={notification} onAnswered={read} />}
          {unread && (
            <Button size="compact-xs" variant="subtle" onClick={read} loading={markRead.isPending}>
              {t("notifications.markRead")}
            </Button>
          )}
        </Group>
      </Group>
    </Stack>
  );
}

/** The list with "mark all read"; ``onOpen`` runs when a notice's link is followed (closes a drawer). */
export function Inbox({ limit, onOpen }: { limit?: number; onOpen?: () => void }) {
  const { t } = useTranslation("common");
  const inbox = useNotifications(limit);
  const markAll = useMarkAllRead();
  return (
    <QueryState query={inbox} retry>
      {(page) => (
        <Stack gap="md" data-testid="inbox">
          <Group justify="flex-end">
            <Button
              size="xs"
              variant="light"
              disabled={page.unread_count === 0}
              loading={markAll.isPending}
              onClick={() => markAll.mutate()}
            >
              {t("notifications.markAllRead")}
            </Button>
          </Group>
          {!page.items.length ? (
            <Empty>{t("notifications.none")}</Empty>
          ) : (
            page.items.map((n) => <NotificationItem key={n.id} notification={n} onOpen={onOpen} />)
          )}
        </Stack>
      )}
    </QueryState>
  );
}
