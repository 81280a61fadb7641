// Integration settings for admins: CRM connections (secret shown once, with an example request),
// API keys (shown once), outbound webhooks with their delivery log and retry.
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Drawer,
  Group,
  Modal,
  MultiSelect,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
  Textarea,
  PasswordInput,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { api } from "../api/client";
import { keys } from "../api/keys";
import { unwrap } from "../api/problem";
import { useUserNames, type Schemas } from "../api/hooks";
import { Empty, QueryState } from "../components/states";
import { UserSelect } from "../components/UserSelect";
import { ConfirmButton } from "../components/Confirm";
import { checkLength, rule } from "../api/rules";
import { applyApiError, notifySaved, showError } from "../components/forms";
import { absoluteTime, relativeTime } from "../format";

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

/** A secret the API shows exactly once: copy it now. */
export function ShownOnce({ label, value, children }: { label: string; value: string; children?: ReactNode }) {
  return (
    <Alert color="yellow" title={`${label} — shown only once`} data-testid="shown-once">
      <Stack gap="xs">
        <Text size="sm">Copy it now and store it safely; it cannot be displayed again.</Text>
        <Group gap="xs" wrap="nowrap">
          <Code style={{ wordBreak: "break-all" }} data-testid="secret-value">
            {value}
          </Code>
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Button size="xs" variant="light" onClick={copy}>
                {copied ? "Copied" : "Copy"}
              </Button>
            )}
          </CopyButton>
        </Group>
        {children}
      </Stack>
    </Alert>
  );
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

function CopyableBlock({ text, label }: { text: string; label: string }) {
  return (
    <div>
      <Group justify="space-between" mb={4}>
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <CopyButton value={text}>
          {({ copied, copy }) => (
            <Button size="compact-xs" variant="light" onClick={copy}>
              {copied ? "Copied" : "Copy"}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Code block style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
        {text}
      </Code>
    </div>
  );
}

// --- CRM ----------------------------------------------------------------------------------

function CrmCreateModal({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
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
  const save = useMutation({
    mutationFn: async (v: typeof form.values) =>
      unwrap(
        await api.POST("/api/v1/integrations/crm", {
          body: {
            provider: v.provider,
            name: v.name,
            default_owner_id: v.default_owner_id!,
            client_secret: v.provider === "hubspot" ? v.client_secret : null,
          },
        }),
      ),
    onSuccess: (connection) => {
      setCreated(connection);
      queryClient.invalidateQueries({ queryKey: keys.integrations.crm });
    },
    onError: (e) => applyApiError(form, e),
  });
  return (
    <Modal opened onClose={onClose} title="Connect a CRM" size="xl">
      {created ? (
        <Stack>
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
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
          <Stack>
            <Select
              label="Provider"
              data={[
                { value: "generic", label: "Generic (Standard Webhooks)" },
                { value: "hubspot", label: "HubSpot" },
                { value: "pipedrive", label: "Pipedrive" },
              ]}
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
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={save.isPending}>
                Connect
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function CrmPanel() {
  const queryClient = useQueryClient();
  const nameOf = useUserNames();
  const [creating, create] = useDisclosure();
  const list = useQuery({
    queryKey: keys.integrations.crm,
    queryFn: async () => unwrap(await api.GET("/api/v1/integrations/crm", { params: { query: { limit: 200 } } })).items,
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE("/api/v1/integrations/crm/{connection_id}", { params: { path: { connection_id: id } } })),
    onSuccess: () => {
      notifySaved("Connection removed");
      queryClient.invalidateQueries({ queryKey: keys.integrations.crm });
    },
    onError: (e) => showError(e),
  });
  return (
    <Stack>
      <Group justify="flex-end">
        <Button onClick={create.open}>Connect a CRM</Button>
      </Group>
      <QueryState query={list} retry>
        {(connections) =>
          connections.length ? (
            <ScrollArea>
              <Table miw={700}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Provider</Table.Th>
                    <Table.Th>Webhook URL</Table.Th>
                    <Table.Th>Default owner</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
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
                          onConfirm={() => remove.mutate(c.id)}
                        >
                          Remove
                        </ConfirmButton>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea>
          ) : (
            <Empty>No CRM connected — connect one so new deals open projects by themselves.</Empty>
          )}
      </QueryState>
      {creating && <CrmCreateModal onClose={create.close} />}
    </Stack>
  );
}

// --- API keys -----------------------------------------------------------------------------

const SCOPES = ["clients", "projects", "sessions", "ledger"].flatMap((r) => [`${r}:read`, `${r}:write`]);

function ApiKeyCreateModal({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<Schemas["ApiKeyCreated"] | null>(null);
  const form = useForm({ initialValues: { name: "", scopes: ["sessions:read"] as string[], expires_at: "" } });
  const save = useMutation({
    mutationFn: async (v: typeof form.values) =>
      unwrap(
        await api.POST("/api/v1/api-keys", {
          body: {
            name: v.name,
            scopes: v.scopes as Schemas["ApiKeyCreate"]["scopes"],
            expires_at: v.expires_at ? new Date(`${v.expires_at}T23:59:59`).toISOString() : null,
          },
        }),
      ),
    onSuccess: (key) => {
      setCreated(key);
      queryClient.invalidateQueries({ queryKey: keys.integrations.apiKeys });
    },
    onError: (e) => applyApiError(form, e),
  });
  return (
    <Modal opened onClose={onClose} title="New API key" size="lg">
      {created ? (
        <Stack>
          <ShownOnce label="API key" value={created.key}>
            <CopyableBlock
              label="Example request"
              text={`curl -sS '${location.origin}/api/v1/sessions?status=completed&limit=50' -H 'Authorization: Bearer ${created.key}'`}
            />
          </ShownOnce>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
          <Stack>
            <TextInput label="Name" description="Which script or tool uses it" data-autofocus {...form.getInputProps("name")} />
            <MultiSelect label="Scopes" data={SCOPES} {...form.getInputProps("scopes")} />
            <TextInput label="Expires on" type="date" {...form.getInputProps("expires_at")} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={save.isPending}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function ApiKeysPanel() {
  const queryClient = useQueryClient();
  const nameOf = useUserNames();
  const [creating, create] = useDisclosure();
  const list = useQuery({
    queryKey: keys.integrations.apiKeys,
    queryFn: async () => unwrap(await api.GET("/api/v1/api-keys", { params: { query: { limit: 200 } } })).items,
  });
  const revoke = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE("/api/v1/api-keys/{api_key_id}", { params: { path: { api_key_id: id } } })),
    onSuccess: () => {
      notifySaved("Key revoked");
      queryClient.invalidateQueries({ queryKey: keys.integrations.apiKeys });
    },
    onError: (e) => showError(e),
  });
  return (
    <Stack>
      <Group justify="flex-end">
        <Button onClick={create.open}>New API key</Button>
      </Group>
      <QueryState query={list} retry>
        {(apiKeys) =>
          apiKeys.length ? (
            <ScrollArea>
              <Table miw={760}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Key</Table.Th>
                    <Table.Th>Scopes</Table.Th>
                    <Table.Th>Created by</Table.Th>
                    <Table.Th>Last used</Table.Th>
                    <Table.Th>Expires</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
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
                          onConfirm={() => revoke.mutate(k.id)}
                        >
                          Revoke
                        </ConfirmButton>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea>
          ) : (
            <Empty>No API keys — create one for each script that pulls session outcomes.</Empty>
          )}
      </QueryState>
      {creating && <ApiKeyCreateModal onClose={create.close} />}
    </Stack>
  );
}

// --- Webhooks -----------------------------------------------------------------------------

const EVENTS: Schemas["WebhookEventType"][] = ["project.created", "project.closed", "session.completed", "action_item.completed"];

function WebhookCreateModal({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<Schemas["WebhookEndpointCreated"] | null>(null);
  const form = useForm({ initialValues: { url: "https://", events: [...EVENTS] as string[], description: "" } });
  const save = useMutation({
    mutationFn: async (v: typeof form.values) =>
      unwrap(await api.POST("/api/v1/webhook-endpoints", { body: { ...v, events: v.events as Schemas["WebhookEventType"][] } })),
    onSuccess: (endpoint) => {
      setCreated(endpoint);
      queryClient.invalidateQueries({ queryKey: keys.integrations.webhooks });
    },
    onError: (e) => applyApiError(form, e),
  });
  return (
    <Modal opened onClose={onClose} title="New webhook endpoint" size="lg">
      {created ? (
        <Stack>
          <ShownOnce label="Signing secret" value={created.secret}>
            <Text size="sm">Deliveries are signed with the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature).</Text>
          </ShownOnce>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
          <Stack>
            <TextInput label="URL" data-autofocus {...form.getInputProps("url")} />
            <MultiSelect label="Events" data={EVENTS} {...form.getInputProps("events")} />
            <Textarea label="Description" {...form.getInputProps("description")} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={save.isPending}>
                Add endpoint
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function DeliveryLog({ endpoint, onClose }: { endpoint: Schemas["WebhookEndpointRead"]; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState("all");
  const deliveries = useQuery({
    queryKey: [...keys.integrations.deliveries(endpoint.id), state],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/webhook-endpoints/{endpoint_id}/deliveries", {
          params: { path: { endpoint_id: endpoint.id }, query: { limit: 100, state: state === "all" ? undefined : (state as "failed") } },
        }),
      ).items,
    // A delivery log is watched while the worker works: keep it current.
    refetchInterval: 3000,
  });
  const retry = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST("/api/v1/webhook-deliveries/{delivery_id}/retry", { params: { path: { delivery_id: id } } })),
    onSuccess: () => {
      notifySaved("Delivery queued again");
      queryClient.invalidateQueries({ queryKey: keys.integrations.deliveries(endpoint.id) });
    },
    onError: (e) => showError(e, "Retry refused"),
  });
  return (
    <Drawer opened onClose={onClose} position="right" size="xl" title={`Deliveries to ${endpoint.url}`}>
      <Stack>
        <SegmentedControl value={state} onChange={setState} data={["all", "pending", "delivered", "failed"]} />
        <QueryState query={deliveries} retry>
          {(attempts) =>
            attempts.length ? (
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Event</Table.Th>
                    <Table.Th>State</Table.Th>
                    <Table.Th className="num">Attempts</Table.Th>
                    <Table.Th>Last</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {attempts.map((d) => (
                    <Table.Tr key={d.id}>
                      <Table.Td>
                        <Text size="sm">{d.event_type}</Text>
                        <Text size="xs" c="dimmed">
                          {relativeTime(d.created_at)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={d.state === "delivered" ? "green" : d.state === "failed" ? "red" : "yellow"} variant="light">
                          {d.state}
                        </Badge>
                      </Table.Td>
                      <Table.Td className="num">{d.attempts}</Table.Td>
                      <Table.Td>
                        <Text size="xs">
                          {d.last_status_code ?? ""} {d.last_error ?? ""}
                        </Text>
                        {d.next_attempt_at && d.state === "pending" && (
                          <Text size="xs" c="dimmed">
                            next {relativeTime(d.next_attempt_at)}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        {d.state !== "delivered" && (
                          <Button size="compact-xs" variant="light" onClick={() => retry.mutate(d.id)} loading={retry.isPending && retry.variables === d.id}>
                            Retry
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ) : (
              <Empty>No deliveries yet.</Empty>
            )}
        </QueryState>
      </Stack>
    </Drawer>
  );
}

function WebhooksPanel() {
  const queryClient = useQueryClient();
  const [creating, create] = useDisclosure();
  const [logOf, setLogOf] = useState<Schemas["WebhookEndpointRead"] | null>(null);
  const list = useQuery({
    queryKey: keys.integrations.webhooks,
    queryFn: async () => unwrap(await api.GET("/api/v1/webhook-endpoints", { params: { query: { limit: 200 } } })).items,
  });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: keys.integrations.webhooks });
  const toggle = useMutation({
    mutationFn: async (endpoint: Schemas["WebhookEndpointRead"]) => {
      const current = await api.GET("/api/v1/webhook-endpoints/{endpoint_id}", { params: { path: { endpoint_id: endpoint.id } } });
      unwrap(current);
      return unwrap(
        await api.PATCH("/api/v1/webhook-endpoints/{endpoint_id}", {
          params: { path: { endpoint_id: endpoint.id }, header: { "If-Match": current.response.headers.get("ETag") ?? undefined } },
          body: { enabled: !endpoint.enabled },
        }),
      );
    },
    onSuccess: invalidate,
    onError: (e) => showError(e),
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE("/api/v1/webhook-endpoints/{endpoint_id}", { params: { path: { endpoint_id: id } } })),
    onSuccess: invalidate,
    onError: (e) => showError(e),
  });
  return (
    <Stack>
      <Group justify="flex-end">
        <Button onClick={create.open}>New endpoint</Button>
      </Group>
      <QueryState query={list} retry>
        {(endpoints) =>
          endpoints.length ? (
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
                        Disabled: {w.disabled_reason}
                      </Text>
                    )}
                  </div>
                  <Group gap="xs" wrap="nowrap">
                    <Switch aria-label={`Enable ${w.url}`} checked={w.enabled} onChange={() => toggle.mutate(w)} />
                    <Button size="xs" variant="light" onClick={() => setLogOf(w)}>
                      Deliveries
                    </Button>
                    <ConfirmButton
                      size="xs"
                      variant="subtle"
                      color="red"
                      aria-label={`Delete ${w.url}`}
                      title="Delete this webhook endpoint?"
                      what={
                        <>
                          <Code style={{ wordBreak: "break-all" }}>{w.url}</Code> receives no more events, and its delivery log
                          goes with it. This cannot be undone.
                        </>
                      }
                      confirmLabel="Delete endpoint"
                      onConfirm={() => remove.mutate(w.id)}
                    >
                      Delete
                    </ConfirmButton>
                  </Group>
                </Group>
              </Card>
            ))
          ) : (
            <Empty>No webhook endpoints — add one to be told when sessions complete or projects close.</Empty>
          )}
      </QueryState>
      {creating && <WebhookCreateModal onClose={create.close} />}
      {logOf && <DeliveryLog endpoint={logOf} onClose={() => setLogOf(null)} />}
    </Stack>
  );
}
