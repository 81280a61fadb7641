// A team's chat channels, for admins (any team) and a team's manager (theirs): each room with its
// provider, where it posts (masked: the URL or token is never shown again), its events and last
// answer; switching on and off, a test message, disconnecting; and connecting a room with the
// fields its provider needs (Slack and Teams a webhook URL, Chatwork a token and a room id).
import { Badge, Button, Card, Checkbox, Group, Modal, PasswordInput, SegmentedControl, Select, SimpleGrid, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { ChatProvider, WebhookEventType } from "../../api/enums";
import type { Schemas } from "../../api/types";
import { ConfirmButton } from "../../components/Confirm";
import { FormActions } from "../../components/FormActions";
import { applyApiError, notifySaved, showError } from "../../components/forms";
import { ListPanel } from "../../components/ListPanel";
import { label, relativeTime } from "../../format";
import { useTranslation } from "../../i18n/react";
import { useChatChannels, useCreateChatChannel, useDeleteChatChannel, useTestChatChannel, useToggleChatChannel, type ChatChannel } from "./queries";

type EventType = Schemas["WebhookEventType"];
type Provider = Schemas["ChatProvider"];
export type ManagedTeam = { id: string; name: string };

// The catalog keys of the event types (their values hold dots, which i18next reads as nesting).
const EVENT_KEYS = {
  "project.created": "chat.event.project_created",
  "project.updated": "chat.event.project_updated",
  "project.closed": "chat.event.project_closed",
  "session.scheduled": "chat.event.session_scheduled",
  "session.completed": "chat.event.session_completed",
  "action_item.created": "chat.event.action_item_created",
  "action_item.completed": "chat.event.action_item_completed",
} as const satisfies Record<EventType, string>;

const DEFAULT_EVENTS: EventType[] = ["session.scheduled", "session.completed", "project.closed", "action_item.created"];

function ChatChannelCreateModal({ teams, onClose }: { teams: ManagedTeam[]; onClose: () => void }) {
  const { t } = useTranslation("team");
  const form = useForm({
    initialValues: {
      team_id: teams[0]?.id ?? "",
      provider: "slack" as Provider,
      label: "",
      webhook_url: "https://",
      api_token: "",
      room_id: "",
      events: DEFAULT_EVENTS,
    },
  });
  const save = useCreateChatChannel();
  const chatwork = form.values.provider === "chatwork";
  const submit = (v: typeof form.values) => {
    const common = { team_id: v.team_id, events: v.events, label: v.label };
    // Each provider's own fields, and none of another's (the API refuses them).
    const body: Schemas["ChatChannelCreate"] =
      v.provider === "chatwork"
        ? { ...common, provider: "chatwork", api_token: v.api_token, room_id: v.room_id }
        : { ...common, provider: v.provider, webhook_url: v.webhook_url };
    save.mutate(body, {
      onSuccess: () => {
        notifySaved(t("chat.added"));
        onClose();
      },
      onError: (e) => applyApiError(form, e),
    });
  };
  return (
    <Modal opened onClose={onClose} title={t("chat.newTitle")} size="lg">
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <Select label={t("chat.team")} data={teams.map((team) => ({ value: team.id, label: team.name }))} allowDeselect={false} {...form.getInputProps("team_id")} />
          <SegmentedControl
            aria-label={t("chat.provider")}
            data={ChatProvider.map((value) => ({ value, label: label(value) }))}
            {...form.getInputProps("provider")}
          />
          {chatwork ? (
            <>
              <PasswordInput label={t("chat.apiToken")} description={t("chat.apiTokenHelp")} data-autofocus {...form.getInputProps("api_token")} />
              <TextInput label={t("chat.roomId")} description={t("chat.roomIdHelp")} inputMode="numeric" {...form.getInputProps("room_id")} />
            </>
          ) : (
            <TextInput
              label={t("chat.webhookUrl")}
              description={form.values.provider === "slack" ? t("chat.slackHelp") : t("chat.teamsHelp")}
              data-autofocus
              {...form.getInputProps("webhook_url")}
            />
          )}
          <TextInput label={t("chat.label")} placeholder={t("chat.labelPlaceholder")} {...form.getInputProps("label")} />
          <Checkbox.Group label={t("chat.events")} {...form.getInputProps("events")}>
            <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
              {WebhookEventType.map((event) => (
                <Checkbox key={event} value={event} label={t(EVENT_KEYS[event])} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <FormActions onCancel={onClose} loading={save.isPending} disabled={!form.values.events.length || !form.values.team_id}>
            {t("chat.add")}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}

function ChannelCard({ channel, teamName }: { channel: ChatChannel; teamName: string }) {
  const { t } = useTranslation("team");
  const toggle = useToggleChatChannel();
  const test = useTestChatChannel();
  const remove = useDeleteChatChannel();
  const onError = (e: unknown) => showError(e);
  const name = channel.label || label(channel.provider);
  const sendTest = () =>
    test.mutate(channel.id, {
      onSuccess: (result) => (result.delivered ? notifySaved(t("chat.testSent")) : showError(new Error(result.error ?? ""), t("chat.testFailed"))),
      onError,
    });
  return (
    <Card withBorder data-testid="chat-channel">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <div style={{ minWidth: 0 }}>
          <Group gap="xs">
            <Badge variant="light">{label(channel.provider)}</Badge>
            <Text fw={600}>{name}</Text>
            <Text size="sm" c="dimmed">
              {teamName}
            </Text>
          </Group>
          <Text size="xs" c="dimmed" style={{ wordBreak: "break-all" }}>
            {channel.room_id ? t("chat.room", { room: channel.room_id, hint: channel.secret_hint }) : channel.secret_hint}
          </Text>
          <Group gap={4} mt={4}>
            {channel.events.map((e) => (
              <Badge key={e} size="xs" variant="outline">
                {t(EVENT_KEYS[e])}
              </Badge>
            ))}
          </Group>
          {channel.disabled_reason ? (
            <Text size="xs" c="red">
              {t("chat.disabled", { reason: channel.disabled_reason })}
            </Text>
          ) : channel.last_error ? (
            <Text size="xs" c="orange">
              {t("chat.lastError", { error: channel.last_error })}
            </Text>
          ) : (
            channel.last_delivered_at && (
              <Text size="xs" c="dimmed">
                {t("chat.lastPosted", { when: relativeTime(channel.last_delivered_at) })}
              </Text>
            )
          )}
        </div>
        <Group gap="xs" wrap="nowrap">
          <Switch aria-label={t("chat.enableAria", { name })} checked={channel.enabled} onChange={() => toggle.mutate(channel, { onError })} />
          <Button size="xs" variant="light" onClick={sendTest} loading={test.isPending}>
            {t("chat.test")}
          </Button>
          <ConfirmButton
            size="xs"
            variant="subtle"
            color="red"
            aria-label={t("chat.deleteAria", { name })}
            title={t("chat.deleteTitle")}
            what={t("chat.deleteWhat", { name, team: teamName })}
            confirmLabel={t("chat.deleteConfirm")}
            onConfirm={() => remove.mutate(channel.id, { onError })}
          >
            {t("chat.delete")}
          </ConfirmButton>
        </Group>
      </Group>
    </Card>
  );
}

/** The chat channels of the teams the caller may manage (`teams`: every team for an admin). */
export function ChatChannelsPanel({ teams }: { teams: ManagedTeam[] }) {
  const { t } = useTranslation("team");
  const [creating, create] = useDisclosure();
  const list = useChatChannels();
  const names = new Map(teams.map((team) => [team.id, team.name]));
  return (
    <Card withBorder data-testid="chat-channels">
      <Title order={4}>{t("chat.title")}</Title>
      <Text size="xs" c="dimmed" mb="xs">
        {t("chat.help")}
      </Text>
      {teams.length ? (
        <ListPanel action={t("chat.new")} onAction={create.open} query={list} empty={t("chat.none")}>
          {(channels) => (
            <Stack gap="xs">
              {channels.map((channel) => (
                <ChannelCard key={channel.id} channel={channel} teamName={names.get(channel.team_id) ?? ""} />
              ))}
            </Stack>
          )}
        </ListPanel>
      ) : (
        <Text size="sm">{t("chat.noTeams")}</Text>
      )}
      {creating && <ChatChannelCreateModal teams={teams} onClose={create.close} />}
    </Card>
  );
}
