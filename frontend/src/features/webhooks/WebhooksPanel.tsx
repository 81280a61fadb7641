// Outbound webhooks for admins: endpoints (secret shown once), switching them on and off, and
// each endpoint's delivery log with retry.
import { Badge, Button, Card, Code, Drawer, Group, MultiSelect, SegmentedControl, Stack, Switch, Table, Text, TextInput, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { Trans, useTranslation } from "../../i18n/react";
import { useState } from "react";
import { DeliveryState, WebhookEventType } from "../../api/enums";
import type { Schemas } from "../../api/types";
import { ConfirmButton } from "../../components/Confirm";
import { FormActions } from "../../components/FormActions";
import { applyApiError, notifySaved, showError } from "../../components/forms";
import { ListPanel, ListTable } from "../../components/ListPanel";
import { Empty, QueryState } from "../../components/states";
import { label, relativeTime } from "../../format";
import { CreateOnceModal, ShownOnce } from "../../components/ShownOnce";
import {
  useCreateWebhook,
  useDeleteWebhook,
  useDeliveries,
  useRetryDelivery,
  useToggleWebhook,
  useWebhooks,
  type WebhookEndpoint,
} from "./queries";

function WebhookCreateModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation("settings");
  const [created, setCreated] = useState<Schemas["WebhookEndpointCreated"] | null>(null);
  const form = useForm({ initialValues: { url: "https://", events: [...WebhookEventType] as Schemas["WebhookEventType"][], description: "" } });
  const save = useCreateWebhook();
  const submit = (v: typeof form.values) => save.mutate(v, { onSuccess: setCreated, onError: (e) => applyApiError(form, e) });
  return (
    <CreateOnceModal
      title={t("webhooks.newTitle")}
      size="lg"
      created={created}
      onClose={onClose}
      shown={(created) => (
        <ShownOnce label={t("webhooks.signingSecret")} value={created.secret}>
          <Text size="sm">{t("webhooks.signedWith")}</Text>
        </ShownOnce>
      )}
    >
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label={t("webhooks.url")} data-autofocus {...form.getInputProps("url")} />
          <MultiSelect label={t("webhooks.events")} data={[...WebhookEventType]} {...form.getInputProps("events")} />
          <Textarea label={t("webhooks.description")} {...form.getInputProps("description")} />
          <FormActions onCancel={onClose} loading={save.isPending}>
            {t("webhooks.add")}
          </FormActions>
        </Stack>
      </form>
    </CreateOnceModal>
  );
}

const DELIVERY_COLOURS: Record<Schemas["DeliveryState"], string> = { pending: "yellow", delivered: "green", failed: "red" };

function DeliveryLog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const { t } = useTranslation("settings");
  const [state, setState] = useState("all");
  const deliveries = useDeliveries(endpoint.id, state === "all" ? undefined : (state as Schemas["DeliveryState"]));
  const retry = useRetryDelivery(endpoint.id);
  return (
    <Drawer opened onClose={onClose} position="right" size="xl" title={t("webhooks.deliveriesTo", { url: endpoint.url })}>
      <Stack>
        <SegmentedControl value={state} onChange={setState} data={["all", ...DeliveryState].map((value) => ({ value, label: label(value) }))} />
        <QueryState query={deliveries} retry>
          {(attempts) =>
            attempts.length ? (
              <ListTable minWidth={0} heads={[t("webhooks.event"), t("webhooks.state"), t("webhooks.attempts"), t("webhooks.last"), ""]}>
                {attempts.map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td>
                      <Text size="sm">{d.event_type}</Text>
                      <Text size="xs" c="dimmed">
                        {relativeTime(d.created_at)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={DELIVERY_COLOURS[d.state]} variant="light">
                        {label(d.state)}
                      </Badge>
                    </Table.Td>
                    <Table.Td className="num">{d.attempts}</Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {d.last_status_code ?? ""} {d.last_error ?? ""}
                      </Text>
                      {d.next_attempt_at && d.state === "pending" && (
                        <Text size="xs" c="dimmed">
                          {t("webhooks.next", { when: relativeTime(d.next_attempt_at) })}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {d.state !== "delivered" && (
                        <Button
                          size="compact-xs"
                          variant="light"
                          onClick={() =>
                            retry.mutate(d.id, { onSuccess: () => notifySaved(t("webhooks.queuedAgain")), onError: (e) => showError(e, t("webhooks.retryRefused")) })
                          }
                          loading={retry.isPending && retry.variables === d.id}
                        >
                          {t("webhooks.retry")}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </ListTable>
            ) : (
              <Empty>{t("webhooks.noDeliveries")}</Empty>
            )
          }
        </QueryState>
      </Stack>
    </Drawer>
  );
}

export function WebhooksPanel() {
  const { t } = useTranslation("settings");
  const [creating, create] = useDisclosure();
  const [logOf, setLogOf] = useState<WebhookEndpoint | null>(null);
  const list = useWebhooks();
  const toggle = useToggleWebhook();
  const remove = useDeleteWebhook();
  const onError = (e: unknown) => showError(e);
  return (
    <>
      <ListPanel
        action={t("webhooks.new")}
        onAction={create.open}
        query={list}
        empty={t("webhooks.none")}
      >
        {(endpoints) =>
          endpoints.map((w) => (
            <Card withBorder key={w.id}>
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <div style={{ minWidth: 0 }}>
                  <Code style={{ wordBreak: "break-all" }}>{w.url}</Code>
                  <Text size="xs" c="dimmed">
                    {w.description}
                  </Text>
                  <Group gap={4} mt={4}>
                    {w.events.map((e) => (
                      <Badge key={e} size="xs" variant="outline">
                        {e}
                      </Badge>
                    ))}
                  </Group>
                  {w.disabled_reason && (
                    <Text size="xs" c="red">
                      {t("webhooks.disabled", { reason: w.disabled_reason })}
                    </Text>
                  )}
                </div>
                <Group gap="xs" wrap="nowrap">
                  <Switch aria-label={t("webhooks.enableAria", { url: w.url })} checked={w.enabled} onChange={() => toggle.mutate(w, { onError })} />
                  <Button size="xs" variant="light" onClick={() => setLogOf(w)}>
                    {t("webhooks.deliveries")}
                  </Button>
                  <ConfirmButton
                    size="xs"
                    variant="subtle"
                    color="red"
                    aria-label={t("webhooks.deleteAria", { url: w.url })}
                    title={t("webhooks.deleteTitle")}
                    what={
                      <Trans t={t} i18nKey="webhooks.deleteWhat" values={{ url: w.url }} components={{ code: <Code style={{ wordBreak: "break-all" }} /> }} />
                    }
                    confirmLabel={t("webhooks.deleteConfirm")}
                    onConfirm={() => remove.mutate(w.id, { onError })}
                  >
                    {t("webhooks.delete")}
                  </ConfirmButton>
                </Group>
              </Group>
            </Card>
          ))
        }
      </ListPanel>
      {creating && <WebhookCreateModal onClose={create.close} />}
      {logOf && <DeliveryLog endpoint={logOf} onClose={() => setLogOf(null)} />}
    </>
  );
}
