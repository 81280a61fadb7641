// Integration settings for admins: CRM connections (secret shown once, with an example request;
// what each lacks without an API token; each one's event log, CrmEventLog.tsx), API keys (shown
// once), outbound webhooks (webhooks/WebhooksPanel.tsx).
import { Badge, Button, Code, CopyButton, Group, MultiSelect, Select, Stack, Table, Tabs, Text, TextInput, PasswordInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { useState } from "react";
import { Trans, useTranslation } from "../../i18n/react";
import { ApiKeyCreateScopes } from "../../api/enums";
import { checkLength, rule } from "../../api/rules";
import type { Schemas } from "../../api/types";
import { ConfirmButton } from "../../components/Confirm";
import { FormActions } from "../../components/FormActions";
import { applyApiError, notifySaved, showError } from "../../components/forms";
import { ListPanel, ListTable } from "../../components/ListPanel";
import { CopyableBlock, CreateOnceModal, ShownOnce } from "../../components/ShownOnce";
import { UserSelect } from "../../components/UserSelect";
import { absoluteTime, relativeTime } from "../../format";
import { useUserNames } from "../users/queries";
import { WebhooksPanel } from "../webhooks/WebhooksPanel";
import { CrmEventLog, useMissingText, type CrmEventFilter } from "./CrmEventLog";
import { useApiKeys, useCreateApiKey, useCreateCrmConnection, useCrmConnections, useRemoveCrmConnection, useRevokeApiKey } from "./queries";

export const INTEGRATION_TABS = ["crm", "api-keys", "webhooks"];

export function IntegrationTabs() {
  const { t } = useTranslation("settings");
  return (
    <>
      <Tabs.Tab value="crm">{t("tabs.crm")}</Tabs.Tab>
      <Tabs.Tab value="api-keys">{t("tabs.apiKeys")}</Tabs.Tab>
      <Tabs.Tab value="webhooks">{t("tabs.webhooks")}</Tabs.Tab>
    </>
  );
}

export function IntegrationPanels() {
  return (
    <>
      <Tabs.Panel value="crm" pt="md">
        <CrmPanel />
      </Tabs.Panel>
      <Tabs.Panel value="api-keys" pt="md">
        <ApiKeysPanel />
      </Tabs.Panel>
      <Tabs.Panel value="webhooks" pt="md">
        <WebhooksPanel />
      </Tabs.Panel>
    </>
  );
}

function absoluteUrl(url: string): string {
  return /^https?:/.test(url) ? url : new URL(url, location.origin).toString();
}

export function genericExampleRequest(url: string, secret: string): string {
  const body = JSON.stringify({
    type: "deal.created",
    data: {
      deal_id: "D-1001",
      deal_name: "Pilot order",
      amount: 25000,
      currency: "EUR",
      stage: "qualified",
      status: "open",
      company_id: "C-77",
      company_name: "Acme Industrial",
      company_industry: "Manufacturing",
      owner_email: "owner@example.com",
    },
  });
  return [
    `SECRET='${secret}'`,
    `URL='${url}'`,
    `BODY='${body}'`,
    `ID="msg_$(date +%s%N)"; TS=$(date +%s)`,
    `KEY=$(printf '%s' "\${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \\n')`,
    `SIG=$(printf '%s.%s.%s' "$ID" "$TS" "$BODY" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$KEY -binary | base64)`,
    `curl -sS --fail-with-body -X POST "$URL" -H 'Content-Type: application/json' \\`,
    `  -H "webhook-id: $ID" -H "webhook-timestamp: $TS" -H "webhook-signature: v1,$SIG" -d "$BODY"`,
  ].join("\n");
}

// --- CRM ----------------------------------------------------------------------------------

const PROVIDER_LABELS: Record<Schemas["CrmProvider"], string> = {
  generic: "Generic (Standard Webhooks)", // i18n-ignore: replaced by crm.generic when shown
  hubspot: "HubSpot",
  pipedrive: "Pipedrive",
};

function CrmCreateModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation("settings");
  const [created, setCreated] = useState<Schemas["CrmConnectionCreated"] | null>(null);
  const form = useForm({
    initialValues: {
      provider: "generic" as Schemas["CrmProvider"],
      name: "",
      default_owner_id: null as string | null,
      client_secret: "",
      api_token: "",
    },
    validate: {
      name: (value) => checkLength(value, rule("CrmConnectionCreate", "name")),
      default_owner_id: (value) => (value ? null : t("crm.chooseOwner")),
      client_secret: (value, values) =>
        values.provider === "hubspot" ? checkLength(value, rule("CrmConnectionCreate", "client_secret")) : null,
    },
  });
  const save = useCreateCrmConnection();
  const submit = (v: typeof form.values) =>
    save.mutate(
      {
        provider: v.provider,
        name: v.name,
        default_owner_id: v.default_owner_id!,
        client_secret: v.provider === "hubspot" ? v.client_secret : null,
        // Optional: with it the worker reads names, owners and stages from the CRM's API.
        access_token: v.provider === "hubspot" && v.api_token ? v.api_token : null,
        api_token: v.provider === "pipedrive" && v.api_token ? v.api_token : null,
      },
      { onSuccess: setCreated, onError: (e) => applyApiError(form, e) },
    );
  return (
    <CreateOnceModal
      title={t("crm.connectTitle")}
      size="xl"
      created={created}
      onClose={onClose}
      shown={(created) => (
        <>
          <Text size="sm">
            <Trans t={t} i18nKey="crm.pointAt" values={{ url: absoluteUrl(created.webhook_url) }} components={{ code: <Code /> }} />
          </Text>
          {created.provider === "generic" && created.signing_secret && (
            <ShownOnce label={t("crm.signingSecret")} value={created.signing_secret}>
              <CopyableBlock label={t("crm.exampleSigned")} text={genericExampleRequest(absoluteUrl(created.webhook_url), created.signing_secret)} />
            </ShownOnce>
          )}
          {created.provider === "pipedrive" && created.signing_secret && (
            <ShownOnce label={t("crm.basicPassword")} value={created.signing_secret}>
              <Text size="sm">
                <Trans t={t} i18nKey="crm.pipedriveAuth" values={{ user: created.basic_username }} components={{ code: <Code /> }} />
              </Text>
              <CopyableBlock
                label={t("common.example")}
                text={`curl -sS -u '${created.basic_username}:${created.signing_secret}' -X POST '${absoluteUrl(created.webhook_url)}' -H 'Content-Type: application/json' -d @pipedrive-event.json`} // i18n-ignore
              />
            </ShownOnce>
          )}
          {created.provider === "hubspot" && (
            <Text size="sm">{t("crm.hubspotSigns")}</Text>
          )}
        </>
      )}
    >
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <Select
            label={t("crm.providerLabel")}
            data={Object.entries(PROVIDER_LABELS).map(([value, label]) => ({ value, label: value === "generic" ? t("crm.generic") : label }))}
            allowDeselect={false}
            {...form.getInputProps("provider")}
          />
          <TextInput label={t("common.name")} data-autofocus {...form.getInputProps("name")} />
          <UserSelect
            label={t("crm.defaultOwnerLabel")}
            description={t("crm.defaultOwnerHint")}
            {...form.getInputProps("default_owner_id")}
          />
          {form.values.provider === "hubspot" && (
            <PasswordInput label={t("crm.hubspotSecret")} {...form.getInputProps("client_secret")} />
          )}
          {form.values.provider !== "generic" && (
            <PasswordInput
              label={form.values.provider === "hubspot" ? t("crm.hubspotToken") : t("crm.pipedriveToken")}
              description={t("crm.tokenHint")}
              {...form.getInputProps("api_token")}
            />
          )}
          <FormActions onCancel={onClose} loading={save.isPending}>
            {t("crm.connect")}
          </FormActions>
        </Stack>
      </form>
    </CreateOnceModal>
  );
}

type CrmConnection = Schemas["CrmConnectionRead"];

function CrmConnectionRow({ connection: c, onLog }: { connection: CrmConnection; onLog: (filter: CrmEventFilter) => void }) {
  const { t } = useTranslation("settings");
  const nameOf = useUserNames();
  const remove = useRemoveCrmConnection();
  const missing = useMissingText(c);
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm">{c.name}</Text>
        {missing.map((text) => (
          <Text key={text} size="xs" c="dimmed" maw={360}>
            {text}
          </Text>
        ))}
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <Badge variant="light">{c.provider}</Badge>
          {missing.length > 0 && (
            <Badge variant="outline" color="yellow" title={missing.join("\n")}>
              {t("crm.noToken")}
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <Code style={{ wordBreak: "break-all" }}>{absoluteUrl(c.webhook_url)}</Code>
          <CopyButton value={absoluteUrl(c.webhook_url)}>
            {({ copied, copy }) => (
              <Button size="compact-xs" variant="subtle" onClick={copy}>
                {copied ? t("common.copied") : t("common.copy")}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Table.Td>
      <Table.Td>{nameOf(c.default_owner_id)}</Table.Td>
      <Table.Td>
        <Stack gap={2} align="flex-start">
          <Text size="xs" c="dimmed" title={c.last_event_at ? absoluteTime(c.last_event_at) : undefined}>
            {c.last_event_at ? t("crm.lastEvent", { when: relativeTime(c.last_event_at) }) : t("crm.noEvents")}
          </Text>
          {(c.failed_events ?? 0) > 0 && (
            <Button size="compact-xs" color="red" variant="light" aria-label={t("crm.failedAria", { name: c.name })} onClick={() => onLog("failed")}>
              {t("crm.failedCount", { count: c.failed_events ?? 0 })}
            </Button>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap" justify="flex-end">
          <Button size="xs" variant="light" aria-label={t("crm.eventsAria", { name: c.name })} onClick={() => onLog("all")}>
            {t("crm.events")}
          </Button>
          <ConfirmButton
            size="xs"
            variant="subtle"
            color="red"
            aria-label={t("crm.removeAria", { name: c.name })}
            title={t("crm.removeTitle", { provider: c.provider, name: c.name })}
            what={<>{t("crm.removeWhat")}</>}
            confirmLabel={t("crm.removeConfirm")}
            onConfirm={() => remove.mutate(c.id, { onSuccess: () => notifySaved(t("crm.removed")), onError: (e) => showError(e) })}
          >
            {t("crm.remove")}
          </ConfirmButton>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function CrmPanel() {
  const { t } = useTranslation("settings");
  const [creating, create] = useDisclosure();
  const [logOf, setLogOf] = useState<{ connection: CrmConnection; filter: CrmEventFilter } | null>(null);
  const list = useCrmConnections();
  return (
    <>
      <ListPanel
        action={t("crm.connectTitle")}
        onAction={create.open}
        query={list}
        empty={t("crm.none")}
      >
        {(connections) => (
          <ListTable minWidth={920} heads={[t("crm.name"), t("crm.provider"), t("crm.webhookUrl"), t("crm.defaultOwner"), t("crm.eventsCol"), ""]}>
            {connections.map((c) => (
              <CrmConnectionRow key={c.id} connection={c} onLog={(filter) => setLogOf({ connection: c, filter })} />
            ))}
          </ListTable>
        )}
      </ListPanel>
      {creating && <CrmCreateModal onClose={create.close} />}
      {logOf && <CrmEventLog connection={logOf.connection} initialFilter={logOf.filter} onClose={() => setLogOf(null)} />}
    </>
  );
}

// --- API keys -----------------------------------------------------------------------------

function ApiKeyCreateModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation("settings");
  const [created, setCreated] = useState<Schemas["ApiKeyCreated"] | null>(null);
  const form = useForm({ initialValues: { name: "", scopes: ["sessions:read"] as Schemas["ApiKeyCreate"]["scopes"], expires_at: "" } });
  const save = useCreateApiKey();
  const submit = (v: typeof form.values) =>
    save.mutate(
      { name: v.name, scopes: v.scopes, expires_at: v.expires_at ? new Date(`${v.expires_at}T23:59:59`).toISOString() : null },
      { onSuccess: setCreated, onError: (e) => applyApiError(form, e) },
    );
  return (
    <CreateOnceModal
      title={t("keys.new")}
      size="lg"
      created={created}
      onClose={onClose}
      shown={(created) => (
        <ShownOnce label={t("keys.apiKey")} value={created.key}>
          <CopyableBlock
            label={t("common.example")}
            text={`curl -sS '${location.origin}/api/v1/sessions?status=completed&limit=50' -H 'Authorization: Bearer ${created.key}'`} // i18n-ignore
          />
        </ShownOnce>
      )}
    >
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label={t("common.name")} description={t("keys.nameHint")} data-autofocus {...form.getInputProps("name")} />
          <MultiSelect label={t("keys.scopesLabel")} data={[...ApiKeyCreateScopes]} {...form.getInputProps("scopes")} />
          <TextInput label={t("keys.expiresOn")} type="date" {...form.getInputProps("expires_at")} />
          <FormActions onCancel={onClose} loading={save.isPending}>
            {t("keys.create")}
          </FormActions>
        </Stack>
      </form>
    </CreateOnceModal>
  );
}

function ApiKeysPanel() {
  const { t } = useTranslation("settings");
  const nameOf = useUserNames();
  const [creating, create] = useDisclosure();
  const list = useApiKeys();
  const revoke = useRevokeApiKey();
  return (
    <>
      <ListPanel action={t("keys.new")} onAction={create.open} query={list} empty={t("keys.none")}>
        {(apiKeys) => (
          <ListTable minWidth={760} heads={[t("keys.name"), t("keys.key"), t("keys.scopes"), t("keys.createdBy"), t("keys.lastUsed"), t("keys.expires"), ""]}>
            {apiKeys.map((k) => (
              <Table.Tr key={k.id}>
                <Table.Td>{k.name}</Table.Td>
                <Table.Td>
                  <Code>{k.prefix}…</Code>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {k.scopes.map((s) => (
                      <Badge key={s} size="xs" variant="outline">
                        {s}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>{nameOf(k.created_by_id)}</Table.Td>
                <Table.Td>{k.last_used_at ? relativeTime(k.last_used_at) : t("keys.never")}</Table.Td>
                <Table.Td>{k.expires_at ? absoluteTime(k.expires_at) : t("keys.never")}</Table.Td>
                <Table.Td>
                  <ConfirmButton
                    size="xs"
                    variant="subtle"
                    color="red"
                    aria-label={t("keys.revokeAria", { name: k.name })}
                    title={t("keys.revokeTitle", { name: k.name })}
                    what={
                      <Trans t={t} i18nKey="keys.revokeWhat" values={{ prefix: `${k.prefix}…` }} components={{ code: <Code /> }} />
                    }
                    confirmLabel={t("keys.revokeConfirm")}
                    onConfirm={() => revoke.mutate(k.id, { onSuccess: () => notifySaved(t("keys.revoked")), onError: (e) => showError(e) })}
                  >
                    {t("keys.revoke")}
                  </ConfirmButton>
                </Table.Td>
              </Table.Tr>
            ))}
          </ListTable>
        )}
      </ListPanel>
      {creating && <ApiKeyCreateModal onClose={create.close} />}
    </>
  );
}
