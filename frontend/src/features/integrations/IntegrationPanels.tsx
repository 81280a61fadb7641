// Integration settings for admins: CRM connections (secret shown once, with an example request),
// API keys (shown once), outbound webhooks (webhooks/WebhooksPanel.tsx).
import { Badge, Button, Code, CopyButton, Group, MultiSelect, Select, Stack, Table, Tabs, Text, TextInput, PasswordInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { useState } from "react";
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
import { useApiKeys, useCreateApiKey, useCreateCrmConnection, useCrmConnections, useRemoveCrmConnection, useRevokeApiKey } from "./queries";

export const INTEGRATION_TABS = ["crm", "api-keys", "webhooks"];

export function IntegrationTabs() {
  return (
    <>
      <Tabs.Tab value="crm">CRM</Tabs.Tab>
      <Tabs.Tab value="api-keys">API keys</Tabs.Tab>
      <Tabs.Tab value="webhooks">Webhooks</Tabs.Tab>
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
  generic: "Generic (Standard Webhooks)",
  hubspot: "HubSpot",
  pipedrive: "Pipedrive",
};

function CrmCreateModal({ onClose }: { onClose: () => void }) {
  const [created, setCreated] = useState<Schemas["CrmConnectionCreated"] | null>(null);
  const form = useForm({
    initialValues: {
      provider: "generic" as Schemas["CrmProvider"],
      name: "",
      default_owner_id: null as string | null,
      client_secret: "",
    },
    validate: {
      name: (value) => checkLength(value, rule("CrmConnectionCreate", "name")),
      default_owner_id: (value) => (value ? null : "Choose a default owner"),
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
      },
      { onSuccess: setCreated, onError: (e) => applyApiError(form, e) },
    );
  return (
    <CreateOnceModal
      title="Connect a CRM"
      size="xl"
      created={created}
      onClose={onClose}
      shown={(created) => (
        <>
          <Text size="sm">
            Point your CRM's webhook at <Code>{absoluteUrl(created.webhook_url)}</Code>
          </Text>
          {created.provider === "generic" && created.signing_secret && (
            <ShownOnce label="Signing secret" value={created.signing_secret}>
              <CopyableBlock label="Example request (a signed deal.created event)" text={genericExampleRequest(absoluteUrl(created.webhook_url), created.signing_secret)} />
            </ShownOnce>
          )}
          {created.provider === "pipedrive" && created.signing_secret && (
            <ShownOnce label="HTTP Basic password" value={created.signing_secret}>
              <Text size="sm">
                In Pipedrive's webhook settings use HTTP auth user <Code>{created.basic_username}</Code> with this password.
              </Text>
              <CopyableBlock
                label="Example request"
                text={`curl -sS -u '${created.basic_username}:${created.signing_secret}' -X POST '${absoluteUrl(created.webhook_url)}' -H 'Content-Type: application/json' -d @pipedrive-event.json`}
              />
            </ShownOnce>
          )}
          {created.provider === "hubspot" && (
            <Text size="sm">HubSpot signs with your app's client secret (v3 signatures); nothing else to copy.</Text>
          )}
        </>
      )}
    >
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <Select
            label="Provider"
            data={Object.entries(PROVIDER_LABELS).map(([value, label]) => ({ value, label }))}
            allowDeselect={false}
            {...form.getInputProps("provider")}
          />
          <TextInput label="Name" data-autofocus {...form.getInputProps("name")} />
          <UserSelect
            label="Default owner"
            description="Owns deals whose owner email matches nobody here"
            {...form.getInputProps("default_owner_id")}
          />
          {form.values.provider === "hubspot" && (
            <PasswordInput label="HubSpot app client secret" {...form.getInputProps("client_secret")} />
          )}
          <FormActions onCancel={onClose} loading={save.isPending}>
            Connect
          </FormActions>
        </Stack>
      </form>
    </CreateOnceModal>
  );
}

function CrmPanel() {
  const nameOf = useUserNames();
  const [creating, create] = useDisclosure();
  const list = useCrmConnections();
  const remove = useRemoveCrmConnection();
  return (
    <>
      <ListPanel
        action="Connect a CRM"
        onAction={create.open}
        query={list}
        empty="No CRM connected — connect one so new deals open projects by themselves."
      >
        {(connections) => (
          <ListTable minWidth={700} heads={["Name", "Provider", "Webhook URL", "Default owner", ""]}>
            {connections.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>{c.name}</Table.Td>
                <Table.Td>
                  <Badge variant="light">{c.provider}</Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Code style={{ wordBreak: "break-all" }}>{absoluteUrl(c.webhook_url)}</Code>
                    <CopyButton value={absoluteUrl(c.webhook_url)}>
                      {({ copied, copy }) => (
                        <Button size="compact-xs" variant="subtle" onClick={copy}>
                          {copied ? "Copied" : "Copy"}
                        </Button>
                      )}
                    </CopyButton>
                  </Group>
                </Table.Td>
                <Table.Td>{nameOf(c.default_owner_id)}</Table.Td>
                <Table.Td>
                  <ConfirmButton
                    size="xs"
                    variant="subtle"
                    color="red"
                    aria-label={`Remove ${c.name}`}
                    title={`Remove the ${c.provider} connection "${c.name}"?`}
                    what={
                      <>
                        Its webhook URL stops working at once: deals your CRM sends there afterwards are refused and
                        open no projects. Projects it already opened stay. This cannot be undone — a new connection gets a
                        new URL and secret.
                      </>
                    }
                    confirmLabel="Remove connection"
                    onConfirm={() =>
                      remove.mutate(c.id, { onSuccess: () => notifySaved("Connection removed"), onError: (e) => showError(e) })
                    }
                  >
                    Remove
                  </ConfirmButton>
                </Table.Td>
              </Table.Tr>
            ))}
          </ListTable>
        )}
      </ListPanel>
      {creating && <CrmCreateModal onClose={create.close} />}
    </>
  );
}

// --- API keys -----------------------------------------------------------------------------

function ApiKeyCreateModal({ onClose }: { onClose: () => void }) {
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
      title="New API key"
      size="lg"
      created={created}
      onClose={onClose}
      shown={(created) => (
        <ShownOnce label="API key" value={created.key}>
          <CopyableBlock
            label="Example request"
            text={`curl -sS '${location.origin}/api/v1/sessions?status=completed&limit=50' -H 'Authorization: Bearer ${created.key}'`}
          />
        </ShownOnce>
      )}
    >
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label="Name" description="Which script or tool uses it" data-autofocus {...form.getInputProps("name")} />
          <MultiSelect label="Scopes" data={[...ApiKeyCreateScopes]} {...form.getInputProps("scopes")} />
          <TextInput label="Expires on" type="date" {...form.getInputProps("expires_at")} />
          <FormActions onCancel={onClose} loading={save.isPending}>
            Create key
          </FormActions>
        </Stack>
      </form>
    </CreateOnceModal>
  );
}

function ApiKeysPanel() {
  const nameOf = useUserNames();
  const [creating, create] = useDisclosure();
  const list = useApiKeys();
  const revoke = useRevokeApiKey();
  return (
    <>
      <ListPanel action="New API key" onAction={create.open} query={list} empty="No API keys — create one for each script that pulls session outcomes.">
        {(apiKeys) => (
          <ListTable minWidth={760} heads={["Name", "Key", "Scopes", "Created by", "Last used", "Expires", ""]}>
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
                <Table.Td>{k.last_used_at ? relativeTime(k.last_used_at) : "never"}</Table.Td>
                <Table.Td>{k.expires_at ? absoluteTime(k.expires_at) : "never"}</Table.Td>
                <Table.Td>
                  <ConfirmButton
                    size="xs"
                    variant="subtle"
                    color="red"
                    aria-label={`Revoke ${k.name}`}
                    title={`Revoke the API key "${k.name}"?`}
                    what={
                      <>
                        Every script using the key <Code>{k.prefix}…</Code> gets 401 from its next request on. This cannot
                        be undone; the script needs a new key.
                      </>
                    }
                    confirmLabel="Revoke key"
                    onConfirm={() => revoke.mutate(k.id, { onSuccess: () => notifySaved("Key revoked"), onError: (e) => showError(e) })}
                  >
                    Revoke
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
