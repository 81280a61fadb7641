// One's notification preferences, on the Profile screen: for each kind, mail and in-app on or
// off, and the reminders before a session (the API's default: a day and 15 minutes before).
import { Button, Card, Checkbox, Group, Stack, Switch, Table, Text, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import type { Schemas } from "../api/types";
import { usePreferences, useUpdatePreferences, type Preferences } from "../features/notifications/queries";
import { label } from "../format";
import { useTranslation } from "../i18n/react";
import { notifySaved, showError } from "./forms";
import { QueryState } from "./states";

/** The offsets offered (minutes before the start); one chosen through the API also shows. */
export const REMINDER_CHOICES = [2880, 1440, 120, 60, 30, 15, 5];

type Kind = Schemas["NotificationKind"];
type Channel = "email" | "in_app";

export function useReminderLabel(): (minutes: number) => string {
  const { t } = useTranslation("profile");
  return (m) =>
    m % 1440 === 0
      ? t("notifications.days", { count: m / 1440 })
      : m % 60 === 0
        ? t("notifications.hours", { count: m / 60 })
        : t("notifications.minutes", { count: m });
}

/** What the form sends: every kind with both channels, and the reminders largest first. */
export function preferencesBody(prefs: Preferences): Schemas["NotificationPreferencesUpdate"] {
  return {
    kinds: prefs.kinds.map(({ kind, email, in_app }) => ({ kind, email, in_app })),
    reminder_minutes: [...prefs.reminder_minutes].sort((a, b) => b - a),
  };
}

function PreferencesForm({ saved }: { saved: Preferences }) {
  const { t } = useTranslation("profile");
  const reminderLabel = useReminderLabel();
  const [prefs, setPrefs] = useState(saved);
  useEffect(() => setPrefs(saved), [saved]);
  const update = useUpdatePreferences();
  const toggle = (kind: Kind, channel: Channel, on: boolean) =>
    setPrefs((current) => ({ ...current, kinds: current.kinds.map((k) => (k.kind === kind ? { ...k, [channel]: on } : k)) }));
  const choices = [...new Set([...REMINDER_CHOICES, ...saved.reminder_minutes])].sort((a, b) => b - a);
  const submit = () =>
    update.mutate(preferencesBody(prefs), {
      onSuccess: () => notifySaved(t("notifications.saved")),
      onError: (error) => showError(error),
    });
  return (
    <Stack>
      <Table data-testid="notification-preferences">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("notifications.kind")}</Table.Th>
            <Table.Th>{t("notifications.email")}</Table.Th>
            <Table.Th>{t("notifications.inApp")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {prefs.kinds.map((k) => (
            <Table.Tr key={k.kind}>
              <Table.Td>{label(k.kind)}</Table.Td>
              {(["email", "in_app"] as const).map((channel) => (
                <Table.Td key={channel}>
                  <Switch
                    checked={k[channel]}
                    onChange={(event) => toggle(k.kind, channel, event.currentTarget.checked)}
                    aria-label={t("notifications.channelAria", {
                      channel: channel === "email" ? t("notifications.email") : t("notifications.inApp"),
                      kind: label(k.kind),
                    })}
                  />
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Checkbox.Group
        label={t("notifications.reminders")}
        description={t("notifications.remindersHint")}
        value={prefs.reminder_minutes.map(String)}
        onChange={(values) => setPrefs((current) => ({ ...current, reminder_minutes: values.map(Number) }))}
      >
        <Group mt="xs">
          {choices.map((m) => (
            <Checkbox key={m} value={String(m)} label={reminderLabel(m)} />
          ))}
        </Group>
      </Checkbox.Group>
      <Group justify="flex-end">
        <Button onClick={submit} loading={update.isPending}>
          {t("notifications.save")}
        </Button>
      </Group>
    </Stack>
  );
}

export function NotificationPreferences() {
  const { t } = useTranslation("profile");
  const prefs = usePreferences();
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>{t("notifications.title")}</Title>
        <Text size="sm" c="dimmed">
          {t("notifications.explain")}
        </Text>
        <QueryState query={prefs} retry>
          {(saved) => <PreferencesForm saved={saved} />}
        </QueryState>
      </Stack>
    </Card>
  );
}
